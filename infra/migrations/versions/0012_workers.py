"""The workers' own tables: relay cursors, scheduled runs, dead-lettered messages; and the
index the relay reads the events log by, in (transaction_id, id) order.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.db import Xid8
from infra.migrations.ddl import isolate_tenant_table

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now(name: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "relay_cursors",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("transaction_id", Xid8(), server_default=sa.text("'0'::xid8"), nullable=False),
        sa.Column("event_id", sa.BigInteger(), server_default="0", nullable=False),
        _now("relayed_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_relay_cursors_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_relay_cursors")),
    )
    isolate_tenant_table("relay_cursors")
    op.create_table(
        "schedule_runs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        _now("ran_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_schedule_runs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "job", "due_at", name=op.f("pk_schedule_runs")),
    )
    isolate_tenant_table("schedule_runs")
    op.create_table(
        "failed_messages",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("queue_name", sa.Text(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("args", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _now("failed_at"),
        sa.Column("retried_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retried_by", sa.Uuid(), nullable=True),
        sa.Column("retry_message_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_failed_messages_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_failed_messages")),
    )
    op.create_index(
        "ix_failed_messages_tenant_id_failed_at_id",
        "failed_messages",
        ["tenant_id", "failed_at", "id"],
        unique=False,
    )
    isolate_tenant_table("failed_messages")
    # The relay (and partners' replay) read a tenant's log after a (transaction, event)
    # position; without this a read past the first events scans the tenant's whole log.
    op.create_index(
        "ix_events_tenant_id_transaction_id_id",
        "events",
        ["tenant_id", "transaction_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_events_tenant_id_transaction_id_id", table_name="events")
    op.drop_index("ix_failed_messages_tenant_id_failed_at_id", table_name="failed_messages")
    op.drop_table("failed_messages")
    op.drop_table("schedule_runs")
    op.drop_table("relay_cursors")
