"""Projects and posts, their claims, and tasks as clients see them.

A member who claimed is shown by name (masked unless the caller may read the member in the
register); their register entry only to a caller who may read it.
"""

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registry import MemberType, UnitType, load_unit
from infra.clock import today
from infra.personal_data import mask_name
from services.projects.claim_steps import may_see_member
from services.projects.claims import ClaimAs
from services.projects.models import (
    CLAIM_ORIGIN_NAMES,
    CLAIM_STATUS_NAMES,
    PROJECT_STATUS_NAMES,
    TASK_STATUS_NAMES,
    ClaimantKind,
    ClaimOrigin,
    ClaimStatus,
    Project,
    ProjectClaim,
    ProjectClaimMode,
    ProjectStatus,
    Task,
    TaskProgress,
    TaskStatus,
)
from services.projects.tasks import is_overdue

ProjectStatusType = strawberry.enum(
    ProjectStatus,
    name="ProjectStatus",
    description="项目状态：草稿、认领中、已结项、已取消",
)
ProjectClaimantKindType = strawberry.enum(
    ClaimantKind,
    name="ProjectClaimantKind",
    description="认领对象：单位党组织、在职党员、二者皆可",
)
ProjectClaimModeType = strawberry.enum(
    ProjectClaimMode,
    name="ProjectClaimMode",
    description="认领方式：自主认领、指定认领、二者皆可",
)
ProjectClaimOriginType = strawberry.enum(
    ClaimOrigin, name="ProjectClaimOrigin", description="这条认领的来由：自主认领、指定认领"
)
ProjectClaimStatusType = strawberry.enum(
    ClaimStatus,
    name="ProjectClaimStatus",
    description="认领状态：已认领、服务中、申请退出、已退出、已完成、项目已取消",
)
ProjectClaimantType = strawberry.enum(
    ClaimAs, name="ProjectClaimant", description="以谁的名义认领：本单位党组织或党员本人"
)
TaskStatusType = strawberry.enum(
    TaskStatus, name="TaskStatus", description="任务状态：已交办、办理中、已完成、已撤销"
)


@strawberry.type(name="ProjectClaim", description="单位党组织或在职党员对项目的一次认领")
class ProjectClaimType(relay.Node):
    id: relay.NodeID[int]
    origin: ProjectClaimOriginType = strawberry.field(  # type: ignore[valid-type]
        description="自主认领或指定认领"
    )
    origin_name: str = strawberry.field(description="认领来由（中文）")
    status: ProjectClaimStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    claimed_at: datetime = strawberry.field(description="认领时间")
    started_at: datetime | None = strawberry.field(description="开始服务的时间")
    withdrawal_reason: str | None = strawberry.field(description="退出原因")
    withdrawal_requested_at: datetime | None = strawberry.field(description="申请退出的时间")
    withdrawal_refusal: str | None = strawberry.field(description="社区最近一次不同意退出的理由")
    withdrawn_at: datetime | None = strawberry.field(description="退出时间")
    completed_at: datetime | None = strawberry.field(description="社区确认完成的时间")
    completion_note: str | None = strawberry.field(description="完成说明")
    cancelled_at: datetime | None = strawberry.field(description="随项目取消的时间")
    model: strawberry.Private[ProjectClaim]

    @classmethod
    def from_model(cls, row: ProjectClaim) -> "ProjectClaimType":
        return cls(
            id=row.id,
            origin=row.origin,
            origin_name=CLAIM_ORIGIN_NAMES[row.origin],
            status=row.status,
            status_name=CLAIM_STATUS_NAMES[row.status],
            claimed_at=row.claimed_at,
            started_at=row.started_at,
            withdrawal_reason=row.withdrawal_reason,
            withdrawal_requested_at=row.withdrawal_requested_at,
            withdrawal_refusal=row.withdrawal_refusal,
            withdrawn_at=row.withdrawn_at,
            completed_at=row.completed_at,
            completion_note=row.completion_note,
            cancelled_at=row.cancelled_at,
            model=row,
        )

    @strawberry.field(description="认领的项目")
    async def project(self, info: Info[Context, None]) -> "ProjectType | None":
        found = await info.context.loaders.projects.project.load(self.model.project_id)
        return None if found is None else ProjectType.from_model(found)

    @strawberry.field(description="认领的单位党组织（党员认领时为空）")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(
        description="认领的党员（单位认领时为空；仅当您有权在名册中查看该党员时给出）"
    )
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        if self.model.member_id is None:
            return None
        member = await info.context.loaders.member.load(self.model.member_id)
        if member is None or not may_see_member(await info.context.principal(), member):
            return None
        return MemberType.from_model(member)

    @strawberry.field(
        description="认领者名称：单位名称，或党员姓名（无权查看该党员时打码，如 张*）"
    )
    async def claimant_name(self, info: Info[Context, None]) -> str:
        if self.model.unit_id is not None:
            unit = await info.context.loaders.unit.load(self.model.unit_id)
            return "" if unit is None else unit.name
        assert self.model.member_id is not None
        member = await info.context.loaders.member.load(self.model.member_id)
        if member is None:
            return ""
        if may_see_member(await info.context.principal(), member):
            return member.name
        return mask_name(member.name)


