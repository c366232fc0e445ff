"""`vigil person find` and `vigil person reindex` through the command line."""

import json
import uuid

from conftest import PASSPHRASE
from functional.conftest import Run
from functional.test_cli import code_of, one_line_error
from integration.test_sealing import files_containing, postgres_rows_containing
from vigil.bootstrap import Settings


def test_find_ranks_matches_and_reveals_only_when_asked(run: Run) -> None:
    exact = code_of(run("person", "add", "--name", "Максим Лапунов"))
    near = code_of(run("person", "add", "--name", "Maxim Lapunoff"))
    result = run("person", "find", "Maksim Lapunov", "--json")
    assert result.exit_code == 0, result.output
    matches = json.loads(result.output)["matches"]
    assert [(m["code"], m["score"]) for m in matches] == [(exact, 1.0), (near, 0.75)]
    assert "names" not in matches[0]
    shown = run("person", "find", "Maksim Lapunov", "--reveal")
    assert shown.exit_code == 0 and "Максим Лапунов" in shown.output
    assert "Максим" not in run("person", "find", "Maksim Lapunov").output


def test_the_searched_name_reaches_no_file_row_log_or_audit_entry(
    run: Run, settings: Settings
) -> None:
    name, absent = f"Zelimkhan-{uuid.uuid4().hex[:10]}", f"Zelimkhan-{uuid.uuid4().hex[:10]}"
    code = code_of(run("person", "add", "--name", name))
    assert code in run("person", "find", name, "--reveal").output
    assert run("person", "find", absent).exit_code == 0
    audit = run("audit", "show", "--json")
    actions = [entry["action"] for entry in json.loads(audit.output)]
    assert actions.count("search") == 2 and actions.count("reveal") == 1
    for secret in (name, absent):
        assert secret not in audit.output
        assert files_containing(settings.home, secret) == []
        if settings.database_url:
            assert postgres_rows_containing(settings.database_url, secret) == []


def test_reindex_reports_what_it_indexed(run: Run) -> None:
    code_of(run("person", "add", "--name", "Ruslan Testov"))
    result = run("person", "reindex")
    assert result.exit_code == 0
    assert "compartment default: 1 persons indexed" in result.output


def test_bad_searches_are_one_line_errors(run: Run) -> None:
    one_line_error(run("person", "find", "--", "-"), "no name on standard input")
    one_line_error(run("person", "find", "!!"), "no word")
    one_line_error(run("person", "find", "Maxim", "--limit", "0"), "limit")
    one_line_error(
        run("person", "find", "Maxim", VIGIL_PASSPHRASE=PASSPHRASE + "x"), "wrong passphrase"
    )
