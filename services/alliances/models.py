"""Alliances: a street's 党建联盟 (大工委) or a community's 大党委, their member units,
part-time committee members (兼职委员) and joint meetings (联席会议).

Memberships and appointments are never deleted: leaving or ending sets a date, so the
alliance's history stays on record. A joint meeting is recorded once, after it was held.
"""

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
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from policies.paths import scope_path_column
from tenants.hierarchy.models import NodeKind


class AllianceKind(enum.StrEnum):
    # 党建联盟 / 大工委, at a township or street.
    STREET_ALLIANCE = "street_alliance"
    # 大党委, at a community.
    COMMUNITY_COMMITTEE = "community_committee"


class AllianceStatus(enum.StrEnum):
    ACTIVE = "active"
    DISSOLVED = "dissolved"


ALLIANCE_KIND_NAMES = {
    AllianceKind.STREET_ALLIANCE: "党建联盟（大工委）",
    AllianceKind.COMMUNITY_COMMITTEE: "大党委",
}
# The level of the hierarchy each kind of alliance is formed at.
ALLIANCE_NODE_KINDS = {
    AllianceKind.STREET_ALLIANCE: NodeKind.TOWNSHIP,
    AllianceKind.COMMUNITY_COMMITTEE: NodeKind.COMMUNITY,
}
DEFAULT_POST = "兼职委员"


class Alliance(Base):
    __tablename__ = "alliances"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        Index("ix_alliances_tenant_id_scope_path", "tenant_id", "scope_path"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[AllianceKind] = mapped_column(enum_column(AllianceKind, "alliance_kind"))
    name: Mapped[str] = mapped_column(Text)
    # The township (党建联盟) or community (大党委) the alliance is formed at.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    established_on: Mapped[date] = mapped_column(Date)
    # Its purpose or charter (章程), as the clerk writes it.
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[AllianceStatus] = mapped_column(
        enum_column(AllianceStatus, "alliance_status"),
        server_default=AllianceStatus.ACTIVE.value,
    )
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    dissolved_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class AllianceUnit(Base):
    """A unit's membership of an alliance (成员单位), from the day it joined to the day it
    left (none while it is a member)."""

    __tablename__ = "alliance_units"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "alliance_id"], ["alliances.tenant_id", "alliances.id"]),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        Index("ix_alliance_units_tenant_id_alliance_id", "tenant_id", "alliance_id"),
        # The alliances a unit is in: what an org admin may read as its own.
        Index("ix_alliance_units_tenant_id_unit_id", "tenant_id", "unit_id"),
        Index(
            "uq_alliance_units_tenant_id_alliance_id_unit_id",
            "tenant_id",
            "alliance_id",
            "unit_id",
            unique=True,
            postgresql_where=text("left_on IS NULL"),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    alliance_id: Mapped[int] = mapped_column(BigInteger)
    unit_id: Mapped[int] = mapped_column(BigInteger)
    # Its part in the alliance, e.g. 牵头单位.
    role: Mapped[str | None] = mapped_column(Text)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PartTimeMember(Base):
    """A member's appointment as a part-time committee member (兼职委员) of an alliance,
    from a unit that is a member of it."""

    __tablename__ = "part_time_members"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "alliance_id"], ["alliances.tenant_id", "alliances.id"]),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        Index("ix_part_time_members_tenant_id_alliance_id", "tenant_id", "alliance_id"),
        Index(
            "uq_part_time_members_tenant_id_alliance_id_member_id",
            "tenant_id",
            "alliance_id",
            "member_id",
            unique=True,
            postgresql_where=text("to_on IS NULL"),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    alliance_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    # The member unit the member was appointed from (their work unit then).
    unit_id: Mapped[int] = mapped_column(BigInteger)
    post: Mapped[str] = mapped_column(Text, server_default=DEFAULT_POST)
    from_on: Mapped[date] = mapped_column(Date)
    to_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class JointMeeting(Base):
    """A joint meeting (联席会议) of an alliance and what it resolved (议定事项)."""

    __tablename__ = "joint_meetings"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "alliance_id"], ["alliances.tenant_id", "alliances.id"]),
        # A platform admin's account lives in the platform's realm: no link, name only.
        ForeignKeyConstraint(["tenant_id", "recorded_by"], ["users.tenant_id", "users.id"]),
        Index(
            "ix_joint_meetings_tenant_id_alliance_id_held_on", "tenant_id", "alliance_id", "held_on"
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    alliance_id: Mapped[int] = mapped_column(BigInteger)
    held_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    resolutions: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    recorded_by: Mapped[UUID | None]
    # Who recorded it, by name as it was then.
    recorded_by_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class JointMeetingUnit(Base):
    """A member unit that attended a joint meeting."""

    __tablename__ = "joint_meeting_units"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "joint_meeting_id"], ["joint_meetings.tenant_id", "joint_meetings.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    joint_meeting_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    unit_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class JointMeetingMember(Base):
    """A part-time member who attended a joint meeting, in the appointment they then held."""

    __tablename__ = "joint_meeting_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "joint_meeting_id"], ["joint_meetings.tenant_id", "joint_meetings.id"]
        ),
        ForeignKeyConstraint(
            ["tenant_id", "part_time_member_id"],
            ["part_time_members.tenant_id", "part_time_members.id"],
        ),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    joint_meeting_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    part_time_member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
