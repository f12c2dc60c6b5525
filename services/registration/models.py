"""双报到: units registering with a community, members registering where they live, the
co-building agreements, and the numbers on slips and receipts."""

import enum
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from policies.paths import scope_path_column


class RegistrationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    RETURNED = "returned"
    ENDED = "ended"


# A registration still in force (waiting for the community, or confirmed): one at a time.
OPEN_STATUSES = (RegistrationStatus.SUBMITTED, RegistrationStatus.CONFIRMED)
_OPEN = "status IN ('submitted', 'confirmed')"

REGISTRATION_STATUS_NAMES = {
    RegistrationStatus.SUBMITTED: "待社区确认",
    RegistrationStatus.CONFIRMED: "已报到",
    RegistrationStatus.RETURNED: "已退回",
    RegistrationStatus.ENDED: "已结束",
}


class RegistrationChannel(enum.StrEnum):
    """How a member's slip reached the community."""

    UNIT_BATCH = "unit_batch"
    SELF = "self"
    STAFF = "staff"


CHANNEL_NAMES = {
    RegistrationChannel.UNIT_BATCH: "单位统一组织",
    RegistrationChannel.SELF: "个人自行报到",
    RegistrationChannel.STAFF: "社区代为登记",
}


class AgreementStatus(enum.StrEnum):
    IN_FORCE = "in_force"
    ENDED = "ended"


class AgreementChange(enum.StrEnum):
    SIGNED = "signed"
    AMENDED = "amended"
    RENEWED = "renewed"
    ENDED = "ended"


AGREEMENT_CHANGE_NAMES = {
    AgreementChange.SIGNED: "签订",
    AgreementChange.AMENDED: "修订",
    AgreementChange.RENEWED: "续签",
    AgreementChange.ENDED: "终止",
}


class UnitRegistration(Base):
    """A unit's Party organisation registering with a community (单位党组织到社区报到)."""

    __tablename__ = "unit_registrations"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        Index(
            "uq_unit_registrations_open",
            "tenant_id",
            "unit_id",
            unique=True,
            postgresql_where=text(_OPEN),
        ),
        Index("ix_unit_registrations_tenant_id_scope_path", "tenant_id", "scope_path"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    unit_id: Mapped[int] = mapped_column(BigInteger)
    # The community registered with, and its path (the community's side acts there).
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status")
    )
    # What the unit says it brings (报到说明), as submitted.
    statement: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[UUID | None]
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    decided_by: Mapped[UUID | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_reason: Mapped[str | None] = mapped_column(Text)
    ended_by: Mapped[UUID | None]
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)


class Agreement(Base):
    """共驻共建协议 between a registered unit and its community: the terms in force now;
    every version (signing, amendments, renewals, the end) is kept in agreement_versions."""

    __tablename__ = "agreements"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        ForeignKeyConstraint(
            ["tenant_id", "registration_id"],
            ["unit_registrations.tenant_id", "unit_registrations.id"],
        ),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        Index(
            "uq_agreements_in_force",
            "tenant_id",
            "registration_id",
            unique=True,
            postgresql_where=text("status = 'in_force'"),
        ),
        Index("ix_agreements_tenant_id_scope_path", "tenant_id", "scope_path"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    number: Mapped[str] = mapped_column(Text)
    registration_id: Mapped[int] = mapped_column(BigInteger)
    unit_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    status: Mapped[AgreementStatus] = mapped_column(
        enum_column(AgreementStatus, "agreement_status")
    )
    version: Mapped[int] = mapped_column(Integer)
    # 共建责任, 提供资源, 认领项目: one item per line as the two sides wrote them.
    responsibilities: Mapped[list[str]] = mapped_column(ARRAY(Text))
    resources: Mapped[list[str]] = mapped_column(ARRAY(Text))
    projects: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # [{"name", "side": "unit"|"community", "title", "phone"}]: work numbers, not personal.
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)


class AgreementVersion(Base):
    """One version of an agreement's terms, with who changed it, when and why."""

    __tablename__ = "agreement_versions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "agreement_id"], ["agreements.tenant_id", "agreements.id"]
        ),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    agreement_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    change: Mapped[AgreementChange] = mapped_column(
        enum_column(AgreementChange, "agreement_change")
    )
    responsibilities: Mapped[list[str]] = mapped_column(ARRAY(Text))
    resources: Mapped[list[str]] = mapped_column(ARRAY(Text))
    projects: Mapped[list[str]] = mapped_column(ARRAY(Text))
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[UUID | None]
    changed_by_name: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MemberRegistration(Base):
    """A member registering with the community where they live (在职党员到社区报到): the
    slip (报到单), the community's confirmation and receipt (回执), the unit's filing."""

    __tablename__ = "member_registrations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slip_number"),
        UniqueConstraint("tenant_id", "receipt_number"),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        ForeignKeyConstraint(["tenant_id", "community_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        Index(
            "uq_member_registrations_open",
            "tenant_id",
            "member_id",
            unique=True,
            postgresql_where=text(_OPEN),
        ),
        Index("ix_member_registrations_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_member_registrations_tenant_id_unit_id", "tenant_id", "unit_id"),
        Index("ix_member_registrations_tenant_id_member_id", "tenant_id", "member_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    slip_number: Mapped[str] = mapped_column(Text)
    member_id: Mapped[int] = mapped_column(BigInteger)
    # The work unit when the slip was made: its receipt goes back there.
    unit_id: Mapped[int] = mapped_column(BigInteger)
    community_id: Mapped[int] = mapped_column(BigInteger)
    # Where the member lives: the compound when known, else the community; its path.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    channel: Mapped[RegistrationChannel] = mapped_column(
        enum_column(RegistrationChannel, "registration_channel")
    )
    # Slips a unit sent together (整体推进、分批组织) share a batch.
    batch_id: Mapped[UUID | None]
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status")
    )
    submitted_by: Mapped[UUID | None]
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    decided_by: Mapped[UUID | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_reason: Mapped[str | None] = mapped_column(Text)
    receipt_number: Mapped[str | None] = mapped_column(Text)
    receipt_filed_by: Mapped[UUID | None]
    receipt_filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[UUID | None]
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)
    # The registration this one made way for, when the member moved.
    moved_from_id: Mapped[int | None] = mapped_column(BigInteger)


class DocumentCounter(Base):
    """The last number given in a series (slips, receipts, agreements) per year. Numbers
    are taken under the row's lock in the taking transaction, so a number is held by at
    most one committed document and never given again."""

    __tablename__ = "document_counters"

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    series: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger)
