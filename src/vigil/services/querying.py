"""Listing records with filters, and the overview of incidents and disagreeing counts."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from vigil.domain.codes import RecordKind, normalise_code, require_kind
from vigil.domain.counts import parse_qualifier
from vigil.domain.dates import UncertainDate
from vigil.domain.errors import DomainError
from vigil.domain.records import Claim, Source
from vigil.services.dates import parse_date
from vigil.services.ports import RecordQuery, Version
from vigil.services.stored import RecordView, to_view
from vigil.services.workspace import NotFound, Workspace

MAX_PAGE = 10_000
MAX_WORDS = 8
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class ListFilters:
    """What a user filters a listing by, as typed: EDTF period, codes, vocabulary terms."""

    period: str | None = None
    place: str | None = None
    act_type: str | None = None
    source: str | None = None
    quantity: str | None = None
    qualifier: str | None = None
    limit: int = 50
    offset: int = 0
    status: str | None = None
    text: str | None = None
    compartment: str | None = None
    unlinked: bool = False
    newest_first: bool = False


class InvalidFilter(DomainError):
    """One filter of a listing is wrong; ``filter`` names it (as the option, without dashes)."""

    def __init__(self, name: str, message: str) -> None:
        prefix = f"--{name}: "
        self.filter = name
        self.reason = message.removeprefix(prefix)
        super().__init__(prefix + self.reason)


def search_words(text: str) -> list[str]:
    """Split typed search text into lower-case words of letters and digits (at most 8)."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    if not words:
        raise DomainError(f"{text!r} holds no word to search for")
    return list(dict.fromkeys(words))[:MAX_WORDS]


def _compartments(ws: Workspace, chosen: str | None) -> tuple[str, ...] | None:
    readable = ws.compartment_filter()
    if chosen is None:
        return readable
    if chosen not in ws.readable:
        # the same answer whether the compartment exists or not
        raise DomainError(f"you are not a member of a compartment {chosen!r}")
    return (chosen,)


def _subtree(ws: Workspace, vocabulary: str, code: str, name: str) -> list[str]:
    return sorted(ws.vocabularies[vocabulary].descendants(_term(ws, vocabulary, code, name)))


def build_query(ws: Workspace, kind: RecordKind, filters: ListFilters) -> RecordQuery:
    """Turn typed filters into a store query: subtrees expanded, dates bounded.

    A wrong filter raises InvalidFilter naming it."""
    values: dict[str, Any] = {}
    steps: list[tuple[str, str | None, Callable[[str], Any]]] = [
        ("period", filters.period, lambda v: _bounds(parse_date(v))),
        (
            "places",
            filters.place,
            lambda v: sorted(ws.store.place_subtree(require_kind(v, RecordKind.PLACE, "--place"))),
        ),
        ("act_types", filters.act_type, lambda v: _subtree(ws, "act-type", v, "--act-type")),
        ("source", filters.source, lambda v: require_kind(v, RecordKind.SOURCE, "--source")),
        ("quantities", filters.quantity, lambda v: _subtree(ws, "quantity", v, "--quantity")),
        ("qualifier", filters.qualifier, lambda v: parse_qualifier(v).value),
        ("statuses", filters.status, lambda v: [_term(ws, "incident-status", v, "--status")]),
        ("words", filters.text, search_words),
    ]
    for name, given, check in steps:
        if given:
            try:
                values[name] = check(given)
            except DomainError as error:
                raise InvalidFilter(_OPTION.get(name, name), str(error)) from error
    try:
        compartments = _compartments(ws, filters.compartment)
    except DomainError as error:
        raise InvalidFilter("compartment", str(error)) from error
    return RecordQuery(
        kind=kind,
        limit=max(1, min(filters.limit, MAX_PAGE)),
        offset=max(0, filters.offset),
        compartments=compartments,
        unlinked=filters.unlinked,
        newest_first=filters.newest_first,
        **values,
    )


_OPTION = {
    "places": "place",
    "act_types": "act-type",
    "quantities": "quantity",
    "statuses": "status",
    "words": "text",
}


def _bounds(parsed: UncertainDate) -> tuple[date, date]:
    return (parsed.earliest, parsed.latest)


def _term(ws: Workspace, vocabulary: str, code: str, field_name: str) -> str:
    ws.vocabularies.check(vocabulary, code, field_name)
    return code


def list_records(ws: Workspace, kind: RecordKind, filters: ListFilters) -> list[RecordView]:
    """Return one page of current records of a kind in the reader's compartments; sealed parts
    stay sealed."""
    ws.require("record.read")
    return [to_view(stored, None) for stored in ws.store.find(build_query(ws, kind, filters))]


def history(ws: Workspace, code: str) -> list[Version]:
    """Return every version of a record (deleted ones too), oldest first."""
    ws.require("record.read")
    versions = ws.store.history(normalise_code(code))
    if versions and not ws.can_read(versions[-1].compartment):
        raise NotFound(f"no record {normalise_code(code)}")
    return versions


@dataclass(frozen=True, slots=True)
class CountLine:
    """One count claim in the overview, with the source that made it."""

    claim: Claim
    source: Source | None
    current: bool


@dataclass(slots=True)
class Overview:
    """Incidents per year, and per quantity every count claim side by side, latest first."""

    records: dict[RecordKind, int]
    incidents_per_year: list[tuple[int, int]]
    counts: dict[str, list[CountLine]] = field(default_factory=dict)


def overview(ws: Workspace, per_quantity: int | None = None) -> Overview:
    """Summarise the store: how many records, incidents per year, how counts grew and differ.

    With ``per_quantity``, only that many of the newest claims of each quantity (one short
    indexed query each); without, the first 10,000 count claims."""
    ws.require("record.read")
    readable = ws.compartment_filter()
    result = Overview(ws.store.count_by_kind(readable), ws.store.incidents_per_year(readable))
    quantities = [t.code for t in ws.vocabularies["quantity"]]
    if per_quantity is None:
        queries = [RecordQuery(RecordKind.CLAIM, quantities=quantities, limit=MAX_PAGE)]
    else:
        queries = [
            RecordQuery(RecordKind.CLAIM, quantities=[q], limit=per_quantity, newest_first=True)
            for q in quantities
        ]
    claims = [
        to_view(s, None).record
        for query in queries
        for s in ws.store.find(replace(query, compartments=readable))
    ]
    codes = {c.source for c in claims if isinstance(c, Claim)}
    sources: dict[str, Source | None] = dict.fromkeys(codes)
    for stored in ws.store.get_many(RecordKind.SOURCE, codes):
        record = to_view(stored, None).record
        if ws.can_read(stored.compartment) and isinstance(record, Source):
            sources[stored.code] = record
    for claim in claims:
        if not isinstance(claim, Claim) or claim.count is None:
            continue
        line = CountLine(claim, sources[claim.source], claim.superseded_by is None)
        result.counts.setdefault(claim.count.quantity, []).append(line)
    for lines in result.counts.values():
        lines.sort(
            key=lambda ln: (ln.claim.count.as_of.latest if ln.claim.count else 0, ln.claim.code),
            reverse=True,
        )
    return result
