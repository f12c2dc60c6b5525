"""Year-end feedback forms and unit evaluations (双考核): the forms, the evaluations, the
history of every step on them (insert-only), and the reminders already sent.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import app_role, isolate_tenant_table

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("feedback_forms", "unit_evaluations", "assessment_changes", "feedback_reminders")
ENUMS = ("feedback_grade", "feedback_form_status", "unit_evaluation_status", "assessment_change")
GRADES = ("excellent", "good", "fair", "poor")


def _now(name: str) -> sa.Column[Any]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _fk(table: str, columns: tuple[str, str], target: str) -> sa.ForeignKeyConstraint:
    """A composite foreign key (tenant first) to `target`'s (tenant_id, id)."""
    return sa.ForeignKeyConstraint(
        list(columns),
        [f"{target}.tenant_id", f"{target}.id"],
        name=op.f(f"fk_{table}_{columns[0]}_{columns[1]}_{target}"),
    )


def _tenant(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
    )


def _signed_off() -> list[sa.Column[Any]]:
    return [
        sa.Column("signed_off_by", sa.Uuid(), nullable=True),
        sa.Column("signed_off_by_name", sa.Text(), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    # Forms and the history share the grade's type: made here, once.
    grade = postgresql.ENUM(*GRADES, name="feedback_grade", create_type=False)
    grade.create(op.get_bind())
    op.create_table(
        "feedback_forms",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("registration_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("covers_from", sa.Date(), nullable=False),
        sa.Column("covers_to", sa.Date(), nullable=False),
        sa.Column("activities_joined", sa.Integer(), nullable=False),
        sa.Column("service_times", sa.Integer(), nullable=False),
        sa.Column("service_hours", sa.Numeric(8, 2), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("claims_completed", sa.Integer(), nullable=False),
        sa.Column("wishes_fulfilled", sa.Integer(), nullable=False),
        sa.Column("whistle_responses", sa.Integer(), nullable=False),
        sa.Column("quota_checks", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("quota_met", sa.Boolean(), nullable=False),
        sa.Column("figures_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("grade", grade, nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("graded_by", sa.Uuid(), nullable=True),
        sa.Column("graded_by_name", sa.Text(), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft", "signed_off", "delivered", "acknowledged", name="feedback_form_status"
            ),
            nullable=False,
        ),
        *_signed_off(),
        sa.Column("delivered_by", sa.Uuid(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("acknowledged_by_name", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        _now("generated_at"),
        _now("updated_at"),
        sa.CheckConstraint(
            "covers_to >= covers_from", name=op.f("ck_feedback_forms_covers_in_order")
        ),
        _fk("feedback_forms", ("tenant_id", "community_id"), "nodes"),
        _fk("feedback_forms", ("tenant_id", "member_id"), "members"),
        _fk("feedback_forms", ("tenant_id", "registration_id"), "member_registrations"),
        _fk("feedback_forms", ("tenant_id", "unit_id"), "units"),
        _tenant("feedback_forms"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_feedback_forms")),
    )
    op.create_index(
        "uq_feedback_forms_registration_year",
        "feedback_forms",
        ["tenant_id", "registration_id", "year"],
        unique=True,
    )
    op.create_index(
        "ix_feedback_forms_tenant_id_scope_path", "feedback_forms", ["tenant_id", "scope_path"]
    )
    op.create_index(
        "ix_feedback_forms_tenant_id_community_id_year",
        "feedback_forms",
        ["tenant_id", "community_id", "year"],
    )
    op.create_index(
        "ix_feedback_forms_tenant_id_unit_id_year",
        "feedback_forms",
        ["tenant_id", "unit_id", "year"],
    )
    op.create_index(
        "ix_feedback_forms_tenant_id_member_id", "feedback_forms", ["tenant_id", "member_id"]
    )
    op.create_table(
        "unit_evaluations",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("registration_id", sa.BigInteger(), nullable=False),
        sa.Column("covers_from", sa.Date(), nullable=False),
        sa.Column("covers_to", sa.Date(), nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=True),
        sa.Column("measures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("commitments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("score", sa.Numeric(5, 2), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("figures_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "signed_off", name="unit_evaluation_status"),
            nullable=False,
        ),
        *_signed_off(),
        sa.Column("reopened_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        _now("generated_at"),
        _now("updated_at"),
        sa.CheckConstraint(
            "covers_to >= covers_from", name=op.f("ck_unit_evaluations_covers_in_order")
        ),
        sa.CheckConstraint(
            "score >= 0 AND score <= 100", name=op.f("ck_unit_evaluations_score_in_range")
        ),
        _fk("unit_evaluations", ("tenant_id", "agreement_id"), "agreements"),
        _fk("unit_evaluations", ("tenant_id", "community_id"), "nodes"),
        _fk("unit_evaluations", ("tenant_id", "registration_id"), "unit_registrations"),
        _fk("unit_evaluations", ("tenant_id", "unit_id"), "units"),
        _tenant("unit_evaluations"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_unit_evaluations")),
    )
    op.create_index(
        "uq_unit_evaluations_registration_year",
        "unit_evaluations",
        ["tenant_id", "registration_id", "year"],
        unique=True,
    )
    op.create_index(
        "ix_unit_evaluations_tenant_id_scope_path", "unit_evaluations", ["tenant_id", "scope_path"]
    )
    op.create_index(
        "ix_unit_evaluations_tenant_id_year_score",
        "unit_evaluations",
        ["tenant_id", "year", "score", "id"],
    )
    op.create_index(
        "ix_unit_evaluations_tenant_id_unit_id", "unit_evaluations", ["tenant_id", "unit_id"]
    )
    op.create_table(
        "assessment_changes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("form_id", sa.BigInteger(), nullable=True),
        sa.Column("evaluation_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "change",
            sa.Enum(
                "generated",
                "refreshed",
                "graded",
                "assessed",
                "signed_off",
                "reopened",
                "delivered",
                "acknowledged",
                name="assessment_change",
            ),
            nullable=False,
        ),
        sa.Column("grade", grade, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("changed_by_name", sa.Text(), nullable=False),
        _now("changed_at"),
        sa.CheckConstraint(
            "(form_id IS NULL) <> (evaluation_id IS NULL)",
            name=op.f("ck_assessment_changes_one_subject"),
        ),
        _fk("assessment_changes", ("tenant_id", "evaluation_id"), "unit_evaluations"),
        _fk("assessment_changes", ("tenant_id", "form_id"), "feedback_forms"),
        _tenant("assessment_changes"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_assessment_changes")),
    )
    op.create_index(
        "ix_assessment_changes_tenant_id_form_id", "assessment_changes", ["tenant_id", "form_id"]
    )
    op.create_index(
        "ix_assessment_changes_tenant_id_evaluation_id",
        "assessment_changes",
        ["tenant_id", "evaluation_id"],
    )
    op.create_table(
        "feedback_reminders",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("days_before", sa.SmallInteger(), nullable=False),
        _now("sent_at"),
        _fk("feedback_reminders", ("tenant_id", "community_id"), "nodes"),
        _tenant("feedback_reminders"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "community_id", "year", "days_before", name=op.f("pk_feedback_reminders")
        ),
    )
    for table in TABLES:
        isolate_tenant_table(table)
    # The history is the record of every step (a reopening above all): never rewritten.
    op.execute(f"REVOKE UPDATE, DELETE ON assessment_changes FROM {app_role()}")
    # A reminder written stays written: that is what keeps it to once.
    op.execute(f"REVOKE UPDATE, DELETE ON feedback_reminders FROM {app_role()}")


def downgrade() -> None:
    op.drop_table("feedback_reminders")
    op.drop_index("ix_assessment_changes_tenant_id_evaluation_id", table_name="assessment_changes")
    op.drop_index("ix_assessment_changes_tenant_id_form_id", table_name="assessment_changes")
    op.drop_table("assessment_changes")
    op.drop_index("ix_unit_evaluations_tenant_id_unit_id", table_name="unit_evaluations")
    op.drop_index("ix_unit_evaluations_tenant_id_year_score", table_name="unit_evaluations")
    op.drop_index("ix_unit_evaluations_tenant_id_scope_path", table_name="unit_evaluations")
    op.drop_index("uq_unit_evaluations_registration_year", table_name="unit_evaluations")
    op.drop_table("unit_evaluations")
    op.drop_index("ix_feedback_forms_tenant_id_member_id", table_name="feedback_forms")
    op.drop_index("ix_feedback_forms_tenant_id_unit_id_year", table_name="feedback_forms")
    op.drop_index("ix_feedback_forms_tenant_id_community_id_year", table_name="feedback_forms")
    op.drop_index("ix_feedback_forms_tenant_id_scope_path", table_name="feedback_forms")
    op.drop_index("uq_feedback_forms_registration_year", table_name="feedback_forms")
    op.drop_table("feedback_forms")
    for enum in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS {enum}")
