"""The language each messaging-channel conversation started in (Twilio, Telegram, Slack, Facebook).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_languages",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("sender", sa.String(128), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_channel_languages_created", "channel_languages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_channel_languages_created", table_name="channel_languages")
    op.drop_table("channel_languages")
