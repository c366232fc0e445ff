"""Users with wrapped keys, compartments with wrapped data keys, unsigned sign-in events.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("kdf", sa.Text(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("totp_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(40), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "compartment",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("key_version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "compartment_key",
        sa.Column("compartment", sa.String(64), primary_key=True),
        sa.Column("key_version", sa.Integer(), primary_key=True),
        sa.Column("holder", sa.String(64), primary_key=True),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "pending_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for table in ("pending_event", "compartment_key", "compartment", "user_account"):
        op.drop_table(table)
