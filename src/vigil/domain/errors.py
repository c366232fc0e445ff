"""Errors raised when a record breaks a domain rule."""


class DomainError(ValueError):
    """A record or value breaks one of Vigil's rules; the message says what and where."""


class InvalidDate(DomainError):
    """An uncertain date is not valid EDTF or its bounds are out of order."""


class InvalidCount(DomainError):
    """A count is negative, or a range is missing a bound or is not ordered."""


class InvalidCode(DomainError):
    """A record code is malformed or names the wrong kind of record."""


class UnknownTerm(DomainError):
    """A value is not a term of the vocabulary it must come from."""

    def __init__(
        self, vocabulary: str, code: str, suggestions: list[str], field: str | None = None
    ) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        where = f"{field}: " if field else ""
        super().__init__(f"{where}{code!r} is not a term of vocabulary {vocabulary!r}{hint}")
        self.vocabulary = vocabulary
        self.code = code
        self.suggestions = suggestions


class MissingField(DomainError):
    """A record lacks a field that its kind requires."""
