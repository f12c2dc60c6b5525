"""Service records (服务记录): a member's hours of service, recorded and confirmed by whoever
organised the service (谁组织谁记录，谁记录谁证明), every change kept as a version; and the
certificates of volunteer service (志愿服务证明) issued from them."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from policies.paths import scope_path_column

HOURS = Numeric(6, 2)


class RecordSource(enum.StrEnum):
    """What the service was: each source earns the points of its contribution kind."""

    ACTIVITY = "activity"
    PROJECT_CLAIM = "project_claim"
    WISH = "wish"
    WHISTLE_CALL = "whistle_call"
    # A visit to a paired household (民情走访), logged by the visiting member.
    VISIT = "visit"
    # Entered by the organiser for a service with no activity behind it.
    ENTERED = "entered"


class RecordStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class RecordChange(enum.StrEnum):
    CREATED = "created"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CORRECTED = "corrected"


RECORD_SOURCE_NAMES = {
    RecordSource.ACTIVITY: "志愿活动",
    RecordSource.PROJECT_CLAIM: "项目认领",
    RecordSource.WISH: "微心愿",
    RecordSource.WHISTLE_CALL: "吹哨报到",
    RecordSource.VISIT: "走访帮扶",
    RecordSource.ENTERED: "组织方登记",
}
RECORD_STATUS_NAMES = {
    RecordStatus.PENDING: "待确认",
    RecordStatus.CONFIRMED: "已确认",
    RecordStatus.DECLINED: "未予确认",
}
RECORD_CHANGE_NAMES = {
    RecordChange.CREATED: "记录",
    RecordChange.CONFIRMED: "确认",
    RecordChange.DECLINED: "不予确认",
    RecordChange.CORRECTED: "更正",
}


class ServiceRecord(Base):
    """A member's service, as it stands now (its versions say how it came to be so). The
    organiser is the node whose staff record and confirm it, or the unit that organised it.
    Two live records of one member never overlap in time (an exclusion constraint)."""

    __tablename__ = "service_records"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "organiser_unit_id"], ["units.tenant_id", "units.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "activity_id"], ["activities.tenant_id", "activities.id"]
        ),
        ForeignKeyConstraint(
            ["tenant_id", "project_claim_id"], ["project_claims.tenant_id", "project_claims.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "wish_id"], ["wishes.tenant_id", "wishes.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "whistle_recipient_id"],
            ["whistle_recipients.tenant_id", "whistle_recipients.id"],
        ),
        ForeignKeyConstraint(["tenant_id", "visit_id"], ["visits.tenant_id", "visits.id"]),
        CheckConstraint("ended_at > started_at", name="ends_after_start"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
        ExcludeConstraint(
            ("tenant_id", "="),
            ("member_id", "="),
            (func.tstzrange(text("started_at"), text("ended_at")), "&&"),
            name="ex_service_records_member_overlap",
            using="gist",
            where=text("status <> 'declined'"),
        ),
        Index("ix_service_records_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index(
            "ix_service_records_tenant_id_member_id_service_on",
            "tenant_id",
            "member_id",
            "service_on",
        ),
        Index("ix_service_records_tenant_id_organiser_unit_id", "tenant_id", "organiser_unit_id"),
        # One live record per member and source.
        Index(
            "uq_service_records_activity",
            "tenant_id",
            "activity_id",
            "member_id",
            unique=True,
            postgresql_where=text("activity_id IS NOT NULL AND status <> 'declined'"),
        ),
        Index(
            "uq_service_records_project_claim",
            "tenant_id",
            "project_claim_id",
            unique=True,
            postgresql_where=text("project_claim_id IS NOT NULL AND status <> 'declined'"),
        ),
        Index(
            "uq_service_records_wish",
            "tenant_id",
            "wish_id",
            unique=True,
            postgresql_where=text("wish_id IS NOT NULL AND status <> 'declined'"),
        ),
        Index(
            "uq_service_records_whistle_recipient",
            "tenant_id",
            "whistle_recipient_id",
            unique=True,
            postgresql_where=text("whistle_recipient_id IS NOT NULL AND status <> 'declined'"),
        ),
        Index(
            "uq_service_records_visit",
            "tenant_id",
            "visit_id",
            unique=True,
            postgresql_where=text("visit_id IS NOT NULL AND status <> 'declined'"),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[RecordSource] = mapped_column(enum_column(RecordSource, "record_source"))
    activity_id: Mapped[int | None] = mapped_column(BigInteger)
    project_claim_id: Mapped[int | None] = mapped_column(BigInteger)
    wish_id: Mapped[int | None] = mapped_column(BigInteger)
    whistle_recipient_id: Mapped[int | None] = mapped_column(BigInteger)
    visit_id: Mapped[int | None] = mapped_column(BigInteger)
    # The organiser: staff who may decide records at this node, or (if set) this unit only.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    organiser_unit_id: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(Text)
    post_category: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The day of service in China, which the caps per day and the periods count by.
    service_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    # Hours credited under the county's rules of the day (rounded, within the caps).
    hours: Mapped[Decimal] = mapped_column(HOURS)
    status: Mapped[RecordStatus] = mapped_column(enum_column(RecordStatus, "record_status"))
    # The number of the latest version.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # The last day of the public notice (公示); it may be confirmed the day after. None:
    # the county has no notice period.
    notice_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_by: Mapped[UUID | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ServiceRecordVersion(Base):
    """One change to a record: what it said after the change, who made it, when and why.
    Never updated or deleted (the app's role may not)."""

    __tablename__ = "service_record_versions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "service_record_id"], ["service_records.tenant_id", "service_records.id"]
        ),
        Index(
            "uq_service_record_versions_record_version",
            "tenant_id",
            "service_record_id",
            "version",
            unique=True,
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    service_record_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[RecordChange] = mapped_column(enum_column(RecordChange, "record_change"))
    status: Mapped[RecordStatus] = mapped_column(enum_column(RecordStatus, "record_status"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    minutes: Mapped[int] = mapped_column(Integer)
    hours: Mapped[Decimal] = mapped_column(HOURS)
    # Why: the reason of a correction or a refusal, or the organiser's note.
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[UUID | None]
    changed_by_name: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ServiceCertificate(Base):
    """A certificate of volunteer service as issued: the confirmed records it lists, frozen,
    so it reads the same later and its verification code can be checked by anyone."""

    __tablename__ = "service_certificates"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
        Index("uq_service_certificates_code", "tenant_id", "code", unique=True),
        Index("ix_service_certificates_tenant_id_member_id", "tenant_id", "member_id"),
        CheckConstraint("period_to >= period_from", name="period_in_order"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # The county's code, then random letters: 130123-7KQ4-M2XD-9HTC-WP3E.
    code: Mapped[str] = mapped_column(Text)
    member_id: Mapped[int] = mapped_column(BigInteger)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    record_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    record_count: Mapped[int] = mapped_column(Integer)
    total_hours: Mapped[Decimal] = mapped_column(HOURS)
    # The lines as printed (date, service, organiser, hours), frozen at issue.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    issued_by: Mapped[UUID | None]
    issued_by_name: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
