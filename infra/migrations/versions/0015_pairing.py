"""Pairing and responsibility areas, households in difficulty, visits, member posts, recognition.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import app_role, isolate_tenant_table

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "responsibility_areas",
    "households",
    "pairings",
    "visits",
    "visit_reminders",
    "member_posts",
    "recognition_campaigns",
    "nominations",
)
ENUMS = (
    "commitment_status",
    "household_category",
    "household_status",
    "member_post_kind",
    "campaign_status",
    "nomination_status",
    "reminder_subject",
)
COMMITMENT_STATUSES = ("active", "ended")
RECORD_SOURCES = ("activity", "project_claim", "wish", "whistle_call", "entered")
ACTIVE = "status = 'active'"


def _timestamp(name: str) -> "sa.Column[datetime]":
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _moment(name: str) -> "sa.Column[datetime]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def _key(table: str) -> list[Any]:
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
    ]


def _ids(*names: str, nullable: bool = False) -> list[Any]:
    return [sa.Column(name, sa.BigInteger(), nullable=nullable) for name in names]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target}.tenant_id", f"{target}.id"],
        name=op.f(f"fk_{table}_tenant_id_{column}_{target}"),
    )


def _tenant(table: str) -> list[Any]:
    return [
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}")),
    ]


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def _period(table: str) -> list[Any]:
    return [
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
    ]


def _expectations(table: str) -> list[Any]:
    return [
        sa.Column("visit_every_days", sa.Integer(), nullable=True),
        sa.Column("services_per_year", sa.Integer(), nullable=True),
    ]


def _commitment_checks(table: str) -> list[Any]:
    return [
        _check(table, "one_holder", "(unit_id IS NULL) <> (member_id IS NULL)"),
        _check(table, "period_in_order", "ends_on IS NULL OR ends_on >= starts_on"),
        _check(table, "visit_every", "visit_every_days IS NULL OR visit_every_days > 0"),
        _check(table, "services", "services_per_year IS NULL OR services_per_year > 0"),
    ]


def _ended() -> list[Any]:
    return [
        sa.Column("ended_by", sa.Uuid(), nullable=True),
        _moment("ended_at"),
        sa.Column("end_reason", sa.Text(), nullable=True),
    ]


def _index(table: str, *columns: str, name: str | None = None, **kw: Any) -> None:
    op.create_index(
        name or f"ix_{table}_{'_'.join(columns)}", table, list(columns), unique=False, **kw
    )


def _unique(name: str, table: str, *columns: str, where: str | None = None) -> None:
    extra: dict[str, Any] = {} if where is None else {"postgresql_where": sa.text(where)}
    op.create_index(name, table, list(columns), unique=True, **extra)


def _status(name: str) -> Any:
    return postgresql.ENUM(*COMMITMENT_STATUSES, name=name, create_type=False)


def upgrade() -> None:
    op.create_table(
        "responsibility_areas",
        *_key("responsibility_areas"),
        *_ids("node_id"),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        *_ids("community_id"),
        *_ids("unit_id", "member_id", nullable=True),
        *_period("responsibility_areas"),
        *_expectations("responsibility_areas"),
        sa.Column("duties", sa.Text(), nullable=True),
        sa.Column(
            "status", sa.Enum(*COMMITMENT_STATUSES, name="commitment_status"), nullable=False
        ),
        sa.Column("assigned_by", sa.Uuid(), nullable=True),
        sa.Column("assigned_by_name", sa.Text(), nullable=False),
        _timestamp("assigned_at"),
        *_ended(),
        *_commitment_checks("responsibility_areas"),
        _fk("responsibility_areas", "community_id", "nodes"),
        _fk("responsibility_areas", "member_id", "members"),
        _fk("responsibility_areas", "node_id", "nodes"),
        _fk("responsibility_areas", "unit_id", "units"),
        *_tenant("responsibility_areas"),
    )
    _index("responsibility_areas", "tenant_id", "scope_path")
    _index("responsibility_areas", "tenant_id", "unit_id")
    _index("responsibility_areas", "tenant_id", "member_id")
    _unique(
        "uq_responsibility_areas_unit",
        "responsibility_areas",
        "tenant_id",
        "node_id",
        "unit_id",
        where="status = 'active' AND unit_id IS NOT NULL",
    )
    _unique(
        "uq_responsibility_areas_member",
        "responsibility_areas",
        "tenant_id",
        "node_id",
        "member_id",
        where="status = 'active' AND member_id IS NOT NULL",
    )

    op.create_table(
        "households",
        *_key("households"),
        *_ids("node_id"),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        *_ids("community_id"),
        sa.Column(
            "category",
            sa.Enum(
                "elderly_alone",
                "disabled",
                "hardship",
                "left_behind_child",
                "other",
                name="household_category",
            ),
            nullable=False,
        ),
        sa.Column("contact_name_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("phone_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("address_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("members_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum("active", "closed", name="household_status"), nullable=False),
        sa.Column("registered_by", sa.Uuid(), nullable=True),
        sa.Column("registered_by_name", sa.Text(), nullable=False),
        _timestamp("registered_at"),
        _timestamp("updated_at"),
        _moment("closed_at"),
        sa.Column("close_reason", sa.Text(), nullable=True),
        _check("households", "people_positive", "people > 0"),
        _fk("households", "community_id", "nodes"),
        _fk("households", "node_id", "nodes"),
        *_tenant("households"),
    )
    _index("households", "tenant_id", "scope_path")
    _index("households", "tenant_id", "community_id", "status")

    op.create_table(
        "pairings",
        *_key("pairings"),
        *_ids("household_id"),
        *_ids("unit_id", "member_id", "area_id", nullable=True),
        *_ids("node_id"),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        *_ids("community_id"),
        *_period("pairings"),
        sa.Column("reason", sa.Text(), nullable=False),
        *_expectations("pairings"),
        sa.Column("status", _status("commitment_status"), nullable=False),
        sa.Column("last_visited_on", sa.Date(), nullable=True),
        sa.Column("next_visit_due_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sa.Text(), nullable=False),
        _timestamp("created_at"),
        *_ended(),
        *_commitment_checks("pairings"),
        _fk("pairings", "area_id", "responsibility_areas"),
        _fk("pairings", "community_id", "nodes"),
        _fk("pairings", "household_id", "households"),
        _fk("pairings", "member_id", "members"),
        _fk("pairings", "node_id", "nodes"),
        _fk("pairings", "unit_id", "units"),
        *_tenant("pairings"),
    )
    _index("pairings", "tenant_id", "scope_path")
    _index("pairings", "tenant_id", "household_id")
    _index("pairings", "tenant_id", "member_id")
    _index("pairings", "tenant_id", "unit_id")
    _index("pairings", "tenant_id", "area_id")
    # The overdue list and the daily reminders: active pairings by the day a visit is due.
    _index("pairings", "tenant_id", "next_visit_due_on", postgresql_where=sa.text(ACTIVE))
    _unique(
        "uq_pairings_member",
        "pairings",
        "tenant_id",
        "household_id",
        "member_id",
        where="status = 'active' AND member_id IS NOT NULL",
    )
    _unique(
        "uq_pairings_unit",
        "pairings",
        "tenant_id",
        "household_id",
        "unit_id",
        where="status = 'active' AND unit_id IS NOT NULL",
    )

    op.create_table(
        "visits",
        *_key("visits"),
        *_ids("pairing_id", "household_id", "member_id", "node_id"),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        *_ids("community_id"),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("found", sa.Text(), nullable=False),
        sa.Column("done", sa.Text(), nullable=True),
        sa.Column(
            "follow_up_needed", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("follow_up", sa.Text(), nullable=True),
        *_ids("need_id", nullable=True),
        sa.Column("logged_by", sa.Uuid(), nullable=True),
        sa.Column("logged_by_name", sa.Text(), nullable=False),
        _timestamp("logged_at"),
        _check("visits", "ends_after_start", "ended_at > visited_at"),
        _fk("visits", "community_id", "nodes"),
        _fk("visits", "household_id", "households"),
        _fk("visits", "member_id", "members"),
        _fk("visits", "need_id", "needs"),
        _fk("visits", "node_id", "nodes"),
        _fk("visits", "pairing_id", "pairings"),
        *_tenant("visits"),
    )
    _index("visits", "tenant_id", "scope_path")
    _index("visits", "tenant_id", "pairing_id", "visited_at")
    _index("visits", "tenant_id", "member_id", "visited_at")
    _index("visits", "tenant_id", "household_id", "visited_at")

    op.create_table(
        "visit_reminders",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("subject", sa.Enum("member", "unit", name="reminder_subject"), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        _timestamp("sent_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_visit_reminders_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "remind_on", "subject", "subject_id", name=op.f("pk_visit_reminders")
        ),
    )

    op.create_table(
        "member_posts",
        *_key("member_posts"),
        *_ids("member_id"),
        sa.Column(
            "post",
            sa.Enum(
                "building_head",
                "grid_member",
                "owners_committee",
                "party_branch_member",
                name="member_post_kind",
            ),
            nullable=False,
        ),
        *_ids("node_id"),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        *_ids("community_id"),
        *_period("member_posts"),
        sa.Column("status", _status("commitment_status"), nullable=False),
        sa.Column("granted_role", sa.Text(), nullable=True),
        *_ids("role_grant_id", nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sa.Text(), nullable=False),
        _timestamp("created_at"),
        *_ended(),
        _check("member_posts", "period_in_order", "ends_on IS NULL OR ends_on >= starts_on"),
        _fk("member_posts", "community_id", "nodes"),
        _fk("member_posts", "member_id", "members"),
        _fk("member_posts", "node_id", "nodes"),
        *_tenant("member_posts"),
    )
    _index("member_posts", "tenant_id", "scope_path")
    _index("member_posts", "tenant_id", "member_id")
    _unique(
        "uq_member_posts_active",
        "member_posts",
        "tenant_id",
        "member_id",
        "post",
        "node_id",
        where=ACTIVE,
    )

    op.create_table(
        "recognition_campaigns",
        *_key("recognition_campaigns"),
        *_ids("node_id"),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Enum("open", "published", name="campaign_status"), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sa.Text(), nullable=False),
        _timestamp("created_at"),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        _moment("published_at"),
        _check("recognition_campaigns", "window_in_order", "closes_on >= opens_on"),
        _fk("recognition_campaigns", "node_id", "nodes"),
        *_tenant("recognition_campaigns"),
    )
    _index("recognition_campaigns", "tenant_id", "scope_path")

    op.create_table(
        "nominations",
        *_key("nominations"),
        *_ids("campaign_id", "member_id", "node_id"),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        *_ids("nominated_by_unit_id", nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("nominated", "selected", "not_selected", name="nomination_status"),
            nullable=False,
        ),
        sa.Column("nominated_by", sa.Uuid(), nullable=True),
        sa.Column("nominated_by_name", sa.Text(), nullable=False),
        _timestamp("nominated_at"),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_by_name", sa.Text(), nullable=True),
        _moment("decided_at"),
        sa.Column("decision_note", sa.Text(), nullable=True),
        _fk("nominations", "campaign_id", "recognition_campaigns"),
        _fk("nominations", "member_id", "members"),
        _fk("nominations", "nominated_by_unit_id", "units"),
        _fk("nominations", "node_id", "nodes"),
        *_tenant("nominations"),
    )
    _unique("uq_nominations_member", "nominations", "tenant_id", "campaign_id", "member_id")
    _index("nominations", "tenant_id", "scope_path")
    _index("nominations", "tenant_id", "member_id")

    # Visits become service records of their own source, linked to the visit.
    op.execute("ALTER TYPE record_source ADD VALUE IF NOT EXISTS 'visit' BEFORE 'entered'")
    op.add_column("service_records", sa.Column("visit_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_service_records_tenant_id_visit_id_visits"),
        "service_records",
        "visits",
        ["tenant_id", "visit_id"],
        ["tenant_id", "id"],
    )
    _unique(
        "uq_service_records_visit",
        "service_records",
        "tenant_id",
        "visit_id",
        where="visit_id IS NOT NULL AND status <> 'declined'",
    )

    for table in TABLES:
        isolate_tenant_table(table)
    app = app_role()
    # A visit is kept (only the need its finding became is linked later); a reminder
    # written stays written: that is what keeps it to once a day.
    op.execute(f"REVOKE DELETE ON visits FROM {app}")
    op.execute(f"REVOKE UPDATE, DELETE ON visit_reminders FROM {app}")


def downgrade() -> None:
    op.drop_index(
        "uq_service_records_visit",
        table_name="service_records",
        postgresql_where=sa.text("visit_id IS NOT NULL AND status <> 'declined'"),
    )
    op.drop_constraint(
        op.f("fk_service_records_tenant_id_visit_id_visits"), "service_records", type_="foreignkey"
    )
    op.drop_column("service_records", "visit_id")
    # PostgreSQL cannot drop an enum value: the type is made again without it, and the
    # records of visits are kept as records the organiser entered.
    op.execute("ALTER TYPE record_source RENAME TO record_source_with_visit")
    postgresql.ENUM(*RECORD_SOURCES, name="record_source").create(op.get_bind())
    op.execute(
        "ALTER TABLE service_records ALTER COLUMN source TYPE record_source USING "
        "(CASE WHEN source::text = 'visit' THEN 'entered' ELSE source::text END)::record_source"
    )
    op.execute("DROP TYPE record_source_with_visit")
    for table in reversed(TABLES):
        op.drop_table(table)
    for enum in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS {enum}")
