"""Full-text search over the public text of incidents (title and description).

SQLite: an FTS5 table ``incident_text`` whose rowid is the number the incident code spells in
base32 (stable across VACUUM, unlike SQLite's own rowids of a table keyed by text).
PostgreSQL: a stored generated column ``search_vector`` = ``to_tsvector('simple', search_text)``
with a GIN index; 'simple' because records are in several languages and a search must find the
word as typed, without one language's stemming. Stored rather than an expression index: when the
planner reads the period index in order and tests each row, an expression index has it compute
to_tsvector again for every row it passes (over 100 ms for a page on 100,000 incidents).

Also two indexes of claims by date, for the dashboard's newest claims of each quantity and the
queue of claims not linked to any record yet: without them each needs every claim read and sorted.

Revision ID: 0007
Revises: 0006
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BATCH = 5000


def _number(code: str) -> int:
    number = 0
    for char in code.partition("-")[2]:
        number = number * 32 + _CROCKFORD.index(char)
    return number


def _text(title: str, data: str) -> str:
    description = json.loads(data).get("description") or ""
    return f"{title}\n{description}".strip()


def upgrade() -> None:
    op.create_index("ix_claim_quantity_as_of", "claim", ["quantity", "as_of_lo", "code"])
    op.create_index("ix_claim_as_of", "claim", ["as_of_lo", "code"])
    op.add_column("incident", sa.Column("search_text", sa.Text, nullable=True))
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        op.execute(
            "CREATE VIRTUAL TABLE incident_text USING fts5("
            "code UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2')"
        )
    incident = sa.table(
        "incident",
        sa.column("code"),
        sa.column("title"),
        sa.column("data"),
        sa.column("search_text"),
    )
    rows = connection.execute(sa.select(incident.c.code, incident.c.title, incident.c.data)).all()
    texts = [{"c": code, "t": _text(title, data)} for code, title, data in rows]
    update = (
        incident.update()
        .where(incident.c.code == sa.bindparam("c"))
        .values(search_text=sa.bindparam("t"))
    )
    fill = sa.text("INSERT INTO incident_text (rowid, code, text) VALUES (:n, :c, :t)")
    for start in range(0, len(texts), _BATCH):
        chunk = texts[start : start + _BATCH]
        connection.execute(update, chunk)
        words = [{**row, "n": _number(row["c"])} for row in chunk if row["t"]]
        if sqlite and words:
            connection.execute(fill, words)
    if not sqlite:
        op.execute(
            "ALTER TABLE incident ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple'::regconfig, coalesce(search_text, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_incident_search ON incident USING gin (search_vector)")
        # the incidents page lists newest first with undated incidents last; SQLite reads
        # ix_incident_period backwards for that order, PostgreSQL needs its own index
        op.execute(
            "CREATE INDEX ix_incident_newest ON incident (period_lo DESC NULLS LAST, code DESC)"
        )


def downgrade() -> None:
    op.drop_index("ix_claim_as_of", table_name="claim")
    op.drop_index("ix_claim_quantity_as_of", table_name="claim")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE incident_text")
    else:
        op.execute("DROP INDEX ix_incident_newest")
        op.execute("DROP INDEX ix_incident_search")
        op.execute("ALTER TABLE incident DROP COLUMN search_vector")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("search_text")
