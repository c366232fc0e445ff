"""Sealed identities never reach storage in plaintext, on SQLite and PostgreSQL."""

import base64
import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from conftest import PASSPHRASE
from integration.helpers import add_sample
from vigil.bootstrap import Vigil
from vigil.crypto.blind_index import name_tokens
from vigil.domain.errors import DomainError
from vigil.domain.records import Person
from vigil.services.person_search import find_persons, reindex_compartment
from vigil.services.ports import SealBroken, WrongPassphrase
from vigil.services.recording import edit_record, show
from vigil.services.transfer import ExportOptions, Importer, write_export


def unique_name() -> str:
    return f"Zelimkhan-{uuid.uuid4().hex[:10]}"


def forms(secret: str) -> list[bytes]:
    return [secret.encode("utf-8"), secret.encode("utf-16-le"), secret.lower().encode()]


def files_containing(folder: Path, secret: str) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found += [str(path) for form in forms(secret) if form in content]
    return found


def postgres_rows_containing(url: str, secret: str) -> list[str]:
    schema = url.rsplit("search_path%3D", 1)[1]
    base = url.split("?")[0]
    found = []
    with psycopg.connect(base) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        for (table,) in tables:
            rows = conn.execute(
                f'SELECT CAST(t AS text) FROM "{schema}"."{table}" t'  # noqa: S608 - names from the catalogue
            ).fetchall()
            found += [table for (row,) in rows if secret.lower() in row.lower()]
            bytea_rows = conn.execute(
                f'SELECT * FROM "{schema}"."{table}"'  # noqa: S608 - names from the catalogue
            ).fetchall()
            for row in bytea_rows:
                for cell in row:
                    if isinstance(cell, bytes | memoryview) and any(
                        f in bytes(cell) for f in forms(secret)
                    ):
                        found.append(table)
    return found


def assert_nowhere(vigil: Vigil, secret: str) -> None:
    vigil.engine.dispose()
    assert files_containing(vigil.settings.home, secret) == []
    if vigil.settings.database_url:
        assert postgres_rows_containing(vigil.settings.database_url, secret) == []


def test_person_name_is_never_written_in_plaintext(vigil: Vigil) -> None:
    name = unique_name()
    sample = add_sample(vigil.workspace, name)
    revealed = show(vigil.workspace, sample.person, reveal=True).record
    assert isinstance(revealed, Person) and revealed.identity is not None
    assert revealed.identity.names == (name,)
    assert_nowhere(vigil, name)


def test_edited_identity_is_sealed_in_every_version(vigil: Vigil) -> None:
    first, second = unique_name(), unique_name()
    sample = add_sample(vigil.workspace, first)
    edit_record(
        vigil.workspace,
        sample.person,
        {"identity": f'{{"names": ["{second}"], "aliases": ["{second}-alias"]}}'},
    )
    assert show(vigil.workspace, sample.person, reveal=True).record.identity.names == (second,)
    assert_nowhere(vigil, first)
    assert_nowhere(vigil, second)


def test_a_refused_edit_of_an_identity_does_not_repeat_the_name_typed(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace, unique_name())
    typed = unique_name()
    with pytest.raises(DomainError) as refused:
        edit_record(vigil.workspace, sample.person, {"identity": f'{{"names": ["{typed}"'})
    assert "identity" in str(refused.value) and typed not in str(refused.value)
    assert_nowhere(vigil, typed)


def test_name_search_writes_neither_the_searched_name_nor_the_identities(vigil: Vigil) -> None:
    name, absent = unique_name(), unique_name()
    sample = add_sample(vigil.workspace, name)
    assert [m.code for m in find_persons(vigil.workspace, name).matches] == [sample.person]
    revealed = find_persons(vigil.workspace, name, reveal=True).matches
    assert revealed[0].names == (name,)
    only_first_name = find_persons(vigil.workspace, absent).matches  # both are Zelimkhan-…
    assert [(m.code, m.exact < m.tokens) for m in only_first_name] == [(sample.person, True)]
    reindex_compartment(vigil.workspace, vigil.workspace.name_indexes["default"])
    for secret in (name, absent):
        assert_nowhere(vigil, secret)
        for token in name_tokens(secret):  # nor the folded tokens the index is computed from
            if len(token) >= 6:
                assert_nowhere(vigil, token)


def test_sealed_export_and_import_keep_names_sealed(vigil: Vigil, tmp_path: Path) -> None:
    name = unique_name()
    add_sample(vigil.workspace, name)
    out = io.StringIO()
    write_export(vigil.workspace, vigil.keyring, ExportOptions(passphrase=PASSPHRASE), out)
    assert name not in out.getvalue()
    export_file = vigil.settings.home / "export.jsonl"
    export_file.write_text(out.getvalue(), encoding="utf-8")
    assert_nowhere(vigil, name)


def test_failed_import_leaves_no_plaintext(vigil: Vigil) -> None:
    name = unique_name()
    lines = [
        '{"format": "vigil-export", "version": 1, "sealing": "plaintext"}',
        '{"code": "P-AAAAAA", "kind": "person", "version": 1, "action": "create", '
        '"recorded_at": "2020-01-01T00:00:00", "data": {"code": "P-AAAAAA"}, '
        f'"sealed_plain": {{"identity": {{"names": ["{name}"]}}}}}}',
        '{"code": "A-AAAAAA", "kind": "act", "version": 1, "action": "create"}',
    ]
    with pytest.raises(Exception, match="line 3"):
        Importer(vigil.workspace, vigil.keyring, None).run(lines)
    assert_nowhere(vigil, name)


def test_ciphertext_moved_to_another_person_does_not_open(vigil: Vigil) -> None:
    first = add_sample(vigil.workspace, unique_name())
    second = add_sample(vigil.workspace, unique_name())
    store = vigil.store
    stolen = store.get(first.person)
    target = store.get(second.person)
    assert stolen is not None and target is not None
    target.sealed = stolen.sealed
    target.version += 1
    with store.transaction():
        store.replace(target, "2020-01-01T00:00:00", "tampering")
    with pytest.raises(SealBroken):
        show(vigil.workspace, second.person, reveal=True)


def test_wrong_passphrase_is_refused_and_changes_nothing(vigil: Vigil) -> None:
    add_sample(vigil.workspace)
    before = vigil.store.count_by_kind()
    now = datetime.now(UTC)
    vigil.workspace.clock = lambda: now  # a loaded machine must not outlast the delay
    with pytest.raises(WrongPassphrase):
        vigil.unlock("not the passphrase")
    assert vigil.store.count_by_kind() == before
    with pytest.raises(WrongPassphrase, match="too many failed sign-ins"):
        vigil.unlock(PASSPHRASE)
    later = datetime.now(UTC) + timedelta(seconds=5)
    vigil.workspace.clock = lambda: later
    vigil.unlock(PASSPHRASE)
    assert vigil.store.count_by_kind() == before


def test_sealed_value_is_not_base64_of_the_plaintext(vigil: Vigil) -> None:
    name = unique_name()
    sample = add_sample(vigil.workspace, name)
    stored = vigil.store.get(sample.person)
    assert stored is not None and stored.sealed is not None
    assert base64.b64encode(name.encode()) not in base64.b64encode(stored.sealed)
    assert "identity" not in stored.data
