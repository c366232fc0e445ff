"""Reading EDTF (ISO 8601-2) dates through the ``edtf`` package into uncertain dates."""

import contextlib
import io
import re
import time
from datetime import date
from functools import lru_cache
from typing import Any

from edtf.parser import grammar
from edtf.parser.edtf_exceptions import EDTFParseException

from vigil.domain.dates import OPEN_END, OPEN_START, UncertainDate
from vigil.domain.errors import InvalidDate

_POSITION = re.compile(r"position (\d+)")


def parse_edtf(text: str) -> Any:
    """Parse with the edtf package, plain ISO forms first; mute what it prints on odd input.

    The package's full grammar tries every EDTF level on every input, which is about ten times
    slower than its level-0 and level-1 grammars on the forms sources mostly use.
    """
    with contextlib.redirect_stdout(io.StringIO()):
        for level in (grammar.level0Expression, grammar.level1Expression):
            try:
                return level.parse_string(text, parse_all=True)[0]
            except Exception:  # noqa: S112 - not this level: the full grammar decides
                continue
        return grammar.parse_edtf(text)


def _day(value: time.struct_time) -> date:
    return date(value.tm_year, value.tm_mon, value.tm_mday)


def _section(text: str, section: Any, open_value: date, first: bool) -> date:
    if type(section).__name__ == "UnspecifiedIntervalSection":
        return open_value
    try:
        return _day(section.lower_strict() if first else section.upper_strict())
    except Exception:  # the edtf package raises assorted errors on odd input
        raise InvalidDate(f"date {text!r} is not a date Vigil can place in time") from None


def _bounds(text: str, parsed: Any) -> tuple[date, date]:
    lower, upper = getattr(parsed, "lower", None), getattr(parsed, "upper", None)
    if lower is not None and upper is not None and "/" in text:
        return (_section(text, lower, OPEN_START, True), _section(text, upper, OPEN_END, False))
    return _section(text, parsed, OPEN_START, True), _section(text, parsed, OPEN_END, False)


def _explain(text: str, part: str, error: Exception) -> InvalidDate:
    match = _POSITION.search(str(error))
    if match is None:
        return InvalidDate(f"date {text!r} is not valid EDTF (e.g. 2017-03, 2018-12~, 2017/2018)")
    offset = text.find(part) if part in text else 0
    position = offset + int(match.group(1))
    return InvalidDate(
        f"date {text!r} is not valid EDTF: the part at character {position + 1} "
        f"({text[position:] or 'end'!r}) is wrong; "
        "write e.g. 2017-03, 2018-12~, 2017-03-16/2017-03-28"
    )


@lru_cache(maxsize=65536)
def parse_date(text: str) -> UncertainDate:
    """Parse an EDTF string into the stated date with its earliest and latest possible days.

    Open ends (``../2017-04-01``) become the smallest and largest dates so ranges still sort.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidDate("date is empty; write e.g. 2017-03 or 2018-12~")
    if cleaned.count("/") == 1 and not cleaned.startswith(("[", "{")):
        return _interval(cleaned)
    try:
        parsed = parse_edtf(cleaned)
    except EDTFParseException as error:
        raise _explain(cleaned, cleaned, error) from None
    except Exception:  # the edtf package raises assorted errors on odd input
        raise InvalidDate(f"date {cleaned!r} is not valid EDTF") from None
    earliest, latest = _bounds(cleaned, parsed)
    return UncertainDate(cleaned, earliest, latest)


def _interval(text: str) -> UncertainDate:
    """Read an interval part by part, each part an EDTF date read (and cached) on its own."""
    start, _, end = text.partition("/")
    bounds = []
    for part, offset, which in ((start, 0, "start"), (end, len(start) + 1, "end")):
        if part in ("..", ""):
            bounds.append(OPEN_START if which == "start" else OPEN_END)
            continue
        try:
            parsed = parse_date(part)
        except InvalidDate as error:
            raise InvalidDate(
                f"date {text!r}: its {which} {part!r} (from character {offset + 1}) is wrong: "
                f"{error}"
            ) from None
        bounds.append(parsed.earliest if which == "start" else parsed.latest)
    return UncertainDate(text, bounds[0], bounds[1])


def parse_optional_date(text: str | None) -> UncertainDate | None:
    """Parse a date, treating None and the empty string as 'not known'."""
    if text is None or not text.strip():
        return None
    return parse_date(text)
