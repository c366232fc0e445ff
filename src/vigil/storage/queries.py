"""SQL for listings: period overlap, place subtrees, act-type subtrees, sources, quantities."""

from collections.abc import Sequence

import sqlalchemy as sa

from vigil.domain.codes import RecordKind
from vigil.services.ports import RecordQuery
from vigil.storage.tables import (
    RECORD_TABLES,
    act,
    claim,
    claim_support,
    incident,
    incident_place,
    incident_text,
    organisation,
    place,
    source,
)

_PERIOD_COLUMNS = {
    RecordKind.INCIDENT: ("period_lo", "period_hi"),
    RecordKind.ACT: ("period_lo", "period_hi"),
    RecordKind.CLAIM: ("period_lo", "period_hi"),
    RecordKind.SOURCE: ("published_lo", "published_hi"),
}
_ORDER = {
    RecordKind.INCIDENT: ("period_lo",),
    RecordKind.ACT: ("period_lo",),
    RecordKind.CLAIM: ("as_of_lo",),
    RecordKind.SOURCE: ("published_lo",),
    RecordKind.PLACE: ("name",),
    RecordKind.ORGANISATION: ("name",),
}


def place_subtree(code: str) -> sa.CTE:
    """Return a recursive query of a place and every place nested in it."""
    tree = sa.select(place.c.code).where(place.c.code == code).cte("subtree", recursive=True)
    return tree.union_all(sa.select(place.c.code).where(place.c.parent == tree.c.code))


def _supported_by_source(table: sa.Table, source_code: str) -> sa.Exists:
    return sa.exists().where(
        claim_support.c.target == table.c.code,
        claim_support.c.claim == claim.c.code,
        claim.c.source == source_code,
    )


# Shorter words must match a whole word: a prefix of one or two letters begins nearly every
# incident's text, and merging that many index entries takes a second on 100,000 incidents.
MIN_PREFIX = 3


def _text_match(words: Sequence[str], dialect: str) -> sa.ColumnElement[bool]:
    """Every word begins a word of an incident's public text; words hold letters and digits only
    (the services split the typed text), so they need no escaping inside the search syntax."""
    if dialect == "postgresql":
        simple: sa.ColumnElement[str] = sa.literal_column("'simple'::regconfig")
        wanted = " & ".join(word + (":*" if len(word) >= MIN_PREFIX else "") for word in words)
        # a stored generated column of PostgreSQL only (migration 0007), with a GIN index
        vector: sa.ColumnElement[str] = sa.literal_column("incident.search_vector")
        return vector.op("@@")(sa.func.to_tsquery(simple, wanted))
    if dialect == "sqlite":
        wanted = " ".join(f'"{word}"' + ("*" if len(word) >= MIN_PREFIX else "") for word in words)
        return incident.c.code.in_(
            sa.select(incident_text.c.code).where(incident_text.c.text.match(wanted))
        )
    # any other database: a slow scan, correct for whole words inside the text
    return sa.and_(*(incident.c.search_text.icontains(word) for word in words))


def _filters(
    query: RecordQuery, table: sa.Table, dialect: str = "sqlite"
) -> list[sa.ColumnElement[bool]]:
    kind, where = query.kind, []
    if query.period is not None and kind in _PERIOD_COLUMNS:
        lo, hi = _PERIOD_COLUMNS[kind]
        where += [table.c[lo] <= query.period[1], table.c[hi] >= query.period[0]]
    if query.places is not None:
        if kind is RecordKind.INCIDENT:
            # SQLite: probe by incident, then test the place: as an expression the long list of
            # places in a subtree is not turned into one index probe per place. PostgreSQL
            # weighs both plans from its statistics, but only on the column: for one town of
            # 100,000 incidents the expression took 150-200 ms, the column 10 ms
            place_column: sa.ColumnElement[str] = incident_place.c.place
            if dialect != "postgresql":
                place_column = place_column.concat("")
            where.append(
                sa.exists().where(
                    incident_place.c.incident == incident.c.code,
                    place_column.in_(query.places),
                )
            )
        elif "place" in table.c:
            where.append(table.c.place.in_(query.places))
        elif kind is RecordKind.PLACE:
            where.append(table.c.code.in_(query.places))
    if query.act_types is not None:
        if kind is RecordKind.INCIDENT:
            # SQLite: an expression, so that the act is probed by incident; PostgreSQL estimates
            # an expression at 0.5% of rows and would then join every act of the type and sort
            # (350 ms for a type of a third of 100,000 incidents, 5 ms on the column)
            act_type = act.c.type if dialect == "postgresql" else act.c.type.concat("")
            where.append(
                sa.exists().where(act.c.incident == incident.c.code, act_type.in_(query.act_types))
            )
        elif kind is RecordKind.ACT:
            where.append(act.c.type.in_(query.act_types))
    if query.source is not None:
        if kind is RecordKind.CLAIM:
            where.append(claim.c.source == query.source)
        elif kind in (RecordKind.INCIDENT, RecordKind.ACT):
            where.append(_supported_by_source(table, query.source))
        elif kind is RecordKind.SOURCE:
            where.append(source.c.code == query.source)
    if kind is RecordKind.CLAIM and query.quantities is not None:
        where.append(claim.c.quantity.in_(query.quantities))
    if kind is RecordKind.CLAIM and query.qualifier is not None:
        where.append(claim.c.qualifier == query.qualifier)
    if kind is RecordKind.INCIDENT and query.statuses is not None:
        # an expression, for the same reason as the compartment below: SQLite would otherwise
        # expect few rows, scan the whole table and sort it instead of reading the period index
        where.append(incident.c.status.concat("").in_(query.statuses))
    if kind is RecordKind.INCIDENT and query.words:
        where.append(_text_match(query.words, dialect))
    if kind is RecordKind.CLAIM and query.unlinked:
        where.append(~sa.exists().where(claim_support.c.claim == claim.c.code))
    if query.compartments is not None:
        # compared as an expression, so that the planner keeps the plan it has without this
        # filter (SQLite would otherwise give up the period index and sort every row)
        where.append(table.c.compartment.concat("").in_(list(query.compartments)))
    return where


