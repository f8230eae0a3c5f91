"""traceback ended_at index: the campaign job's look-up of tracebacks ended since its last run

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 14:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_traceback_ended_at", "traceback", ["ended_at"])


def downgrade() -> None:
    op.drop_index("ix_traceback_ended_at", table_name="traceback")
