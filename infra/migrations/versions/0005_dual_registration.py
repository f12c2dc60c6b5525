"""Dual registration: units' and members' registrations with communities, co-building
agreements with their versions, document numbers; accounts linked to a unit or a member.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 12:33:22.568497
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import app_role, isolate_tenant_table

TABLES = (
    "document_counters",
    "unit_registrations",
    "agreements",
    "agreement_versions",
    "member_registrations",
)
revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_counters",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("series", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_document_counters_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "series", "year", name=op.f("pk_document_counters")),
    )
    op.create_table(
        "unit_registrations",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column(
            "status",
            sa.Enum("submitted", "confirmed", "returned", "ended", name="registration_status"),
            nullable=False,
        ),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("ended_by", sa.Uuid(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_unit_registrations_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_unit_registrations_tenant_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_unit_registrations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_unit_registrations")),
    )
    op.create_index(
        "ix_unit_registrations_tenant_id_scope_path",
        "unit_registrations",
        ["tenant_id", "scope_path"],
        unique=False,
    )
    op.create_index(
        "uq_unit_registrations_open",
        "unit_registrations",
        ["tenant_id", "unit_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('submitted', 'confirmed')"),
    )
    op.create_table(
        "agreements",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("registration_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("status", sa.Enum("in_force", "ended", name="agreement_status"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("responsibilities", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("resources", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("projects", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("contacts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "signed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "registration_id"],
            ["unit_registrations.tenant_id", "unit_registrations.id"],
            name=op.f("fk_agreements_tenant_id_registration_id_unit_registrations"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_agreements_tenant_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_agreements_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_agreements_tenant_id_number")),
    )
    op.create_index(
        "ix_agreements_tenant_id_scope_path",
        "agreements",
        ["tenant_id", "scope_path"],
        unique=False,
    )
    op.create_index(
        "uq_agreements_in_force",
        "agreements",
        ["tenant_id", "registration_id"],
        unique=True,
        postgresql_where=sa.text("status = 'in_force'"),
    )
    op.create_table(
        "member_registrations",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("slip_number", sa.Text(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("unit_batch", "self", "staff", name="registration_channel"),
            nullable=False,
        ),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("submitted", "confirmed", "returned", "ended", name="registration_status"),
            nullable=False,
        ),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("receipt_number", sa.Text(), nullable=True),
        sa.Column("receipt_filed_by", sa.Uuid(), nullable=True),
        sa.Column("receipt_filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.Uuid(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("moved_from_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_member_registrations_tenant_id_community_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_member_registrations_tenant_id_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_member_registrations_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_member_registrations_tenant_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_member_registrations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_member_registrations")),
        sa.UniqueConstraint(
            "tenant_id",
            "receipt_number",
            name=op.f("uq_member_registrations_tenant_id_receipt_number"),
        ),
        sa.UniqueConstraint(
            "tenant_id", "slip_number", name=op.f("uq_member_registrations_tenant_id_slip_number")
        ),
    )
    op.create_index(
        "ix_member_registrations_tenant_id_member_id",
        "member_registrations",
        ["tenant_id", "member_id"],
        unique=False,
    )
    op.create_index(
        "ix_member_registrations_tenant_id_scope_path",
        "member_registrations",
        ["tenant_id", "scope_path"],
        unique=False,
    )
    op.create_index(
        "ix_member_registrations_tenant_id_unit_id",
        "member_registrations",
        ["tenant_id", "unit_id"],
        unique=False,
    )
    op.create_index(
        "uq_member_registrations_open",
        "member_registrations",
        ["tenant_id", "member_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('submitted', 'confirmed')"),
    )
    op.create_table(
        "agreement_versions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "change",
            sa.Enum("signed", "amended", "renewed", "ended", name="agreement_change"),
            nullable=False,
        ),
        sa.Column("responsibilities", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("resources", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("projects", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("contacts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("changed_by_name", sa.Text(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "agreement_id"],
            ["agreements.tenant_id", "agreements.id"],
            name=op.f("fk_agreement_versions_tenant_id_agreement_id_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_agreement_versions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "agreement_id", "version", name=op.f("pk_agreement_versions")
        ),
    )
    op.add_column("users", sa.Column("unit_id", sa.BigInteger(), nullable=True))
    op.add_column("users", sa.Column("member_id", sa.BigInteger(), nullable=True))
    op.create_index(
        "uq_users_tenant_id_member_id",
        "users",
        ["tenant_id", "member_id"],
        unique=True,
        postgresql_where=sa.text("member_id IS NOT NULL"),
    )
    op.create_foreign_key(
        op.f("fk_users_tenant_id_member_id_members"),
        "users",
        "members",
        ["tenant_id", "member_id"],
        ["tenant_id", "id"],
    )
    op.create_foreign_key(
        op.f("fk_users_tenant_id_unit_id_units"),
        "users",
        "units",
        ["tenant_id", "unit_id"],
        ["tenant_id", "id"],
    )
    for table in TABLES:
        isolate_tenant_table(table)
    # Versions are history: a change is a new version, never an edit of an old one.
    op.execute(f"REVOKE UPDATE, DELETE ON agreement_versions FROM {app_role()}")


def downgrade() -> None:
    op.drop_constraint(op.f("fk_users_tenant_id_unit_id_units"), "users", type_="foreignkey")
    op.drop_constraint(op.f("fk_users_tenant_id_member_id_members"), "users", type_="foreignkey")
    op.drop_index(
        "uq_users_tenant_id_member_id",
        table_name="users",
        postgresql_where=sa.text("member_id IS NOT NULL"),
    )
    op.drop_column("users", "member_id")
    op.drop_column("users", "unit_id")
    op.drop_table("agreement_versions")
    op.drop_index(
        "uq_member_registrations_open",
        table_name="member_registrations",
        postgresql_where=sa.text("status IN ('submitted', 'confirmed')"),
    )
    op.drop_index("ix_member_registrations_tenant_id_unit_id", table_name="member_registrations")
    op.drop_index("ix_member_registrations_tenant_id_scope_path", table_name="member_registrations")
    op.drop_index("ix_member_registrations_tenant_id_member_id", table_name="member_registrations")
    op.drop_table("member_registrations")
    op.drop_index(
        "uq_agreements_in_force",
        table_name="agreements",
        postgresql_where=sa.text("status = 'in_force'"),
    )
    op.drop_index("ix_agreements_tenant_id_scope_path", table_name="agreements")
    op.drop_table("agreements")
    op.drop_index(
        "uq_unit_registrations_open",
        table_name="unit_registrations",
        postgresql_where=sa.text("status IN ('submitted', 'confirmed')"),
    )
    op.drop_index("ix_unit_registrations_tenant_id_scope_path", table_name="unit_registrations")
    op.drop_table("unit_registrations")
    op.drop_table("document_counters")
    for enum in (
        "registration_status",
        "agreement_status",
        "agreement_change",
        "registration_channel",
    ):
        op.execute(f"DROP TYPE IF EXISTS {enum}")
