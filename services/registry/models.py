"""The county's registers: work-unit Party organisations and in-service Party members."""

import enum
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from infra.personal_data import sealed_column
from policies.paths import scope_path_column


class UnitKind(enum.StrEnum):
    GOVERNMENT = "government"
    PUBLIC_INSTITUTION = "public_institution"
    STATE_ENTERPRISE = "state_enterprise"
    PRIVATE_ENTERPRISE = "private_enterprise"
    SOCIAL_ORGANISATION = "social_organisation"
    OTHER = "other"


class PartyOrgType(enum.StrEnum):
    COMMITTEE = "committee"
    GENERAL_BRANCH = "general_branch"
    BRANCH = "branch"


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class RegistryStatus(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


UNIT_KIND_NAMES = {
    UnitKind.GOVERNMENT: "机关",
    UnitKind.PUBLIC_INSTITUTION: "事业单位",
    UnitKind.STATE_ENTERPRISE: "国有企业",
    UnitKind.PRIVATE_ENTERPRISE: "非公企业",
    UnitKind.SOCIAL_ORGANISATION: "社会组织",
    UnitKind.OTHER: "其他",
}
PARTY_ORG_TYPE_NAMES = {
    PartyOrgType.COMMITTEE: "党委",
    PartyOrgType.GENERAL_BRANCH: "党总支",
    PartyOrgType.BRANCH: "党支部",
}
GENDER_NAMES = {Gender.MALE: "男", Gender.FEMALE: "女"}
STATUS_NAMES = {RegistryStatus.ACTIVE: "在册", RegistryStatus.RETIRED: "已退出"}


class Unit(Base):
    """A work unit's Party organisation, located in a community."""

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("tenant_id", "credit_code"),
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        Index("ix_units_tenant_id_scope_path", "tenant_id", "scope_path"),
    )
    # `updated_at` is set by the database on update: fetch it then, never lazily.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"))
    # 统一社会信用代码, checked with its check character.
    credit_code: Mapped[str] = mapped_column(Text)
    party_org_type: Mapped[PartyOrgType] = mapped_column(
        enum_column(PartyOrgType, "party_org_type")
    )
    # The community where the unit sits.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    contact_name: Mapped[str | None] = mapped_column(Text)
    # A work number (office landline or the contact's work mobile).
    contact_phone: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RegistryStatus] = mapped_column(
        enum_column(RegistryStatus, "registry_status"),
        server_default=RegistryStatus.ACTIVE.value,
    )
    retired_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Member(Base):
    """An in-service Party member, working in a unit and living in a community."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "mobile_index"),
        Index(
            "uq_members_tenant_id_id_card_index",
            "tenant_id",
            "id_card_index",
            unique=True,
            postgresql_where=text("id_card_index IS NOT NULL"),
        ),
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        Index("ix_members_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_members_tenant_id_unit_id", "tenant_id", "unit_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    gender: Mapped[Gender] = mapped_column(enum_column(Gender, "gender"))
    # Personal data: sealed, and found through a keyed hash of the clear number.
    mobile_sealed: Mapped[bytes] = sealed_column()
    mobile_index: Mapped[bytes] = mapped_column(LargeBinary)
    id_card_sealed: Mapped[bytes | None] = sealed_column(nullable=True)
    id_card_index: Mapped[bytes | None] = mapped_column(LargeBinary)
    joined_party_on: Mapped[date | None] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(BigInteger)
    # Where the member lives: a community or a compound.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    skills: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    status: Mapped[RegistryStatus] = mapped_column(
        enum_column(RegistryStatus, "registry_status"),
        server_default=RegistryStatus.ACTIVE.value,
    )
    retired_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
