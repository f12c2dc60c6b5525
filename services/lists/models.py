"""Needs (需求清单), resources (资源清单), their matching, and 12345 work orders.

A need is raised for a community or a compound in it and moves open → matched →
in_progress → resolved → closed, or is rejected from open or matched; every change of
status is kept in need_changes. A resource is offered into one community by a unit or a
member registered there. A match pairs a need with a resource of the same community and
is kept when undone. A 12345 work order from a partner system becomes a need, once per
external id.
"""

import enum
from datetime import date, datetime
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
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from policies.paths import scope_path_column


class NeedCategory(enum.StrEnum):
    SANITATION = "sanitation"
    ELDERLY_DISABLED = "elderly_disabled"
    MEDIATION = "mediation"
    POLICY_ADVICE = "policy_advice"
    CULTURE_SPORTS = "culture_sports"
    FACILITY_REPAIR = "facility_repair"
    SECURITY_PATROL = "security_patrol"
    OTHER = "other"


NEED_CATEGORY_NAMES = {
    NeedCategory.SANITATION: "环境卫生",
    NeedCategory.ELDERLY_DISABLED: "助老助残",
    NeedCategory.MEDIATION: "矛盾调解",
    NeedCategory.POLICY_ADVICE: "政策咨询",
    NeedCategory.CULTURE_SPORTS: "文体活动",
    NeedCategory.FACILITY_REPAIR: "设施维修",
    NeedCategory.SECURITY_PATROL: "治安巡逻",
    NeedCategory.OTHER: "其他",
}


class NeedUrgency(enum.StrEnum):
    NORMAL = "normal"
    PRESSING = "pressing"
    URGENT = "urgent"


URGENCY_NAMES = {
    NeedUrgency.NORMAL: "一般",
    NeedUrgency.PRESSING: "较急",
    NeedUrgency.URGENT: "紧急",
}


class NeedSource(enum.StrEnum):
    SURVEY = "survey"
    HOME_VISIT = "home_visit"
    HOTLINE = "hotline"
    RESIDENT_REQUEST = "resident_request"
    OTHER = "other"


NEED_SOURCE_NAMES = {
    NeedSource.SURVEY: "居民调查问卷",
    NeedSource.HOME_VISIT: "入户走访",
    NeedSource.HOTLINE: "12345 热线工单",
    NeedSource.RESIDENT_REQUEST: "居民求助",
    NeedSource.OTHER: "其他",
}


class NeedStatus(enum.StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


NEED_STATUS_NAMES = {
    NeedStatus.OPEN: "待对接",
    NeedStatus.MATCHED: "已对接",
    NeedStatus.IN_PROGRESS: "办理中",
    NeedStatus.RESOLVED: "已解决",
    NeedStatus.CLOSED: "已办结",
    NeedStatus.REJECTED: "已驳回",
}
# What registered units and members see of their communities' needs: those still wanting
# a hand (认领对接只在待对接、已对接时有意义).
PUBLISHED_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.MATCHED)


class Satisfaction(enum.StrEnum):
    SATISFIED = "satisfied"
    FAIRLY_SATISFIED = "fairly_satisfied"
    DISSATISFIED = "dissatisfied"


SATISFACTION_NAMES = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.FAIRLY_SATISFIED: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
}


class ResourceKind(enum.StrEnum):
    VENUE = "venue"
    FUNDS = "funds"
    EQUIPMENT = "equipment"
    PROFESSIONAL_SERVICE = "professional_service"
    SKILL = "skill"
    TIME = "time"


RESOURCE_KIND_NAMES = {
    ResourceKind.VENUE: "场地",
    ResourceKind.FUNDS: "资金",
    ResourceKind.EQUIPMENT: "设备",
    ResourceKind.PROFESSIONAL_SERVICE: "专业服务",
    ResourceKind.SKILL: "技能",
    ResourceKind.TIME: "时间",
}


class ResourceStatus(enum.StrEnum):
    AVAILABLE = "available"
    WITHDRAWN = "withdrawn"


RESOURCE_STATUS_NAMES = {
    ResourceStatus.AVAILABLE: "可对接",
    ResourceStatus.WITHDRAWN: "已撤回",
}


