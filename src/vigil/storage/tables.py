"""The tables: one per kind of record with the columns listings filter on, plus every version."""

import sqlalchemy as sa

from vigil.domain.codes import RecordKind

metadata = sa.MetaData()

CODE = sa.String(16)


def _record_table(
    name: str, *columns: sa.Column[object], indexes: tuple[sa.Index, ...] = ()
) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("code", CODE, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=True),
        sa.Column("compartment", sa.String(64), nullable=False, server_default="default"),
        *columns,
        *indexes,
    )


setting = sa.Table(
    "setting",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

record_version = sa.Table(
    "record_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", CODE, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("action", sa.String(8), nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("sealed", sa.LargeBinary, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("compartment", sa.String(64), nullable=False, server_default="default"),
    sa.UniqueConstraint("code", "version", name="uq_record_version_code_version"),
)

place = _record_table(
    "place",
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("parent", CODE, nullable=True, index=True),
)

organisation = _record_table(
    "organisation",
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("parent", CODE, nullable=True, index=True),
)

person = _record_table("person")

source = _record_table(
    "source",
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("publisher", CODE, nullable=True, index=True),
    sa.Column("published_lo", sa.Date, nullable=True),
    sa.Column("published_hi", sa.Date, nullable=True),
)

incident = _record_table(
    "incident",
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("status", sa.String(64), nullable=False),
    sa.Column("period_lo", sa.Date, nullable=True),
    sa.Column("period_hi", sa.Date, nullable=True),
    sa.Column("part_of", CODE, nullable=True, index=True),
    # the words full-text search looks in: public fields only, never a sealed one. Indexed by
    # an FTS5 table (incident_text) on SQLite; on PostgreSQL a generated tsvector column
    # (search_vector) with a GIN index; both made by migration 0007.
    sa.Column("search_text", sa.Text, nullable=True),
    indexes=(sa.Index("ix_incident_period", "period_lo", "period_hi", "code"),),
)

incident_place = sa.Table(
    "incident_place",
    metadata,
    sa.Column("incident", CODE, primary_key=True),
    sa.Column("place", CODE, primary_key=True),
    sa.Index("ix_incident_place_place", "place", "incident"),
)

act = _record_table(
    "act",
    sa.Column("incident", CODE, nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("place", CODE, nullable=True, index=True),
    sa.Column("period_lo", sa.Date, nullable=True),
    sa.Column("period_hi", sa.Date, nullable=True),
    sa.Column("victim_person", CODE, nullable=True, index=True),
    indexes=(
        sa.Index("ix_act_incident_type", "incident", "type"),
        sa.Index("ix_act_type_incident", "type", "incident"),
    ),
)

claim = _record_table(
    "claim",
    sa.Column("source", CODE, nullable=False, index=True),
    sa.Column("quantity", sa.String(64), nullable=True, index=True),
    sa.Column("qualifier", sa.String(16), nullable=True),
    sa.Column("value_low", sa.Integer, nullable=True),
    sa.Column("value_high", sa.Integer, nullable=True),
    sa.Column("as_of_lo", sa.Date, nullable=True),
    sa.Column("as_of_hi", sa.Date, nullable=True),
    sa.Column("period_lo", sa.Date, nullable=True),
    sa.Column("period_hi", sa.Date, nullable=True),
    sa.Column("place", CODE, nullable=True, index=True),
    sa.Column("superseded_by", CODE, nullable=True, index=True),
    # the newest claims of one quantity (the dashboard), and claims by date (listings, the
    # queue of claims not linked yet); both made by migration 0007
    indexes=(
        sa.Index("ix_claim_quantity_as_of", "quantity", "as_of_lo", "code"),
        sa.Index("ix_claim_as_of", "as_of_lo", "code"),
    ),
)

claim_support = sa.Table(
    "claim_support",
    metadata,
    sa.Column("claim", CODE, primary_key=True),
    sa.Column("target", CODE, primary_key=True),
    sa.Index("ix_claim_support_target", "target", "claim"),
)

person_token = sa.Table(
    "person_token",
    metadata,
    sa.Column("person", CODE, primary_key=True),
    sa.Column("compartment", sa.String(64), primary_key=True),
    sa.Column("token", sa.String(16), primary_key=True),
    sa.Index("ix_person_token_lookup", "compartment", "token", "person"),
)

audit_entry = sa.Table(
    "audit_entry",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("record", sa.String(16), nullable=True, index=True),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
)

user_account = sa.Table(
    "user_account",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("kdf", sa.Text, nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("wrapped_private_key", sa.LargeBinary, nullable=False),
    sa.Column("totp_sealed", sa.LargeBinary, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("failed_count", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.String(40), nullable=True),
    sa.Column("created_at", sa.String(40), nullable=False),
)

compartment = sa.Table(
    "compartment",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("key_version", sa.Integer, nullable=False),
)

compartment_key = sa.Table(
    "compartment_key",
    metadata,
    sa.Column("compartment", sa.String(64), primary_key=True),
    sa.Column("key_version", sa.Integer, primary_key=True),
    sa.Column("holder", sa.String(64), primary_key=True),
    sa.Column("wrapped", sa.LargeBinary, nullable=False),
)

pending_event = sa.Table(
    "pending_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
)

# SQLite's full-text index of incident.search_text (a virtual table, made by migration 0007);
# its rowid is the number the incident's code spells in base32, so a change finds its row.
incident_text = sa.table(
    "incident_text", sa.column("rowid", sa.Integer), sa.column("code"), sa.column("text")
)

RECORD_TABLES: dict[RecordKind, sa.Table] = {
    RecordKind.PLACE: place,
    RecordKind.ORGANISATION: organisation,
    RecordKind.PERSON: person,
    RecordKind.SOURCE: source,
    RecordKind.INCIDENT: incident,
    RecordKind.ACT: act,
    RecordKind.CLAIM: claim,
}

LINK_TABLES: dict[str, tuple[sa.Table, str, str]] = {
    "places": (incident_place, "incident", "place"),
    "supports": (claim_support, "claim", "target"),
}
