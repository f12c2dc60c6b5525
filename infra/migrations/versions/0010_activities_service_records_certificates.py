"""Activities with sign-up and check-in, service records with their versions, certificates.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import app_role, isolate_tenant_table

TABLES = (
    "activities",
    "activity_signups",
    "attendances",
    "service_records",
    "service_record_versions",
    "service_certificates",
)
ENUMS = (
    "activity_audience",
    "activity_status",
    "signup_status",
    "attendance_method",
    "record_source",
    "record_status",
    "record_change",
)
RECORD_STATUSES = ("pending", "confirmed", "declined")
ATTENDANCE_METHODS = ("code", "organiser", "closed_at_end")

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Two live service records of one member may not overlap in time: an exclusion
    # constraint over (tenant, member, time range) needs btree_gist (a trusted extension,
    # so the schema's owner may create it).
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "activities",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=True),
        sa.Column("organiser_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("project_id", sa.BigInteger(), nullable=True),
        sa.Column("collective", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("post_category", sa.Text(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("signup_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signup_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("community", "unit", "scope", name="activity_audience"),
            nullable=False,
        ),
        sa.Column("audience_node_id", sa.BigInteger(), nullable=True),
        sa.Column("audience_path", sa.Text(collation="C"), nullable=True),
        sa.Column(
            "status",
            sa.Enum("draft", "published", "cancelled", "finished", name="activity_status"),
            nullable=False,
        ),
        sa.Column("code_secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "NOT collective OR organiser_unit_id IS NOT NULL",
            name=op.f("ck_activities_collective_unit"),
        ),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity > 0", name=op.f("ck_activities_capacity_positive")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_activities_ends_after_start")),
        sa.CheckConstraint(
            "signup_closes_at > signup_opens_at", name=op.f("ck_activities_signup_window")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "audience_node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_activities_tenant_id_audience_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_activities_tenant_id_community_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_activities_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organiser_unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_activities_tenant_id_organiser_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "project_id"],
            ["projects.tenant_id", "projects.id"],
            name=op.f("fk_activities_tenant_id_project_id_projects"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_activities_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_activities")),
    )
    op.create_index(
        "ix_activities_tenant_id_community_id_starts_at",
        "activities",
        ["tenant_id", "community_id", "starts_at"],
        unique=False,
    )
    op.create_index(
        "ix_activities_tenant_id_organiser_unit_id",
        "activities",
        ["tenant_id", "organiser_unit_id"],
        unique=False,
    )
    op.create_index(
        "ix_activities_tenant_id_project_id",
        "activities",
        ["tenant_id", "project_id"],
        unique=False,
    )
    op.create_index(
        "ix_activities_tenant_id_scope_path",
        "activities",
        ["tenant_id", "scope_path"],
        unique=False,
    )
    op.create_index(
        "ix_activities_tenant_id_status_ends_at",
        "activities",
        ["tenant_id", "status", "ends_at"],
        unique=False,
    )
    op.create_table(
        "activity_signups",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("activity_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("signed_up", "waitlisted", "cancelled", name="signup_status"),
            nullable=False,
        ),
        sa.Column(
            "signed_up_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "activity_id"],
            ["activities.tenant_id", "activities.id"],
            name=op.f("fk_activity_signups_tenant_id_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_activity_signups_tenant_id_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_activity_signups_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_activity_signups")),
    )
    op.create_index(
        "ix_activity_signups_tenant_id_activity_id_status",
        "activity_signups",
        ["tenant_id", "activity_id", "status", "id"],
        unique=False,
    )
    op.create_index(
        "ix_activity_signups_tenant_id_member_id",
        "activity_signups",
        ["tenant_id", "member_id"],
        unique=False,
    )
    op.create_index(
        "uq_activity_signups_live",
        "activity_signups",
        ["tenant_id", "activity_id", "member_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'cancelled'"),
    )
    # Check-in and check-out share one type: made here, once, not with each column.
    attendance_method = postgresql.ENUM(
        *ATTENDANCE_METHODS, name="attendance_method", create_type=False
    )
    attendance_method.create(op.get_bind())
    op.create_table(
        "attendances",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("activity_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("check_in_method", attendance_method, nullable=False),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_out_method", attendance_method, nullable=True),
        sa.Column("marked_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "checked_out_at IS NULL OR checked_out_at >= checked_in_at",
            name=op.f("ck_attendances_out_after_in"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "activity_id"],
            ["activities.tenant_id", "activities.id"],
            name=op.f("fk_attendances_tenant_id_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_attendances_tenant_id_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_attendances_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_attendances")),
    )
    op.create_index(
        "ix_attendances_tenant_id_member_id",
        "attendances",
        ["tenant_id", "member_id"],
        unique=False,
    )
    op.create_index(
        "uq_attendances_activity_member",
        "attendances",
        ["tenant_id", "activity_id", "member_id"],
        unique=True,
    )
    op.create_table(
        "service_certificates",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("record_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("total_hours", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.Column("issued_by_name", sa.Text(), nullable=False),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "period_to >= period_from", name=op.f("ck_service_certificates_period_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_service_certificates_tenant_id_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_service_certificates_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_service_certificates")),
    )
    op.create_index(
        "ix_service_certificates_tenant_id_member_id",
        "service_certificates",
        ["tenant_id", "member_id"],
        unique=False,
    )
    op.create_index(
        "uq_service_certificates_code", "service_certificates", ["tenant_id", "code"], unique=True
    )
    op.create_table(
        "service_records",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "activity", "project_claim", "wish", "whistle_call", "entered", name="record_source"
            ),
            nullable=False,
        ),
        sa.Column("activity_id", sa.BigInteger(), nullable=True),
        sa.Column("project_claim_id", sa.BigInteger(), nullable=True),
        sa.Column("wish_id", sa.BigInteger(), nullable=True),
        sa.Column("whistle_recipient_id", sa.BigInteger(), nullable=True),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("organiser_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("post_category", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "confirmed", "declined", name="record_status"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("notice_until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        postgresql.ExcludeConstraint(
            (sa.column("tenant_id"), "="),
            (sa.column("member_id"), "="),
            (sa.text("tstzrange(started_at, ended_at)"), "&&"),
            where=sa.text("status <> 'declined'"),
            using="gist",
            name="ex_service_records_member_overlap",
        ),
        sa.CheckConstraint(
            "ended_at > started_at", name=op.f("ck_service_records_ends_after_start")
        ),
        sa.CheckConstraint("hours >= 0", name=op.f("ck_service_records_hours_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "activity_id"],
            ["activities.tenant_id", "activities.id"],
            name=op.f("fk_service_records_tenant_id_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["members.tenant_id", "members.id"],
            name=op.f("fk_service_records_tenant_id_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_service_records_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organiser_unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_service_records_tenant_id_organiser_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "project_claim_id"],
            ["project_claims.tenant_id", "project_claims.id"],
            name=op.f("fk_service_records_tenant_id_project_claim_id_project_claims"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "whistle_recipient_id"],
            ["whistle_recipients.tenant_id", "whistle_recipients.id"],
            name=op.f("fk_service_records_tenant_id_whistle_recipient_id_whistle_recipients"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "wish_id"],
            ["wishes.tenant_id", "wishes.id"],
            name=op.f("fk_service_records_tenant_id_wish_id_wishes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_service_records_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_service_records")),
    )
    op.create_index(
        "ix_service_records_tenant_id_member_id_service_on",
        "service_records",
        ["tenant_id", "member_id", "service_on"],
        unique=False,
    )
    op.create_index(
        "ix_service_records_tenant_id_organiser_unit_id",
        "service_records",
        ["tenant_id", "organiser_unit_id"],
        unique=False,
    )
    op.create_index(
        "ix_service_records_tenant_id_scope_path",
        "service_records",
        ["tenant_id", "scope_path"],
        unique=False,
    )
    op.create_index(
        "uq_service_records_activity",
        "service_records",
        ["tenant_id", "activity_id", "member_id"],
        unique=True,
        postgresql_where=sa.text("activity_id IS NOT NULL AND status <> 'declined'"),
    )
    op.create_index(
        "uq_service_records_project_claim",
        "service_records",
        ["tenant_id", "project_claim_id"],
        unique=True,
        postgresql_where=sa.text("project_claim_id IS NOT NULL AND status <> 'declined'"),
    )
    op.create_index(
        "uq_service_records_whistle_recipient",
        "service_records",
        ["tenant_id", "whistle_recipient_id"],
        unique=True,
        postgresql_where=sa.text("whistle_recipient_id IS NOT NULL AND status <> 'declined'"),
    )
    op.create_index(
        "uq_service_records_wish",
        "service_records",
        ["tenant_id", "wish_id"],
        unique=True,
        postgresql_where=sa.text("wish_id IS NOT NULL AND status <> 'declined'"),
    )
    # The type was made with the service_records table.
    record_status = postgresql.ENUM(*RECORD_STATUSES, name="record_status", create_type=False)
    op.create_table(
        "service_record_versions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("service_record_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "change",
            sa.Enum("created", "confirmed", "declined", "corrected", name="record_change"),
            nullable=False,
        ),
        sa.Column("status", record_status, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=6, scale=2), nullable=False),
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
            ["tenant_id", "service_record_id"],
            ["service_records.tenant_id", "service_records.id"],
            name=op.f("fk_service_record_versions_tenant_id_service_record_id_service_records"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_service_record_versions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_service_record_versions")),
    )
    op.create_index(
        "uq_service_record_versions_record_version",
        "service_record_versions",
        ["tenant_id", "service_record_id", "version"],
        unique=True,
    )
    for table in TABLES:
        isolate_tenant_table(table)
    # Versions are history: a correction is a new version, never an edit of an old one.
    op.execute(f"REVOKE UPDATE, DELETE ON service_record_versions FROM {app_role()}")


def downgrade() -> None:
    op.drop_index("uq_service_record_versions_record_version", table_name="service_record_versions")
    op.drop_table("service_record_versions")
    op.drop_index(
        "uq_service_records_wish",
        table_name="service_records",
        postgresql_where=sa.text("wish_id IS NOT NULL AND status <> 'declined'"),
    )
    op.drop_index(
        "uq_service_records_whistle_recipient",
        table_name="service_records",
        postgresql_where=sa.text("whistle_recipient_id IS NOT NULL AND status <> 'declined'"),
    )
    op.drop_index(
        "uq_service_records_project_claim",
        table_name="service_records",
        postgresql_where=sa.text("project_claim_id IS NOT NULL AND status <> 'declined'"),
    )
    op.drop_index(
        "uq_service_records_activity",
        table_name="service_records",
        postgresql_where=sa.text("activity_id IS NOT NULL AND status <> 'declined'"),
    )
    op.drop_index("ix_service_records_tenant_id_scope_path", table_name="service_records")
    op.drop_index("ix_service_records_tenant_id_organiser_unit_id", table_name="service_records")
    op.drop_index("ix_service_records_tenant_id_member_id_service_on", table_name="service_records")
    op.drop_table("service_records")
    op.drop_index("uq_service_certificates_code", table_name="service_certificates")
    op.drop_index("ix_service_certificates_tenant_id_member_id", table_name="service_certificates")
    op.drop_table("service_certificates")
    op.drop_index("uq_attendances_activity_member", table_name="attendances")
    op.drop_index("ix_attendances_tenant_id_member_id", table_name="attendances")
    op.drop_table("attendances")
    op.drop_index(
        "uq_activity_signups_live",
        table_name="activity_signups",
        postgresql_where=sa.text("status <> 'cancelled'"),
    )
    op.drop_index("ix_activity_signups_tenant_id_member_id", table_name="activity_signups")
    op.drop_index("ix_activity_signups_tenant_id_activity_id_status", table_name="activity_signups")
    op.drop_table("activity_signups")
    op.drop_index("ix_activities_tenant_id_status_ends_at", table_name="activities")
    op.drop_index("ix_activities_tenant_id_scope_path", table_name="activities")
    op.drop_index("ix_activities_tenant_id_project_id", table_name="activities")
    op.drop_index("ix_activities_tenant_id_organiser_unit_id", table_name="activities")
    op.drop_index("ix_activities_tenant_id_community_id_starts_at", table_name="activities")
    op.drop_table("activities")
    for enum in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS {enum}")
