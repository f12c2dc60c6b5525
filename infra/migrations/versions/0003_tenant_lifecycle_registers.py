"""Tenant lifecycle (why and when a status changed), the unit and member registers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:48:08.835600
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import isolate_tenant_table

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "government",
                "public_institution",
                "state_enterprise",
                "private_enterprise",
                "social_organisation",
                "other",
                name="unit_kind",
            ),
            nullable=False,
        ),
        sa.Column("credit_code", sa.Text(), nullable=False),
        sa.Column(
            "party_org_type",
            sa.Enum("committee", "general_branch", "branch", name="party_org_type"),
            nullable=False,
        ),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("contact_name", sa.Text(), nullable=True),
        sa.Column("contact_phone", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "retired", name="registry_status"),
            server_default="active",
            nullable=False,
        ),
        sa.Column("retired_reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_units_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_units_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_units")),
        sa.UniqueConstraint(
            "tenant_id", "credit_code", name=op.f("uq_units_tenant_id_credit_code")
        ),
    )
    op.create_index(
        "ix_units_tenant_id_scope_path", "units", ["tenant_id", "scope_path"], unique=False
    )
    op.create_table(
        "members",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("gender", sa.Enum("male", "female", name="gender"), nullable=False),
        sa.Column("mobile_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("mobile_index", sa.LargeBinary(), nullable=False),
        sa.Column("id_card_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("id_card_index", sa.LargeBinary(), nullable=True),
        sa.Column("joined_party_on", sa.Date(), nullable=True),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column(
            "skills", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum("active", "retired", name="registry_status"),
            server_default="active",
            nullable=False,
        ),
        sa.Column("retired_reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_members_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_members_tenant_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_members_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_members")),
        sa.UniqueConstraint(
            "tenant_id", "mobile_index", name=op.f("uq_members_tenant_id_mobile_index")
        ),
    )
    op.create_index(
        "ix_members_tenant_id_scope_path", "members", ["tenant_id", "scope_path"], unique=False
    )
    op.create_index(
        "ix_members_tenant_id_unit_id", "members", ["tenant_id", "unit_id"], unique=False
    )
    op.create_index(
        "uq_members_tenant_id_id_card_index",
        "members",
        ["tenant_id", "id_card_index"],
        unique=True,
        postgresql_where=sa.text("id_card_index IS NOT NULL"),
    )
    op.add_column("tenants", sa.Column("status_reason", sa.Text(), nullable=True))
    op.add_column(
        "tenants", sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True)
    )
    for table in ("units", "members"):
        isolate_tenant_table(table)


def downgrade() -> None:
    op.drop_column("tenants", "status_changed_at")
    op.drop_column("tenants", "status_reason")
    op.drop_index(
        "uq_members_tenant_id_id_card_index",
        table_name="members",
        postgresql_where=sa.text("id_card_index IS NOT NULL"),
    )
    op.drop_index("ix_members_tenant_id_unit_id", table_name="members")
    op.drop_index("ix_members_tenant_id_scope_path", table_name="members")
    op.drop_table("members")
    op.drop_index("ix_units_tenant_id_scope_path", table_name="units")
    op.drop_table("units")
    for enum in ("unit_kind", "party_org_type", "gender", "registry_status"):
        sa.Enum(name=enum).drop(op.get_bind())
