"""alerts: stored alerts, agencies' subscriptions, webhook delivery attempts

Revision ID: 0020
Revises: 0002
Create Date: 2026-11-30 06:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("alert_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=True),
        sa.Column("provider_key", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id"),
    )
    op.create_index("ix_alert_occurred_at", "alert", ["occurred_at"])
    op.create_table(
        "alert_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id"), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("states", sa.JSON(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("providers", sa.JSON(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("webhook_secret", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_subscription_org_id", "alert_subscription", ["org_id"])
    op.create_table(
        "alert_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "subscription_id", sa.Integer(), sa.ForeignKey("alert_subscription.id"), nullable=False
        ),
        sa.Column(
            "alert_id", sa.String(length=32), sa.ForeignKey("alert.alert_id"), nullable=False
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_alert_delivery_sub_alert", "alert_delivery", ["subscription_id", "alert_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_alert_delivery_sub_alert", table_name="alert_delivery")
    op.drop_table("alert_delivery")
    op.drop_index("ix_alert_subscription_org_id", table_name="alert_subscription")
    op.drop_table("alert_subscription")
    op.drop_index("ix_alert_occurred_at", table_name="alert")
    op.drop_table("alert")
