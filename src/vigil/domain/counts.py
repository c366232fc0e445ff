"""Counts as sources give them: a value or a range with its qualifier, never a false number."""

from dataclasses import dataclass
from enum import StrEnum

from vigil.domain.errors import InvalidCount


class Qualifier(StrEnum):
    """How a source qualified its number."""

    EXACT = "exact"
    AT_LEAST = "at-least"
    MORE_THAN = "more-than"
    ABOUT = "about"
    UP_TO = "up-to"
    RANGE = "range"


_WORDS = {
    Qualifier.EXACT: "",
    Qualifier.AT_LEAST: "at least ",
    Qualifier.MORE_THAN: "more than ",
    Qualifier.ABOUT: "about ",
    Qualifier.UP_TO: "up to ",
}


def parse_qualifier(text: str) -> Qualifier:
    """Return the qualifier named by text (``more-than``, ``more than``, ``more_than``…)."""
    key = text.strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return Qualifier(key)
    except ValueError:
        known = ", ".join(q.value for q in Qualifier)
        raise InvalidCount(f"qualifier {text!r} is not one of: {known}") from None


@dataclass(frozen=True, slots=True)
class CountValue:
    """A number of people or events: ``low`` = ``high`` for a single value, ordered for a range."""

    qualifier: Qualifier
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low < 0 or self.high < 0:
            raise InvalidCount(f"a count cannot be negative (got {self.low}–{self.high})")
        if self.qualifier is Qualifier.RANGE:
            if self.low > self.high:
                raise InvalidCount(f"range {self.low}–{self.high} is not ordered: low > high")
        elif self.low != self.high:
            raise InvalidCount(
                f"qualifier {self.qualifier.value!r} takes one value, not {self.low}–{self.high};"
                " use qualifier 'range' for two"
            )

    @classmethod
    def single(cls, qualifier: Qualifier, value: int) -> "CountValue":
        """Return a one-value count such as 'more than 100'."""
        if qualifier is Qualifier.RANGE:
            raise InvalidCount("qualifier 'range' needs a low and a high value")
        return cls(qualifier, value, value)

    @classmethod
    def between(cls, low: int, high: int) -> "CountValue":
        """Return a range count such as '20–40'."""
        return cls(Qualifier.RANGE, low, high)

    def __str__(self) -> str:
        if self.qualifier is Qualifier.RANGE:
            return f"{self.low}–{self.high}"
        return f"{_WORDS[self.qualifier]}{self.low}"
