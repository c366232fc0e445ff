"""Record codes: a kind prefix and a random Crockford base32 body."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.domain.codes import (
    CODE_LENGTH,
    CROCKFORD,
    RecordKind,
    kind_of,
    new_code,
    normalise_code,
    require_kind,
)
from vigil.domain.errors import InvalidCode

PREFIXES = {
    RecordKind.SOURCE: "S",
    RecordKind.CLAIM: "C",
    RecordKind.INCIDENT: "I",
    RecordKind.ACT: "A",
    RecordKind.PERSON: "P",
    RecordKind.ORGANISATION: "O",
    RecordKind.PLACE: "L",
}


@pytest.mark.parametrize("kind", list(RecordKind))
def test_new_code_has_the_prefix_of_its_kind_and_a_crockford_body(kind: RecordKind) -> None:
    code = new_code(kind)
    prefix, dash, body = code.partition("-")
    assert (prefix, dash) == (PREFIXES[kind], "-")
    assert len(body) == CODE_LENGTH == 6
    assert set(body) <= set(CROCKFORD)


def test_crockford_alphabet_leaves_out_the_look_alike_letters() -> None:
    assert len(CROCKFORD) == 32
    assert not set("ILOU") & set(CROCKFORD)


@pytest.mark.parametrize("kind", list(RecordKind))
def test_new_code_is_already_in_canonical_form_and_names_its_kind(kind: RecordKind) -> None:
    code = new_code(kind)
    assert normalise_code(code) == code
    assert kind_of(code) is kind


def test_new_codes_do_not_repeat() -> None:
    codes = {new_code(RecordKind.PERSON) for _ in range(200)}
    assert len(codes) == 200


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("p-7kq2xm", "P-7KQ2XM"),
        ("  P-7KQ2XM  ", "P-7KQ2XM"),
        ("P-7KQ2XO", "P-7KQ2X0"),
        ("p-o0o0o0", "P-000000"),
        ("P-I1LIL1", "P-111111"),
        ("s-abcdel", "S-ABCDE1"),
        ("o-7kq2xm", "O-7KQ2XM"),
        ("l-7kq2xm", "L-7KQ2XM"),
        ("i-7kq2xm", "I-7KQ2XM"),
    ],
)
def test_code_is_normalised_from_lower_case_and_look_alikes(text: str, canonical: str) -> None:
    assert normalise_code(text) == canonical


def test_look_alike_letters_in_the_prefix_keep_their_kind() -> None:
    assert kind_of("o-7kq2xm") is RecordKind.ORGANISATION
    assert kind_of("l-7kq2xm") is RecordKind.PLACE
    assert kind_of("i-7kq2xm") is RecordKind.INCIDENT


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P7KQ2XM",
        "P-",
        "Q-7KQ2XM",
        "PP-7KQ2XM",
        "P-7KQ2UM",
        "P-7KQ 2XM",
        "P-7KQ2XM-1",
        "-7KQ2XM",
    ],
)
def test_malformed_code_is_refused(text: str) -> None:
    with pytest.raises(InvalidCode, match="is not a record code"):
        normalise_code(text)


@settings(max_examples=100, deadline=None)
@given(kind=st.sampled_from(list(RecordKind)))
def test_lower_case_form_of_any_new_code_normalises_back_to_it(kind: RecordKind) -> None:
    code = new_code(kind)
    assert normalise_code(code.lower()) == code


def test_require_kind_returns_the_canonical_code() -> None:
    assert require_kind("p-7kq2xm", RecordKind.PERSON, "act victim") == "P-7KQ2XM"


def test_require_kind_refuses_a_code_of_another_kind_naming_the_field() -> None:
    with pytest.raises(InvalidCode) as raised:
        require_kind("S-7KQ2XM", RecordKind.PERSON, "act victim")
    message = str(raised.value)
    assert message.startswith("act victim:")
    assert "'S-7KQ2XM'" in message
    assert "person" in message


def test_require_kind_refuses_a_malformed_code() -> None:
    with pytest.raises(InvalidCode):
        require_kind("nonsense", RecordKind.PERSON, "act victim")
