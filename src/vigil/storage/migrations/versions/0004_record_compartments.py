"""Every record and every version belongs to a compartment; existing ones to "default".

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = (
    "place",
    "organisation",
    "person",
    "source",
    "incident",
    "act",
    "claim",
    "record_version",
)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("compartment", sa.String(64), nullable=False, server_default="default")
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("compartment")
