"""automated traceback: tracebacks, hop requests, carriers' record uploads

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 07:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "traceback",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("call_time", sa.DateTime(), nullable=False),
        sa.Column("calling_number", sa.String(length=64), nullable=False),
        sa.Column("called_number", sa.String(length=64), nullable=False),
        sa.Column("campaign", sa.String(length=200), nullable=False),
        sa.Column("terminating_carrier", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("report_pk", _BIGID, sa.ForeignKey("report.id"), nullable=True),
        sa.Column("due_seconds", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("hop_rows", sa.JSON(), nullable=True),
        sa.Column("rows_sha256", sa.String(length=64), nullable=True),
        sa.Column("loaded_sha256", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_traceback_state", "traceback", ["state"])
    op.create_index("ix_traceback_report_pk", "traceback", ["report_pk"])
    op.create_table(
        "record_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id"), nullable=False),
        sa.Column("carrier", sa.String(length=200), nullable=False),
        sa.Column("carrier_key", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("period_end", sa.DateTime(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_record_upload_org_id", "record_upload", ["org_id"])
    op.create_index("ix_record_upload_carrier", "record_upload", ["carrier_key", "period_start"])
    op.create_table(
        "hop_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "traceback_id", sa.String(length=64), sa.ForeignKey("traceback.id"), nullable=False
        ),
        sa.Column("hop", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("provider_key", sa.String(length=200), nullable=False),
        sa.Column("provider_country", sa.String(length=2), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id"), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("answer_kind", sa.String(length=24), nullable=True),
        sa.Column("upstream", sa.String(length=200), nullable=False),
        sa.Column("upstream_key", sa.String(length=200), nullable=False),
        sa.Column("upstream_country", sa.String(length=2), nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("attestation", sa.String(length=1), nullable=False),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("overdue_at", sa.DateTime(), nullable=True),
        sa.Column("from_records", sa.Boolean(), nullable=False),
        sa.Column("record_sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "record_upload_id", sa.Integer(), sa.ForeignKey("record_upload.id"), nullable=True
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("traceback_id", "hop", name="uq_hop_request_traceback_hop"),
    )
    op.create_index("ix_hop_request_org_state", "hop_request", ["org_id", "state"])
    op.create_index("ix_hop_request_provider_state", "hop_request", ["provider_key", "state"])


def downgrade() -> None:
    op.drop_index("ix_hop_request_provider_state", table_name="hop_request")
    op.drop_index("ix_hop_request_org_state", table_name="hop_request")
    op.drop_table("hop_request")
    op.drop_index("ix_record_upload_carrier", table_name="record_upload")
    op.drop_index("ix_record_upload_org_id", table_name="record_upload")
    op.drop_table("record_upload")
    op.drop_index("ix_traceback_report_pk", table_name="traceback")
    op.drop_index("ix_traceback_state", table_name="traceback")
    op.drop_table("traceback")
