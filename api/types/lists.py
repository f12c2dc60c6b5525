"""Needs, resources, matches and 12345 work orders as clients see them."""

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registry import MemberType, UnitType, load_unit
from infra.personal_data import mask_name
from policies import access
from services.lists.models import (
    NEED_CATEGORY_NAMES,
    NEED_SOURCE_NAMES,
    NEED_STATUS_NAMES,
    RESOURCE_KIND_NAMES,
    RESOURCE_STATUS_NAMES,
    SATISFACTION_NAMES,
    URGENCY_NAMES,
    Need,
    NeedCategory,
    NeedChange,
    NeedMatch,
    NeedSource,
    NeedStatus,
    NeedUrgency,
    Resource,
    ResourceKind,
    ResourceStatus,
    Satisfaction,
    WorkOrder,
)
from services.registry.models import Member

NeedCategoryType = strawberry.enum(
    NeedCategory,
    name="NeedCategory",
    description="需求类别：环境卫生、助老助残、矛盾调解、政策咨询、文体活动、设施维修、治安巡逻、其他",
)
NeedUrgencyType = strawberry.enum(
    NeedUrgency, name="NeedUrgency", description="紧急程度：一般、较急、紧急"
)
NeedSourceType = strawberry.enum(
    NeedSource,
    name="NeedSource",
    description="需求来源：居民调查问卷、入户走访、12345 热线工单、居民求助、其他",
)
NeedStatusType = strawberry.enum(
    NeedStatus,
    name="NeedStatus",
    description="需求状态：待对接、已对接、办理中、已解决、已办结、已驳回",
)
SatisfactionType = strawberry.enum(
    Satisfaction, name="NeedSatisfaction", description="居民满意度：满意、基本满意、不满意"
)
ResourceKindType = strawberry.enum(
    ResourceKind,
    name="ResourceKind",
    description="资源类型：场地、资金、设备、专业服务、技能、时间",
)
ResourceStatusType = strawberry.enum(
    ResourceStatus, name="ResourceStatus", description="资源状态：可对接、已撤回"
)


