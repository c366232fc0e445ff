"""API tokens on the store's connection: public ids, hashes of secrets and sealed key bundles."""

import secrets
from contextlib import AbstractContextManager
from dataclasses import asdict

import sqlalchemy as sa

from vigil.services.tokens import ApiTokenRow
from vigil.storage.tables import metadata

api_token = sa.Table(
    "api_token",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user", sa.String(64), nullable=False, index=True),
    sa.Column("label", sa.String(80), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("compartments", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40), nullable=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("sealed_keys", sa.LargeBinary, nullable=False),
    sa.Column("reveal", sa.Boolean, nullable=False),
)


class TokenTables:
    """Token methods mixed into the record store so they share its transactions."""

    def _conn(self) -> AbstractContextManager[sa.Connection]:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def save_api_token(self, token: ApiTokenRow) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute(api_token.delete().where(api_token.c.id == token.id))
            conn.execute(api_token.insert().values(**asdict(token)))

    def get_api_token(self, token_id: str) -> ApiTokenRow | None:
        with self._conn() as conn:
            row = conn.execute(sa.select(api_token).where(api_token.c.id == token_id)).first()
        return None if row is None else ApiTokenRow(**row._asdict())

    def api_tokens(self, user: str | None = None) -> list[ApiTokenRow]:
        query = sa.select(api_token).order_by(api_token.c.created_at, api_token.c.id)
        if user is not None:
            query = query.where(api_token.c.user == user)
        with self._conn() as conn:
            return [ApiTokenRow(**row._asdict()) for row in conn.execute(query)]


def shred_api_tokens(conn: sa.Connection) -> int:
    """Overwrite every token's sealed key bundle with random bytes, then delete the rows."""
    rows = list(conn.execute(sa.select(api_token.c.id, api_token.c.sealed_keys)))
    for row in rows:
        conn.execute(
            api_token.update()
            .where(api_token.c.id == row.id)
            .values(sealed_keys=secrets.token_bytes(len(row.sealed_keys)))
        )
    conn.execute(api_token.delete())
    return len(rows)
