"""Appointment requests and their status changes (the audit trail).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("email", sa.String(320)),
        sa.Column("preferred_date", sa.Date()),
        sa.Column("preferred_time", sa.String(64)),
        sa.Column("reason", sa.String(500)),
        sa.Column("message", sa.Text()),
        sa.Column("consent_at", sa.DateTime(timezone=True)),
        sa.Column("channel", sa.String(64)),
        sa.Column("conversation_id", sa.String(255)),
        sa.Column("idempotency_key", sa.String(400), unique=True),
        sa.Column("transcript", sa.JSON()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("staff_note", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_requests_status_created", "appointment_requests", ["status", "created_at"])
    op.create_index("ix_requests_conversation", "appointment_requests", ["conversation_id"])
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("appointment_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_status_changes_request_id", "status_changes", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_status_changes_request_id", table_name="status_changes")
    op.drop_table("status_changes")
    op.drop_index("ix_requests_conversation", table_name="appointment_requests")
    op.drop_index("ix_requests_status_created", table_name="appointment_requests")
    op.drop_table("appointment_requests")
