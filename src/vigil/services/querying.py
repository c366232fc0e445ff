"""Listing records with filters, and the overview of incidents and disagreeing counts."""

from dataclasses import dataclass, field

from vigil.domain.codes import RecordKind, normalise_code, require_kind
from vigil.domain.counts import parse_qualifier
from vigil.domain.records import Claim, Source
from vigil.services.dates import parse_date
from vigil.services.ports import RecordQuery, Version
from vigil.services.stored import RecordView, to_view
from vigil.services.workspace import NotFound, Workspace

MAX_PAGE = 10_000


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


def build_query(ws: Workspace, kind: RecordKind, filters: ListFilters) -> RecordQuery:
    """Turn typed filters into a store query: subtrees expanded, dates bounded."""
    period = None
    if filters.period:
        parsed = parse_date(filters.period)
        period = (parsed.earliest, parsed.latest)
    places = None
    if filters.place:
        places = sorted(
            ws.store.place_subtree(require_kind(filters.place, RecordKind.PLACE, "--place"))
        )
    act_types = None
    if filters.act_type:
        act_types = sorted(
            ws.vocabularies["act-type"].descendants(
                _term(ws, "act-type", filters.act_type, "--act-type")
            )
        )
    quantities = None
    if filters.quantity:
        quantities = sorted(
            ws.vocabularies["quantity"].descendants(
                _term(ws, "quantity", filters.quantity, "--quantity")
            )
        )
    return RecordQuery(
        kind=kind,
        period=period,
        places=places,
        act_types=act_types,
        source=require_kind(filters.source, RecordKind.SOURCE, "--source")
        if filters.source
        else None,
        quantities=quantities,
        qualifier=parse_qualifier(filters.qualifier).value if filters.qualifier else None,
        limit=max(1, min(filters.limit, MAX_PAGE)),
        offset=max(0, filters.offset),
        compartments=ws.compartment_filter(),
    )


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


def overview(ws: Workspace) -> Overview:
    """Summarise the store: how many records, incidents per year, how counts grew and differ."""
    ws.require("record.read")
    readable = ws.compartment_filter()
    result = Overview(ws.store.count_by_kind(readable), ws.store.incidents_per_year(readable))
    query = RecordQuery(
        kind=RecordKind.CLAIM,
        quantities=[t.code for t in ws.vocabularies["quantity"]],
        limit=MAX_PAGE,
        compartments=readable,
    )
    claims = [to_view(s, None).record for s in ws.store.find(query)]
    sources: dict[str, Source | None] = {}
    for claim in claims:
        if not isinstance(claim, Claim) or claim.count is None:
            continue
        if claim.source not in sources:
            stored = ws.store.get(claim.source)
            if stored is not None and not ws.can_read(stored.compartment):
                stored = None
            record = None if stored is None else to_view(stored, None).record
            sources[claim.source] = record if isinstance(record, Source) else None
        line = CountLine(claim, sources[claim.source], claim.superseded_by is None)
        result.counts.setdefault(claim.count.quantity, []).append(line)
    for lines in result.counts.values():
        lines.sort(
            key=lambda ln: (ln.claim.count.as_of.latest if ln.claim.count else 0, ln.claim.code),
            reverse=True,
        )
    return result
