"""The record store on SQLAlchemy Core: current records, their versions, links and settings."""

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa

from vigil.domain.codes import CROCKFORD, RecordKind, kind_of
from vigil.domain.errors import InvalidCode
from vigil.services.ports import AuditRow, RecordQuery, SealedRow, StoredRecord, Version
from vigil.storage import queries
from vigil.storage.account_tables import AccountTables
from vigil.storage.key_tables import KeyTables
from vigil.storage.tables import (
    LINK_TABLES,
    RECORD_TABLES,
    audit_entry,
    incident,
    incident_text,
    person_token,
    record_version,
    setting,
)
from vigil.storage.token_tables import TokenTables

_BATCH = 5000
_FIRST_YEAR = date(1, 12, 31)


def code_number(code: str) -> int:
    """The number a code's base32 body spells: the rowid of its row in incident_text."""
    number = 0
    for char in code.partition("-")[2]:
        number = number * 32 + CROCKFORD.index(char)
    return number


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _row(record: StoredRecord) -> dict[str, Any]:
    return {
        "code": record.code,
        "version": record.version,
        "data": _dump(record.data),
        "sealed": record.sealed,
        "compartment": record.compartment,
        **record.index,
    }


def _version_row(v: Version) -> dict[str, Any]:
    return {
        "code": v.code,
        "kind": v.kind.value,
        "version": v.version,
        "action": v.action,
        "recorded_at": v.recorded_at,
        "data": _dump(v.data),
        "sealed": v.sealed,
        "note": v.note,
        "compartment": v.compartment,
    }


def _to_version(row: Any) -> Version:
    return Version(
        code=row.code,
        kind=RecordKind(row.kind),
        version=row.version,
        action=row.action,
        recorded_at=row.recorded_at,
        data=json.loads(row.data),
        sealed=row.sealed,
        note=row.note,
        compartment=row.compartment,
    )


