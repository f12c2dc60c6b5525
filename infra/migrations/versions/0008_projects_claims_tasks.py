"""Projects and posts, claims, tasks.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from infra.migrations.ddl import app_role, isolate_tenant_table

TABLES = ("projects", "project_claims", "tasks", "task_progress")
ENUMS = (
    "project_status",
    "project_claimant_kind",
    "project_claim_mode",
    "project_claim_origin",
    "project_claim_status",
    "task_status",
)
ACTIVE_CLAIM = "status IN ('claimed', 'started', 'withdraw_requested', 'completed')"

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now(name: str, *, nullable: bool = False) -> "sa.Column[Any]":
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=None if nullable else sa.text("now()"),
        nullable=nullable,
    )


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
    )


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "claimant_kind",
            sa.Enum("units", "members", "both", name="project_claimant_kind"),
            nullable=False,
        ),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "claim_mode",
            sa.Enum("self", "assigned", "both", name="project_claim_mode"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("draft", "published", "closed", "cancelled", name="project_status"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sa.Text(), nullable=False),
        _now("created_at"),
        _now("published_at", nullable=True),
        _now("closed_at", nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        _now("cancelled_at", nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        _now("updated_at"),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_projects_capacity_positive")),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_projects_period_in_order")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_projects_tenant_id_node_id_nodes"),
        ),
        _tenant_fk("projects"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_projects")),
    )
    op.create_index(
        "ix_projects_tenant_id_scope_path", "projects", ["tenant_id", "scope_path"], unique=False
    )

    op.create_table(
        "project_claims",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "origin",
            sa.Enum("self", "assigned", name="project_claim_origin"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "claimed",
                "started",
                "withdraw_requested",
                "withdrawn",
                "completed",
                "cancelled",
                name="project_claim_status",
            ),
            nullable=False,
        ),
        sa.Column("claimed_by", sa.Uuid(), nullable=True),
        _now("claimed_at"),
        _now("started_at", nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        _now("withdrawal_requested_at", nullable=True),
        sa.Column("withdrawal_refusal", sa.Text(), nullable=True),
        _now("withdrawn_at", nullable=True),
        _now("completed_at", nullable=True),
        sa.Column("completion_note", sa.Text(), nullable=True),
        _now("cancelled_at", nullable=True),
        _now("updated_at"),
        sa.CheckConstraint(
            "(unit_id IS NULL) <> (member_id IS NULL)",
            name=op.f("ck_project_claims_one_claimant"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_project_claims_tenant_id_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "project_id"],
            ["projects.tenant_id", "projects.id"],
            name=op.f("fk_project_claims_tenant_id_project_id_projects"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_project_claims_tenant_id_unit_id_units"),
        ),
        _tenant_fk("project_claims"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_project_claims")),
    )
    for column in ("project_id", "scope_path", "unit_id", "member_id"):
        op.create_index(
            f"ix_project_claims_tenant_id_{column}",
            "project_claims",
            ["tenant_id", column],
            unique=False,
        )
    for claimant in ("unit", "member"):
        op.create_index(
            f"uq_project_claims_active_{claimant}",
            "project_claims",
            ["tenant_id", "project_id", f"{claimant}_id"],
            unique=True,
            postgresql_where=sa.text(f"{claimant}_id IS NOT NULL AND {ACTIVE_CLAIM}"),
        )

    op.create_table(
        "tasks",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("assigned", "in_progress", "completed", "cancelled", name="task_status"),
            nullable=False,
        ),
        sa.Column("given_by", sa.Uuid(), nullable=True),
        sa.Column("given_by_name", sa.Text(), nullable=False),
        _now("given_at"),
        _now("completed_at", nullable=True),
        sa.Column("completion_report", sa.Text(), nullable=True),
        _now("cancelled_at", nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        _now("updated_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_tasks_tenant_id_community_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_tasks_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_tasks_tenant_id_unit_id_units"),
        ),
        _tenant_fk("tasks"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tasks")),
    )
    op.create_index(
        "ix_tasks_tenant_id_scope_path", "tasks", ["tenant_id", "scope_path"], unique=False
    )
    op.create_index("ix_tasks_tenant_id_unit_id", "tasks", ["tenant_id", "unit_id"], unique=False)

    op.create_table(
        "task_progress",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("reported_by", sa.Uuid(), nullable=True),
        sa.Column("reported_by_name", sa.Text(), nullable=False),
        _now("reported_at"),
        sa.CheckConstraint(
            "percent BETWEEN 0 AND 100", name=op.f("ck_task_progress_percent_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "task_id"],
            ["tasks.tenant_id", "tasks.id"],
            name=op.f("fk_task_progress_tenant_id_task_id_tasks"),
        ),
        _tenant_fk("task_progress"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_task_progress")),
    )
    op.create_index(
        "ix_task_progress_tenant_id_task_id",
        "task_progress",
        ["tenant_id", "task_id"],
        unique=False,
    )

    for table in TABLES:
        isolate_tenant_table(table)
    # Progress updates are the task's history: a new one is added, none is changed.
    op.execute(f"REVOKE UPDATE, DELETE ON task_progress FROM {app_role()}")


def downgrade() -> None:
    op.drop_index("ix_task_progress_tenant_id_task_id", table_name="task_progress")
    op.drop_table("task_progress")
    op.drop_index("ix_tasks_tenant_id_unit_id", table_name="tasks")
    op.drop_index("ix_tasks_tenant_id_scope_path", table_name="tasks")
    op.drop_table("tasks")
    for claimant in ("unit", "member"):
        op.drop_index(f"uq_project_claims_active_{claimant}", table_name="project_claims")
    for column in ("project_id", "scope_path", "unit_id", "member_id"):
        op.drop_index(f"ix_project_claims_tenant_id_{column}", table_name="project_claims")
    op.drop_table("project_claims")
    op.drop_index("ix_projects_tenant_id_scope_path", table_name="projects")
    op.drop_table("projects")
    for enum in ENUMS:
        sa.Enum(name=enum).drop(op.get_bind())
