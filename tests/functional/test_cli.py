"""The `vigil` command through its real entry point, as a documenter would use it."""

import json
from pathlib import Path

from click.testing import CliRunner, Result

from conftest import PASSPHRASE
from vigil.bootstrap import Settings
from vigil.cli.main import cli


def code_of(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def one_line_error(result: Result, *words: str) -> None:
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]


def test_a_documenter_records_and_lists_an_incident(run) -> None:  # type: ignore[no-untyped-def]
    country = code_of(run("place", "add", "--name", "Russia", "--kind", "country"))
    town = code_of(
        run(
            "place",
            "add",
            "--name",
            "Argun",
            "--kind",
            "town",
            "--parent",
            country,
            "--name-in",
            "ru=Аргун",
            "--lat",
            "43.29",
            "--lon",
            "45.87",
        )
    )
    police = code_of(run("org", "add", "--name", "Police", "--kind", "law-enforcement-unit"))
    person = code_of(run("person", "add", "--name", "Ruslan Testov", "--sex", "male"))
    incident = code_of(
        run(
            "incident",
            "add",
            "--title",
            "Detentions",
            "--period",
            "2018-12~",
            "--place",
            town,
            "--status",
            "alleged",
        )
    )
    act = code_of(
        run(
            "act",
            "add",
            "--incident",
            incident,
            "--type",
            "secret-detention",
            "--victim",
            person,
            "--perpetrator",
            f"{police}:direct-perpetrator:police",
            "--method",
            "beating",
            "--method",
            "electric-shock",
            "--legal",
            "echr-3",
        )
    )
    source = code_of(
        run(
            "source",
            "add",
            "--kind",
            "ngo-report",
            "--title",
            "Press release",
            "--published-on",
            "2019-01-14",
        )
    )
    claim = code_of(
        run(
            "claim",
            "add",
            "--source",
            source,
            "--quantity",
            "detained",
            "--value",
            "40",
            "--qualifier",
            "about",
            "--as-of",
            "2019-01-14",
            "--supports",
            incident,
        )
    )
    listed = json.loads(
        run(
            "list",
            "incidents",
            "--place",
            country,
            "--period",
            "2018-12",
            "--act-type",
            "deprivation-of-liberty",
            "--json",
        ).output
    )
    assert [item["code"] for item in listed] == [incident]
    shown = json.loads(run("show", act, "--json").output)
    assert shown["methods"] == ["beating", "electric-shock"]
    claims = json.loads(run("list", "claims", "--source", source, "--json").output)
    assert claims[0]["code"] == claim
    assert claims[0]["count"]["value"] == {"qualifier": "about", "low": 40, "high": 40}
    overview = json.loads(run("overview", "--json").output)
    assert overview["counts"]["detained"][0]["value"] == "about 40"


def test_a_person_shows_sealed_until_revealed(run) -> None:  # type: ignore[no-untyped-def]
    person = code_of(run("person", "add", "--name", "Максим Тестов", "--alias", "Max"))
    hidden = run("show", person, "--json")
    assert "Максим" not in hidden.output
    assert json.loads(hidden.output)["sealed"] == "sealed"
    revealed = json.loads(run("show", person, "--reveal", "--json").output)
    assert revealed["identity"]["names"] == ["Максим Тестов"]


def test_history_shows_each_version_and_what_changed(run) -> None:  # type: ignore[no-untyped-def]
    incident = code_of(run("incident", "add", "--title", "Detentions", "--period", "2017"))
    assert run("edit", incident, "--set", "status=corroborated", "--note", "HRW").exit_code == 0
    run("delete", incident, "--reason", "duplicate")
    history = json.loads(run("history", incident, "--json").output)
    assert [h["action"] for h in history] == ["create", "update", "delete"]
    assert history[1]["changes"] == ["status: 'alleged' → 'corroborated'"]
    assert history[2]["note"] == "duplicate"


def test_a_bad_date_says_which_part_is_wrong(run) -> None:  # type: ignore[no-untyped-def]
    one_line_error(
        run("incident", "add", "--title", "x", "--period", "2017-13"), "2017-13", "character 5"
    )


