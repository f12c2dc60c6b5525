"""Needs, resources, their matches and 12345 work orders.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import isolate_tenant_table

TABLES = ("work_orders", "needs", "need_changes", "resources", "need_matches")
ENUMS = (
    "need_category",
    "need_urgency",
    "need_source",
    "need_status",
    "need_satisfaction",
    "resource_kind",
    "resource_status",
)
NEED_STATUSES = ("open", "matched", "in_progress", "resolved", "closed", "rejected")

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at(name: str) -> "sa.Column[Any]":
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "work_orders",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("submitted_by_name", sa.Text(), nullable=False),
        _created_at("received_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_work_orders_tenant_id_community_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_work_orders_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint(
            "tenant_id", "external_id", name=op.f("uq_work_orders_tenant_id_external_id")
        ),
    )
    op.create_index(
        "ix_work_orders_tenant_id_scope_path",
        "work_orders",
        ["tenant_id", "scope_path"],
        unique=False,
    )
    op.create_table(
        "needs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "sanitation",
                "elderly_disabled",
                "mediation",
                "policy_advice",
                "culture_sports",
                "facility_repair",
                "security_patrol",
                "other",
                name="need_category",
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column(
            "urgency",
            sa.Enum("normal", "pressing", "urgent", name="need_urgency"),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "survey", "home_visit", "hotline", "resident_request", "other", name="need_source"
            ),
            nullable=False,
        ),
        sa.Column("status", sa.Enum(*NEED_STATUSES, name="need_status"), nullable=False),
        sa.Column("work_order_id", sa.BigInteger(), nullable=True),
        sa.Column("raised_by", sa.Uuid(), nullable=True),
        sa.Column("raised_by_name", sa.Text(), nullable=False),
        _created_at("raised_at"),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "satisfaction",
            sa.Enum("satisfied", "fairly_satisfied", "dissatisfied", name="need_satisfaction"),
            nullable=True,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        _created_at("updated_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_needs_tenant_id_community_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_needs_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "work_order_id"],
            ["work_orders.tenant_id", "work_orders.id"],
            name=op.f("fk_needs_tenant_id_work_order_id_work_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_needs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_needs")),
    )
    op.create_index(
        "ix_needs_tenant_id_scope_path", "needs", ["tenant_id", "scope_path"], unique=False
    )
    op.create_index(
        "ix_needs_tenant_id_community_id_status",
        "needs",
        ["tenant_id", "community_id", "status"],
        unique=False,
    )
    op.create_index(
        "uq_needs_tenant_id_work_order_id",
        "needs",
        ["tenant_id", "work_order_id"],
        unique=True,
        postgresql_where=sa.text("work_order_id IS NOT NULL"),
    )
    # The type was made with the needs table.
    need_status = postgresql.ENUM(*NEED_STATUSES, name="need_status", create_type=False)
    op.create_table(
        "need_changes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("need_id", sa.BigInteger(), nullable=False),
        sa.Column("from_status", need_status, nullable=True),
        sa.Column("to_status", need_status, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("changed_by_name", sa.Text(), nullable=False),
        _created_at("changed_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "need_id"],
            ["needs.tenant_id", "needs.id"],
            name=op.f("fk_need_changes_tenant_id_need_id_needs"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_need_changes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_need_changes")),
    )
    op.create_index(
        "ix_need_changes_tenant_id_need_id", "need_changes", ["tenant_id", "need_id"], unique=False
    )
    op.create_table(
        "resources",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "venue",
                "funds",
                "equipment",
                "professional_service",
                "skill",
                "time",
                name="resource_kind",
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("availability", sa.Text(), nullable=True),
        sa.Column("available_from", sa.Date(), nullable=True),
        sa.Column("available_until", sa.Date(), nullable=True),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "status", sa.Enum("available", "withdrawn", name="resource_status"), nullable=False
        ),
        sa.Column("offered_by", sa.Uuid(), nullable=True),
        sa.Column("offered_by_name", sa.Text(), nullable=False),
        _created_at("offered_at"),
        sa.Column("withdrawn_by", sa.Uuid(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        _created_at("updated_at"),
        sa.CheckConstraint(
            "(unit_id IS NULL) <> (member_id IS NULL)", name=op.f("ck_resources_one_offerer")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_resources_tenant_id_community_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_resources_tenant_id_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_resources_tenant_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_resources_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_resources")),
    )
    op.create_index(
        "ix_resources_tenant_id_scope_path", "resources", ["tenant_id", "scope_path"], unique=False
    )
    op.create_index(
        "ix_resources_tenant_id_community_id_status",
        "resources",
        ["tenant_id", "community_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_resources_tenant_id_unit_id", "resources", ["tenant_id", "unit_id"], unique=False
    )
    op.create_index(
        "ix_resources_tenant_id_member_id", "resources", ["tenant_id", "member_id"], unique=False
    )
    op.create_table(
        "need_matches",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("need_id", sa.BigInteger(), nullable=False),
        sa.Column("resource_id", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("matched_by", sa.Uuid(), nullable=True),
        sa.Column("matched_by_name", sa.Text(), nullable=False),
        _created_at("matched_at"),
        sa.Column("undone_by", sa.Uuid(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undo_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "need_id"],
            ["needs.tenant_id", "needs.id"],
            name=op.f("fk_need_matches_tenant_id_need_id_needs"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "resource_id"],
            ["resources.tenant_id", "resources.id"],
            name=op.f("fk_need_matches_tenant_id_resource_id_resources"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_need_matches_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_need_matches")),
    )
    op.create_index(
        "ix_need_matches_tenant_id_need_id", "need_matches", ["tenant_id", "need_id"], unique=False
    )
    op.create_index(
        "ix_need_matches_tenant_id_resource_id",
        "need_matches",
        ["tenant_id", "resource_id"],
        unique=False,
    )
    op.create_index(
        "uq_need_matches_tenant_id_need_id_live",
        "need_matches",
        ["tenant_id", "need_id"],
        unique=True,
        postgresql_where=sa.text("undone_at IS NULL"),
    )

    for table in TABLES:
        isolate_tenant_table(table)


def downgrade() -> None:
    op.drop_table("need_matches")
    op.drop_table("resources")
    op.drop_table("need_changes")
    op.drop_table("needs")
    op.drop_table("work_orders")
    for enum in ENUMS:
        sa.Enum(name=enum).drop(op.get_bind())
