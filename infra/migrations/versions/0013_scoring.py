"""Scoring: members' and units' totals (all time and by month, one row each), the last
full recompute of each county, and the quota reminders already written.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import app_role, isolate_tenant_table

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("member_scores", "unit_scores", "scoring_runs", "quota_reminders")
EMPTY = sa.text("'{}'")


def _arrays(*names: str) -> list[Any]:
    """`months` (yyyymm ascending) and the month arrays aligned with it."""
    kinds: dict[str, Any] = {
        "hours": sa.Numeric(12, 2),
        "times": sa.Integer(),
        "points": sa.Numeric(16, 4),
        "activities": sa.Integer(),
    }
    columns: list[Any] = [
        sa.Column("months", postgresql.ARRAY(sa.Integer()), server_default=EMPTY, nullable=False)
    ]
    for name in names:
        columns.append(
            sa.Column(
                f"month_{name}", postgresql.ARRAY(kinds[name]), server_default=EMPTY, nullable=False
            )
        )
    return columns


def _totals() -> list[Any]:
    return [
        sa.Column("hours", sa.Numeric(12, 2), server_default=sa.text("0"), nullable=False),
        sa.Column("times", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("points", sa.Numeric(16, 4), server_default=sa.text("0"), nullable=False),
    ]


def _tenant(table: str) -> Any:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
    )


def upgrade() -> None:
    op.create_table(
        "member_scores",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        *_totals(),
        sa.Column("star_level", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        *_arrays("hours", "times", "points"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_member_scores_tenant_id_member_id_members"),
        ),
        _tenant("member_scores"),
        sa.PrimaryKeyConstraint("tenant_id", "member_id", name=op.f("pk_member_scores")),
    )
    op.create_table(
        "unit_scores",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        *_totals(),
        sa.Column(
            "collective_activities", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        *_arrays("hours", "times", "points", "activities"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_unit_scores_tenant_id_unit_id_units"),
        ),
        _tenant("unit_scores"),
        sa.PrimaryKeyConstraint("tenant_id", "unit_id", name=op.f("pk_unit_scores")),
    )
    op.create_table(
        "scoring_runs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("rules_version_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "recomputed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        _tenant("scoring_runs"),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_scoring_runs")),
    )
    op.create_table(
        "quota_reminders",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("days_before", sa.SmallInteger(), nullable=False),
        sa.Column(
            "sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_quota_reminders_tenant_id_member_id_members"),
        ),
        _tenant("quota_reminders"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "member_id", "period", "days_before", name=op.f("pk_quota_reminders")
        ),
    )
    for table in TABLES:
        isolate_tenant_table(table)
    # A reminder written stays written: that is what keeps it to once.
    op.execute(f"REVOKE UPDATE, DELETE ON quota_reminders FROM {app_role()}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
