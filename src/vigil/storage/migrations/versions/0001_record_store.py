"""The record store: a table per kind of record, links, every version, instance settings.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "act",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("incident", sa.String(16), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("place", sa.String(16), nullable=True),
        sa.Column("period_lo", sa.Date(), nullable=True),
        sa.Column("period_hi", sa.Date(), nullable=True),
        sa.Column("victim_person", sa.String(16), nullable=True),
    )
    op.create_index("ix_act_incident_type", "act", ["incident", "type"])
    op.create_index("ix_act_place", "act", ["place"])
    op.create_index("ix_act_type_incident", "act", ["type", "incident"])
    op.create_index("ix_act_victim_person", "act", ["victim_person"])
    op.create_table(
        "claim",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("quantity", sa.String(64), nullable=True),
        sa.Column("qualifier", sa.String(16), nullable=True),
        sa.Column("value_low", sa.Integer(), nullable=True),
        sa.Column("value_high", sa.Integer(), nullable=True),
        sa.Column("as_of_lo", sa.Date(), nullable=True),
        sa.Column("as_of_hi", sa.Date(), nullable=True),
        sa.Column("period_lo", sa.Date(), nullable=True),
        sa.Column("period_hi", sa.Date(), nullable=True),
        sa.Column("place", sa.String(16), nullable=True),
        sa.Column("superseded_by", sa.String(16), nullable=True),
    )
    op.create_index("ix_claim_place", "claim", ["place"])
    op.create_index("ix_claim_quantity", "claim", ["quantity"])
    op.create_index("ix_claim_source", "claim", ["source"])
    op.create_index("ix_claim_superseded_by", "claim", ["superseded_by"])
    op.create_table(
        "claim_support",
        sa.Column("claim", sa.String(16), primary_key=True),
        sa.Column("target", sa.String(16), primary_key=True),
    )
    op.create_index("ix_claim_support_target", "claim_support", ["target", "claim"])
    op.create_table(
        "incident",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("period_lo", sa.Date(), nullable=True),
        sa.Column("period_hi", sa.Date(), nullable=True),
        sa.Column("part_of", sa.String(16), nullable=True),
    )
    op.create_index("ix_incident_part_of", "incident", ["part_of"])
    op.create_index("ix_incident_period", "incident", ["period_lo", "period_hi", "code"])
    op.create_table(
        "incident_place",
        sa.Column("incident", sa.String(16), primary_key=True),
        sa.Column("place", sa.String(16), primary_key=True),
    )
    op.create_index("ix_incident_place_place", "incident_place", ["place", "incident"])
    op.create_table(
        "organisation",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("parent", sa.String(16), nullable=True),
    )
    op.create_index("ix_organisation_parent", "organisation", ["parent"])
    op.create_table(
        "person",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
    )
    op.create_table(
        "place",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("parent", sa.String(16), nullable=True),
    )
    op.create_index("ix_place_parent", "place", ["parent"])
    op.create_table(
        "record_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint("code", "version", name="uq_record_version_code_version"),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "source",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("publisher", sa.String(16), nullable=True),
        sa.Column("published_lo", sa.Date(), nullable=True),
        sa.Column("published_hi", sa.Date(), nullable=True),
    )
    op.create_index("ix_source_publisher", "source", ["publisher"])


def downgrade() -> None:
    for table in (
        "record_version",
        "claim_support",
        "claim",
        "act",
        "incident_place",
        "incident",
        "source",
        "person",
        "organisation",
        "place",
        "setting",
    ):
        op.drop_table(table)
