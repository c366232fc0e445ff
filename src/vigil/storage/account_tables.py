"""Users, compartments, wrapped keys and unsigned sign-in events, on the store's connection."""

from contextlib import AbstractContextManager
from dataclasses import asdict

import sqlalchemy as sa

from vigil.services.ports import KeyWrap, UserRow
from vigil.storage.tables import compartment, compartment_key, pending_event, user_account


class AccountTables:
    """Account methods mixed into the record store so they share its transactions."""

    def _conn(self) -> AbstractContextManager[sa.Connection]:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def get_user(self, name: str) -> UserRow | None:
        with self._conn() as conn:
            row = conn.execute(sa.select(user_account).where(user_account.c.name == name)).first()
        return None if row is None else UserRow(**row._asdict())

    def save_user(self, user: UserRow) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute(user_account.delete().where(user_account.c.name == user.name))
            conn.execute(user_account.insert().values(**asdict(user)))

    def users(self) -> list[UserRow]:
        with self._conn() as conn:
            rows = conn.execute(sa.select(user_account).order_by(user_account.c.name))
            return [UserRow(**row._asdict()) for row in rows]

    def compartment_version(self, name: str) -> int | None:
        with self._conn() as conn:
            version: int | None = conn.scalar(
                sa.select(compartment.c.key_version).where(compartment.c.name == name)
            )
            return version

    def save_compartment(self, name: str, key_version: int) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute(compartment.delete().where(compartment.c.name == name))
            conn.execute(compartment.insert().values(name=name, key_version=key_version))

    def add_wrap(self, wrap: KeyWrap) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute(compartment_key.insert().values(**asdict(wrap)))

    def _wraps(self, where: sa.ColumnElement[bool], *order: sa.Column[object]) -> list[KeyWrap]:
        with self._conn() as conn:
            rows = conn.execute(sa.select(compartment_key).where(where).order_by(*order))
            return [KeyWrap(**row._asdict()) for row in rows]

    def wraps_for(self, holder: str) -> list[KeyWrap]:
        key = compartment_key.c
        return self._wraps(key.holder == holder, key.compartment, key.key_version)

    def compartments(self) -> list[tuple[str, int]]:
        with self._conn() as conn:
            rows = conn.execute(sa.select(compartment).order_by(compartment.c.name))
            return [(row.name, row.key_version) for row in rows]

    def wraps_of(self, name: str) -> list[KeyWrap]:
        key = compartment_key.c
        return self._wraps(key.compartment == name, key.holder, key.key_version)

    def delete_wraps(self, name: str, holder: str | None = None, below: int | None = None) -> int:
        stmt = compartment_key.delete().where(compartment_key.c.compartment == name)
        if holder is not None:
            stmt = stmt.where(compartment_key.c.holder == holder)
        if below is not None:
            stmt = stmt.where(compartment_key.c.key_version < below)
        with self.transaction(), self._conn() as conn:
            return int(conn.execute(stmt).rowcount or 0)

    def add_pending_event(self, at: str, actor: str, action: str) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute(pending_event.insert().values(at=at, actor=actor, action=action))

    def take_pending_events(self) -> list[tuple[str, str, str]]:
        with self.transaction(), self._conn() as conn:
            rows = list(conn.execute(sa.select(pending_event).order_by(pending_event.c.id)))
            conn.execute(pending_event.delete())
        return [(row.at, row.actor, row.action) for row in rows]
