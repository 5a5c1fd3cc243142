"""Live handoff to the practice's staff: the queue and hold, and the messages exchanged.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True)),
        sa.Column("staff_user", sa.String(64)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("staff_typing_at", sa.DateTime(timezone=True)),
        sa.Column("transcript", sa.JSON, nullable=False),
    )
    op.create_index("ix_handoffs_conversation", "handoffs", ["conversation_id"])
    op.create_index("ix_handoffs_state_requested", "handoffs", ["state", "requested_at"])
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("staff_user", sa.String(64)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("red_flag", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handoff_messages_handoff", "handoff_messages", ["handoff_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_handoff_messages_handoff", table_name="handoff_messages")
    op.drop_table("handoff_messages")
    op.drop_index("ix_handoffs_state_requested", table_name="handoffs")
    op.drop_index("ix_handoffs_conversation", table_name="handoffs")
    op.drop_table("handoffs")
