"""Uncertain dates: EDTF text read into the earliest and latest days it allows."""

import calendar
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.domain.dates import OPEN_END, OPEN_START, UncertainDate
from vigil.domain.errors import InvalidDate
from vigil.services.dates import parse_date, parse_optional_date

DAYS = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
PRECISIONS = st.sampled_from(["year", "month", "day"])
QUALIFIERS = st.sampled_from(["", "~", "?", "%"])
EDTF_CHARACTERS = "0123456789-/~?%X.[]{}, YESTZ:"


def _format(day: date, precision: str) -> str:
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _expected_bounds(day: date, precision: str) -> tuple[date, date]:
    if precision == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if precision == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return date(day.year, day.month, 1), date(day.year, day.month, last)
    return day, day


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2017", date(2017, 1, 1), date(2017, 12, 31)),
        ("2017-03", date(2017, 3, 1), date(2017, 3, 31)),
        ("2016-02", date(2016, 2, 1), date(2016, 2, 29)),
        ("2017-03-16", date(2017, 3, 16), date(2017, 3, 16)),
        ("2016-02-29", date(2016, 2, 29), date(2016, 2, 29)),
    ],
)
def test_year_month_and_day_give_their_first_and_last_days(
    text: str, earliest: date, latest: date
) -> None:
    parsed = parse_date(text)
    assert (parsed.earliest, parsed.latest) == (earliest, latest)
    assert parsed.text == text


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2018-12~", date(2018, 12, 1), date(2018, 12, 31)),
        ("2017?", date(2017, 1, 1), date(2017, 12, 31)),
        ("2017-03-16%", date(2017, 3, 16), date(2017, 3, 16)),
        ("2017-03-16?", date(2017, 3, 16), date(2017, 3, 16)),
    ],
)
def test_approximate_and_uncertain_dates_keep_the_stated_bounds(
    text: str, earliest: date, latest: date
) -> None:
    parsed = parse_date(text)
    assert (parsed.earliest, parsed.latest) == (earliest, latest)


def test_qualifier_is_kept_in_the_text() -> None:
    assert str(parse_date("2018-12~")) == "2018-12~"


def test_surrounding_spaces_are_dropped_from_the_text() -> None:
    assert parse_date("  2017-03 ").text == "2017-03"


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2017/2018", date(2017, 1, 1), date(2018, 12, 31)),
        ("2017-03-16/2017-03-28", date(2017, 3, 16), date(2017, 3, 28)),
        ("2017-03/2017-05-10", date(2017, 3, 1), date(2017, 5, 10)),
        ("2017~/2018?", date(2017, 1, 1), date(2018, 12, 31)),
        ("2017-03-16/2017-03-16", date(2017, 3, 16), date(2017, 3, 16)),
    ],
)
def test_interval_runs_from_the_start_of_its_first_part_to_the_end_of_its_last(
    text: str, earliest: date, latest: date
) -> None:
    parsed = parse_date(text)
    assert (parsed.earliest, parsed.latest) == (earliest, latest)


@pytest.mark.parametrize("text", ["../2017-04-01", "/2017-04-01"])
def test_interval_with_open_start_begins_at_the_first_representable_day(text: str) -> None:
    parsed = parse_date(text)
    assert parsed.earliest == OPEN_START
    assert parsed.latest == date(2017, 4, 1)
    assert parsed.open_start
    assert not parsed.open_end


@pytest.mark.parametrize("text", ["2017-02/..", "2017-02/"])
def test_interval_with_open_end_ends_at_the_last_representable_day(text: str) -> None:
    parsed = parse_date(text)
    assert parsed.earliest == date(2017, 2, 1)
    assert parsed.latest == OPEN_END
    assert parsed.open_end
    assert not parsed.open_start


def test_interval_open_at_both_ends_covers_every_day() -> None:
    parsed = parse_date("../..")
    assert (parsed.earliest, parsed.latest) == (OPEN_START, OPEN_END)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2017-21", date(2017, 3, 1), date(2017, 5, 31)),
        ("2017-22", date(2017, 6, 1), date(2017, 8, 31)),
        ("2017-23", date(2017, 9, 1), date(2017, 11, 30)),
        ("2017-24", date(2017, 12, 1), date(2017, 12, 31)),
    ],
)
def test_season_covers_its_months(text: str, earliest: date, latest: date) -> None:
    parsed = parse_date(text)
    assert (parsed.earliest, parsed.latest) == (earliest, latest)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2017-XX", date(2017, 1, 1), date(2017, 12, 31)),
        ("2017-03-XX", date(2017, 3, 1), date(2017, 3, 31)),
        ("2017-XX-XX", date(2017, 1, 1), date(2017, 12, 31)),
        ("201X", date(2010, 1, 1), date(2019, 12, 31)),
        ("19XX", date(1900, 1, 1), date(1999, 12, 31)),
    ],
)
def test_unspecified_digits_widen_the_bounds_to_every_value_they_allow(
    text: str, earliest: date, latest: date
) -> None:
    parsed = parse_date(text)
    assert (parsed.earliest, parsed.latest) == (earliest, latest)


