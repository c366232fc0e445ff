"""The audit log records every change, reveal, export and import, and shows tampering."""

import json
from pathlib import Path

import psycopg
import sqlalchemy as sa

from conftest import embedded_engine
from vigil.bootstrap import Settings


def tamper(settings: Settings, statement: str) -> None:
    if settings.database_url:
        with psycopg.connect(settings.database_url.replace("+psycopg", "")) as conn:
            conn.execute(statement)
        return
    engine = embedded_engine(settings)
    with engine.begin() as conn:
        conn.execute(sa.text(statement))
    engine.dispose()


def test_every_change_and_reveal_is_in_the_log(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    person = run("person", "add", "--name", "Audited Name").output.strip()
    place = run("place", "add", "--name", "Argun", "--kind", "town").output.strip()
    run("edit", place, "--set", "name=Argun town")
    run("show", person, "--reveal")
    run("export", str(tmp_path / "out.jsonl"))
    run("delete", place)
    entries = json.loads(run("audit", "show", "--json").output)
    assert {e["action"] for e in entries if e["action"] == "sign-in"} == {"sign-in"}
    entries = [e for e in entries if e["action"] != "sign-in"]
    assert [(e["action"], e["record"]) for e in entries] == [
        ("init", None),
        ("create", person),
        ("create", place),
        ("update", place),
        ("reveal", person),
        ("export", None),
        ("delete", place),
    ]
    assert "Audited Name" not in json.dumps(entries)
    only = json.loads(run("audit", "show", "--record", person, "--json").output)
    assert {e["actor"] for e in only} == {"admin"}
    assert [e["action"] for e in only] == ["create", "reveal"]
    assert run("audit", "verify").exit_code == 0


def test_an_edited_entry_is_reported_with_its_position(run, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    run("place", "add", "--name", "Argun", "--kind", "town")
    run("place", "add", "--name", "Grozny", "--kind", "city")
    tamper(settings, "UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 2")
    result = run("audit", "verify")
    assert result.exit_code != 0
    assert "position 2 (entry 2)" in result.output


def test_a_deleted_entry_is_reported(run, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    for name in ("Argun", "Grozny", "Gudermes"):
        run("place", "add", "--name", name, "--kind", "town")
    tamper(settings, "DELETE FROM audit_entry WHERE seq = 2")
    result = run("audit", "verify")
    assert result.exit_code != 0
    assert "gap" in result.output


def test_a_cut_tail_is_found_against_a_published_head(run, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    run("place", "add", "--name", "Argun", "--kind", "town")
    head = run("audit", "head").output.strip()
    run("place", "add", "--name", "Grozny", "--kind", "city")
    assert run("audit", "verify", "--head", head).exit_code == 0
    tamper(settings, "DELETE FROM audit_entry WHERE seq >= 2")
    assert run("audit", "verify").exit_code == 0
    result = run("audit", "verify", "--head", head)
    assert result.exit_code != 0
    assert "truncated" in result.output