def test_an_unknown_term_suggests_the_nearest(run) -> None:  # type: ignore[no-untyped-def]
    one_line_error(run("place", "add", "--name", "x", "--kind", "twn"), "twn", "town")


def test_a_wrong_passphrase_says_so_and_changes_nothing(run) -> None:  # type: ignore[no-untyped-def]
    assert (
        run("user", "add", "second", "--role", "viewer", VIGIL_NEW_PASSPHRASE=PASSPHRASE).exit_code
        == 0
    )
    result = run("person", "add", "--name", "Someone", VIGIL_PASSPHRASE="wrong")
    one_line_error(result, "wrong passphrase")
    # the administrator must now wait before signing in again; another user looks
    assert json.loads(run("list", "persons", "--json", VIGIL_USER="second").output) == []


def test_an_unknown_code_is_one_line(run) -> None:  # type: ignore[no-untyped-def]
    one_line_error(run("show", "P-000000"), "no record P-000000")
    one_line_error(run("show", "banana"), "not a record code")


def test_export_and_import_round_trip_through_files(
    run,
    settings: Settings,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    person = code_of(run("person", "add", "--name", "Export Person"))
    path = tmp_path / "out.jsonl"
    assert (
        run("export", str(path), "--file-passphrase", VIGIL_FILE_PASSPHRASE="file pass").exit_code
        == 0
    )
    assert "Export Person" not in path.read_text(encoding="utf-8")
    other = CliRunner()
    env = {
        "VIGIL_HOME": str(tmp_path / "other"),
        "VIGIL_PASSPHRASE": "other pass",
        "VIGIL_DATABASE_URL": "",
    }
    assert other.invoke(cli, ["init"], env=env).exit_code == 0
    result = other.invoke(
        cli,
        ["import", str(path), "--file-passphrase"],
        env={**env, "VIGIL_FILE_PASSPHRASE": "file pass"},
    )
    assert result.exit_code == 0, result.output
    shown = other.invoke(cli, ["show", person, "--reveal", "--json"], env=env)
    assert json.loads(shown.output)["identity"]["names"] == ["Export Person"]


def test_plaintext_export_warns(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("person", "add", "--name", "Plain Person")
    result = run("export", str(tmp_path / "plain.jsonl"), "--plaintext-identities")
    assert "PLAINTEXT" in result.output
    assert "Plain Person" in (tmp_path / "plain.jsonl").read_text(encoding="utf-8")


def test_csv_export_leaves_sealed_sections_out(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("person", "add", "--name", "Csv Person", "--description", "witness")
    run("place", "add", "--name", "Grozny", "--kind", "city")
    assert run("export", str(tmp_path / "csv"), "--format", "csv").exit_code == 0
    people = (tmp_path / "csv" / "person.csv").read_text(encoding="utf-8")
    assert "witness" in people and "Csv Person" not in people
    assert "Grozny" in (tmp_path / "csv" / "place.csv").read_text(encoding="utf-8")


def test_vocab_searches_in_russian_and_english(run) -> None:  # type: ignore[no-untyped-def]
    found = json.loads(run("vocab", "act-type", "--search", "пытк", "--json").output)
    assert "torture" in [t["code"] for t in found]
    listed = json.loads(run("vocab", "--json").output)
    assert {"act-type", "method", "quantity", "legal-article"} <= {v["id"] for v in listed}


def test_demo_loads_counts_that_disagree(tmp_path: Path) -> None:
    env = {
        "VIGIL_HOME": str(tmp_path / "demo"),
        "VIGIL_PASSPHRASE": PASSPHRASE,
        "VIGIL_DATABASE_URL": "",
    }
    runner = CliRunner()
    assert runner.invoke(cli, ["demo"], env=env).exit_code == 0
    overview = json.loads(runner.invoke(cli, ["overview", "--json"], env=env).output)
    detained = {row["value"] for row in overview["counts"]["detained"]}
    assert len(detained) >= 3
    assert overview["records"]["incident"] >= 8
    text = runner.invoke(cli, ["overview"], env=env).output
    assert "what each source said" in text
