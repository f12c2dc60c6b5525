"""Projects and posts (项目清单, 岗位) a community or street publishes, the claims units
and members make on them (自主认领 / 指定认领), and the tasks (任务清单) staff give to units.

A claim or a task is never deleted: withdrawing, cancelling or finishing sets its status
and when, so the record of who did what stays.
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
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from policies.paths import scope_path_column


class ProjectStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    CANCELLED = "cancelled"


PROJECT_STATUS_NAMES = {
    ProjectStatus.DRAFT: "草稿",
    ProjectStatus.PUBLISHED: "认领中",
    ProjectStatus.CLOSED: "已结项",
    ProjectStatus.CANCELLED: "已取消",
}


class ClaimantKind(enum.StrEnum):
    """Who may take up a project: units, members, or both."""

    UNITS = "units"
    MEMBERS = "members"
    BOTH = "both"


CLAIMANT_KIND_NAMES = {
    ClaimantKind.UNITS: "单位党组织",
    ClaimantKind.MEMBERS: "在职党员",
    ClaimantKind.BOTH: "单位党组织和在职党员",
}


class ProjectClaimMode(enum.StrEnum):
    """How places are taken: by the claimants themselves, by staff assigning them, or both."""

    SELF = "self"
    ASSIGNED = "assigned"
    BOTH = "both"


PROJECT_CLAIM_MODE_NAMES = {
    ProjectClaimMode.SELF: "自主认领",
    ProjectClaimMode.ASSIGNED: "指定认领",
    ProjectClaimMode.BOTH: "自主认领或指定认领",
}


class ClaimOrigin(enum.StrEnum):
    """How one claim was made."""

    SELF = "self"
    ASSIGNED = "assigned"


CLAIM_ORIGIN_NAMES = {ClaimOrigin.SELF: "自主认领", ClaimOrigin.ASSIGNED: "指定认领"}


class ClaimStatus(enum.StrEnum):
    CLAIMED = "claimed"
    STARTED = "started"
    WITHDRAW_REQUESTED = "withdraw_requested"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"
    # The project was cancelled while the claim was open.
    CANCELLED = "cancelled"


CLAIM_STATUS_NAMES = {
    ClaimStatus.CLAIMED: "已认领",
    ClaimStatus.STARTED: "服务中",
    ClaimStatus.WITHDRAW_REQUESTED: "申请退出",
    ClaimStatus.WITHDRAWN: "已退出",
    ClaimStatus.COMPLETED: "已完成",
    ClaimStatus.CANCELLED: "项目已取消",
}
# A claim holding a place: one per claimant and project, counted against the capacity.
ACTIVE_CLAIM_STATUSES = (
    ClaimStatus.CLAIMED,
    ClaimStatus.STARTED,
    ClaimStatus.WITHDRAW_REQUESTED,
    ClaimStatus.COMPLETED,
)
_ACTIVE_CLAIM = "status IN ('claimed', 'started', 'withdraw_requested', 'completed')"


class TaskStatus(enum.StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


TASK_STATUS_NAMES = {
    TaskStatus.ASSIGNED: "已交办",
    TaskStatus.IN_PROGRESS: "办理中",
    TaskStatus.COMPLETED: "已完成",
    TaskStatus.CANCELLED: "已撤销",
}
OPEN_TASK_STATUSES = (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS)


class Project(Base):
    """A project or volunteer post published at a community, or street-wide at a township."""

    __tablename__ = "projects"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        Index("ix_projects_tenant_id_scope_path", "tenant_id", "scope_path"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("starts_on <= ends_on", name="period_in_order"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # The community (or township, for a street-wide project) that publishes it.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    title: Mapped[str] = mapped_column(Text)
    # One of the county's post categories (岗位类别) in force when it was written.
    category: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    claimant_kind: Mapped[ClaimantKind] = mapped_column(
        enum_column(ClaimantKind, "project_claimant_kind")
    )
    capacity: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    claim_mode: Mapped[ProjectClaimMode] = mapped_column(
        enum_column(ProjectClaimMode, "project_claim_mode")
    )
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus, "project_status"))
    created_by: Mapped[UUID | None]
    created_by_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_note: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ProjectClaim(Base):
    """A unit's or a member's place on a project, taken by itself or assigned by staff."""

    __tablename__ = "project_claims"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "project_id"], ["projects.tenant_id", "projects.id"]),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
        Index("ix_project_claims_tenant_id_project_id", "tenant_id", "project_id"),
        Index("ix_project_claims_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_project_claims_tenant_id_unit_id", "tenant_id", "unit_id"),
        Index("ix_project_claims_tenant_id_member_id", "tenant_id", "member_id"),
        # One place per claimant and project, whatever a race between two requests does.
        Index(
            "uq_project_claims_active_unit",
            "tenant_id",
            "project_id",
            "unit_id",
            unique=True,
            postgresql_where=text(f"unit_id IS NOT NULL AND {_ACTIVE_CLAIM}"),
        ),
        Index(
            "uq_project_claims_active_member",
            "tenant_id",
            "project_id",
            "member_id",
            unique=True,
            postgresql_where=text(f"member_id IS NOT NULL AND {_ACTIVE_CLAIM}"),
        ),
        CheckConstraint("(unit_id IS NULL) <> (member_id IS NULL)", name="one_claimant"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(BigInteger)
    # The project's path: staff read and decide claims where they may manage the project.
    scope_path: Mapped[str] = scope_path_column()
    # The claimant: a unit or a member, never both.
    unit_id: Mapped[int | None] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    origin: Mapped[ClaimOrigin] = mapped_column(enum_column(ClaimOrigin, "project_claim_origin"))
    status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus, "project_claim_status"))
    claimed_by: Mapped[UUID | None]
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    withdrawal_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why the community kept the claimant on, the last time it refused a withdrawal.
    withdrawal_refusal: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completion_note: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Task(Base):
    """A task (任务) a street or community gives to a unit registered within its area."""

    __tablename__ = "tasks"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "community_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        Index("ix_tasks_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_tasks_tenant_id_unit_id", "tenant_id", "unit_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # Where it was given (the township or community), and its path.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    unit_id: Mapped[int] = mapped_column(BigInteger)
    # The community the unit was registered with when the task was given.
    community_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus, "task_status"))
    given_by: Mapped[UUID | None]
    given_by_name: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completion_report: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class TaskProgress(Base):
    """One progress update the unit gave on a task: what was done, and how far along."""

    __tablename__ = "task_progress"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "task_id"], ["tasks.tenant_id", "tasks.id"]),
        Index("ix_task_progress_tenant_id_task_id", "tenant_id", "task_id"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_in_range"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    task_id: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text)
    percent: Mapped[int | None] = mapped_column(Integer)
    reported_by: Mapped[UUID | None]
    reported_by_name: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
