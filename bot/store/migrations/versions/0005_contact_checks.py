"""Failed contact checks per reference code, for the lockout.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_checks",
        sa.Column("reference", sa.String(16), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_contact_checks_updated", "contact_checks", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_contact_checks_updated", table_name="contact_checks")
    op.drop_table("contact_checks")
