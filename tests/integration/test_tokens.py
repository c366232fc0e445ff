"""API tokens through the instance: made, listed, revoked, expired, narrowed, never stored."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from conftest import PASSPHRASE, embedded_engine, instance_environment
from integration.test_compartments import new_compartment, person
from vigil.bootstrap import Settings, Vigil
from vigil.cli.main import cli
from vigil.crypto.audit_log import VERIFY_KEY_SETTING, verify_log
from vigil.crypto.database_keys import DatabaseKeyFile
from vigil.domain.records import Place
from vigil.services import compartments
from vigil.services.permissions import NotAllowed
from vigil.services.recording import add_record, show
from vigil.services.tokens import MAX_DAYS, TokenRefused
from vigil.services.workspace import NotFound

SEALED_NAME = "Zelimkhan Tablecheck"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_tokens_are_made_listed_revoked_and_expire_by_the_clock(
    vigil: Vigil, settings: Settings
) -> None:
    vigil.workspace.clock = lambda: START
    week = vigil.create_token("weekly", "read", ["default"], days=7)
    year = vigil.create_token("yearly", "read-write", ["default"], days=MAX_DAYS)
    assert week.row.expires_at == (START + timedelta(days=7)).isoformat(timespec="seconds")
    listed = vigil.list_tokens()
    assert {t.label for t in listed} == {"weekly", "yearly"}
    assert all(week.text not in repr(t) and year.text not in repr(t) for t in listed)

    opened = Vigil.open_by_token(settings, week.text, lambda: START + timedelta(days=6))
    opened.check_token()
    opened.close()
    with pytest.raises(TokenRefused, match="expired"):
        Vigil.open_by_token(settings, week.text, lambda: START + timedelta(days=7))

    vigil.revoke_token(year.row.id)
    assert {t.label: t.state(START) for t in vigil.list_tokens()} == {
        "weekly": "active",
        "yearly": "revoked",
    }
    with pytest.raises(TokenRefused):
        Vigil.open_by_token(settings, year.text, lambda: START)


@pytest.mark.parametrize("role", ["analyst"])
def test_a_role_that_may_not_reveal_gets_no_revealing_token(
    vigil: Vigil, settings: Settings, role: str
) -> None:
    vigil.add_user("member", role, PASSPHRASE, ("default",))
    member = Vigil.open(settings)
    member.sign_in("member", PASSPHRASE)
    try:
        with pytest.raises(NotAllowed, match="reveal"):
            member.create_token("script", "read", ["default"], reveal=True)
        assert not member.create_token("script", "read", ["default"]).row.reveal
    finally:
        member.close()


@pytest.mark.parametrize(
    ("scope", "chosen", "days"),
    [
        ("admin", ["default"], 30),
        ("read", [], 30),
        ("read", ["instance"], 30),
        ("read", ["nowhere"], 30),
        ("read", ["default"], 0),
        ("read", ["default"], MAX_DAYS + 1),
    ],
)
def test_a_token_cannot_reach_beyond_its_user(
    vigil: Vigil, scope: str, chosen: list[str], days: int
) -> None:
    with pytest.raises(NotAllowed):
        vigil.create_token("script", scope, chosen, days)
    assert vigil.list_tokens() == []


def test_another_users_token_cannot_be_revoked_but_by_an_administrator(
    vigil: Vigil, settings: Settings
) -> None:
    vigil.add_user("one", "documenter", PASSPHRASE, ("default",))
    vigil.add_user("two", "documenter", PASSPHRASE, ("default",))
    members = []
    for name in ("one", "two"):
        member = Vigil.open(settings)
        member.sign_in(name, PASSPHRASE)
        members.append(member)
    try:
        mine = members[0].create_token("mine", "read", ["default"])
        with pytest.raises(NotAllowed):
            members[1].revoke_token(mine.row.id)
        assert members[1].list_tokens() == []
        assert vigil.revoke_token(mine.row.id).revoked_at is not None
    finally:
        for member in members:
            member.close()


def test_a_token_holds_only_its_compartments_keys(vigil: Vigil, settings: Settings) -> None:
    new_compartment(vigil, "Hotline 2017")
    new_compartment(vigil, "Legal team")
    seen = add_record(vigil.workspace, person(SEALED_NAME), "Hotline 2017")
    hidden = add_record(vigil.workspace, person(SEALED_NAME), "Legal team")
    text = vigil.create_token("script", "read", ["Hotline 2017"]).text
    opened = Vigil.open_by_token(settings, text)
    try:
        ws = opened.workspace
        assert ws.readable == ("Hotline 2017",)
        assert show(ws, seen).sealed == "sealed"
        with pytest.raises(NotFound):
            show(ws, hidden)
        with pytest.raises(NotAllowed):
            show(ws, seen, reveal=True)  # the read scope holds no sealed.reveal
    finally:
        opened.close()


def test_a_compartment_drops_out_of_a_token_once_its_user_left_it(
    vigil: Vigil, settings: Settings
) -> None:
    new_compartment(vigil, "Hotline 2017")
    vigil.add_user("member", "documenter", PASSPHRASE, ("default", "Hotline 2017"))
    member = Vigil.open(settings)
    member.sign_in("member", PASSPHRASE)
    text = member.create_token("script", "read", ["default", "Hotline 2017"]).text
    member.close()
    assert vigil.session is not None
    compartments.remove_member(
        vigil.workspace, vigil.store, vigil.user_keys, vigil.session, "Hotline 2017", "member"
    )
    opened = Vigil.open_by_token(settings, text)
    try:
        assert opened.workspace.readable == ("default",)
    finally:
        opened.close()


def test_neither_the_secret_nor_a_sealed_name_is_stored_in_plaintext(
    vigil: Vigil, settings: Settings
) -> None:
    add_record(vigil.workspace, person(SEALED_NAME))
    new = vigil.create_token("script", "read-write", ["default"])
    opened = Vigil.open_by_token(settings, new.text)
    opened.close()
    engine = embedded_engine(settings) if settings.embedded else vigil.engine
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM api_token")).all()
        everything = repr(rows) + repr(conn.execute(sa.text("SELECT * FROM person")).all())
    if settings.embedded:
        engine.dispose()
    secret_forms = (new.text, new.text.split("_", 2)[2], new.secret.hex(), repr(new.secret))
    assert len(rows) == 1
    for secret in secret_forms:
        assert secret not in everything
    for part in SEALED_NAME.split():
        assert part not in everything
    if settings.embedded:
        for path in (settings.database_file, settings.key_file):
            content = path.read_bytes()
            assert new.secret not in content and new.text.encode() not in content
            assert SEALED_NAME.split()[1].encode() not in content


def test_revoking_forgets_the_tokens_way_into_the_database_file(
    vigil: Vigil, settings: Settings
) -> None:
    new = vigil.create_token("script", "read", ["default"])
    if settings.embedded:
        before = settings.key_file.read_text()
        vigil.revoke_token(new.row.id)
        assert len(settings.key_file.read_text()) < len(before)
    else:  # PostgreSQL needs no side file: nothing of the token is kept outside the database
        vigil.revoke_token(new.row.id)
        assert not settings.key_file.exists()
    with pytest.raises(TokenRefused):
        Vigil.open_by_token(settings, new.text)


def test_shredding_destroys_every_token(vigil: Vigil, settings: Settings) -> None:
    new = vigil.create_token("script", "read", ["default"])
    shredded = vigil.shred()
    assert shredded.counts["API tokens"] == 1
    with pytest.raises(TokenRefused):
        Vigil.open_by_token(settings, new.text)


def test_the_token_commands_create_list_and_revoke(vigil: Vigil, settings: Settings) -> None:
    runner = CliRunner()
    env = instance_environment(settings)

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    created = run("token", "create", "nightly", "--compartment", "default", "--days", "3")
    text = next(line for line in created.splitlines() if line.startswith("vgt_"))
    token_id = text.split("_")[1]
    listed = run("token", "list", "--json")
    assert token_id in listed and "nightly" in listed and text not in listed
    assert "read" in run("token", "list")
    assert token_id in run("token", "revoke", token_id)
    assert '"revoked"' in run("token", "list", "--json")
    refused = runner.invoke(cli, ["token", "create", "x", "--compartment", "nowhere"], env=env)
    assert refused.exit_code != 0


def test_revoked_and_expired_tokens_keep_no_keys(vigil: Vigil, settings: Settings) -> None:
    vigil.workspace.clock = lambda: START
    revoked = vigil.create_token("revoked", "read", ["default"], days=30)
    expiring = vigil.create_token("expiring", "read", ["default"], days=1)
    lasting = vigil.create_token("lasting", "read", ["default"], days=30)
    vigil.revoke_token(revoked.row.id)
    vigil.workspace.clock = lambda: START + timedelta(days=2)
    states = {
        t.label: (t.state(vigil.workspace.clock()), bool(t.sealed_keys))
        for t in vigil.list_tokens()
    }
    assert states == {
        "revoked": ("revoked", False),
        "expiring": ("expired", False),
        "lasting": ("active", True),
    }
    if settings.embedded:
        file = DatabaseKeyFile(settings.key_file)
        assert file.token_entry(revoked.row.id) is None
        assert file.token_entry(expiring.row.id) is None
        assert file.token_entry(lasting.row.id) is not None
    opened = Vigil.open_by_token(settings, lasting.text, lambda: START + timedelta(days=2))
    opened.close()


def test_what_a_token_does_is_signed_with_its_id_and_the_log_verifies(
    vigil: Vigil, settings: Settings
) -> None:
    new = vigil.create_token("script", "read-write", ["default"])
    opened = Vigil.open_by_token(settings, new.text)
    try:
        code = add_record(opened.workspace, Place("", "Argun", "town"))
    finally:
        opened.close()
    entries = [(row.actor, row.action, row.details) for row in vigil.store.audit_rows()]
    assert ("admin", "token-sign-in", {"token": new.row.id}) in entries
    created = [d for _, action, d in entries if action == "create" and d.get("token")]
    assert created == [{"kind": "place", "compartment": "default", "token": new.row.id}]
    assert code
    key = vigil.store.read_setting(VERIFY_KEY_SETTING)
    assert key is not None and verify_log(vigil.store.audit_rows(), key) == []
