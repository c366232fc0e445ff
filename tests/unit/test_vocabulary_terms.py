"""Controlled vocabularies: the packaged terms, look-ups, searches and an instance's local terms."""

from pathlib import Path

import pytest

from vigil.domain.errors import DomainError, UnknownTerm
from vigil.domain.vocabulary import Term, Vocabulary
from vigil.services.vocabularies import Vocabularies, load_vocabularies

LOCAL_TORTURE_TERM = """\
id = "act-type"
en = "Act types"
ru = "Виды нарушений"

[[terms]]
code = "xy-water-torture"
parent = "torture"
en = "Torture with water"
ru = "Пытка водой"
note = "Held under water until near drowning."

[[terms]]
code = "xy-water-torture-of-a-minor"
parent = "xy-water-torture"
en = "Torture with water of a minor"
ru = "Пытка водой несовершеннолетнего"
"""


@pytest.fixture(scope="module")
def packaged() -> Vocabularies:
    return load_vocabularies()


def _local_folder(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "vocabularies"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _small_tree() -> Vocabulary:
    return Vocabulary(
        "colour",
        {"en": "Colours", "ru": "Цвета"},
        [
            Term("warm", {"en": "Warm", "ru": "Тёплые"}),
            Term("red", {"en": "Red", "ru": "Красный"}, parent="warm"),
            Term("crimson", {"en": "Crimson", "ru": "Малиновый"}, parent="red"),
            Term("cold", {"en": "Cold", "ru": "Холодные"}),
        ],
    )


def test_packaged_vocabularies_include_those_records_need(packaged: Vocabularies) -> None:
    idents = {vocabulary.ident for vocabulary in packaged}
    assert {"act-type", "method", "source-kind", "quantity", "involvement"} <= idents


def test_every_packaged_term_has_english_and_russian_labels(packaged: Vocabularies) -> None:
    lacking = [
        f"{vocabulary.ident}:{term.code}"
        for vocabulary in packaged
        for term in vocabulary
        if not term.labels.get("en", "").strip() or not term.labels.get("ru", "").strip()
    ]
    assert lacking == []


def test_every_packaged_vocabulary_has_english_and_russian_titles(packaged: Vocabularies) -> None:
    lacking = [v.ident for v in packaged if not {"en", "ru"} <= set(v.titles)]
    assert lacking == []


def test_no_packaged_term_is_marked_local(packaged: Vocabularies) -> None:
    assert not any(term.local for vocabulary in packaged for term in vocabulary)


@pytest.mark.parametrize("ident", ["act-type", "method"])
def test_act_types_and_methods_have_at_least_forty_terms(
    packaged: Vocabularies, ident: str
) -> None:
    assert len(packaged[ident]) >= 40


def test_descendants_include_the_term_its_children_and_grandchildren() -> None:
    assert _small_tree().descendants("warm") == {"warm", "red", "crimson"}


def test_descendants_of_a_packaged_group_reach_its_grandchildren(packaged: Vocabularies) -> None:
    found = packaged["act-type"].descendants("deprivation-of-liberty")
    assert {"deprivation-of-liberty", "arbitrary-detention", "secret-detention"} <= found
    assert "torture" not in found


def test_descendants_of_an_unknown_code_are_refused() -> None:
    with pytest.raises(UnknownTerm):
        _small_tree().descendants("blue")


def test_ancestors_are_listed_nearest_first() -> None:
    tree = _small_tree()
    assert tree.ancestors("crimson") == ["red", "warm"]
    assert tree.depth("crimson") == 2


def test_walk_yields_parents_before_their_children() -> None:
    assert [term.code for term in _small_tree().walk()] == ["warm", "red", "crimson", "cold"]


@pytest.mark.parametrize("text", ["пытк", "ПЫТКИ", "torture", "TORTURE"])
def test_search_finds_torture_by_russian_or_english_text(packaged: Vocabularies, text: str) -> None:
    codes = [term.code for term in packaged["act-type"].search(text)]
    assert "torture" in codes


def test_search_treats_yo_as_ye() -> None:
    assert [term.code for term in _small_tree().search("теплые")] == ["warm"]


def test_search_for_text_in_no_term_finds_nothing(packaged: Vocabularies) -> None:
    assert packaged["act-type"].search("zzzqqq") == []


def test_unknown_code_is_refused_suggesting_nearby_codes(packaged: Vocabularies) -> None:
    with pytest.raises(UnknownTerm) as raised:
        packaged["act-type"].term("tortur")
    assert raised.value.suggestions[0] == "torture"
    assert "did you mean torture" in str(raised.value)
    assert "'act-type'" in str(raised.value)


def test_check_of_an_unknown_code_names_the_field(packaged: Vocabularies) -> None:
    with pytest.raises(UnknownTerm, match=r"^act type: 'tortur'.*torture"):
        packaged.check("act-type", "tortur", "act type")


def test_check_accepts_a_known_code_and_no_code(packaged: Vocabularies) -> None:
    packaged.check("act-type", "torture", "act type")
    packaged.check("act-type", None, "act type")


def test_unknown_vocabulary_is_refused_listing_the_known_ones(packaged: Vocabularies) -> None:
    with pytest.raises(DomainError, match="no vocabulary 'colour'; known: act-type"):
        packaged["colour"]


def test_label_falls_back_to_english_then_to_the_code() -> None:
    assert Term("x", {"en": "Ex"}).label("ru") == "Ex"
    assert Term("x", {}).label("ru") == "x"


def test_term_defined_twice_is_refused() -> None:
    with pytest.raises(DomainError, match="'red' is defined twice"):
        _small_tree().add(Term("red", {"en": "Red again"}))


def test_term_with_an_unknown_parent_is_refused() -> None:
    with pytest.raises(DomainError, match="unknown parent 'blue'"):
        _small_tree().add(Term("navy", {"en": "Navy"}, parent="blue"))


def test_local_terms_are_added_below_a_packaged_term_and_marked_local(tmp_path: Path) -> None:
    folder = _local_folder(tmp_path, "act-type.toml", LOCAL_TORTURE_TERM)
    act_types = load_vocabularies(folder)["act-type"]
    added = act_types.term("xy-water-torture")
    assert added.local
    assert added.parent == "torture"
    assert added.label("ru") == "Пытка водой"
    assert added.notes["en"].startswith("Held under water")
    assert {"xy-water-torture", "xy-water-torture-of-a-minor"} <= act_types.descendants("torture")
    assert not act_types.term("torture").local


def test_local_terms_leave_the_packaged_terms_in_place(
    tmp_path: Path, packaged: Vocabularies
) -> None:
    folder = _local_folder(tmp_path, "act-type.toml", LOCAL_TORTURE_TERM)
    assert len(load_vocabularies(folder)["act-type"]) == len(packaged["act-type"]) + 2


def test_local_terms_are_found_by_search(tmp_path: Path) -> None:
    folder = _local_folder(tmp_path, "act-type.toml", LOCAL_TORTURE_TERM)
    codes = [term.code for term in load_vocabularies(folder)["act-type"].search("водой")]
    assert codes == ["xy-water-torture", "xy-water-torture-of-a-minor"]


def test_missing_local_folder_adds_nothing(tmp_path: Path, packaged: Vocabularies) -> None:
    loaded = load_vocabularies(tmp_path / "absent")
    assert len(loaded["act-type"]) == len(packaged["act-type"])


def test_local_file_for_a_vocabulary_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    folder = _local_folder(tmp_path, "act-kind.toml", LOCAL_TORTURE_TERM)
    with pytest.raises(DomainError, match=r"act-kind.toml: there is no vocabulary 'act-kind'"):
        load_vocabularies(folder)


def test_local_term_clashing_with_a_packaged_code_is_refused(tmp_path: Path) -> None:
    text = '[[terms]]\ncode = "torture"\nen = "Torture"\nru = "Пытки"\n'
    folder = _local_folder(tmp_path, "act-type.toml", text)
    with pytest.raises(DomainError, match="'torture' is defined twice"):
        load_vocabularies(folder)


def test_local_term_with_an_unknown_parent_is_refused(tmp_path: Path) -> None:
    text = '[[terms]]\ncode = "xy-a"\nparent = "xy-b"\nen = "A"\nru = "А"\n'
    folder = _local_folder(tmp_path, "act-type.toml", text)
    with pytest.raises(DomainError, match="unknown parent 'xy-b'"):
        load_vocabularies(folder)


@pytest.mark.parametrize(
    ("text", "missing"),
    [('[[terms]]\ncode = "xy-a"\nru = "А"\n', "en"), ('[[terms]]\nen = "A"\nru = "А"\n', "code")],
)
def test_local_term_lacking_a_code_or_english_label_is_refused_naming_the_file(
    tmp_path: Path, text: str, missing: str
) -> None:
    folder = _local_folder(tmp_path, "act-type.toml", text)
    with pytest.raises(DomainError, match=f"act-type.toml: term 1 lacks '{missing}'"):
        load_vocabularies(folder)


def test_local_file_that_is_not_toml_is_refused_naming_the_file(tmp_path: Path) -> None:
    folder = _local_folder(tmp_path, "act-type.toml", "[[terms]\ncode = ")
    with pytest.raises(DomainError, match=r"act-type.toml: not valid TOML"):
        load_vocabularies(folder)
