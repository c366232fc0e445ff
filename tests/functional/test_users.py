"""Accounts: roles, sign-in with passphrase and one-time code, delays, disabling."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from conftest import FAST_KDF, PASSPHRASE
from integration.test_sealing import files_containing, postgres_rows_containing
from vigil.bootstrap import Settings, Vigil
from vigil.crypto.audit_log import SignedAuditLog, open_signer
from vigil.crypto.keyring import PassphraseKeyring
from vigil.domain.errors import DomainError
from vigil.domain.records import Identity, Person
from vigil.services import instance
from vigil.services.accounts import SignInFailed
from vigil.services.person_search import find_persons, reindex_compartment
from vigil.services.recording import add_record, show
from vigil.services.workspace import Actor
from vigil.storage.engine import migrate

OTHER = "another long passphrase"


def test_an_administrator_adds_a_documenter_who_can_record(run) -> None:  # type: ignore[no-untyped-def]
    assert (
        run("user", "add", "ruslan", "--role", "documenter", VIGIL_NEW_PASSPHRASE=OTHER).exit_code
        == 0
    )
    users = {u["name"]: u["role"] for u in json.loads(run("user", "list", "--json").output)}
    assert users == {"admin": "admin", "ruslan": "documenter"}
    person = run(
        "person", "add", "--name", "Hidden Name", VIGIL_USER="ruslan", VIGIL_PASSPHRASE=OTHER
    ).output.strip()
    shown = run("show", person, "--reveal", "--json", VIGIL_USER="ruslan", VIGIL_PASSPHRASE=OTHER)
    assert json.loads(shown.output)["identity"]["names"] == ["Hidden Name"]
    entries = json.loads(run("audit", "show", "--record", person, "--json").output)
    assert {e["actor"] for e in entries} == {"ruslan"}


def test_only_an_administrator_adds_users(run) -> None:  # type: ignore[no-untyped-def]
    run("user", "add", "ruslan", "--role", "documenter", VIGIL_NEW_PASSPHRASE=OTHER)
    result = run(
        "user",
        "add",
        "elena",
        "--role",
        "analyst",
        VIGIL_USER="ruslan",
        VIGIL_PASSPHRASE=OTHER,
        VIGIL_NEW_PASSPHRASE=OTHER,
    )
    assert result.exit_code != 0
    assert "needs the role admin" in result.output


def test_an_unknown_user_and_a_wrong_passphrase_get_the_same_answer(run) -> None:  # type: ignore[no-untyped-def]
    unknown = run("place", "add", "--name", "x", "--kind", "town", VIGIL_USER="nobody")
    wrong = run("place", "add", "--name", "x", "--kind", "town", VIGIL_PASSPHRASE="wrong one!")
    assert unknown.exit_code != 0 and wrong.exit_code != 0
    assert "unknown user or wrong passphrase" in unknown.output
    assert "unknown user or wrong passphrase" in wrong.output


def test_failed_sign_ins_are_signed_into_the_audit_log_later(run, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    run("place", "add", "--name", "x", "--kind", "town", VIGIL_USER="nobody")
    run("user", "list")
    run("place", "add", "--name", "Argun", "--kind", "town")
    entries = json.loads(run("audit", "show", "--json").output)
    failed = [e for e in entries if e["action"] == "sign-in-failed"]
    # The encrypted embedded file cannot be written before a passphrase opens its key: a failure
    # there changes nothing at all, so only PostgreSQL keeps it for the audit log.
    expected = ["nobody"] if settings.database_url else []
    assert [e["details"]["user"] for e in failed] == expected
    assert run("audit", "verify").exit_code == 0


def test_a_disabled_user_cannot_sign_in(run) -> None:  # type: ignore[no-untyped-def]
    run("user", "add", "ruslan", "--role", "documenter", VIGIL_NEW_PASSPHRASE=OTHER)
    assert run("user", "disable", "ruslan").exit_code == 0
    result = run(
        "place", "add", "--name", "x", "--kind", "town", VIGIL_USER="ruslan", VIGIL_PASSPHRASE=OTHER
    )
    assert "disabled" in result.output and result.exit_code != 0


def test_an_administrator_changes_a_role_but_not_their_own(run) -> None:  # type: ignore[no-untyped-def]
    run("user", "add", "ruslan", "--role", "documenter", VIGIL_NEW_PASSPHRASE=OTHER)
    as_ruslan = {"VIGIL_USER": "ruslan", "VIGIL_PASSPHRASE": OTHER}
    assert run("place", "add", "--name", "x", "--kind", "town", **as_ruslan).exit_code == 0
    changed = run("user", "role", "ruslan", "viewer")
    assert changed.exit_code == 0 and "ruslan is now viewer (was documenter)" in changed.output
    refused = run("place", "add", "--name", "y", "--kind", "town", **as_ruslan)
    assert refused.exit_code != 0
    own = run("user", "role", "admin", "viewer")
    assert own.exit_code != 0 and "your own role" in own.output
    assert run("user", "role", "admin", "emperor").exit_code != 0
    entries = json.loads(run("audit", "show", "--json").output)
    assert [e["details"] for e in entries if e["action"] == "user-role"] == [
        {"user": "ruslan", "from": "documenter", "to": "viewer"}
    ]


def test_a_one_time_code_is_required_once_enrolled(run, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    enrolled = run("user", "totp")
    secret = re.search(r"secret: (\w+)", enrolled.output).group(1)  # type: ignore[union-attr]
    missing = run("place", "add", "--name", "x", "--kind", "town")
    assert missing.exit_code != 0 and "one-time code" in missing.output
    code = pyotp.TOTP(secret).now()
    assert run("place", "add", "--name", "y", "--kind", "town", VIGIL_TOTP=code).exit_code == 0
    assert files_containing(settings.home, secret) == []
    if settings.database_url:
        assert postgres_rows_containing(settings.database_url, secret) == []


def test_failures_make_the_next_sign_in_wait(vigil: Vigil) -> None:
    now = datetime.now(UTC)
    vigil.workspace.clock = lambda: now  # a loaded machine must not outlast the delay
    with pytest.raises(SignInFailed):
        vigil.sign_in("admin", "wrong passphrase")
    with pytest.raises(SignInFailed, match="too many failed sign-ins"):
        vigil.sign_in("admin", PASSPHRASE)
    later = datetime.now(UTC) + timedelta(seconds=3)
    vigil.workspace.clock = lambda: later
    vigil.sign_in("admin", PASSPHRASE)


def test_an_instance_from_before_accounts_moves_onto_an_administrator(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "legacy")
    settings.home.mkdir()
    old = Vigil(settings, FAST_KDF)
    migrate(old.engine)
    cipher = instance.initialise(old.store, PassphraseKeyring(FAST_KDF), PASSPHRASE)
    old.workspace.ciphers = {"default": cipher}
    old.workspace.actor = Actor("owner", "admin")
    old.workspace.audit = SignedAuditLog(
        old.store, open_signer(old.store, cipher), "owner", old.workspace.clock
    )
    code = add_record(old.workspace, Person("", identity=Identity(names=("Legacy Name",))))
    old.close()
    reopened = Vigil.open(settings)
    try:
        reopened.unlock(PASSPHRASE)
        revealed = show(reopened.workspace, code, reveal=True).record
        assert revealed.identity.names == ("Legacy Name",)  # type: ignore[union-attr]
        assert reopened.store.read_setting(instance.KDF_SETTING) is None
        assert [u.name for u in reopened.store.users()] == ["admin"]
    finally:
        reopened.close()
    again = Vigil.open(settings)
    try:
        again.unlock(PASSPHRASE)
        assert show(again.workspace, code, reveal=True).record.identity is not None  # type: ignore[union-attr]
        with pytest.raises(DomainError, match="vigil person reindex"):
            find_persons(again.workspace, "Legacy Name")
        reindex_compartment(again.workspace, again.workspace.name_indexes["default"])
        assert [m.code for m in find_persons(again.workspace, "Legacy Name").matches] == [code]
    finally:
        again.close()
