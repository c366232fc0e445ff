"""Finding persons by name through the blind index, on SQLite and PostgreSQL."""

import dataclasses
import json

import pytest

from vigil.bootstrap import Vigil
from vigil.crypto.blind_index import PERSON_NAME_BITS, BlindIndex, derive_index_key
from vigil.domain.errors import DomainError
from vigil.domain.records import Identity, Person
from vigil.services import person_search
from vigil.services.person_search import find_persons, reindex_compartment
from vigil.services.recording import add_record, delete_record, edit_record
from vigil.services.transfer import Importer
from vigil.services.workspace import Workspace

SPELLINGS = ["Максим Лапунов", "Maxim Lapunov", "Maksim Lapunov"]


def add_person(ws: Workspace, *names: str, aliases: tuple[str, ...] = ()) -> str:
    return add_record(ws, Person("", identity=Identity(names=names, aliases=aliases)))


def found(ws: Workspace, name: str) -> dict[str, float]:
    return {m.code: m.score for m in find_persons(ws, name).matches}


def test_cyrillic_and_latin_spellings_find_each_other(vigil: Vigil) -> None:
    ws = vigil.workspace
    codes = [add_person(ws, spelling) for spelling in SPELLINGS]
    other = add_person(ws, "Ruslan Testov")
    for spelling in SPELLINGS:
        assert found(ws, spelling) == dict.fromkeys(codes, 1.0)
    assert other not in found(ws, "Максим Лапунов")


def test_one_spelling_finds_the_same_person_from_every_script(vigil: Vigil) -> None:
    ws = vigil.workspace
    code = add_person(ws, "Максим Лапунов")
    for spelling in [*SPELLINGS, "MAKSIM LAPUNOV", "Maksym Lapunow", "лапунов максим"]:
        assert found(ws, spelling) == {code: 1.0}


def test_phonetic_near_misses_are_found_with_a_lower_score(vigil: Vigil) -> None:
    ws = vigil.workspace
    exact = add_person(ws, "Maxim Lapunov")
    near = add_person(ws, "Maxim Lapunoff")
    surname_only = add_person(ws, "Lapunov")
    result = find_persons(ws, "Maxim Lapunov").matches
    assert [m.code for m in result] == [exact, near, surname_only]
    assert [(m.exact, m.phonetic) for m in result] == [(2, 0), (1, 1), (1, 0)]
    assert result[0].score > result[1].score > result[2].score
    # "w" for "в" is one of the usual transliterations: folded, it is an exact match.
    assert found(ws, "Lapunow")[exact] == 1.0
    assert found(ws, "Lapunoff") == {near: 1.0, exact: 0.5, surname_only: 0.5}


def test_aliases_are_searched_too(vigil: Vigil) -> None:
    ws = vigil.workspace
    code = add_person(ws, "Ruslan Testov", aliases=("Максим",))
    assert found(ws, "Maxim") == {code: 1.0}


def test_a_wrong_compartment_key_finds_nothing(vigil: Vigil) -> None:
    ws = vigil.workspace
    add_person(ws, "Максим Лапунов")
    right = ws.name_indexes["default"]
    stored = right.names.tokens("Максим Лапунов")
    stored_terms = person_search.person_terms(right.names, ["Максим Лапунов"])
    for seed in range(1, 50):  # a key whose terms do not fall into the stored buckets by chance
        wrong = BlindIndex(derive_index_key(bytes([seed]) * 32), bits=PERSON_NAME_BITS)
        if not person_search.person_terms(wrong, ["Maxim Lapunov"]) & stored_terms:
            break
    assert wrong.tokens("Maxim Lapunov") == stored  # the same words, another key
    ws.name_indexes["default"] = dataclasses.replace(right, names=wrong)
    assert find_persons(ws, "Maxim Lapunov").matches == []


