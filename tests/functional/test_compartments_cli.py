"""Compartments from the command line: create, record into, remove a member, rotate, export."""

import json
from pathlib import Path

from conftest import PASSPHRASE
from functional.test_cli import code_of, one_line_error
from integration.test_sealing import files_containing, unique_name
from vigil.bootstrap import Settings

TEAM = "Legal team"


def test_a_compartment_hides_its_records_and_survives_a_rotation(  # type: ignore[no-untyped-def]
    run, settings: Settings, tmp_path: Path
) -> None:
    assert (
        run(
            "user", "add", "ruslan", "--role", "documenter", VIGIL_NEW_PASSPHRASE=PASSPHRASE
        ).exit_code
        == 0
    )
    assert (
        run(
            "user", "add", "amina", "--role", "documenter", VIGIL_NEW_PASSPHRASE=PASSPHRASE
        ).exit_code
        == 0
    )
    created = run("compartment", "create", TEAM, "--member", "ruslan", "--member", "amina")
    assert created.exit_code == 0, created.output
    name = unique_name()
    person = code_of(run("person", "add", "--compartment", TEAM, "--name", name))
    public = code_of(run("place", "add", "--name", "Argun", "--kind", "town"))

    listed = run("list", "persons", "--json", VIGIL_USER="ruslan")
    assert [p["code"] for p in json.loads(listed.output)] == [person]
    outsider = run("user", "add", "olga", "--role", "coordinator", VIGIL_NEW_PASSPHRASE=PASSPHRASE)
    assert outsider.exit_code == 0
    assert run("show", public, VIGIL_USER="olga").exit_code == 0
    one_line_error(run("show", person, "--reveal", VIGIL_USER="olga"), "no record")
    one_line_error(
        run("person", "add", "--compartment", TEAM, "--name", "x", VIGIL_USER="olga"),
        "not a member",
    )

    removed = run("compartment", "remove-member", TEAM, "amina")
    assert removed.exit_code == 0, removed.output
    assert "key version 2" in removed.output and "re-encrypted 2 sealed sections" in removed.output
    one_line_error(run("show", person, VIGIL_USER="amina"), "no record")
    revealed = run("show", person, "--reveal", "--json", VIGIL_USER="ruslan")
    assert json.loads(revealed.output)["identity"]["names"] == [name]

    listing = json.loads(run("compartment", "list", "--json").output)
    team = next(c for c in listing if c["name"] == TEAM)
    assert team == {
        "name": TEAM,
        "key_version": 2,
        "members": ["admin", "ruslan"],
        "rekey_pending": False,
    }
    mine = json.loads(run("compartment", "list", "--json", VIGIL_USER="ruslan").output)
    assert sorted(c["name"] for c in mine) == [TEAM, "default"]

    exported = tmp_path / "team.jsonl"
    theirs = tmp_path / "olga.jsonl"
    assert run("export", str(theirs), VIGIL_USER="olga").exit_code == 0
    assert person not in theirs.read_text() and public in theirs.read_text()
    assert run("export", str(exported)).exit_code == 0
    entries = [json.loads(line) for line in exported.read_text().splitlines()[1:]]
    assert {e["code"]: e["compartment"] for e in entries}[person] == TEAM
    assert files_containing(settings.home, name) == []
    assert files_containing(tmp_path, name) == []
    audit = run("audit", "show", "--json")
    actions = [e["action"] for e in json.loads(audit.output)]
    assert {"compartment-create", "member-remove", "rekey"} <= set(actions)


def test_refusals_are_one_line(run) -> None:  # type: ignore[no-untyped-def]
    one_line_error(run("compartment", "create", "instance"), "reserved")
    one_line_error(run("compartment", "create", "bad/name"), "compartment name")
    one_line_error(run("compartment", "remove-member", "default", "nobody"), "not a member")
    one_line_error(run("compartment", "add-member", "nowhere", "admin"), "no key")
    one_line_error(run("compartment", "rekey", "nowhere"), "no current key")


def test_a_new_key_version_reminds_to_rewrite_the_wraps_file(run) -> None:  # type: ignore[no-untyped-def]
    assert "recovery wraps" not in run("compartment", "create", "Before").output
    assert run("recovery", "split", "--threshold", "2", "--shares", "2").exit_code == 0
    created = run("compartment", "create", TEAM)
    assert created.exit_code == 0 and "vigil recovery wraps FILE" in created.output
    assert (
        run(
            "user",
            "add",
            "amina",
            "--role",
            "viewer",
            "--compartment",
            TEAM,
            VIGIL_NEW_PASSPHRASE=PASSPHRASE,
        ).exit_code
        == 0
    )
    removed = run("compartment", "remove-member", TEAM, "amina")
    assert removed.exit_code == 0 and "vigil recovery wraps FILE" in removed.output
