"""Per-county rules, versioned by the day each version takes effect.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import app_role, isolate_tenant_table

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_rules",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tenant_rules_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tenant_rules")),
    )
    op.create_index(
        "ix_tenant_rules_tenant_id_effective_from",
        "tenant_rules",
        ["tenant_id", "effective_from"],
        unique=False,
    )
    isolate_tenant_table("tenant_rules")
    # Versions are history: a correction is a new version, never an edit of an old one.
    op.execute(f"REVOKE UPDATE, DELETE ON tenant_rules FROM {app_role()}")


def downgrade() -> None:
    op.drop_index("ix_tenant_rules_tenant_id_effective_from", table_name="tenant_rules")
    op.drop_table("tenant_rules")
