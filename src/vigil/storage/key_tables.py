"""Every wrapped key at once: for the recovery split and restore, and for emergency shredding."""

import os
import secrets
from contextlib import AbstractContextManager
from pathlib import Path

import sqlalchemy as sa

from vigil.services.ports import KeyWrap
from vigil.storage.tables import compartment, compartment_key, user_account
from vigil.storage.token_tables import shred_api_tokens

SHREDDED = "shredded"


class KeyTables:
    """Key methods mixed into the record store so they share its transactions."""

    engine: sa.Engine

    def _conn(self) -> AbstractContextManager[sa.Connection]:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _wraps(self, where: sa.ColumnElement[bool], *order: sa.Column[object]) -> list[KeyWrap]:
        raise NotImplementedError  # AccountTables has it

    def key_versions(self) -> list[tuple[str, int]]:
        with self._conn() as conn:
            wrapped = conn.execute(
                sa.select(compartment_key.c.compartment, compartment_key.c.key_version).distinct()
            )
            current = conn.execute(sa.select(compartment.c.name, compartment.c.key_version))
            return sorted({(row[0], row[1]) for row in [*wrapped, *current]})

    def all_wraps(self) -> list[KeyWrap]:
        key = compartment_key.c
        return self._wraps(sa.true(), key.compartment, key.key_version, key.holder)

    def delete_holder_wraps(self, holder: str) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute(compartment_key.delete().where(compartment_key.c.holder == holder))

    def shred_keys(self) -> dict[str, int]:
        """Overwrite every wrapped key with random bytes, then delete it."""
        with self.transaction(), self._conn() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA secure_delete=ON")
            wraps = list(conn.execute(sa.select(compartment_key)))
            for row in wraps:
                conn.execute(
                    compartment_key.update()
                    .where(
                        (compartment_key.c.compartment == row.compartment)
                        & (compartment_key.c.key_version == row.key_version)
                        & (compartment_key.c.holder == row.holder)
                    )
                    .values(wrapped=secrets.token_bytes(len(row.wrapped)))
                )
            conn.execute(compartment_key.delete())
            tokens = shred_api_tokens(conn)
            users = list(conn.execute(sa.select(user_account)))
            totp = 0
            for row in users:
                totp += row.totp_sealed is not None
                conn.execute(
                    user_account.update()
                    .where(user_account.c.name == row.name)
                    .values(
                        wrapped_private_key=secrets.token_bytes(len(row.wrapped_private_key)),
                        totp_sealed=None
                        if row.totp_sealed is None
                        else secrets.token_bytes(len(row.totp_sealed)),
                        password_hash=secrets.token_hex(len(row.password_hash) // 2 + 1),
                    )
                )
            conn.execute(
                user_account.update().values(
                    wrapped_private_key=b"", totp_sealed=None, password_hash=SHREDDED
                )
            )
        counts = {"compartment keys": len(wraps), "private keys": len(users), "TOTP secrets": totp}
        return counts | ({"API tokens": tokens} if tokens else {})

    def compact(self) -> bool:
        """Rewrite the database so the pages that held the old keys are gone.

        SQLite: VACUUM rebuilds the file, and checkpoints empty the write-ahead log. PostgreSQL:
        VACUUM FULL rewrites the key tables into new files. Return False when another connection
        kept the write-ahead log from being emptied.
        """
        self.engine.dispose()
        with self.engine.connect() as plain:
            conn = plain.execution_options(isolation_level="AUTOCOMMIT")
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.exec_driver_sql("VACUUM")
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
                complete = busy is None or busy[0] == 0
            else:
                conn.exec_driver_sql("VACUUM FULL compartment_key")
                conn.exec_driver_sql("VACUUM FULL user_account")
                conn.exec_driver_sql("VACUUM FULL api_token")
                complete = True
        self.engine.dispose()
        return complete


def destroy_key_file(path: str) -> bool:
    """Overwrite a key file with random bytes, flush it to disk, and remove it.

    Return False if there was no such file.
    """
    target = Path(path)
    if not target.is_file():
        return False
    size = target.stat().st_size
    with target.open("r+b") as key_file:
        key_file.write(secrets.token_bytes(size))
        key_file.flush()
        os.fsync(key_file.fileno())
    target.unlink()
    return True
