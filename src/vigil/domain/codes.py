"""Record codes: a type prefix and random Crockford base32, revealing neither order nor volume."""

import secrets
from enum import StrEnum

from vigil.domain.errors import InvalidCode

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6


class RecordKind(StrEnum):
    """The kinds of record, named as in the command line; each has its code prefix."""

    SOURCE = "source"
    CLAIM = "claim"
    INCIDENT = "incident"
    ACT = "act"
    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"

    @property
    def prefix(self) -> str:
        return _PREFIXES[self]


_PREFIXES = {
    RecordKind.SOURCE: "S",
    RecordKind.CLAIM: "C",
    RecordKind.INCIDENT: "I",
    RecordKind.ACT: "A",
    RecordKind.PERSON: "P",
    RecordKind.ORGANISATION: "O",
    RecordKind.PLACE: "L",
}
_KINDS = {prefix: kind for kind, prefix in _PREFIXES.items()}


def new_code(kind: RecordKind) -> str:
    """Return a fresh random code for a record of this kind."""
    body = "".join(secrets.choice(CROCKFORD) for _ in range(CODE_LENGTH))
    return f"{kind.prefix}-{body}"


def normalise_code(text: str) -> str:
    """Return a code in canonical form, accepting lower case and the usual look-alikes."""
    cleaned = text.strip().upper().replace("O", "0").replace("I", "1").replace("L", "1")
    prefix, sep, body = text.strip().upper().partition("-")
    if not sep:
        raise InvalidCode(f"{text!r} is not a record code (expected e.g. P-7KQ2XM)")
    body = cleaned.partition("-")[2]
    if prefix not in _KINDS or len(body) != CODE_LENGTH or any(ch not in CROCKFORD for ch in body):
        raise InvalidCode(f"{text!r} is not a record code (expected e.g. P-7KQ2XM)")
    return f"{prefix}-{body}"


def kind_of(code: str) -> RecordKind:
    """Return the kind of record a code names."""
    return _KINDS[normalise_code(code).partition("-")[0]]


def require_kind(code: str, kind: RecordKind, field: str) -> str:
    """Return the normalised code, or fail if it names another kind of record."""
    canonical = normalise_code(code)
    if kind_of(canonical) is not kind:
        raise InvalidCode(f"{field}: {code!r} is not a {kind.value} code ({kind.prefix}-…)")
    return canonical
