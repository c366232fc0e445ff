"""Building the database engine from a URL and bringing its schema up to date."""

from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory


def database_url(url: str | None, home: Path) -> str:
    """Return the SQLAlchemy URL: the given one (PostgreSQL), or the instance's SQLite file."""
    if not url:
        return f"sqlite:///{home / 'vigil.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    """Create an engine; SQLite gets WAL journaling so readers never block the writer."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


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
