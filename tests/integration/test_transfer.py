"""Export and import: lossless round trips, malformed files rejected whole."""

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FAST_KDF, PASSPHRASE
from integration.helpers import add_sample
from vigil.bootstrap import Settings, Vigil
from vigil.services.demo import demo_size, load_demo
from vigil.services.ports import WrongPassphrase
from vigil.services.recording import edit_record, show
from vigil.services.transfer import ExportOptions, Importer, ImportRejected, export_lines


def exported(vigil: Vigil, options: ExportOptions | None = None) -> list[str]:
    chosen = options or ExportOptions(passphrase=PASSPHRASE)
    return list(export_lines(vigil.workspace, vigil.keyring, chosen))


def versions_of(lines: list[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in lines[1:]]


def fresh(tmp_path: Path, name: str, passphrase: str = PASSPHRASE) -> Vigil:
    return Vigil.create(Settings(home=tmp_path / name), passphrase, kdf=FAST_KDF)


def populated(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace, "Round Trip Name")
    edit_record(vigil.workspace, sample.incident_2017, {"status": "confirmed"}, "checked")
    edit_record(vigil.workspace, sample.person, {"description": "witness"})


def test_export_then_import_is_lossless(vigil: Vigil, tmp_path: Path) -> None:
    populated(vigil)
    lines = exported(vigil, ExportOptions(passphrase="file secret"))
    target = fresh(tmp_path, "target", "another passphrase")
    try:
        assert Importer(target.workspace, target.keyring, "file secret").run(lines) == 11
        again = exported(target)
        keep = ("code", "kind", "version", "action", "recorded_at", "data", "note")
        assert [{k: v.get(k) for k in keep} for v in versions_of(again)] == [
            {k: v.get(k) for k in keep} for v in versions_of(lines)
        ]
        person = next(v for v in versions_of(lines) if v["kind"] == "person")["code"]
        assert show(target.workspace, str(person), reveal=True).record.identity.names == (
            "Round Trip Name",
        )
    finally:
        target.close()


def test_an_export_under_the_instance_passphrase_imports_elsewhere(
    vigil: Vigil, tmp_path: Path
) -> None:
    populated(vigil)
    lines = exported(vigil)
    target = fresh(tmp_path, "target", "another passphrase")
    try:
        with pytest.raises(ImportRejected, match="give its passphrase"):
            Importer(target.workspace, target.keyring, None).run(lines)
        Importer(target.workspace, target.keyring, PASSPHRASE).run(lines)
        assert target.store.count_by_kind() == vigil.store.count_by_kind()
    finally:
        target.close()


def test_a_wrong_file_passphrase_imports_nothing(vigil: Vigil, tmp_path: Path) -> None:
    populated(vigil)
    lines = exported(vigil, ExportOptions(passphrase="file secret"))
    target = fresh(tmp_path, "target")
    try:
        with pytest.raises(WrongPassphrase):
            Importer(target.workspace, target.keyring, "guess").run(lines)
        assert sum(target.store.count_by_kind().values()) == 0
    finally:
        target.close()


def test_plaintext_export_holds_names_only_when_asked(vigil: Vigil) -> None:
    populated(vigil)
    assert "Round Trip Name" not in "".join(exported(vigil))
    assert "Round Trip Name" in "".join(exported(vigil, ExportOptions(plaintext=True)))


def test_importing_a_record_that_exists_is_refused(vigil: Vigil) -> None:
    populated(vigil)
    lines = exported(vigil)
    with pytest.raises(ImportRejected, match=r"line 2: field 'code'.*already exists"):
        Importer(vigil.workspace, vigil.keyring, PASSPHRASE).run(lines)


def broken(lines: list[str], number: int, change: dict[str, object]) -> list[str]:
    entry = json.loads(lines[number - 1])
    entry.update(change)
    return [*lines[: number - 1], json.dumps(entry), *lines[number:]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "weapon"}, "field 'kind'"),
        ({"version": 7}, "field 'version'"),
        ({"action": "merge"}, "field 'action'"),
        ({"data": "text"}, "field 'data'"),
        ({"sealed": "***"}, "field 'sealed'"),
    ],
)
def test_a_malformed_line_rejects_the_whole_file(
    vigil: Vigil, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    populated(vigil)
    lines = exported(vigil)
    person_line = next(i for i, line in enumerate(lines, 1) if '"kind": "person"' in line)
    target = fresh(tmp_path, "target")
    try:
        with pytest.raises(ImportRejected, match=f"line {person_line}: {message}"):
            Importer(target.workspace, target.keyring, PASSPHRASE).run(
                broken(lines, person_line, change)
            )
        assert sum(target.store.count_by_kind().values()) == 0
        assert list(target.store.versions()) == []
    finally:
        target.close()


def test_a_bad_term_or_date_names_its_line(vigil: Vigil, tmp_path: Path) -> None:
    populated(vigil)
    lines = exported(vigil)
    number = next(i for i, line in enumerate(lines, 1) if '"kind": "incident"' in line)
    entry = json.loads(lines[number - 1])
    target = fresh(tmp_path, "target")
    try:
        for field, value, message in (
            ("status", "rumoured", "status"),
            ("period", "2017-13", "2017-13"),
        ):
            data = dict(entry["data"], **{field: value})
            with pytest.raises(ImportRejected, match=f"line {number}: .*{message}"):
                Importer(target.workspace, target.keyring, PASSPHRASE).run(
                    broken(lines, number, {"data": data})
                )
        assert sum(target.store.count_by_kind().values()) == 0
    finally:
        target.close()


def test_a_dangling_reference_rejects_the_file(vigil: Vigil, tmp_path: Path) -> None:
    populated(vigil)
    lines = [line for line in exported(vigil) if '"kind": "place"' not in line]
    target = fresh(tmp_path, "target")
    try:
        with pytest.raises(ImportRejected, match="does not exist"):
            Importer(target.workspace, target.keyring, PASSPHRASE).run(lines)
        assert sum(target.store.count_by_kind().values()) == 0
    finally:
        target.close()


@pytest.fixture(scope="module")
def sqlite_export(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    source = fresh(tmp_path_factory.mktemp("source"), "instance")
    try:
        populated(source)
        return exported(source, ExportOptions(passphrase="file secret"))
    finally:
        source.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_corruption_is_rejected_whole_or_imported_whole(
    sqlite_export: list[str], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    lines = list(sqlite_export)
    number = data.draw(st.integers(1, len(lines)), label="line")
    text = lines[number - 1]
    position = data.draw(st.integers(0, len(text)), label="position")
    insert = data.draw(st.text(max_size=5), label="insert")
    cut = data.draw(st.integers(0, 5), label="cut")
    lines[number - 1] = text[:position] + insert + text[position + cut :]
    target = fresh(tmp_path_factory.mktemp("target"), "instance")
    try:
        try:
            Importer(target.workspace, target.keyring, "file secret").run(lines)
        except (ImportRejected, WrongPassphrase):
            assert sum(target.store.count_by_kind().values()) == 0
            assert list(target.store.versions()) == []
        else:
            assert sum(target.store.count_by_kind().values()) == 11
    finally:
        target.close()


def test_export_writes_a_stream(vigil: Vigil) -> None:
    from vigil.services.transfer import write_export

    populated(vigil)
    out = io.StringIO()
    options = ExportOptions(passphrase=PASSPHRASE)
    assert write_export(vigil.workspace, vigil.keyring, options, out) == 13
    assert out.getvalue().count("\n") == 14


def test_the_demonstration_data_makes_the_round_trip(vigil: Vigil, tmp_path: Path) -> None:
    """Claims with and without counts arrive in one batch: every row must bind every column."""
    load_demo(vigil.workspace)
    lines = exported(vigil, ExportOptions(passphrase="file secret"))
    target = fresh(tmp_path, "target", "another passphrase")
    try:
        assert Importer(target.workspace, target.keyring, "file secret").run(lines) == demo_size()
        assert target.store.count_by_kind() == vigil.store.count_by_kind()
    finally:
        target.close()
