"""Uncertain dates: the EDTF text a source gave, with the earliest and latest days it allows."""

from dataclasses import dataclass
from datetime import date

from vigil.domain.errors import InvalidDate

OPEN_START = date.min
OPEN_END = date.max


@dataclass(frozen=True, slots=True)
class UncertainDate:
    """A date or period as known, e.g. ``2018-12~``; never a day that nobody stated."""

    text: str
    earliest: date
    latest: date

    def __post_init__(self) -> None:
        if self.earliest > self.latest:
            raise InvalidDate(
                f"{self.text!r}: the start ({self.earliest.isoformat()}) "
                f"is after the end ({self.latest.isoformat()})"
            )

    def overlaps(self, earliest: date, latest: date) -> bool:
        """Tell whether this period could share a day with the period earliest..latest."""
        return self.earliest <= latest and self.latest >= earliest

    @property
    def open_start(self) -> bool:
        return self.earliest == OPEN_START

    @property
    def open_end(self) -> bool:
        return self.latest == OPEN_END

    def __str__(self) -> str:
        return self.text