@strawberry.type(name="NeedChange", description="需求状态的一次变化：谁、何时、为何")
class NeedChangeType:
    from_status: NeedStatusType | None = strawberry.field(  # type: ignore[valid-type]
        description="变化前的状态（提出需求时为空）"
    )
    to_status: NeedStatusType = strawberry.field(description="变化后的状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="变化后的状态（中文）")
    note: str | None = strawberry.field(description="说明、原因或办理结果")
    changed_by: str = strawberry.field(description="经办人")
    changed_at: datetime = strawberry.field(description="时间")

    @classmethod
    def from_model(cls, row: NeedChange) -> "NeedChangeType":
        return cls(
            from_status=row.from_status,
            to_status=row.to_status,
            status_name=NEED_STATUS_NAMES[row.to_status],
            note=row.note,
            changed_by=row.changed_by_name,
            changed_at=row.changed_at,
        )


async def load_history(info: Info[Context, None], need_id: int) -> list[NeedChangeType]:
    rows = await info.context.loaders.lists.need_history.load(need_id)
    return [NeedChangeType.from_model(row) for row in rows]


@strawberry.type(name="Resource", description="资源清单中的一项：单位或党员向报到社区提供的资源")
class ResourceType(relay.Node):
    id: relay.NodeID[int]
    kind: ResourceKindType = strawberry.field(description="资源类型")  # type: ignore[valid-type]
    kind_name: str = strawberry.field(description="资源类型（中文）")
    description: str = strawberry.field(description="资源说明")
    availability: str | None = strawberry.field(description="可提供时间（文字）")
    available_from: date | None = strawberry.field(description="开始日期")
    available_until: date | None = strawberry.field(description="结束日期")
    status: ResourceStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    entered_by: str = strawberry.field(description="登记人（提供者本人或代为登记的社区工作人员）")
    offered_at: datetime = strawberry.field(description="登记时间")
    withdrawn_at: datetime | None = strawberry.field(description="撤回时间")
    withdraw_reason: str | None = strawberry.field(description="撤回原因")
    model: strawberry.Private[Resource]

    @classmethod
    def from_model(cls, row: Resource) -> "ResourceType":
        return cls(
            id=row.id,
            kind=row.kind,
            kind_name=RESOURCE_KIND_NAMES[row.kind],
            description=row.description,
            availability=row.availability,
            available_from=row.available_from,
            available_until=row.available_until,
            status=row.status,
            status_name=RESOURCE_STATUS_NAMES[row.status],
            entered_by=row.offered_by_name,
            offered_at=row.offered_at,
            withdrawn_at=row.withdrawn_at,
            withdraw_reason=row.withdraw_reason,
            model=row,
        )

    @strawberry.field(description="服务社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="提供资源的单位党组织（党员提供的为空）")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    async def _member(self, info: Info[Context, None]) -> tuple[Member | None, bool]:
        """The offering member, and whether the caller may see their register entry."""
        if self.model.member_id is None:
            return None, False
        member = await info.context.loaders.member.load(self.model.member_id)
        if member is None:
            return None, False
        principal = await info.context.principal()
        visible = principal.member_id == member.id or access.may(
            principal, member.scope_path, "member", "read"
        )
        return member, visible

    @strawberry.field(
        description="提供资源的党员（仅当是您本人或您有权在名册中查看该党员时，否则为空）"
    )
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        member, visible = await self._member(info)
        return MemberType.from_model(member) if member is not None and visible else None

    @strawberry.field(description="提供者名称：单位名称，或党员姓名（无权查看时打码，如 张*）")
    async def offerer_name(self, info: Info[Context, None]) -> str:
        if self.model.unit_id is not None:
            unit = await info.context.loaders.unit.load(self.model.unit_id)
            return "" if unit is None else unit.name
        member, visible = await self._member(info)
        if member is None:
            return ""
        return member.name if visible else mask_name(member.name)


@strawberry.type(name="NeedMatch", description="需求与资源的一次对接；撤销后仍保留")
class NeedMatchType:
    note: str | None = strawberry.field(description="对接说明")
    matched_by: str = strawberry.field(description="对接人")
    matched_at: datetime = strawberry.field(description="对接时间")
    undone_at: datetime | None = strawberry.field(description="撤销时间（仍有效时为空）")
    undo_reason: str | None = strawberry.field(description="撤销原因")
    in_force: bool = strawberry.field(description="是否仍有效")
    resource_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: NeedMatch) -> "NeedMatchType":
        return cls(
            note=row.note,
            matched_by=row.matched_by_name,
            matched_at=row.matched_at,
            undone_at=row.undone_at,
            undo_reason=row.undo_reason,
            in_force=row.undone_at is None,
            resource_id=row.resource_id,
        )

    @strawberry.field(description="对接的资源")
    async def resource(self, info: Info[Context, None]) -> ResourceType | None:
        found = await info.context.loaders.lists.resource.load(self.resource_id)
        return None if found is None else ResourceType.from_model(found)


@strawberry.type(name="Need", description="需求清单中的一项：社区或小区的需求及其办理")
class NeedType(relay.Node):
    id: relay.NodeID[int]
    category: NeedCategoryType = strawberry.field(description="需求类别")  # type: ignore[valid-type]
    category_name: str = strawberry.field(description="需求类别（中文）")
    description: str = strawberry.field(description="需求描述")
    urgency: NeedUrgencyType = strawberry.field(description="紧急程度")  # type: ignore[valid-type]
    urgency_name: str = strawberry.field(description="紧急程度（中文）")
    source: NeedSourceType = strawberry.field(description="需求来源")  # type: ignore[valid-type]
    source_name: str = strawberry.field(description="需求来源（中文）")
    status: NeedStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    raised_by: str = strawberry.field(description="提出人（或提交工单的合作系统）")
    raised_at: datetime = strawberry.field(description="提出时间")
    resolution_note: str | None = strawberry.field(description="办理结果")
    resolved_at: datetime | None = strawberry.field(description="解决时间")
    satisfaction: SatisfactionType | None = strawberry.field(  # type: ignore[valid-type]
        description="居民满意度（办结时记录）"
    )
    satisfaction_name: str | None = strawberry.field(description="居民满意度（中文）")
    closed_at: datetime | None = strawberry.field(description="办结时间")
    reject_reason: str | None = strawberry.field(description="驳回原因")
    rejected_at: datetime | None = strawberry.field(description="驳回时间")
    updated_at: datetime = strawberry.field(description="最近变化时间")
    model: strawberry.Private[Need]

    @classmethod
    def from_model(cls, row: Need) -> "NeedType":
        return cls(
            id=row.id,
            category=row.category,
            category_name=NEED_CATEGORY_NAMES[row.category],
            description=row.description,
            urgency=row.urgency,
            urgency_name=URGENCY_NAMES[row.urgency],
            source=row.source,
            source_name=NEED_SOURCE_NAMES[row.source],
            status=row.status,
            status_name=NEED_STATUS_NAMES[row.status],
            raised_by=row.raised_by_name,
            raised_at=row.raised_at,
            resolution_note=row.resolution_note,
            resolved_at=row.resolved_at,
            satisfaction=row.satisfaction,
            satisfaction_name=None
            if row.satisfaction is None
            else SATISFACTION_NAMES[row.satisfaction],
            closed_at=row.closed_at,
            reject_reason=row.reject_reason,
            rejected_at=row.rejected_at,
            updated_at=row.updated_at,
            model=row,
        )

    @strawberry.field(description="需求地点：社区或其下的小区")
    async def place(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="所属社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="仍有效的对接（未对接或已撤销为空）")
    async def match(self, info: Info[Context, None]) -> NeedMatchType | None:
        rows = await info.context.loaders.lists.need_matches.load(self.model.id)
        live = [row for row in rows if row.undone_at is None]
        return NeedMatchType.from_model(live[0]) if live else None

    @strawberry.field(description="全部对接记录（含已撤销的），按时间先后")
    async def matches(self, info: Info[Context, None]) -> list[NeedMatchType]:
        rows = await info.context.loaders.lists.need_matches.load(self.model.id)
        return [NeedMatchType.from_model(row) for row in rows]

    @strawberry.field(description="状态变化记录，从提出开始")
    async def history(self, info: Info[Context, None]) -> list[NeedChangeType]:
        return await load_history(info, self.model.id)

    @strawberry.field(description="来源的 12345 工单（仅对有权查看工单的人显示）")
    async def work_order(self, info: Info[Context, None]) -> "WorkOrderType | None":
        if self.model.work_order_id is None:
            return None
        principal = await info.context.principal()
        if not access.may(principal, self.model.scope_path, "work_order", "read"):
            return None
        found = await info.context.loaders.lists.work_order.load(self.model.work_order_id)
        return None if found is None else WorkOrderType.from_models(found, self.model)


@strawberry.type(name="WorkOrder", description="12345 热线工单及其办理进度（所转需求的状态）")
class WorkOrderType(relay.Node):
    id: relay.NodeID[int]
    external_id: str = strawberry.field(description="热线系统的工单编号")
    category: str = strawberry.field(description="热线系统的工单类别")
    text: str = strawberry.field(description="工单内容")
    address: str | None = strawberry.field(description="地址")
    deadline: datetime = strawberry.field(description="办理时限")
    received_at: datetime = strawberry.field(description="接收时间")
    status: NeedStatusType = strawberry.field(description="办理状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="办理状态（中文）")
    resolution_note: str | None = strawberry.field(description="办理结果")
    satisfaction: SatisfactionType | None = strawberry.field(  # type: ignore[valid-type]
        description="居民满意度"
    )
    reject_reason: str | None = strawberry.field(description="驳回原因")
    updated_at: datetime = strawberry.field(description="最近变化时间")
    model: strawberry.Private[WorkOrder]
    need_model: strawberry.Private[Need]

    @classmethod
    def from_models(cls, row: WorkOrder, need: Need) -> "WorkOrderType":
        return cls(
            id=row.id,
            external_id=row.external_id,
            category=row.category,
            text=row.content,
            address=row.address,
            deadline=row.deadline,
            received_at=row.received_at,
            status=need.status,
            status_name=NEED_STATUS_NAMES[need.status],
            resolution_note=need.resolution_note,
            satisfaction=need.satisfaction,
            reject_reason=need.reject_reason,
            updated_at=need.updated_at,
            model=row,
            need_model=need,
        )

    @strawberry.field(description="所属社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="办理进度：所转需求的状态变化记录")
    async def history(self, info: Info[Context, None]) -> list[NeedChangeType]:
        return await load_history(info, self.need_model.id)

    @strawberry.field(description="所转的需求（仅对有权查看需求的人显示）")
    async def need(self, info: Info[Context, None]) -> NeedType | None:
        principal = await info.context.principal()
        if not access.may(principal, self.need_model.scope_path, "need", "read"):
            return None
        return NeedType.from_model(self.need_model)
