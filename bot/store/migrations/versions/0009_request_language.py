"""The language of the conversation a request came from, so staff call back in it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL with a server default: one ALTER TABLE … ADD COLUMN on SQLite and PostgreSQL, and every
    # existing row (all from the English-only assistant) reads "en".
    op.add_column(
        "appointment_requests",
        sa.Column("language", sa.String(2), nullable=False, server_default="en"),
    )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): no table copy, so no cascade through status_changes.
    op.drop_column("appointment_requests", "language")