def _audit_row(row: Any) -> AuditRow:
    return AuditRow(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        record=row.record,
        details=json.loads(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
        signature=row.signature,
    )


class SqlRecordStore(AccountTables, KeyTables, TokenTables):
    """Keeps records on SQLite or PostgreSQL through one code path."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._connection: sa.Connection | None = None
        # SQLite keeps incident words in an FTS5 table written beside the incident; PostgreSQL
        # indexes incident.search_text itself
        self._full_text = engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._connection is not None:
            yield
            return
        with self.engine.begin() as connection:
            self._connection = connection
            try:
                yield
            finally:
                self._connection = None

    @contextmanager
    def _conn(self) -> Iterator[sa.Connection]:
        if self._connection is not None:
            yield self._connection
        else:
            with self.engine.connect() as connection:
                yield connection

    def _insert(self, table: sa.TableClause, rows: list[dict[str, Any]]) -> None:
        with self._conn() as conn:
            for start in range(0, len(rows), _BATCH):
                conn.execute(table.insert(), rows[start : start + _BATCH])

    def _write_current(self, records: Sequence[StoredRecord]) -> None:
        by_kind: dict[RecordKind, list[dict[str, Any]]] = {}
        links: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_kind.setdefault(record.kind, []).append(_row(record))
            for name, targets in record.links.items():
                _, owner, target = LINK_TABLES[name]
                links.setdefault(name, []).extend(
                    {owner: record.code, target: t} for t in dict.fromkeys(targets)
                )
        for kind, rows in by_kind.items():
            table = RECORD_TABLES[kind]
            # one executemany needs the same keys in every row: a claim without a count has no
            # quantity, so absent columns are filled with NULL
            names = [c.name for c in table.columns]
            self._insert(table, [{n: row.get(n) for n in names} for row in rows])
        for name, rows in links.items():
            self._insert(LINK_TABLES[name][0], rows)
        if self._full_text and RecordKind.INCIDENT in by_kind:
            self._insert(
                incident_text,
                [
                    {"rowid": code_number(r["code"]), "code": r["code"], "text": r["search_text"]}
                    for r in by_kind[RecordKind.INCIDENT]
                    if r.get("search_text")
                ],
            )

    def add(self, records: Sequence[StoredRecord], recorded_at: str) -> None:
        with self.transaction():
            self._write_current(records)
            self._insert(
                record_version,
                [
                    _version_row(
                        Version(
                            r.code,
                            r.kind,
                            r.version,
                            "create",
                            recorded_at,
                            r.data,
                            r.sealed,
                            compartment=r.compartment,
                        )
                    )
                    for r in records
                ],
            )

    def drop(self, kind: RecordKind, code: str) -> None:
        self._drop_current(kind, code)

    def dangling(self) -> list[tuple[str, str, str]]:
        with self._conn() as conn:
            for stmt in queries.dangling():
                row = conn.execute(stmt.limit(1)).first()
                if row is not None:
                    values = [str(value) for value in row]
                    return [(values[0], values[1], values[2])]
        return []

    def _drop_current(self, kind: RecordKind, code: str) -> None:
        with self._conn() as conn:
            table = RECORD_TABLES[kind]
            conn.execute(table.delete().where(table.c.code == code))
            for link, owner, _ in LINK_TABLES.values():
                conn.execute(link.delete().where(link.c[owner] == code))
            if self._full_text and kind is RecordKind.INCIDENT:
                rowid = incident_text.c.rowid
                conn.execute(incident_text.delete().where(rowid == code_number(code)))

    def replace(self, record: StoredRecord, recorded_at: str, note: str | None) -> None:
        with self.transaction():
            self._drop_current(record.kind, record.code)
            self._write_current([record])
            self._insert(
                record_version,
                [
                    _version_row(
                        Version(
                            record.code,
                            record.kind,
                            record.version,
                            "update",
                            recorded_at,
                            record.data,
                            record.sealed,
                            note,
                            record.compartment,
                        )
                    )
                ],
            )

    def remove(self, kind: RecordKind, code: str, recorded_at: str, note: str | None) -> None:
        with self.transaction():
            last = self.last_version(code)
            self._drop_current(kind, code)
            number = 1 if last is None else last.version + 1
            where = "default" if last is None else last.compartment
            self._insert(
                record_version,
                [
                    _version_row(
                        Version(code, kind, number, "delete", recorded_at, {}, None, note, where)
                    )
                ],
            )

    def get(self, code: str) -> StoredRecord | None:
        kind = self._kind_of(code)
        if kind is None:
            return None
        table = RECORD_TABLES[RecordKind(kind)]
        with self._conn() as conn:
            row = conn.execute(sa.select(table).where(table.c.code == code)).first()
        return None if row is None else self._stored(RecordKind(kind), row)

    @staticmethod
    def _kind_of(code: str) -> str | None:
        try:
            return kind_of(code).value
        except InvalidCode:
            return None

    @staticmethod
    def _stored(kind: RecordKind, row: Any) -> StoredRecord:
        return StoredRecord(
            kind=kind,
            code=row.code,
            version=row.version,
            data=json.loads(row.data),
            sealed=row.sealed,
            compartment=row.compartment,
        )

    def last_version(self, code: str) -> Version | None:
        with self._conn() as conn:
            row = conn.execute(
                sa.select(record_version)
                .where(record_version.c.code == code)
                .order_by(record_version.c.version.desc())
                .limit(1)
            ).first()
        return None if row is None else _to_version(row)

    def existing(self, codes: Iterable[str]) -> set[str]:
        found: set[str] = set()
        by_kind: dict[str, list[str]] = {}
        for code in codes:
            kind = self._kind_of(code)
            if kind is not None:
                by_kind.setdefault(kind, []).append(code)
        with self._conn() as conn:
            for kind, group in by_kind.items():
                table = RECORD_TABLES[RecordKind(kind)]
                found.update(conn.scalars(sa.select(table.c.code).where(table.c.code.in_(group))))
        return found

    def known(self, codes: Iterable[str]) -> set[str]:
        wanted = list(codes)
        with self._conn() as conn:
            return set(
                conn.scalars(
                    sa.select(record_version.c.code)
                    .distinct()
                    .where(record_version.c.code.in_(wanted))
                )
            )

    def history(self, code: str) -> list[Version]:
        with self._conn() as conn:
            rows = conn.execute(
                sa.select(record_version)
                .where(record_version.c.code == code)
                .order_by(record_version.c.version)
            )
            return [_to_version(row) for row in rows]

    def versions(self, compartments: Sequence[str] | None = None) -> Iterator[Version]:
        stmt = sa.select(record_version).order_by(record_version.c.id)
        if compartments is not None:
            stmt = stmt.where(record_version.c.compartment.in_(list(compartments)))
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=2000).execute(stmt)
            for row in result:
                yield _to_version(row)

    def restore(self, versions: Sequence[Version], current: Sequence[StoredRecord]) -> None:
        with self.transaction():
            self._insert(record_version, [_version_row(v) for v in versions])
            self._write_current(current)

    def find(self, query: RecordQuery) -> list[StoredRecord]:
        with self._conn() as conn:
            rows = conn.execute(queries.listing(query, self.engine.dialect.name))
            return [self._stored(query.kind, row) for row in rows]

    def referring(self, code: str) -> set[str]:
        with self._conn() as conn:
            found: set[str] = set()
            for stmt in queries.referring(code):
                found.update(conn.scalars(stmt))
            return found

    def place_subtree(self, code: str) -> set[str]:
        with self._conn() as conn:
            return set(conn.scalars(sa.select(queries.place_subtree(code).c.code)))

    def last_change(self) -> int:
        with self._conn() as conn:
            return conn.scalar(sa.select(sa.func.max(record_version.c.id))) or 0

    def count_by_kind(self, compartments: Sequence[str] | None = None) -> dict[RecordKind, int]:
        counts = {}
        with self._conn() as conn:
            for kind, table in RECORD_TABLES.items():
                stmt = sa.select(sa.func.count()).select_from(table)
                if compartments is not None:
                    stmt = stmt.where(table.c.compartment.in_(list(compartments)))
                counts[kind] = conn.scalar(stmt) or 0
        return counts

    def incidents_per_year(
        self, compartments: Sequence[str] | None = None
    ) -> list[tuple[int, int]]:
        # counted per day in the database and folded into years here: grouping on the column
        # reads the period index alone, grouping on its year computes the year for every row
        # (15 ms against 85 ms for 100,000 incidents on SQLite)
        stmt = (
            sa.select(incident.c.period_lo, sa.func.count())
            .where(incident.c.period_lo > _FIRST_YEAR)
            .where(
                sa.true()
                if compartments is None
                else incident.c.compartment.in_(list(compartments))
            )
            .group_by(incident.c.period_lo)
        )
        years: dict[int, int] = {}
        with self._conn() as conn:
            for day, n in conn.execute(stmt):
                years[day.year] = years.get(day.year, 0) + int(n)
        return sorted(years.items())

    def sealed_versions(self, compartment: str, after: int, limit: int) -> list[SealedRow]:
        v = record_version
        stmt = (
            sa.select(v.c.id, v.c.kind, v.c.code, v.c.sealed)
            .where(v.c.compartment == compartment, v.c.sealed.is_not(None), v.c.id > after)
            .order_by(v.c.id)
            .limit(limit)
        )
        with self._conn() as conn:
            return [
                SealedRow(RecordKind(row.kind), row.code, row.sealed, row.id)
                for row in conn.execute(stmt)
            ]

    def count_sealed(self, compartment: str) -> int:
        tables = [record_version, *RECORD_TABLES.values()]
        with self._conn() as conn:
            return sum(
                conn.scalar(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(table.c.compartment == compartment, table.c.sealed.is_not(None))
                )
                or 0
                for table in tables
            )

    def sealed_current(
        self, kind: RecordKind, compartment: str, after: str, limit: int
    ) -> list[SealedRow]:
        table = RECORD_TABLES[kind]
        stmt = (
            sa.select(table.c.code, table.c.sealed)
            .where(
                table.c.compartment == compartment,
                table.c.sealed.is_not(None),
                table.c.code > after,
            )
            .order_by(table.c.code)
            .limit(limit)
        )
        with self._conn() as conn:
            return [SealedRow(kind, row.code, row.sealed) for row in conn.execute(stmt)]

    def reseal(self, kind: RecordKind | None, rows: Sequence[SealedRow]) -> None:
        if not rows:
            return
        table = record_version if kind is None else RECORD_TABLES[kind]
        key = table.c.id if kind is None else table.c.code
        stmt = (
            table.update().where(key == sa.bindparam("k")).values(sealed=sa.bindparam("new_sealed"))
        )
        params = [
            {"k": row.id if kind is None else row.code, "new_sealed": row.sealed} for row in rows
        ]
        with self.transaction(), self._conn() as conn:
            conn.execute(stmt, params)

    def last_audit(self) -> AuditRow | None:
        with self._conn() as conn:
            row = conn.execute(
                sa.select(audit_entry).order_by(audit_entry.c.seq.desc()).limit(1)
            ).first()
        return None if row is None else _audit_row(row)

    def append_audit(self, row: AuditRow) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute(
                audit_entry.insert().values(
                    seq=row.seq,
                    at=row.at,
                    actor=row.actor,
                    action=row.action,
                    record=row.record,
                    details=_dump(row.details),
                    prev_hash=row.prev_hash,
                    hash=row.hash,
                    signature=row.signature,
                )
            )

    def audit_rows(
        self,
        actor: str | None = None,
        record: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Iterator[AuditRow]:
        stmt = sa.select(audit_entry).order_by(audit_entry.c.seq)
        if actor is not None:
            stmt = stmt.where(audit_entry.c.actor == actor)
        if record is not None:
            stmt = stmt.where(audit_entry.c.record == record)
        if since is not None:
            stmt = stmt.where(audit_entry.c.at >= since)
        if until is not None:
            stmt = stmt.where(audit_entry.c.at <= until)
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=2000).execute(stmt):
                yield _audit_row(row)

    def get_many(self, kind: RecordKind, codes: Iterable[str]) -> list[StoredRecord]:
        wanted = list(dict.fromkeys(codes))
        table = RECORD_TABLES[kind]
        found: list[StoredRecord] = []
        with self._conn() as conn:
            for start in range(0, len(wanted), _BATCH):
                rows = conn.execute(
                    sa.select(table).where(table.c.code.in_(wanted[start : start + _BATCH]))
                )
                found += [self._stored(kind, row) for row in rows]
        return found

    def replace_person_tokens(
        self, compartment: str, tokens: Mapping[str, Collection[str]]
    ) -> None:
        persons = list(tokens)
        rows = [
            {"person": person, "compartment": compartment, "token": token}
            for person, terms in tokens.items()
            for token in sorted(set(terms))
        ]
        with self.transaction(), self._conn() as conn:
            for start in range(0, len(persons), _BATCH):
                chunk = persons[start : start + _BATCH]
                conn.execute(person_token.delete().where(person_token.c.person.in_(chunk)))
            if rows:
                self._insert(person_token, rows)

    def clear_person_tokens(self, compartment: str) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute(person_token.delete().where(person_token.c.compartment == compartment))

    def match_person_tokens(
        self, compartment: str, groups: Sequence[Mapping[str, int]], limit: int
    ) -> list[tuple[str, int]]:
        terms = sorted({term for group in groups for term in group})
        if not terms or limit <= 0:
            return []
        token = person_token.c.token
        parts = [
            sa.func.max(
                sa.case(*((token == term, weight) for term, weight in group.items()), else_=0)
            )
            for group in groups
            if group
        ]
        score = sum(parts[1:], parts[0]).label("score")
        stmt = (
            sa.select(person_token.c.person, score)
            .where(person_token.c.compartment == compartment, token.in_(terms))
            .group_by(person_token.c.person)
            .order_by(sa.desc("score"), person_token.c.person)
            .limit(limit)
        )
        with self._conn() as conn:
            return [(str(person), int(value)) for person, value in conn.execute(stmt)]

    def read_setting(self, key: str) -> str | None:
        with self._conn() as conn:
            value: str | None = conn.scalar(sa.select(setting.c.value).where(setting.c.key == key))
            return value

    def delete_setting(self, key: str) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute(setting.delete().where(setting.c.key == key))

    def write_setting(self, key: str, value: str) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute(setting.delete().where(setting.c.key == key))
            conn.execute(setting.insert().values(key=key, value=value))
