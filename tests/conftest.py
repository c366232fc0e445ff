"""Fixtures shared by the integration and functional tests: an instance on each database."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from vigil.bootstrap import Settings, Vigil
from vigil.crypto.database_keys import DatabaseKeyFile, open_database_key
from vigil.crypto.kdf import KdfParameters
from vigil.crypto.user_keys import UserKeyring
from vigil.storage.engine import make_engine

POSTGRES_URL = os.environ.get("VIGIL_TEST_POSTGRES_URL")
PASSPHRASE = "correct horse battery staple"
FAST_KDF = KdfParameters(salt=b"", time_cost=1, memory_kib=8192)

DATABASES = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL, reason="VIGIL_TEST_POSTGRES_URL is unset: PostgreSQL tests skipped"
        ),
    ),
]


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """Create an empty schema for one test and drop it afterwards; return its URL."""
    assert POSTGRES_URL
    schema = f"vigil_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=DATABASES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings of a new instance: embedded SQLite, or a fresh PostgreSQL schema."""
    home = tmp_path / "instance"
    if request.param == "sqlite":
        return Settings(home=home)
    return Settings(home=home, database_url=request.getfixturevalue("postgres_schema"))


@pytest.fixture
def vigil(settings: Settings) -> Iterator[Vigil]:
    """A new, unlocked instance."""
    instance = Vigil.create(settings, PASSPHRASE, kdf=FAST_KDF)
    try:
        yield instance
    finally:
        instance.close()


def instance_environment(settings: Settings) -> dict[str, str]:
    """Return the environment variables that point the CLI at an instance."""
    env = {"VIGIL_HOME": str(settings.home), "VIGIL_PASSPHRASE": PASSPHRASE}
    if settings.database_url:
        env["VIGIL_DATABASE_URL"] = settings.database_url
    return env


def embedded_engine(
    settings: Settings, passphrase: str = PASSPHRASE, user: str = "admin"
) -> sa.Engine:
    """Return an engine on an embedded instance's encrypted file, keyed from its side file."""
    key, _ = open_database_key(
        UserKeyring(FAST_KDF), DatabaseKeyFile(settings.key_file), user, passphrase
    )
    return make_engine(settings.url, lambda: key)
