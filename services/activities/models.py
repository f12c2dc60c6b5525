"""Volunteer activities (志愿活动): published by a street, a community or a unit, joined by
members with sign-up and a waiting list, attended with a rotating check-in code."""

import enum
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from policies.paths import scope_path_column


class ActivityStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    FINISHED = "finished"


class Audience(enum.StrEnum):
    # Members registered (confirmed) in the community where the activity is held.
    COMMUNITY = "community"
    # The organising unit's own members.
    UNIT = "unit"
    # Members registered in any community within a chosen node (a street, say).
    SCOPE = "scope"


class SignupStatus(enum.StrEnum):
    SIGNED_UP = "signed_up"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class AttendanceMethod(enum.StrEnum):
    # The member scanned the organiser's rotating code.
    CODE = "code"
    # The organiser marked it.
    ORGANISER = "organiser"
    # No check-out: closed at the activity's end when it finished.
    CLOSED_AT_END = "closed_at_end"


ACTIVITY_STATUS_NAMES = {
    ActivityStatus.DRAFT: "草稿",
    ActivityStatus.PUBLISHED: "已发布",
    ActivityStatus.CANCELLED: "已取消",
    ActivityStatus.FINISHED: "已结束",
}
AUDIENCE_NAMES = {
    Audience.COMMUNITY: "在本社区报到的党员",
    Audience.UNIT: "本单位党员",
    Audience.SCOPE: "在指定范围内报到的党员",
}
SIGNUP_STATUS_NAMES = {
    SignupStatus.SIGNED_UP: "已报名",
    SignupStatus.WAITLISTED: "候补中",
    SignupStatus.CANCELLED: "已取消",
}
ATTENDANCE_METHOD_NAMES = {
    AttendanceMethod.CODE: "扫码",
    AttendanceMethod.ORGANISER: "组织方登记",
    AttendanceMethod.CLOSED_AT_END: "活动结束时自动签退",
}


class Activity(Base):
    """One activity: where and when, for whom, how many. A unit's activity is organised by
    the unit (its admin records and confirms the hours); any other by the staff of its node.
    A unit's collective activity (集体活动) counts toward the unit's quarterly quota."""

    __tablename__ = "activities"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "community_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "audience_node_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "organiser_unit_id"], ["units.tenant_id", "units.id"]),
        ForeignKeyConstraint(["tenant_id", "project_id"], ["projects.tenant_id", "projects.id"]),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("signup_closes_at > signup_opens_at", name="signup_window"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("NOT collective OR organiser_unit_id IS NOT NULL", name="collective_unit"),
        Index("ix_activities_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_activities_tenant_id_organiser_unit_id", "tenant_id", "organiser_unit_id"),
        Index("ix_activities_tenant_id_project_id", "tenant_id", "project_id"),
        # What members browse: published activities of a community, soonest first.
        Index(
            "ix_activities_tenant_id_community_id_starts_at",
            "tenant_id",
            "community_id",
            "starts_at",
        ),
        # What the scheduled finishing run looks for: published activities that have ended.
        Index("ix_activities_tenant_id_status_ends_at", "tenant_id", "status", "ends_at"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # Where it is held: a street, a community, or a compound, building or grid in one.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    # The community the node is in (none for a street-wide activity).
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    # The unit that organises it, if a unit does (then only that unit confirms the hours).
    organiser_unit_id: Mapped[int | None] = mapped_column(BigInteger)
    # The project it serves, if any.
    project_id: Mapped[int | None] = mapped_column(BigInteger)
    collective: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    # One of the county's post categories (岗位类别), as the rules name them.
    post_category: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # None: no limit.
    capacity: Mapped[int | None] = mapped_column(Integer)
    signup_opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signup_closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, "activity_audience"))
    # For Audience.SCOPE: members registered within this node's subtree may join.
    audience_node_id: Mapped[int | None] = mapped_column(BigInteger)
    # Kept current when the node moves, like every scope path.
    audience_path: Mapped[str | None] = scope_path_column(nullable=True)
    status: Mapped[ActivityStatus] = mapped_column(enum_column(ActivityStatus, "activity_status"))
    # The key the rotating check-in codes are derived from (never shown).
    code_secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[UUID | None]
    created_by_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ActivitySignup(Base):
    """A member's place on an activity, or on its waiting list (first come, first moved up)."""

    __tablename__ = "activity_signups"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "activity_id"], ["activities.tenant_id", "activities.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
        # One live sign-up per member and activity, whatever two requests race to do.
        Index(
            "uq_activity_signups_live",
            "tenant_id",
            "activity_id",
            "member_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
        ),
        # The list and the waiting list in order.
        Index(
            "ix_activity_signups_tenant_id_activity_id_status",
            "tenant_id",
            "activity_id",
            "status",
            "id",
        ),
        Index("ix_activity_signups_tenant_id_member_id", "tenant_id", "member_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    activity_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[SignupStatus] = mapped_column(enum_column(SignupStatus, "signup_status"))
    signed_up_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # When the member moved up from the waiting list.
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by: Mapped[UUID | None]


class Attendance(Base):
    """A member's check-in and check-out at an activity: one per member and activity."""

    __tablename__ = "attendances"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "activity_id"], ["activities.tenant_id", "activities.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
        Index(
            "uq_attendances_activity_member", "tenant_id", "activity_id", "member_id", unique=True
        ),
        Index("ix_attendances_tenant_id_member_id", "tenant_id", "member_id"),
        CheckConstraint(
            "checked_out_at IS NULL OR checked_out_at >= checked_in_at", name="out_after_in"
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    activity_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    checked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    check_in_method: Mapped[AttendanceMethod] = mapped_column(
        enum_column(AttendanceMethod, "attendance_method")
    )
    checked_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_out_method: Mapped[AttendanceMethod | None] = mapped_column(
        enum_column(AttendanceMethod, "attendance_method")
    )
    # The organiser's account, when the organiser marked it.
    marked_by: Mapped[UUID | None]
