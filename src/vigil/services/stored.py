"""Between domain records and stored records: sealing the identifying part, and filter columns."""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from vigil.domain.codes import RecordKind, kind_of
from vigil.domain.dates import UncertainDate
from vigil.domain.records import KIND_OF_RECORD, Act, Claim, Incident, Record, Source
from vigil.services.codec import from_dict, to_dict
from vigil.services.ports import Cipher, SealBroken, SealContext, StoredRecord
from vigil.services.rules import is_testimony
from vigil.services.vocabularies import Vocabularies

SEALED_COLUMN = "sealed"


@dataclass(frozen=True, slots=True)
class RecordView:
    """A record as a reader gets it; ``sealed`` says whether a sealed part exists and was opened."""

    record: Record
    version: int
    sealed: str  # "none", "sealed" (present, not opened) or "revealed"
    compartment: str = "default"


def seal_context(kind: RecordKind, code: str) -> SealContext:
    return SealContext(table=kind.value, column=SEALED_COLUMN, record=code)


def sealed_keys(vocabularies: Vocabularies, record: Record, source_kind: str | None) -> set[str]:
    """Return the fields of a record that must be sealed: identities and testimony text."""
    kind = KIND_OF_RECORD[type(record)]
    if kind is RecordKind.PERSON:
        return {"identity"}
    if isinstance(record, Source) and is_testimony(vocabularies, record.kind):
        return {"content"}
    if isinstance(record, Claim) and source_kind and is_testimony(vocabularies, source_kind):
        return {"excerpt"}
    return set()


def _bounds(value: UncertainDate | None) -> tuple[date | None, date | None]:
    return (None, None) if value is None else (value.earliest, value.latest)


def index_of(record: Record) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return the filter columns and link lists that a listing needs for this record."""
    match record:
        case Incident():
            lo, hi = _bounds(record.period)
            return (
                {
                    "title": record.title,
                    "status": record.status,
                    "period_lo": lo,
                    "period_hi": hi,
                    "part_of": record.part_of,
                    "search_text": search_text(record),
                },
                {"places": list(record.places)},
            )
        case Act():
            lo, hi = _bounds(record.period)
            return (
                {
                    "incident": record.incident,
                    "type": record.type,
                    "place": record.place,
                    "period_lo": lo,
                    "period_hi": hi,
                    "victim_person": record.victim_person,
                },
                {},
            )
        case Claim():
            return _claim_index(record), {"supports": list(record.supports)}
        case Source():
            lo, hi = _bounds(record.published_on)
            return (
                {
                    "kind": record.kind,
                    "title": record.title,
                    "publisher": record.publisher,
                    "published_lo": lo,
                    "published_hi": hi,
                },
                {},
            )
        case _:
            fields = ("name", "kind", "parent")
            return {f: getattr(record, f) for f in fields if hasattr(record, f)}, {}


def search_text(record: Incident) -> str:
    """The text full-text search looks in: an incident's public fields only. Nothing sealed
    (identities, testimony) may ever be added here: the index is not encrypted per compartment."""
    return f"{record.title}\n{record.description}".strip()


def _claim_index(claim: Claim) -> dict[str, Any]:
    index: dict[str, Any] = {"source": claim.source, "superseded_by": claim.superseded_by}
    if claim.count is not None:
        count = claim.count
        period_lo, period_hi = _bounds(count.period)
        index.update(
            quantity=count.quantity,
            qualifier=count.value.qualifier.value,
            value_low=count.value.low,
            value_high=count.value.high,
            as_of_lo=count.as_of.earliest,
            as_of_hi=count.as_of.latest,
            period_lo=period_lo,
            period_hi=period_hi,
            place=count.place,
        )
    return index


def to_stored(
    record: Record,
    version: int,
    secret: set[str],
    cipher: Cipher | None,
    sealed: bytes | None = None,
    compartment: str = "default",
) -> StoredRecord:
    """Return the stored form; fields in ``secret`` are sealed with the cipher.

    When ``sealed`` is given (an edit without the passphrase), it is kept as it was.
    """
    full = to_dict(record)
    hidden = {key: full.pop(key) for key in secret if key in full}
    if sealed is None and any(value not in (None, "") for value in hidden.values()):
        if cipher is None:
            raise SealBroken("sealing needs a signed-in member of the compartment")
        plaintext = json.dumps(hidden, ensure_ascii=False, sort_keys=True).encode()
        sealed = cipher.seal(plaintext, seal_context(kind_of(record.code), record.code))
    index, links = index_of(record)
    return StoredRecord(
        kind=kind_of(record.code),
        code=record.code,
        version=version,
        data=full,
        sealed=sealed,
        index=index,
        links=links,
        compartment=compartment,
    )


def open_sealed(stored: StoredRecord, cipher: Cipher) -> dict[str, Any]:
    """Decrypt a stored record's sealed part; raises SealBroken if it was moved or altered."""
    if stored.sealed is None:
        return {}
    plaintext = cipher.open(stored.sealed, seal_context(stored.kind, stored.code))
    opened: dict[str, Any] = json.loads(plaintext)
    return opened


def to_view(stored: StoredRecord, cipher: Cipher | None) -> RecordView:
    """Rebuild the domain record, opening the sealed part only if a cipher is given."""
    data = dict(stored.data)
    state = "none" if stored.sealed is None else "sealed"
    if cipher is not None and stored.sealed is not None:
        data.update(open_sealed(stored, cipher))
        state = "revealed"
    return RecordView(from_dict(stored.kind, data), stored.version, state, stored.compartment)