def test_partly_unspecified_month_parses_or_is_refused_as_an_invalid_date() -> None:
    try:
        parsed = parse_date("2017-1X")
    except InvalidDate:
        return
    assert parsed.earliest <= parsed.latest


@pytest.mark.parametrize(
    ("text", "wrong_part"),
    [
        ("2017-13", "-13"),
        ("2017-02-30", "-30"),
        ("2017-00", "-00"),
        ("abc", "abc"),
        ("2017-03/2017-13", "-13"),
    ],
)
def test_invalid_date_is_refused_naming_the_date_and_the_wrong_part(
    text: str, wrong_part: str
) -> None:
    with pytest.raises(InvalidDate) as raised:
        parse_date(text)
    message = str(raised.value)
    assert repr(text) in message
    assert repr(wrong_part) in message


def test_day_that_does_not_exist_in_its_month_is_refused_naming_the_date() -> None:
    with pytest.raises(InvalidDate, match="2017-02-29"):
        parse_date("2017-02-29")


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_date_is_refused(text: str) -> None:
    with pytest.raises(InvalidDate, match="empty"):
        parse_date(text)


@pytest.mark.parametrize("text", ["-0050", "0000", "XXXX"])
def test_date_outside_the_calendar_vigil_can_place_is_refused(text: str) -> None:
    with pytest.raises(InvalidDate, match=text):
        parse_date(text)


@pytest.mark.parametrize("text", ["2018/2017", "2017-03-16/2017-03-01", "2017-05/2017-04-30"])
def test_reversed_interval_is_rejected(text: str) -> None:
    with pytest.raises(InvalidDate, match="after the end"):
        parse_date(text)


def test_uncertain_date_with_start_after_end_cannot_be_built() -> None:
    with pytest.raises(InvalidDate, match="2017-03-02"):
        UncertainDate("odd", date(2017, 3, 2), date(2017, 3, 1))


def test_missing_optional_date_is_none() -> None:
    assert parse_optional_date(None) is None
    assert parse_optional_date("  ") is None
    assert parse_optional_date("2017") == parse_date("2017")


@pytest.mark.parametrize(
    ("earliest", "latest", "overlaps"),
    [
        (date(2017, 2, 1), date(2017, 3, 1), True),
        (date(2017, 3, 31), date(2017, 5, 1), True),
        (date(2017, 1, 1), date(2017, 2, 28), False),
        (date(2017, 4, 1), date(2017, 4, 30), False),
    ],
)
def test_period_overlaps_another_when_they_share_a_day(
    earliest: date, latest: date, overlaps: bool
) -> None:
    assert parse_date("2017-03").overlaps(earliest, latest) is overlaps


@settings(max_examples=100, deadline=None)
@given(day=DAYS, precision=PRECISIONS, qualifier=QUALIFIERS)
def test_any_valid_date_has_ordered_bounds_containing_it(
    day: date, precision: str, qualifier: str
) -> None:
    parsed = parse_date(_format(day, precision) + qualifier)
    assert parsed.earliest <= day <= parsed.latest
    assert (parsed.earliest, parsed.latest) == _expected_bounds(day, precision)


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(st.text(alphabet=EDTF_CHARACTERS, max_size=30), st.text(max_size=15)))
def test_any_text_parses_into_ordered_bounds_or_is_refused_as_an_invalid_date(text: str) -> None:
    try:
        parsed = parse_date(text)
    except InvalidDate:
        return
    assert parsed.earliest <= parsed.latest


@settings(max_examples=100, deadline=None)
@given(
    days=st.lists(DAYS, min_size=2, max_size=2).map(sorted),
    first=PRECISIONS,
    second=PRECISIONS,
)
def test_interval_of_two_dates_in_order_parses(days: list[date], first: str, second: str) -> None:
    start, end = days
    parsed = parse_date(f"{_format(start, first)}/{_format(end, second)}")
    assert parsed.earliest == _expected_bounds(start, first)[0]
    assert parsed.latest == _expected_bounds(end, second)[1]
    assert parsed.earliest <= start <= end <= parsed.latest


@settings(max_examples=100, deadline=None)
@given(days=st.lists(DAYS, min_size=2, max_size=2, unique=True).map(sorted))
def test_interval_of_two_days_in_reverse_order_is_rejected(days: list[date]) -> None:
    earlier, later = days
    with pytest.raises(InvalidDate, match="after the end"):
        parse_date(f"{later.isoformat()}/{earlier.isoformat()}")
