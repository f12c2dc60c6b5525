"""Year-end feedback (表现反馈表) and unit evaluations (评价表): the dual assessment.

A feedback form covers one member's registration with a community over the months of a
year it was in force (a member who moved has one per community); its figures are read
from the records when the community generates or refreshes it, and frozen once the
community secretary signs it off. A unit evaluation scores a unit registered with the
community by the county's weights, with the reason behind each measure. Every step on
either is kept in `assessment_changes` (insert-only for the app).
"""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from policies.paths import scope_path_column
from tenants.rules.model import Grade

HOURS = Numeric(8, 2)
SCORE = Numeric(5, 2)


class FormStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED_OFF = "signed_off"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"


FORM_STATUS_NAMES = {
    FormStatus.DRAFT: "待签发",
    FormStatus.SIGNED_OFF: "已签发",
    FormStatus.DELIVERED: "已送达单位",
    FormStatus.ACKNOWLEDGED: "单位已签收",
}
# What the unit (and the member) may read: forms the community has delivered.
DELIVERED_STATUSES = (FormStatus.DELIVERED, FormStatus.ACKNOWLEDGED)


class EvaluationStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED_OFF = "signed_off"


EVALUATION_STATUS_NAMES = {
    EvaluationStatus.DRAFT: "待签发",
    EvaluationStatus.SIGNED_OFF: "已签发",
}


class ChangeKind(enum.StrEnum):
    GENERATED = "generated"
    REFRESHED = "refreshed"
    GRADED = "graded"
    ASSESSED = "assessed"
    SIGNED_OFF = "signed_off"
    REOPENED = "reopened"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"


CHANGE_NAMES = {
    ChangeKind.GENERATED: "生成",
    ChangeKind.REFRESHED: "按最新记录更新",
    ChangeKind.GRADED: "评定等次",
    ChangeKind.ASSESSED: "认定协议履行",
    ChangeKind.SIGNED_OFF: "签发",
    ChangeKind.REOPENED: "撤回签发（重新打开）",
    ChangeKind.DELIVERED: "送达单位",
    ChangeKind.ACKNOWLEDGED: "单位签收",
}


