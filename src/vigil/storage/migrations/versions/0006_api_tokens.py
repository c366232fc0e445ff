"""API tokens: public id, owner, scope, compartments, expiry, hash of the secret, sealed keys.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("compartments", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.String(40), nullable=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("sealed_keys", sa.LargeBinary, nullable=False),
        sa.Column("reveal", sa.Boolean, nullable=False),
    )
    op.create_index("ix_api_token_user", "api_token", ["user"])


def downgrade() -> None:
    op.drop_index("ix_api_token_user", table_name="api_token")
    op.drop_table("api_token")