class WorkOrder(Base):
    """A 12345 hotline work order as a partner system submitted it (工单): its own id is
    unique in the county, so a resubmission finds the first one."""

    __tablename__ = "work_orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        ForeignKeyConstraint(["tenant_id", "community_id"], ["nodes.tenant_id", "nodes.id"]),
        Index("ix_work_orders_tenant_id_scope_path", "tenant_id", "scope_path"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # The hotline's own number of the order.
    external_id: Mapped[str] = mapped_column(Text)
    # The hotline's category as it sent it (its categories are not ours).
    category: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    community_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    # 办理时限.
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The API key that submitted it.
    submitted_by: Mapped[UUID | None]
    submitted_by_name: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Need(Base):
    """A need of a community or of a compound in it (需求)."""

    __tablename__ = "needs"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "community_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "work_order_id"], ["work_orders.tenant_id", "work_orders.id"]
        ),
        Index("ix_needs_tenant_id_scope_path", "tenant_id", "scope_path"),
        # What registered units and members browse: their communities' needs by status.
        Index("ix_needs_tenant_id_community_id_status", "tenant_id", "community_id", "status"),
        Index(
            "uq_needs_tenant_id_work_order_id",
            "tenant_id",
            "work_order_id",
            unique=True,
            postgresql_where=text("work_order_id IS NOT NULL"),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    category: Mapped[NeedCategory] = mapped_column(enum_column(NeedCategory, "need_category"))
    description: Mapped[str] = mapped_column(Text)
    # The place: the community itself or a compound in it; and the community.
    node_id: Mapped[int] = mapped_column(BigInteger)
    community_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    urgency: Mapped[NeedUrgency] = mapped_column(enum_column(NeedUrgency, "need_urgency"))
    source: Mapped[NeedSource] = mapped_column(enum_column(NeedSource, "need_source"))
    status: Mapped[NeedStatus] = mapped_column(enum_column(NeedStatus, "need_status"))
    # The work order it came from (source 12345).
    work_order_id: Mapped[int | None] = mapped_column(BigInteger)
    raised_by: Mapped[UUID | None]
    raised_by_name: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    satisfaction: Mapped[Satisfaction | None] = mapped_column(
        enum_column(Satisfaction, "need_satisfaction")
    )
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    rejected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class NeedChange(Base):
    """One change of a need's status (the first: raised, from none to open), who made it,
    when and why: the need's history as clients list it."""

    __tablename__ = "need_changes"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "need_id"], ["needs.tenant_id", "needs.id"]),
        Index("ix_need_changes_tenant_id_need_id", "tenant_id", "need_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    need_id: Mapped[int] = mapped_column(BigInteger)
    from_status: Mapped[NeedStatus | None] = mapped_column(enum_column(NeedStatus, "need_status"))
    to_status: Mapped[NeedStatus] = mapped_column(enum_column(NeedStatus, "need_status"))
    note: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[UUID | None]
    changed_by_name: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Resource(Base):
    """A resource a registered unit or member offers its community (资源)."""

    __tablename__ = "resources"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "community_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
        Index("ix_resources_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_resources_tenant_id_community_id_status", "tenant_id", "community_id", "status"),
        Index("ix_resources_tenant_id_unit_id", "tenant_id", "unit_id"),
        Index("ix_resources_tenant_id_member_id", "tenant_id", "member_id"),
        CheckConstraint("(unit_id IS NULL) <> (member_id IS NULL)", name="one_offerer"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[ResourceKind] = mapped_column(enum_column(ResourceKind, "resource_kind"))
    description: Mapped[str] = mapped_column(Text)
    # When it can be had, in words (每周六上午), and the dates it holds between, if any.
    availability: Mapped[str | None] = mapped_column(Text)
    available_from: Mapped[date | None] = mapped_column(Date)
    available_until: Mapped[date | None] = mapped_column(Date)
    community_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    # The offerer: a unit or a member, never both.
    unit_id: Mapped[int | None] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[ResourceStatus] = mapped_column(enum_column(ResourceStatus, "resource_status"))
    # Who entered it: the offerer's own account or community staff on its behalf.
    offered_by: Mapped[UUID | None]
    offered_by_name: Mapped[str] = mapped_column(Text)
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    withdrawn_by: Mapped[UUID | None]
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class NeedMatch(Base):
    """A need matched with a resource of its community (对接), kept when undone."""

    __tablename__ = "need_matches"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "need_id"], ["needs.tenant_id", "needs.id"]),
        ForeignKeyConstraint(["tenant_id", "resource_id"], ["resources.tenant_id", "resources.id"]),
        Index("ix_need_matches_tenant_id_need_id", "tenant_id", "need_id"),
        Index("ix_need_matches_tenant_id_resource_id", "tenant_id", "resource_id"),
        # One match in force per need.
        Index(
            "uq_need_matches_tenant_id_need_id_live",
            "tenant_id",
            "need_id",
            unique=True,
            postgresql_where=text("undone_at IS NULL"),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    need_id: Mapped[int] = mapped_column(BigInteger)
    resource_id: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    matched_by: Mapped[UUID | None]
    matched_by_name: Mapped[str] = mapped_column(Text)
    matched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    undone_by: Mapped[UUID | None]
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undo_reason: Mapped[str | None] = mapped_column(Text)