class FeedbackForm(Base):
    """在职党员服务社区表现反馈表: what the member did in the months covered (pre-filled
    from the records), the community's grade and comment, and where the form stands."""

    __tablename__ = "feedback_forms"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "community_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "registration_id"],
            ["member_registrations.tenant_id", "member_registrations.id"],
        ),
        CheckConstraint("covers_to >= covers_from", name="covers_in_order"),
        # One form per registration and year, whatever two generations at once do.
        Index(
            "uq_feedback_forms_registration_year",
            "tenant_id",
            "registration_id",
            "year",
            unique=True,
        ),
        Index("ix_feedback_forms_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_feedback_forms_tenant_id_community_id_year", "tenant_id", "community_id", "year"),
        Index("ix_feedback_forms_tenant_id_unit_id_year", "tenant_id", "unit_id", "year"),
        Index("ix_feedback_forms_tenant_id_member_id", "tenant_id", "member_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    # The community that fills it in, and its path (its staff act there).
    community_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    member_id: Mapped[int] = mapped_column(BigInteger)
    registration_id: Mapped[int] = mapped_column(BigInteger)
    # The member's work unit at the year's end, as the register had it when the form was
    # last generated: the form is delivered there.
    unit_id: Mapped[int] = mapped_column(BigInteger)
    registered_on: Mapped[date] = mapped_column(Date)
    # The days of the year the registration was in force.
    covers_from: Mapped[date] = mapped_column(Date)
    covers_to: Mapped[date] = mapped_column(Date)
    # The figures, read from the records over the days covered.
    activities_joined: Mapped[int] = mapped_column(Integer)
    service_times: Mapped[int] = mapped_column(Integer)
    service_hours: Mapped[Decimal] = mapped_column(HOURS)
    claims: Mapped[int] = mapped_column(Integer)
    claims_completed: Mapped[int] = mapped_column(Integer)
    wishes_fulfilled: Mapped[int] = mapped_column(Integer)
    whistle_responses: Mapped[int] = mapped_column(Integer)
    # The member's quotas in each period of the year touching the days covered:
    # [{"quota_period", "period", "period_name", "min_hours", "min_times", "hours",
    #   "times", "met"}]; `quota_met` when every one is met.
    quota_checks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    quota_met: Mapped[bool] = mapped_column(Boolean)
    figures_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade, "feedback_grade"))
    comment: Mapped[str | None] = mapped_column(Text)
    graded_by: Mapped[UUID | None]
    graded_by_name: Mapped[str | None] = mapped_column(Text)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[FormStatus] = mapped_column(enum_column(FormStatus, "feedback_form_status"))
    signed_off_by: Mapped[UUID | None]
    signed_off_by_name: Mapped[str | None] = mapped_column(Text)
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_by: Mapped[UUID | None]
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[UUID | None]
    acknowledged_by_name: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    generated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class UnitEvaluation(Base):
    """单位党组织到社区报到服务评价表: a unit registered with the community, scored over the
    days of the year its registration was in force by the county's weights."""

    __tablename__ = "unit_evaluations"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "community_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "registration_id"],
            ["unit_registrations.tenant_id", "unit_registrations.id"],
        ),
        ForeignKeyConstraint(
            ["tenant_id", "agreement_id"], ["agreements.tenant_id", "agreements.id"]
        ),
        CheckConstraint("covers_to >= covers_from", name="covers_in_order"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_in_range"),
        Index(
            "uq_unit_evaluations_registration_year",
            "tenant_id",
            "registration_id",
            "year",
            unique=True,
        ),
        Index("ix_unit_evaluations_tenant_id_scope_path", "tenant_id", "scope_path"),
        # The ranking: a year's evaluations, best score first.
        Index("ix_unit_evaluations_tenant_id_year_score", "tenant_id", "year", "score", "id"),
        Index("ix_unit_evaluations_tenant_id_unit_id", "tenant_id", "unit_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    community_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    unit_id: Mapped[int] = mapped_column(BigInteger)
    registration_id: Mapped[int] = mapped_column(BigInteger)
    covers_from: Mapped[date] = mapped_column(Date)
    covers_to: Mapped[date] = mapped_column(Date)
    # The co-building agreement whose commitments are judged (none: never signed).
    agreement_id: Mapped[int | None] = mapped_column(BigInteger)
    # [{"measure", "label", "done", "required", "ratio", "weight", "points", "reason"}]
    measures: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # The agreement's commitments and whether the community found each met:
    # [{"kind": "responsibility"|"resource"|"project", "text", "met"}]
    commitments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    score: Mapped[Decimal] = mapped_column(SCORE)
    comment: Mapped[str | None] = mapped_column(Text)
    figures_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[EvaluationStatus] = mapped_column(
        enum_column(EvaluationStatus, "unit_evaluation_status")
    )
    signed_off_by: Mapped[UUID | None]
    signed_off_by_name: Mapped[str | None] = mapped_column(Text)
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    generated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class AssessmentChange(Base):
    """One step on a form or an evaluation: who, when, what (a grade, a reason to reopen).
    Insert-only for the app: a reopening stays on record."""

    __tablename__ = "assessment_changes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "form_id"], ["feedback_forms.tenant_id", "feedback_forms.id"]
        ),
        ForeignKeyConstraint(
            ["tenant_id", "evaluation_id"], ["unit_evaluations.tenant_id", "unit_evaluations.id"]
        ),
        CheckConstraint("(form_id IS NULL) <> (evaluation_id IS NULL)", name="one_subject"),
        Index("ix_assessment_changes_tenant_id_form_id", "tenant_id", "form_id"),
        Index("ix_assessment_changes_tenant_id_evaluation_id", "tenant_id", "evaluation_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    form_id: Mapped[int | None] = mapped_column(BigInteger)
    evaluation_id: Mapped[int | None] = mapped_column(BigInteger)
    change: Mapped[ChangeKind] = mapped_column(enum_column(ChangeKind, "assessment_change"))
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade, "feedback_grade"))
    note: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[UUID | None]
    changed_by_name: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FeedbackReminder(Base):
    """That a community was reminded of its outstanding forms of a year, `days_before` the
    deadline: once per community, year and threshold, however often the schedule runs."""

    __tablename__ = "feedback_reminders"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "community_id"], ["nodes.tenant_id", "nodes.id"]),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    community_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    days_before: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
