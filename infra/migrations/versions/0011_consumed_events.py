"""What each consumer of the events log has applied (its idempotence key), and the
notification of every committed event on channel `gongjian_events` (its tenant's id as
the payload: one notification per tenant and transaction, sent at commit).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from infra.migrations.ddl import isolate_tenant_table

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consumed_events",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "consumed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_consumed_events_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "consumer", "event_id", name=op.f("pk_consumed_events")
        ),
    )
    isolate_tenant_table("consumed_events")
    op.execute(
        """CREATE FUNCTION notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             PERFORM pg_notify('gongjian_events', NEW.tenant_id::text);
             RETURN NULL;
           END $$"""
    )
    op.execute(
        "CREATE TRIGGER events_notify AFTER INSERT ON events "
        "FOR EACH ROW EXECUTE FUNCTION notify_event()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER events_notify ON events")
    op.execute("DROP FUNCTION notify_event()")
    op.drop_table("consumed_events")
