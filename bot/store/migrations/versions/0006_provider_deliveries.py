"""Messaging providers' message ids already handled (replays and retries are dropped).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_deliveries",
        sa.Column("provider", sa.String(16), primary_key=True),
        sa.Column("message_id", sa.String(128), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_provider_deliveries_received", "provider_deliveries", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_provider_deliveries_received", table_name="provider_deliveries")
    op.drop_table("provider_deliveries")
