"""Counts as sources give them: one value with its qualifier, or an ordered range."""

from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from vigil.domain.counts import CountValue, Qualifier, parse_qualifier
from vigil.domain.errors import InvalidCount
from vigil.services.codec import count_from_dict

NUMBERS = st.integers(min_value=0, max_value=10**9)
SINGLE_QUALIFIERS = st.sampled_from([q for q in Qualifier if q is not Qualifier.RANGE])


def test_single_count_has_the_same_low_and_high() -> None:
    count = CountValue.single(Qualifier.MORE_THAN, 100)
    assert (count.qualifier, count.low, count.high) == (Qualifier.MORE_THAN, 100, 100)


def test_single_count_of_zero_is_allowed() -> None:
    assert CountValue.single(Qualifier.EXACT, 0).low == 0


def test_single_count_refuses_the_range_qualifier() -> None:
    with pytest.raises(InvalidCount, match="range"):
        CountValue.single(Qualifier.RANGE, 5)


def test_range_count_keeps_both_bounds() -> None:
    count = CountValue.between(20, 40)
    assert (count.qualifier, count.low, count.high) == (Qualifier.RANGE, 20, 40)


def test_range_with_equal_bounds_is_allowed() -> None:
    assert CountValue.between(7, 7).high == 7


@pytest.mark.parametrize(
    "build",
    [
        lambda: CountValue.single(Qualifier.EXACT, -1),
        lambda: CountValue.between(-3, 4),
        lambda: CountValue.between(3, -4),
    ],
)
def test_negative_count_is_refused(build: Callable[[], CountValue]) -> None:
    with pytest.raises(InvalidCount, match="negative"):
        build()


def test_unordered_range_is_refused() -> None:
    with pytest.raises(InvalidCount, match="not ordered"):
        CountValue.between(40, 20)


@pytest.mark.parametrize("qualifier", [q for q in Qualifier if q is not Qualifier.RANGE])
def test_qualifier_other_than_range_with_two_values_is_refused(qualifier: Qualifier) -> None:
    with pytest.raises(InvalidCount, match="use qualifier 'range'"):
        CountValue(qualifier, 10, 20)


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("exact", Qualifier.EXACT),
        ("more-than", Qualifier.MORE_THAN),
        ("more than", Qualifier.MORE_THAN),
        ("more_than", Qualifier.MORE_THAN),
        ("MORE THAN", Qualifier.MORE_THAN),
        ("  At_Least ", Qualifier.AT_LEAST),
        ("about", Qualifier.ABOUT),
        ("up to", Qualifier.UP_TO),
        ("range", Qualifier.RANGE),
    ],
)
def test_qualifier_is_read_in_any_usual_spelling(text: str, qualifier: Qualifier) -> None:
    assert parse_qualifier(text) is qualifier


@pytest.mark.parametrize("text", ["", "roughly", "more-then", "at--least"])
def test_unknown_qualifier_is_refused_listing_the_known_ones(text: str) -> None:
    with pytest.raises(InvalidCount) as raised:
        parse_qualifier(text)
    message = str(raised.value)
    assert repr(text) in message
    assert all(q.value in message for q in Qualifier)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (CountValue.single(Qualifier.EXACT, 12), "12"),
        (CountValue.single(Qualifier.AT_LEAST, 12), "at least 12"),
        (CountValue.single(Qualifier.MORE_THAN, 100), "more than 100"),
        (CountValue.single(Qualifier.ABOUT, 30), "about 30"),
        (CountValue.single(Qualifier.UP_TO, 5), "up to 5"),
        (CountValue.between(20, 40), "20–40"),
    ],
)
def test_count_reads_as_the_source_said_it(count: CountValue, text: str) -> None:
    assert str(count) == text


@settings(max_examples=100, deadline=None)
@given(low=NUMBERS, high=NUMBERS)
def test_any_ordered_pair_of_non_negative_numbers_is_a_valid_range(low: int, high: int) -> None:
    low, high = sorted((low, high))
    count = CountValue.between(low, high)
    assert (count.low, count.high) == (low, high)


@settings(max_examples=100, deadline=None)
@given(low=NUMBERS, high=NUMBERS)
def test_any_range_with_low_above_high_is_refused(low: int, high: int) -> None:
    assume(low != high)
    low, high = max(low, high), min(low, high)
    with pytest.raises(InvalidCount):
        CountValue.between(low, high)


@settings(max_examples=100, deadline=None)
@given(
    count=st.one_of(
        st.builds(CountValue.single, SINGLE_QUALIFIERS, NUMBERS),
        st.lists(NUMBERS, min_size=2, max_size=2).map(
            lambda pair: CountValue.between(*sorted(pair))
        ),
    )
)
def test_count_survives_a_round_trip_through_its_dictionary(count: CountValue) -> None:
    data = {"qualifier": count.qualifier.value, "low": count.low, "high": count.high}
    assert count_from_dict(data) == count


def test_count_dictionary_may_spell_the_qualifier_loosely_and_give_numbers_as_text() -> None:
    data = {"qualifier": "more than", "low": "100", "high": "100"}
    assert count_from_dict(data) == CountValue.single(Qualifier.MORE_THAN, 100)


def test_count_dictionary_with_an_unordered_range_is_refused() -> None:
    with pytest.raises(InvalidCount, match="not ordered"):
        count_from_dict({"qualifier": "range", "low": 9, "high": 3})
