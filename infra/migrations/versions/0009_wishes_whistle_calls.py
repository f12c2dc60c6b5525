"""Micro-wishes and whistle calls.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import isolate_tenant_table

TABLES = ("wishes", "whistle_calls", "whistle_recipients")
ENUMS = ("wish_status", "whistle_kind", "whistle_status", "whistle_answer")

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str) -> "sa.Column[datetime]":
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "wishes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("resident_name_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("resident_phone_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "claimed", "fulfilled", "confirmed", "cancelled", name="wish_status"),
            nullable=False,
        ),
        sa.Column("posted_by", sa.Uuid(), nullable=True),
        _timestamp("posted_at"),
        sa.Column("claimed_by_member_id", sa.BigInteger(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_due_on", sa.Date(), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfillment_note", sa.Text(), nullable=True),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmation_note", sa.Text(), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("released_count", sa.Integer(), server_default="0", nullable=False),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "claimed_by_member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_wishes_tenant_id_claimed_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_wishes_tenant_id_community_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_wishes_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_wishes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_wishes")),
    )
    op.create_index(
        "ix_wishes_tenant_id_scope_path", "wishes", ["tenant_id", "scope_path"], unique=False
    )
    op.create_index(
        "ix_wishes_tenant_id_community_id_status",
        "wishes",
        ["tenant_id", "community_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_wishes_tenant_id_claimed_by_member_id",
        "wishes",
        ["tenant_id", "claimed_by_member_id"],
        unique=False,
    )
    op.create_table(
        "whistle_calls",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("kind", sa.Enum("emergency", "routine", name="whistle_kind"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("members_wanted", sa.Integer(), nullable=False),
        sa.Column("units_wanted", sa.Integer(), nullable=False),
        sa.Column("skills", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=False),
        # The needs table is made beside this one; its foreign key comes with it.
        sa.Column("need_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "escalated", "closed", "cancelled", name="whistle_status"),
            nullable=False,
        ),
        sa.Column("escalated_from_id", sa.BigInteger(), nullable=True),
        sa.Column("blown_by", sa.Uuid(), nullable=True),
        _timestamp("blown_at"),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "escalated_from_id"],
            ["whistle_calls.tenant_id", "whistle_calls.id"],
            name=op.f("fk_whistle_calls_tenant_id_escalated_from_id_whistle_calls"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_whistle_calls_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "need_id"],
            ["needs.tenant_id", "needs.id"],
            name=op.f("fk_whistle_calls_tenant_id_need_id_needs"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_whistle_calls_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_whistle_calls")),
    )
    op.create_index(
        "ix_whistle_calls_tenant_id_scope_path",
        "whistle_calls",
        ["tenant_id", "scope_path"],
        unique=False,
    )
    op.create_index(
        "ix_whistle_calls_tenant_id_status_respond_by",
        "whistle_calls",
        ["tenant_id", "status", "respond_by"],
        unique=False,
    )
    op.create_index(
        "ix_whistle_calls_tenant_id_escalated_from_id",
        "whistle_calls",
        ["tenant_id", "escalated_from_id"],
        unique=False,
    )
    op.create_table(
        "whistle_recipients",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("whistle_call_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "accepted", "declined", name="whistle_answer"),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("responded_by", sa.Uuid(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(unit_id IS NULL) <> (member_id IS NULL)",
            name=op.f("ck_whistle_recipients_one_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_whistle_recipients_tenant_id_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_whistle_recipients_tenant_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "whistle_call_id"],
            ["whistle_calls.tenant_id", "whistle_calls.id"],
            name=op.f("fk_whistle_recipients_tenant_id_whistle_call_id_whistle_calls"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_whistle_recipients_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_whistle_recipients")),
    )
    op.create_index(
        "ix_whistle_recipients_tenant_id_whistle_call_id_status",
        "whistle_recipients",
        ["tenant_id", "whistle_call_id", "status"],
        unique=False,
    )
    op.create_index(
        "uq_whistle_recipients_member",
        "whistle_recipients",
        ["tenant_id", "member_id", "whistle_call_id"],
        unique=True,
        postgresql_where=sa.text("member_id IS NOT NULL"),
    )
    op.create_index(
        "uq_whistle_recipients_unit",
        "whistle_recipients",
        ["tenant_id", "unit_id", "whistle_call_id"],
        unique=True,
        postgresql_where=sa.text("unit_id IS NOT NULL"),
    )
    for table in TABLES:
        isolate_tenant_table(table)


def downgrade() -> None:
    op.drop_index(
        "uq_whistle_recipients_unit",
        table_name="whistle_recipients",
        postgresql_where=sa.text("unit_id IS NOT NULL"),
    )
    op.drop_index(
        "uq_whistle_recipients_member",
        table_name="whistle_recipients",
        postgresql_where=sa.text("member_id IS NOT NULL"),
    )
    op.drop_index(
        "ix_whistle_recipients_tenant_id_whistle_call_id_status", table_name="whistle_recipients"
    )
    op.drop_table("whistle_recipients")
    op.drop_index("ix_whistle_calls_tenant_id_escalated_from_id", table_name="whistle_calls")
    op.drop_index("ix_whistle_calls_tenant_id_status_respond_by", table_name="whistle_calls")
    op.drop_index("ix_whistle_calls_tenant_id_scope_path", table_name="whistle_calls")
    op.drop_table("whistle_calls")
    op.drop_index("ix_wishes_tenant_id_claimed_by_member_id", table_name="wishes")
    op.drop_index("ix_wishes_tenant_id_community_id_status", table_name="wishes")
    op.drop_index("ix_wishes_tenant_id_scope_path", table_name="wishes")
    op.drop_table("wishes")
    for enum in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS {enum}")