@strawberry.type(name="Project", description="项目或志愿服务岗位（项目清单）")
class ProjectType(relay.Node):
    id: relay.NodeID[int]
    title: str = strawberry.field(description="项目名称")
    category: str = strawberry.field(description="岗位类别（本县规则中的类别之一）")
    description: str | None = strawberry.field(description="项目说明")
    claimant_kind: ProjectClaimantKindType = strawberry.field(  # type: ignore[valid-type]
        description="认领对象"
    )
    claim_mode: ProjectClaimModeType = strawberry.field(  # type: ignore[valid-type]
        description="认领方式"
    )
    capacity: int = strawberry.field(description="名额")
    starts_on: date = strawberry.field(description="开始日期")
    ends_on: date = strawberry.field(description="结束日期")
    status: ProjectStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    created_by: str = strawberry.field(description="发布人")
    created_at: datetime = strawberry.field(description="创建时间")
    published_at: datetime | None = strawberry.field(description="发布时间")
    closed_at: datetime | None = strawberry.field(description="结项时间")
    close_note: str | None = strawberry.field(description="结项说明")
    cancelled_at: datetime | None = strawberry.field(description="取消时间")
    cancel_reason: str | None = strawberry.field(description="取消原因")
    updated_at: datetime = strawberry.field(description="最近修改时间")
    model: strawberry.Private[Project]

    @classmethod
    def from_model(cls, row: Project) -> "ProjectType":
        return cls(
            id=row.id,
            title=row.title,
            category=row.category,
            description=row.description,
            claimant_kind=row.claimant_kind,
            claim_mode=row.claim_mode,
            capacity=row.capacity,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            status=row.status,
            status_name=PROJECT_STATUS_NAMES[row.status],
            created_by=row.created_by_name,
            created_at=row.created_at,
            published_at=row.published_at,
            closed_at=row.closed_at,
            close_note=row.close_note,
            cancelled_at=row.cancelled_at,
            cancel_reason=row.cancel_reason,
            updated_at=row.updated_at,
            model=row,
        )

    @strawberry.field(description="发布的社区，或街道（全街道的项目）")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="已认领的名额（当前数，不含已退出的）")
    async def claimed(self, info: Info[Context, None]) -> int:
        return await info.context.loaders.projects.claimed.load(self.model.id)

    @strawberry.field(description="剩余名额")
    async def remaining(self, info: Info[Context, None]) -> int:
        claimed = await info.context.loaders.projects.claimed.load(self.model.id)
        return max(self.model.capacity - claimed, 0)

    @strawberry.field(
        description="您（或您的单位）对该项目的认领：占用名额的一条，否则最近一条；未认领为空"
    )
    async def my_claim(self, info: Info[Context, None]) -> ProjectClaimType | None:
        principal = await info.context.principal()
        if principal.unit_id is None and principal.member_id is None:
            return None
        key = (self.model.id, principal.unit_id, principal.member_id)
        found = await info.context.loaders.projects.my_claim.load(key)
        return None if found is None else ProjectClaimType.from_model(found)


@strawberry.type(name="TaskProgress", description="单位报告的一次任务进展")
class TaskProgressType:
    note: str = strawberry.field(description="进展情况")
    percent: int | None = strawberry.field(description="完成进度（0–100，未填为空）")
    reported_by: str = strawberry.field(description="报告人")
    reported_at: datetime = strawberry.field(description="报告时间")

    @classmethod
    def from_model(cls, row: TaskProgress) -> "TaskProgressType":
        return cls(
            note=row.note,
            percent=row.percent,
            reported_by=row.reported_by_name,
            reported_at=row.reported_at,
        )


@strawberry.type(name="Task", description="街道或社区交办给单位党组织的任务（任务清单）")
class TaskType(relay.Node):
    id: relay.NodeID[int]
    title: str = strawberry.field(description="任务名称")
    description: str | None = strawberry.field(description="任务要求")
    due_on: date = strawberry.field(description="完成期限")
    status: TaskStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    overdue: bool = strawberry.field(description="是否逾期：已过期限仍未完成（已撤销的不算）")
    given_by: str = strawberry.field(description="交办人")
    given_at: datetime = strawberry.field(description="交办时间")
    completed_at: datetime | None = strawberry.field(description="完成时间")
    completion_report: str | None = strawberry.field(description="完成情况")
    cancelled_at: datetime | None = strawberry.field(description="撤销时间")
    cancel_reason: str | None = strawberry.field(description="撤销原因")
    updated_at: datetime = strawberry.field(description="最近修改时间")
    model: strawberry.Private[Task]

    @classmethod
    def from_model(cls, row: Task) -> "TaskType":
        return cls(
            id=row.id,
            title=row.title,
            description=row.description,
            due_on=row.due_on,
            status=row.status,
            status_name=TASK_STATUS_NAMES[row.status],
            overdue=is_overdue(row, today()),
            given_by=row.given_by_name,
            given_at=row.given_at,
            completed_at=row.completed_at,
            completion_report=row.completion_report,
            cancelled_at=row.cancelled_at,
            cancel_reason=row.cancel_reason,
            updated_at=row.updated_at,
            model=row,
        )

    @strawberry.field(description="承办单位")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(description="交办的乡镇（街道）或社区")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="承办单位报到的社区（交办时）")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="进展报告，按时间先后")
    async def progress(self, info: Info[Context, None]) -> list[TaskProgressType]:
        rows = await info.context.loaders.projects.progress.load(self.model.id)
        return [TaskProgressType.from_model(row) for row in rows]

    @strawberry.field(description="最近一次报告的完成进度（未报告为空）")
    async def percent(self, info: Info[Context, None]) -> int | None:
        rows = await info.context.loaders.projects.progress.load(self.model.id)
        reported = [row.percent for row in rows if row.percent is not None]
        return reported[-1] if reported else None
