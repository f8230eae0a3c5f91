"""login failure client: the client address of each failed login, for the per-address limit

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("login_failure", sa.Column("client", sa.String(length=64), nullable=True))
    op.create_index("ix_login_failure_client_at", "login_failure", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_failure_client_at", table_name="login_failure")
    with op.batch_alter_table("login_failure") as batch:
        batch.drop_column("client")
