"""What the visitor said is kept: their words for the reason, who the appointment is for, and a
phone extension beside the E.164 number.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (
    ("reason_text", sa.String(500)),
    ("patient_name", sa.String(200)),
    ("patient_relation", sa.String(40)),
    ("phone_extension", sa.String(20)),
)


def upgrade() -> None:
    # Nullable additions: a plain ALTER TABLE … ADD COLUMN on SQLite and PostgreSQL, rows kept as they are.
    for name, column_type in COLUMNS:
        op.add_column("appointment_requests", sa.Column(name, column_type, nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): no table copy, so no cascade through status_changes.
    for name, _ in reversed(COLUMNS):
        op.drop_column("appointment_requests", name)
