"""Alliances: 党建联盟（大工委）and 大党委, their member units, part-time members and
joint meetings.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 12:37:39
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import isolate_tenant_table

TABLES = (
    "alliances",
    "alliance_units",
    "part_time_members",
    "joint_meetings",
    "joint_meeting_units",
    "joint_meeting_members",
)

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alliances",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("street_alliance", "community_committee", name="alliance_kind"),
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "dissolved", name="alliance_status"),
            server_default="active",
            nullable=False,
        ),
        sa.Column("dissolved_on", sa.Date(), nullable=True),
        sa.Column("dissolved_reason", sa.Text(), nullable=True),
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
            name=op.f("fk_alliances_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_alliances_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_alliances")),
    )
    op.create_index(
        "ix_alliances_tenant_id_scope_path", "alliances", ["tenant_id", "scope_path"], unique=False
    )
    op.create_table(
        "alliance_units",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("alliance_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "alliance_id"],
            ["alliances.tenant_id", "alliances.id"],
            name=op.f("fk_alliance_units_tenant_id_alliance_id_alliances"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_alliance_units_tenant_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_alliance_units_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_alliance_units")),
    )
    op.create_index(
        "ix_alliance_units_tenant_id_alliance_id",
        "alliance_units",
        ["tenant_id", "alliance_id"],
        unique=False,
    )
    op.create_index(
        "ix_alliance_units_tenant_id_unit_id",
        "alliance_units",
        ["tenant_id", "unit_id"],
        unique=False,
    )
    op.create_index(
        "uq_alliance_units_tenant_id_alliance_id_unit_id",
        "alliance_units",
        ["tenant_id", "alliance_id", "unit_id"],
        unique=True,
        postgresql_where=sa.text("left_on IS NULL"),
    )
    op.create_table(
        "part_time_members",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("alliance_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("post", sa.Text(), server_default="兼职委员", nullable=False),
        sa.Column("from_on", sa.Date(), nullable=False),
        sa.Column("to_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "alliance_id"],
            ["alliances.tenant_id", "alliances.id"],
            name=op.f("fk_part_time_members_tenant_id_alliance_id_alliances"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_part_time_members_tenant_id_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_part_time_members_tenant_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_part_time_members_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_part_time_members")),
    )
    op.create_index(
        "ix_part_time_members_tenant_id_alliance_id",
        "part_time_members",
        ["tenant_id", "alliance_id"],
        unique=False,
    )
    op.create_index(
        "uq_part_time_members_tenant_id_alliance_id_member_id",
        "part_time_members",
        ["tenant_id", "alliance_id", "member_id"],
        unique=True,
        postgresql_where=sa.text("to_on IS NULL"),
    )
    op.create_table(
        "joint_meetings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("alliance_id", sa.BigInteger(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column(
            "resolutions",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_name", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "alliance_id"],
            ["alliances.tenant_id", "alliances.id"],
            name=op.f("fk_joint_meetings_tenant_id_alliance_id_alliances"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "recorded_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_joint_meetings_tenant_id_recorded_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_joint_meetings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_joint_meetings")),
    )
    op.create_index(
        "ix_joint_meetings_tenant_id_alliance_id_held_on",
        "joint_meetings",
        ["tenant_id", "alliance_id", "held_on"],
        unique=False,
    )
    op.create_table(
        "joint_meeting_members",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("joint_meeting_id", sa.BigInteger(), nullable=False),
        sa.Column("part_time_member_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "joint_meeting_id"],
            ["joint_meetings.tenant_id", "joint_meetings.id"],
            name=op.f("fk_joint_meeting_members_tenant_id_joint_meeting_id_joint_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "part_time_member_id"],
            ["part_time_members.tenant_id", "part_time_members.id"],
            name=op.f("fk_joint_meeting_members_tenant_id_part_time_member_id_part_time_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_joint_meeting_members_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id",
            "joint_meeting_id",
            "part_time_member_id",
            name=op.f("pk_joint_meeting_members"),
        ),
    )
    op.create_table(
        "joint_meeting_units",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("joint_meeting_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "joint_meeting_id"],
            ["joint_meetings.tenant_id", "joint_meetings.id"],
            name=op.f("fk_joint_meeting_units_tenant_id_joint_meeting_id_joint_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_joint_meeting_units_tenant_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_joint_meeting_units_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "joint_meeting_id", "unit_id", name=op.f("pk_joint_meeting_units")
        ),
    )

    for table in TABLES:
        isolate_tenant_table(table)


def downgrade() -> None:
    op.drop_table("joint_meeting_units")
    op.drop_table("joint_meeting_members")
    op.drop_index("ix_joint_meetings_tenant_id_alliance_id_held_on", table_name="joint_meetings")
    op.drop_table("joint_meetings")
    op.drop_index(
        "uq_part_time_members_tenant_id_alliance_id_member_id",
        table_name="part_time_members",
        postgresql_where=sa.text("to_on IS NULL"),
    )
    op.drop_index("ix_part_time_members_tenant_id_alliance_id", table_name="part_time_members")
    op.drop_table("part_time_members")
    op.drop_index(
        "uq_alliance_units_tenant_id_alliance_id_unit_id",
        table_name="alliance_units",
        postgresql_where=sa.text("left_on IS NULL"),
    )
    op.drop_index("ix_alliance_units_tenant_id_unit_id", table_name="alliance_units")
    op.drop_index("ix_alliance_units_tenant_id_alliance_id", table_name="alliance_units")
    op.drop_table("alliance_units")
    op.drop_index("ix_alliances_tenant_id_scope_path", table_name="alliances")
    op.drop_table("alliances")
    for enum in ("alliance_kind", "alliance_status"):
        sa.Enum(name=enum).drop(op.get_bind())