def test_edit_and_delete_keep_the_index_current(vigil: Vigil) -> None:
    ws = vigil.workspace
    code = add_person(ws, "Максим Лапунов")
    edit_record(ws, code, {"identity": json.dumps({"names": ["Ruslan Testov"]})})
    assert found(ws, "Maxim Lapunov") == {}
    assert found(ws, "Ruslan Testov") == {code: 1.0}
    edit_record(ws, code, {"description": "a public note"})
    assert found(ws, "Ruslan Testov") == {code: 1.0}
    delete_record(ws, code)
    assert found(ws, "Ruslan Testov") == {}


def test_imported_identities_are_indexed_with_their_last_version(vigil: Vigil) -> None:
    def entry(code: str, version: int, action: str, names: list[str] | None) -> str:
        line = {
            "code": code,
            "kind": "person",
            "version": version,
            "action": action,
            "recorded_at": "2020-01-01T00:00:00",
            "data": {"code": code} if action != "delete" else {},
        }
        if names is not None:
            line["sealed_plain"] = {"identity": {"names": names}}
        return json.dumps(line, ensure_ascii=False)

    lines = [
        '{"format": "vigil-export", "version": 1, "sealing": "plaintext"}',
        entry("P-AAAAAA", 1, "create", ["Максим Лапунов"]),
        entry("P-BBBBBB", 1, "create", ["Ruslan Testov"]),
        entry("P-CCCCCC", 1, "create", ["Ivan Petrov"]),
        entry("P-BBBBBB", 2, "update", ["Maksim Lapunoff"]),
        entry("P-CCCCCC", 2, "delete", None),
    ]
    Importer(vigil.workspace, vigil.keyring, None).run(lines)
    assert found(vigil.workspace, "Maxim Lapunov") == {"P-AAAAAA": 1.0, "P-BBBBBB": 0.75}
    assert found(vigil.workspace, "Ruslan Testov") == {}
    assert found(vigil.workspace, "Ivan Petrov") == {}


def test_reindex_rebuilds_an_index_that_was_never_built(vigil: Vigil) -> None:
    ws = vigil.workspace
    code = add_person(ws, "Максим Лапунов")
    ws.store.clear_person_tokens("default")
    ws.store.delete_setting("name-index:default")
    with pytest.raises(DomainError, match="vigil person reindex"):
        find_persons(ws, "Maxim Lapunov")
    assert reindex_compartment(ws, ws.name_indexes["default"]) == 1
    assert found(ws, "Maxim Lapunov") == {code: 1.0}


def test_the_limit_keeps_the_best_matches(vigil: Vigil) -> None:
    ws = vigil.workspace
    partial = [add_person(ws, f"Maxim Other{chr(97 + n)}") for n in range(5)]
    best = add_person(ws, "Maxim Lapunov")
    result = find_persons(ws, "Maxim Lapunov", limit=3)
    assert [m.code for m in result.matches] == [best, *sorted(partial)[:2]]


@pytest.mark.parametrize(("name", "limit"), [("", 10), ("- . ,", 10), ("Maxim", 0)])
def test_bad_searches_are_refused(vigil: Vigil, name: str, limit: int) -> None:
    with pytest.raises(DomainError):
        find_persons(vigil.workspace, name, limit=limit)


def test_a_search_is_audited_without_the_name(vigil: Vigil) -> None:
    ws = vigil.workspace
    code = add_person(ws, "Максим Лапунов")
    find_persons(ws, "Maxim Lapunov")
    find_persons(ws, "Maxim Lapunov", reveal=True)
    rows = list(vigil.store.audit_rows())
    searches = [r for r in rows if r.action == "search"]
    assert [r.details["reveal"] for r in searches] == ["no", "yes"]
    assert [r.record for r in rows if r.action == "reveal"] == [code]
    text = json.dumps([r.details for r in rows], ensure_ascii=False).lower()
    for word in ("maxim", "maksim", "lapunov", "максим", "лапунов"):
        assert word not in text
