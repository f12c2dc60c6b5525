"""Dashboard aggregates: scores per node and period (node_scores), summed by subtree.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import isolate_tenant_table

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    zero = sa.text("0")
    op.create_table(
        "node_scores",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("members", sa.Integer(), server_default=zero, nullable=False),
        sa.Column("hours", sa.Numeric(12, 2), server_default=zero, nullable=False),
        sa.Column("times", sa.Integer(), server_default=zero, nullable=False),
        sa.Column("compliant", sa.Integer(), server_default=zero, nullable=False),
        sa.Column(
            "stars",
            postgresql.ARRAY(sa.Integer()),
            server_default=sa.text("'{0,0,0,0,0}'"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_node_scores_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_node_scores_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "node_id", "period", name=op.f("pk_node_scores")),
    )
    op.create_index(
        "ix_node_scores_tenant_id_period_scope_path",
        "node_scores",
        ["tenant_id", "period", "scope_path"],
    )
    isolate_tenant_table("node_scores")


def downgrade() -> None:
    op.drop_table("node_scores")