def listing(
    query: RecordQuery, dialect: str = "sqlite"
) -> sa.Select[tuple[str, int, str, bytes | None, str]]:
    """Return the select for one page of a listing, in a stable order."""
    table = RECORD_TABLES[query.kind]
    names = _ORDER.get(query.kind, ())
    if query.newest_first and query.kind is RecordKind.INCIDENT and dialect == "postgresql":
        # undated incidents last, as on SQLite, read from ix_incident_newest (migration 0007)
        order = [sa.nulls_last(table.c[name].desc()) for name in names] + [table.c.code.desc()]
    elif query.newest_first:
        # plain DESC: the backward reading of an ascending index on both databases (on SQLite
        # undated rows come last, on PostgreSQL first)
        order = [table.c[name].desc() for name in names] + [table.c.code.desc()]
    else:
        order = [sa.nulls_last(table.c[name].asc()) for name in names] + [table.c.code]
    return (
        sa.select(table.c.code, table.c.version, table.c.data, table.c.sealed, table.c.compartment)
        .where(*_filters(query, table, dialect))
        .order_by(*order)
        .limit(query.limit)
        .offset(query.offset)
    )


def referring(code: str) -> list[sa.Select[tuple[str]]]:
    """Return selects of the current records that name a code."""
    pairs = [
        (place, place.c.parent),
        (organisation, organisation.c.parent),
        (source, source.c.publisher),
        (incident, incident.c.part_of),
        (act, act.c.incident),
        (act, act.c.victim_person),
        (act, act.c.place),
        (claim, claim.c.source),
        (claim, claim.c.superseded_by),
        (claim, claim.c.place),
    ]
    selects = [sa.select(table.c.code).where(column == code) for table, column in pairs]
    selects.append(sa.select(incident_place.c.incident).where(incident_place.c.place == code))
    selects.append(sa.select(claim_support.c.claim).where(claim_support.c.target == code))
    return selects


_REFERENCES: list[tuple[sa.Table, str, str, sa.Table]] = [
    (place, "code", "parent", place),
    (organisation, "code", "parent", organisation),
    (source, "code", "publisher", organisation),
    (incident, "code", "part_of", incident),
    (incident_place, "incident", "place", place),
    (act, "code", "incident", incident),
    (act, "code", "victim_person", RECORD_TABLES[RecordKind.PERSON]),
    (act, "code", "place", place),
    (claim, "code", "source", source),
    (claim, "code", "superseded_by", claim),
    (claim, "code", "place", place),
]


def dangling() -> list[sa.Select[tuple[str, str, str]]]:
    """Return selects of (record, field, missing code) for every kind of reference."""
    selects = []
    for table, owner, column, target_table in _REFERENCES:
        target = target_table.alias("target")
        missing = ~sa.exists().where(target.c.code == table.c[column])
        selects.append(
            sa.select(table.c[owner], sa.literal(column), table.c[column]).where(
                table.c[column].is_not(None), missing
            )
        )
    # One anti-join per table: NOT IN over a union of every code is quadratic on PostgreSQL
    # once the codes outgrow work_mem.
    unknown = [
        ~sa.exists().where(t.c.code == claim_support.c.target) for t in RECORD_TABLES.values()
    ]
    selects.append(
        sa.select(claim_support.c.claim, sa.literal("supports"), claim_support.c.target).where(
            *unknown
        )
    )
    return selects
