"""Building the database engine from a URL and bringing its schema up to date.

The embedded SQLite file is encrypted as a whole with SQLCipher under a random 32-byte key
(given raw, so SQLCipher runs no key derivation of its own); PostgreSQL relies on field
encryption alone.
"""

import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlcipher3.dbapi2 as sqlcipher
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from vigil.services.workspace import Locked

SQLITE_HEADER = b"SQLite format 3\x00"
DATABASE_KEY_BYTES = 32

KeySource = Callable[[], bytes | None]


def database_url(url: str | None, home: Path) -> str:
    """Return the SQLAlchemy URL: the given one (PostgreSQL), or the instance's SQLite file."""
    if not url:
        return f"sqlite:///{home / 'vigil.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def is_plain_database(path: Path) -> bool:
    """Tell whether a SQLite file is unencrypted (an empty or missing file counts as plain)."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return True
    return head in (b"", SQLITE_HEADER)


def _key_pragma(key: bytes) -> str:
    if len(key) != DATABASE_KEY_BYTES:
        raise ValueError("a database key has 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def _sqlite_pragmas(connection: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Every page SQLCipher reads is decrypted and authenticated; keeping 64 MiB of decrypted
    # pages (in this process's memory only) spares that work on the pages listings reuse.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _connect(path: str, key: KeySource, plain: bool) -> Any:
    """Open a SQLCipher connection, keying it before anything else reads the file."""
    secret = key()
    if secret is None and not plain:
        raise Locked("the database is encrypted: sign in first (`vigil login` or the passphrase)")
    connection = sqlcipher.connect(path, check_same_thread=False)
    connection.execute("PRAGMA cipher_log_level = NONE")
    if secret is not None:
        connection.execute(_key_pragma(secret))
    _sqlite_pragmas(connection)
    return connection


def make_engine(url: str, key: KeySource | None = None) -> sa.Engine:
    """Create an engine; SQLite goes through SQLCipher, keyed by ``key()`` at each connection.

    With no key known (``key()`` returns None) only an unencrypted file can be opened: an
    instance from before whole-file encryption, until its first sign-in converts it.
    """
    if not url.startswith("sqlite:///"):
        return sa.create_engine(url)
    path = url.removeprefix("sqlite:///")
    source: KeySource = key or (lambda: None)
    return sa.create_engine(
        url,
        module=sqlcipher,
        creator=lambda: _connect(path, source, is_plain_database(Path(path))),
    )


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def encrypt_plain_database(
    path: Path, key: bytes, before_replace: Callable[[], None] = lambda: None
) -> None:
    """Replace an unencrypted SQLite file by an encrypted copy, atomically.

    The copy is written next to it with ``sqlcipher_export``, flushed to disk and renamed over
    the original; the old WAL and shared-memory files go with it. ``before_replace`` runs once
    the copy is on disk (to store the key where it can be found again) and may still abort.
    The caller must have closed every connection to the file first.
    """
    fresh = path.with_name(path.name + ".encrypting")
    fresh.unlink(missing_ok=True)
    source = sqlcipher.connect(str(path))
    try:
        source.execute("PRAGMA cipher_log_level = NONE")
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        source.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(fresh),))
        source.execute("SELECT sqlcipher_export('encrypted')")
        version = source.execute("PRAGMA user_version").fetchone()[0]
        source.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        source.execute("DETACH DATABASE encrypted")
    finally:
        source.close()
    os.chmod(fresh, 0o600)
    descriptor = os.open(fresh, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        before_replace()
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(fresh, path)
    _fsync_folder(path.parent)


def _alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("vigil.storage") / "migrations"))
    config.attributes["connection"] = connection
    return config


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration (creating it on an empty database)."""
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")


def is_current(engine: sa.Engine) -> bool:
    """Tell whether the schema is at the newest migration."""
    with engine.connect() as connection:
        head = ScriptDirectory.from_config(_alembic_config(connection)).get_current_head()
        return MigrationContext.configure(connection).get_current_revision() == head
