"""Reading EDTF (ISO 8601-2) dates through the ``edtf`` package into uncertain dates."""

import contextlib
import io
import re
import time
from datetime import date
from functools import lru_cache
from typing import Any

from edtf import parse_edtf as _parse_edtf
from edtf.parser.edtf_exceptions import EDTFParseException

from vigil.domain.dates import OPEN_END, OPEN_START, UncertainDate
from vigil.domain.errors import InvalidDate

_POSITION = re.compile(r"position (\d+)")
_OPEN = ("..", "")


def parse_edtf(text: str) -> Any:
    """Parse with the edtf package, muting the diagnostics it prints for some inputs."""
    with contextlib.redirect_stdout(io.StringIO()):
        return _parse_edtf(text)


def _day(value: time.struct_time) -> date:
    return date(value.tm_year, value.tm_mon, value.tm_mday)


def _bounds(text: str, part: str) -> tuple[date, date]:
    try:
        parsed = parse_edtf(part)
        return _day(parsed.lower_strict()), _day(parsed.upper_strict())
    except EDTFParseException as error:
        raise _explain(text, part, error) from None
    except Exception:  # the edtf package raises assorted errors on odd input
        raise InvalidDate(
            f"date {text!r}: {part!r} is not a date Vigil can place in time"
        ) from None


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
    try:
        parse_edtf(cleaned)
    except EDTFParseException as error:
        raise _explain(cleaned, cleaned, error) from None
    except Exception:  # the edtf package raises assorted errors on odd input
        raise InvalidDate(f"date {cleaned!r} is not valid EDTF") from None
    if "/" in cleaned and not cleaned.startswith("["):
        start, _, end = cleaned.partition("/")
        earliest = OPEN_START if start in _OPEN else _bounds(cleaned, start)[0]
        latest = OPEN_END if end in _OPEN else _bounds(cleaned, end)[1]
        return UncertainDate(cleaned, earliest, latest)
    earliest, latest = _bounds(cleaned, cleaned)
    return UncertainDate(cleaned, earliest, latest)


def parse_optional_date(text: str | None) -> UncertainDate | None:
    """Parse a date, treating None and the empty string as 'not known'."""
    if text is None or not text.strip():
        return None
    return parse_date(text)
