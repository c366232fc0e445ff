"""Trustee recovery and emergency shredding, through the `vigil` command on each database."""

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from conftest import PASSPHRASE, embedded_engine, instance_environment
from functional.conftest import Run
from integration.test_sealing import files_containing, postgres_rows_containing
from vigil.bootstrap import Settings, Vigil
from vigil.cli.main import cli
from vigil.crypto.recovery import combine_shares
from vigil.services.recovery import RECOVERY_HOLDER
from vigil.storage.tables import compartment_key, user_account

OTHER = "ruslan's long passphrase"
NEW = "a brand new passphrase"
HIDDEN = "Hidden Name Kheda"


def shares_of(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return re.findall(r"^share \d+: (\S+)$", result.output, flags=re.MULTILINE)


def write_shares(folder: Path, shares: list[str], name: str = "shares.txt") -> str:
    path = folder / name
    path.write_text("\n".join(shares) + "\n", encoding="utf-8")
    return str(path)


def key_rows(settings: Settings) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every wrapped key and account row, read directly (the embedded file keyed by admin)."""
    engine = embedded_engine(settings) if settings.embedded else Vigil.open(settings).engine
    try:
        with engine.connect() as conn:
            order = (compartment_key.c.holder, compartment_key.c.compartment, "key_version")
            wraps = [tuple(r) for r in conn.execute(sa.select(compartment_key).order_by(*order))]
            users = [tuple(r) for r in conn.execute(sa.select(user_account).order_by("name"))]
    finally:
        engine.dispose()
    return wraps, users


def restore_user(run: Run, user: str, shares_file: str, *options: str) -> Result:
    """Run `vigil recovery restore` for a user with a file of shares and the new passphrase."""
    return run(
        "recovery",
        "restore",
        "--user",
        user,
        "--shares-file",
        shares_file,
        *options,
        VIGIL_NEW_PASSPHRASE=NEW,
    )


def reveal(run: Run, code: str, user: str, passphrase: str) -> Result:
    return run("show", code, "--reveal", "--json", VIGIL_USER=user, VIGIL_PASSPHRASE=passphrase)


@pytest.fixture
def recorded(run: Run) -> str:
    """Ruslan, a documenter, records a person whose name is sealed; return its code."""
    added = run("user", "add", "ruslan", "--role", "documenter", VIGIL_NEW_PASSPHRASE=OTHER)
    assert added.exit_code == 0, added.output
    result = run("person", "add", "--name", HIDDEN, VIGIL_USER="ruslan", VIGIL_PASSPHRASE=OTHER)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_k_shares_restore_a_user_who_lost_their_passphrase(
    run: Run, recorded: str, tmp_path: Path
) -> None:
    shares = shares_of(run("recovery", "split", "--threshold", "2", "--shares", "3"))
    assert len(shares) == 3
    restored = restore_user(run, "ruslan", write_shares(tmp_path, [shares[2], shares[0]]))
    assert restored.exit_code == 0, restored.output
    assert "restored ruslan" in restored.output
    shown = reveal(run, recorded, "ruslan", NEW)
    assert json.loads(shown.output)["identity"]["names"] == [HIDDEN]
    old = reveal(run, recorded, "ruslan", OTHER)
    assert old.exit_code != 0 and "unknown user or wrong passphrase" in old.output
    entries = json.loads(run("audit", "show", "--json").output)
    split = [e for e in entries if e["action"] == "recovery-split"]
    assert [(e["details"]["threshold"], e["details"]["shares"]) for e in split] == [("2", "3")]
    restore = [e for e in entries if e["action"] == "recovery-restore"]
    assert [(e["actor"], e["details"]["user"]) for e in restore] == [(RECOVERY_HOLDER, "ruslan")]
    assert run("audit", "verify").exit_code == 0


def test_shares_can_be_typed_on_standard_input(run: Run, recorded: str, settings: Settings) -> None:
    shares = shares_of(run("recovery", "split", "--threshold", "2", "--shares", "2"))
    env = {**instance_environment(settings), "VIGIL_NEW_PASSPHRASE": NEW}
    result = CliRunner().invoke(
        cli, ["recovery", "restore", "--user", "ruslan"], input="\n".join(shares) + "\n", env=env
    )
    assert result.exit_code == 0, result.output
    assert reveal(run, recorded, "ruslan", NEW).exit_code == 0


def test_k_minus_one_shares_fail_and_change_nothing(
    run: Run, recorded: str, settings: Settings, tmp_path: Path
) -> None:
    shares = shares_of(run("recovery", "split", "--threshold", "3", "--shares", "5"))
    before = key_rows(settings)
    result = restore_user(run, "ruslan", write_shares(tmp_path, shares[1:3]))
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "Error: not enough shares: have 2 of 3; nothing was changed"
    ]
    assert key_rows(settings) == before
    assert reveal(run, recorded, "ruslan", OTHER).exit_code == 0


def test_a_share_from_another_split_fails(
    run: Run, recorded: str, settings: Settings, tmp_path: Path
) -> None:
    old = shares_of(run("recovery", "split", "--threshold", "2", "--shares", "3"))
    new = shares_of(run("recovery", "split", "--threshold", "2", "--shares", "3"))
    before = key_rows(settings)
    mixed = restore_user(run, "ruslan", write_shares(tmp_path, [new[0], old[1]]))
    assert mixed.exit_code != 0 and "shares come from different splits" in mixed.output
    outdated = restore_user(run, "ruslan", write_shares(tmp_path, old[:2]))
    assert outdated.exit_code != 0 and "do not belong to this recovery key" in outdated.output
    assert key_rows(settings) == before


def test_only_an_administrator_splits_and_thresholds_are_checked(run: Run, recorded: str) -> None:
    refused = run(
        "recovery",
        "split",
        "--threshold",
        "2",
        "--shares",
        "3",
        VIGIL_USER="ruslan",
        VIGIL_PASSPHRASE=OTHER,
    )
    assert refused.exit_code != 0 and "needs the role admin" in refused.output
    for k, n in (("1", "3"), ("4", "3"), ("2", "17")):
        bad = run("recovery", "split", "--threshold", k, "--shares", n)
        assert bad.exit_code != 0 and f"got {k} of {n}" in bad.output
    assert "share 1:" not in bad.output


def test_shred_needs_the_phrase(run: Run, recorded: str, settings: Settings) -> None:
    before = key_rows(settings)
    side_file = settings.key_file.read_bytes() if settings.embedded else b""
    env = instance_environment(settings)
    wrong = CliRunner().invoke(cli, ["shred"], input="no\n", env=env)
    assert wrong.exit_code != 0 and "nothing was changed" in wrong.output
    assert key_rows(settings) == before
    right = CliRunner().invoke(cli, ["shred"], input="destroy every key\n", env=env)
    assert right.exit_code == 0, right.output
    if settings.embedded:  # the file's key existed only in the side file, now destroyed
        assert side_file and not settings.key_file.exists()
    else:
        assert key_rows(settings)[0] == []


def test_shred_makes_sealed_data_unreadable_with_the_old_passphrases(
    run: Run, recorded: str, settings: Settings
) -> None:
    run("recovery", "split", "--threshold", "2", "--shares", "2")
    wraps, users = key_rows(settings)
    result = run("shred", "--yes-destroy-all-keys")
    assert result.exit_code == 0, result.output
    if settings.embedded:
        assert "destroyed 1 database key files" in result.output
    else:
        # default and instance, for admin, ruslan and the recovery key
        assert "destroyed 6 compartment keys, 2 private keys, 0 TOTP secrets" in result.output
        assert key_rows(settings)[0] == []
    for user, passphrase in (("ruslan", OTHER), ("admin", PASSPHRASE)):
        shown = reveal(run, recorded, user, passphrase)
        assert shown.exit_code != 0
        assert "unknown user or wrong passphrase" in shown.output or "missing" in shown.output
    old_keys = [row[3] for row in wraps] + [row[5] for row in users]
    assert all(isinstance(key, bytes) and len(key) > 40 for key in old_keys)
    if not settings.database_url:
        for path in settings.home.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                assert not [k for k in old_keys if k in content], path  # type: ignore[operator]


def test_after_shred_shares_and_the_wraps_file_bring_the_data_back(
    run: Run, recorded: str, settings: Settings, tmp_path: Path
) -> None:
    wraps_file = tmp_path / "off-machine" / "wraps.json"
    wraps_file.parent.mkdir()
    split = run(
        "recovery", "split", "--threshold", "2", "--shares", "3", "--wraps-file", str(wraps_file)
    )
    shares = shares_of(split)
    document = json.loads(wraps_file.read_text(encoding="utf-8"))
    assert [(w["compartment"], w["version"]) for w in document["wraps"]] == [
        ("default", 1),
        ("instance", 1),
    ]
    assert document["members"] == {"default": ["admin", "ruslan"], "instance": ["admin", "ruslan"]}
    assert ("database_key" in document) is settings.embedded
    assert run("shred", "--yes-destroy-all-keys").exit_code == 0
    shares_file = write_shares(tmp_path, shares[1:])
    without = restore_user(run, "ruslan", shares_file)
    assert without.exit_code != 0 and "--wraps-file" in without.output
    restored = restore_user(run, "ruslan", shares_file, "--wraps-file", str(wraps_file))
    assert restored.exit_code == 0, restored.output
    shown = reveal(run, recorded, "ruslan", NEW)
    assert json.loads(shown.output)["identity"]["names"] == [HIDDEN]
    admin = restore_user(run, "admin", shares_file)
    assert admin.exit_code == 0, admin.output
    assert reveal(run, recorded, "admin", NEW).exit_code == 0
    entries = json.loads(run("audit", "show", "--json", VIGIL_PASSPHRASE=NEW).output)
    shred = [e for e in entries if e["action"] == "shred"]
    # an encrypted file nobody opened cannot take the entry: only its side file was destroyed
    expected = [] if settings.embedded else ["@emergency"]
    assert [e["details"]["user"] for e in shred] == expected
    assert run("audit", "verify", VIGIL_PASSPHRASE=NEW).exit_code == 0


def test_no_share_or_recovery_key_is_written_anywhere(
    run: Run, recorded: str, settings: Settings, tmp_path: Path
) -> None:
    wraps_file = tmp_path / "wraps.json"
    shares = shares_of(
        run(
            "recovery",
            "split",
            "--threshold",
            "2",
            "--shares",
            "3",
            "--wraps-file",
            str(wraps_file),
        )
    )
    shares_file = write_shares(tmp_path, shares[:2])
    run("shred", "--yes-destroy-all-keys")
    restored = restore_user(run, "admin", shares_file, "--wraps-file", str(wraps_file))
    assert restored.exit_code == 0, restored.output
    private = combine_shares(shares)
    secrets = [*shares, *(s.split(":")[-1] for s in shares), private.hex()]
    audit = run("audit", "show", "--json", VIGIL_PASSPHRASE=NEW).output
    assert [s for s in secrets if s in audit] == []
    assert private.hex() not in wraps_file.read_text(encoding="utf-8")
    for secret in secrets:
        assert files_containing(settings.home, secret) == []
        if settings.database_url:
            assert postgres_rows_containing(settings.database_url, secret) == []
    if not settings.database_url:
        for path in settings.home.rglob("*"):
            assert not path.is_file() or private not in path.read_bytes()


def test_the_wraps_file_can_be_written_again(run: Run, recorded: str, tmp_path: Path) -> None:
    missing = run("recovery", "wraps", str(tmp_path / "none.json"))
    assert missing.exit_code != 0 and "recovery split" in missing.output
    run("recovery", "split", "--threshold", "2", "--shares", "2")
    assert run("recovery", "wraps", str(tmp_path / "wraps.json")).exit_code == 0
    document = json.loads((tmp_path / "wraps.json").read_text(encoding="utf-8"))
    assert document["format"] == "vigil-recovery-wraps/1"
    assert (tmp_path / "wraps.json").stat().st_mode & 0o077 == 0
