"""Where a benchmark imports to: a fresh SQLite instance folder, or a fresh PostgreSQL schema."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from vigil.bootstrap import Settings
from vigil.crypto.kdf import KdfParameters

POSTGRES_ENV = "VIGIL_TEST_POSTGRES_URL"

# Cheap Argon2 settings: unlocking is not what is measured here.
BENCH_KDF = KdfParameters(salt=b"vigil-benchmarks", time_cost=1, memory_kib=8192)
UNLOCK_WORDS = "benchmark instance, not a secret"


@dataclass(frozen=True, slots=True)
class Target:
    """One database to import into, named for the report."""

    name: str
    settings: Settings


def sqlite_target(folder: Path) -> Target:
    return Target("sqlite", Settings(home=folder / "sqlite-instance"))


def _with_search_path(url: str, schema: str) -> str:
    option = quote(f"-csearch_path={schema}", safe="")
    return f"{url}{'&' if '?' in url else '?'}options={option}"


def _plain_url(url: str) -> str:
    """The URL as psycopg takes it (no SQLAlchemy driver suffix)."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url


@contextmanager
def postgres_target(url: str, folder: Path, keep: bool = False) -> Iterator[Target]:
    """Yield a target in a new schema of the database at `url`; drop the schema afterwards."""
    import psycopg  # only needed when PostgreSQL is benchmarked

    schema = f"vigil_bench_{secrets.token_hex(4)}"
    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield Target(
            "postgresql",
            Settings(
                home=folder / "postgresql-instance", database_url=_with_search_path(url, schema)
            ),
        )
    finally:
        if not keep:
            with psycopg.connect(_plain_url(url), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"
