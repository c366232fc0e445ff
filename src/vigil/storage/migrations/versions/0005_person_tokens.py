"""Blind-index terms of person names, for finding a person without decrypting the person table.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_token",
        sa.Column("person", sa.String(16), primary_key=True),
        sa.Column("compartment", sa.String(64), primary_key=True),
        sa.Column("token", sa.String(16), primary_key=True),
    )
    op.create_index("ix_person_token_lookup", "person_token", ["compartment", "token", "person"])


def downgrade() -> None:
    op.drop_index("ix_person_token_lookup", table_name="person_token")
    op.drop_table("person_token")
