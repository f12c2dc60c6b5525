"""Queries and mutations of the lists: needs (需求清单), resources (资源清单), their
matching, and 12345 work orders. Each mutation is one transaction, answered with the
saved record or a typed error (and then nothing is saved)."""

from datetime import date, datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.registry import MEMBER, UNIT, subtree
from api.results import MutationError, run_step
from api.types.lists import (
    NeedCategoryType,
    NeedSourceType,
    NeedStatusType,
    NeedType,
    NeedUrgencyType,
    ResourceKindType,
    ResourceStatusType,
    ResourceType,
    SatisfactionType,
    WorkOrderType,
)
from policies.principal import Principal
from services.lists import matching, needs, resources, work_orders
from services.lists.models import (
    Need,
    NeedCategory,
    NeedSource,
    NeedStatus,
    NeedUrgency,
    Resource,
    ResourceKind,
    ResourceStatus,
    Satisfaction,
)
from services.lists.needs import NeedDraft
from services.lists.repository import NeedFilter, ResourceFilter
from services.lists.resources import ResourceDraft
from services.lists.work_orders import WorkOrderDraft

NEED = "Need"
RESOURCE = "Resource"


def _optional_id(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    return None if value is None else int_id(value, type_name, field)


@strawberry.input(description="提出一项需求")
class NeedInput:
    place_id: relay.GlobalID = strawberry.field(description="需求地点：社区或其下的小区")
    category: NeedCategoryType = strawberry.field(description="需求类别")  # type: ignore[valid-type]
    description: str = strawberry.field(description="需求描述")
    source: NeedSourceType = strawberry.field(description="需求来源")  # type: ignore[valid-type]
    urgency: NeedUrgencyType = strawberry.field(  # type: ignore[valid-type]
        default=NeedUrgency.NORMAL, description="紧急程度，默认一般"
    )

    def draft(self) -> NeedDraft:
        return NeedDraft(
            place_id=int_id(self.place_id, NODE, "placeId"),
            category=NeedCategory(self.category),
            description=self.description,
            source=NeedSource(self.source),
            urgency=NeedUrgency(self.urgency),
        )


@strawberry.input(description="提供一项资源；未给出单位和党员时，为您本人所在单位（或您本人）提供")
class ResourceInput:
    kind: ResourceKindType = strawberry.field(description="资源类型")  # type: ignore[valid-type]
    description: str = strawberry.field(description="资源说明")
    availability: str | None = strawberry.field(
        default=None, description="可提供时间（文字，如 每周六上午）"
    )
    available_from: date | None = strawberry.field(default=None, description="开始日期")
    available_until: date | None = strawberry.field(default=None, description="结束日期")
    community_id: relay.GlobalID | None = strawberry.field(
        default=None, description="服务社区：须是提供者已报到的社区；只在一个社区报到时可不填"
    )
    unit_id: relay.GlobalID | None = strawberry.field(default=None, description="提供单位")
    member_id: relay.GlobalID | None = strawberry.field(default=None, description="提供党员")

    def draft(self) -> ResourceDraft:
        return ResourceDraft(
            kind=ResourceKind(self.kind),
            description=self.description,
            availability=self.availability,
            available_from=self.available_from,
            available_until=self.available_until,
            community_id=_optional_id(self.community_id, NODE, "communityId"),
            unit_id=_optional_id(self.unit_id, UNIT, "unitId"),
            member_id=_optional_id(self.member_id, MEMBER, "memberId"),
        )


@strawberry.input(
    description="12345 热线工单：所属社区用 communityId 或 communityCode（区划代码）给出其一；"
    "接口密钥设在社区时可不填"
)
class WorkOrderInput:
    external_id: str | None = strawberry.field(default=None, description="热线系统的工单编号")
    category: str | None = strawberry.field(default=None, description="热线系统的工单类别")
    text: str | None = strawberry.field(default=None, description="工单内容")
    address: str | None = strawberry.field(default=None, description="地址")
    community_id: relay.GlobalID | None = strawberry.field(default=None, description="所属社区")
    community_code: str | None = strawberry.field(
        default=None, description="所属社区的区划代码或本地编码"
    )
    deadline: datetime | None = strawberry.field(
        default=None, description="办理时限（未带时区的按北京时间）"
    )
    urgency: NeedUrgencyType = strawberry.field(  # type: ignore[valid-type]
        default=NeedUrgency.NORMAL, description="紧急程度，默认一般"
    )

    def draft(self) -> WorkOrderDraft:
        return WorkOrderDraft(
            external_id=self.external_id,
            category=self.category,
            text=self.text,
            deadline=self.deadline,
            address=self.address,
            community_id=_optional_id(self.community_id, NODE, "communityId"),
            community_code=self.community_code,
            urgency=NeedUrgency(self.urgency),
        )


@strawberry.type(description="需求已保存")
class NeedSuccess:
    need: NeedType


@strawberry.type(description="资源已保存")
class ResourceSuccess:
    resource: ResourceType


@strawberry.type(description="工单已接收（重复提交时为首次接收的同一工单）")
class WorkOrderSuccess:
    work_order: WorkOrderType
    already_received: bool = strawberry.field(
        description="该工单编号此前已接收过：本次未新建任何记录"
    )


NeedResult = Annotated[NeedSuccess | MutationError, strawberry.union("NeedResult")]
ResourceResult = Annotated[ResourceSuccess | MutationError, strawberry.union("ResourceResult")]
WorkOrderResult = Annotated[WorkOrderSuccess | MutationError, strawberry.union("WorkOrderResult")]


def _need(row: Need) -> NeedSuccess:
    return NeedSuccess(need=NeedType.from_model(row))


def _resource(row: Resource) -> ResourceSuccess:
    return ResourceSuccess(resource=ResourceType.from_model(row))


@strawberry.type
class ListsQuery:
    @strawberry.field(
        description="需求清单，新的在前：工作人员看其范围内的；已报到的单位和党员看报到社区"
        "待对接、已对接的需求"
    )
    async def needs(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        status: NeedStatusType | None = None,  # type: ignore[valid-type]
        category: NeedCategoryType | None = None,  # type: ignore[valid-type]
        urgency: NeedUrgencyType | None = None,  # type: ignore[valid-type]
        source: NeedSourceType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[NeedType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = NeedFilter(
            within=await subtree(info, within),
            status=None if status is None else NeedStatus(status),
            category=None if category is None else NeedCategory(category),
            urgency=None if urgency is None else NeedUrgency(urgency),
            source=None if source is None else NeedSource(source),
        )
        result = await needs.list_needs(session, principal, page(first, after), where)
        return connection(result, NeedType.from_model, lambda n: (n.id,))

    @strawberry.field(description="一项需求")
    async def need(self, info: Info[Context, None], id: relay.GlobalID) -> NeedType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        return NeedType.from_model(await needs.read_need(session, principal, int_id(id, NEED)))

    @strawberry.field(
        description="资源清单，新的在前：工作人员看其范围内的；已报到的单位和党员看报到社区"
        "可对接的资源，以及自己提供的全部资源"
    )
    async def resources(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        kind: ResourceKindType | None = None,  # type: ignore[valid-type]
        status: ResourceStatusType | None = None,  # type: ignore[valid-type]
        unit_id: relay.GlobalID | None = None,
        member_id: relay.GlobalID | None = None,
    ) -> relay.Connection[ResourceType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = ResourceFilter(
            within=await subtree(info, within),
            kind=None if kind is None else ResourceKind(kind),
            status=None if status is None else ResourceStatus(status),
            unit_id=_optional_id(unit_id, UNIT, "unitId"),
            member_id=_optional_id(member_id, MEMBER, "memberId"),
        )
        result = await resources.list_resources(session, principal, page(first, after), where)
        return connection(result, ResourceType.from_model, lambda r: (r.id,))

    @strawberry.field(description="一项资源")
    async def resource(self, info: Info[Context, None], id: relay.GlobalID) -> ResourceType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        found = await resources.read_resource(session, principal, int_id(id, RESOURCE))
        return ResourceType.from_model(found)

    @strawberry.field(description="按热线系统的工单编号查看 12345 工单及其办理进度")
    async def work_order(self, info: Info[Context, None], external_id: str) -> WorkOrderType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        found, need = await work_orders.read_work_order(session, principal, external_id)
        return WorkOrderType.from_models(found, need)


@strawberry.type
class ListsMutation:
    @strawberry.mutation(description="提出需求（社区工作人员；小区负责人可为本小区提出）")
    async def raise_need(self, info: Info[Context, None], input: NeedInput) -> NeedResult:
        async def step(session: AsyncSession, principal: Principal) -> NeedSuccess:
            return _need(await needs.raise_need(session, principal, input.draft()))

        return await run_step(info, step)

    @strawberry.mutation(description="将待对接的需求与本社区可对接的资源对接")
    async def match_need(
        self,
        info: Info[Context, None],
        need_id: relay.GlobalID,
        resource_id: relay.GlobalID,
        note: str | None = None,
    ) -> NeedResult:
        async def step(session: AsyncSession, principal: Principal) -> NeedSuccess:
            row = await matching.match_need(
                session,
                principal,
                need_id=int_id(need_id, NEED, "needId"),
                resource_id=int_id(resource_id, RESOURCE, "resourceId"),
                note=note,
            )
            return _need(row)

        return await run_step(info, step)

    @strawberry.mutation(description="撤销对接（开始办理前；须写明原因），需求恢复为待对接")
    async def unmatch_need(
        self, info: Info[Context, None], need_id: relay.GlobalID, reason: str
    ) -> NeedResult:
        async def step(session: AsyncSession, principal: Principal) -> NeedSuccess:
            row = await matching.unmatch_need(
                session, principal, need_id=int_id(need_id, NEED, "needId"), reason=reason
            )
            return _need(row)

        return await run_step(info, step)

    @strawberry.mutation(description="已对接的需求开始办理")
    async def start_need(
        self, info: Info[Context, None], id: relay.GlobalID, note: str | None = None
    ) -> NeedResult:
        async def step(session: AsyncSession, principal: Principal) -> NeedSuccess:
            return _need(await needs.start_need(session, principal, int_id(id, NEED), note=note))

        return await run_step(info, step)

    @strawberry.mutation(description="办理中的需求已解决（须写明办理结果）")
    async def resolve_need(
        self, info: Info[Context, None], id: relay.GlobalID, resolution_note: str
    ) -> NeedResult:
        async def step(session: AsyncSession, principal: Principal) -> NeedSuccess:
            row = await needs.resolve_need(
                session, principal, int_id(id, NEED), resolution_note=resolution_note
            )
            return _need(row)

        return await run_step(info, step)

    @strawberry.mutation(description="回访后办结已解决的需求，记录居民满意度")
    async def close_need(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        satisfaction: SatisfactionType | None = None,  # type: ignore[valid-type]
        note: str | None = None,
    ) -> NeedResult:
        async def step(session: AsyncSession, principal: Principal) -> NeedSuccess:
            row = await needs.close_need(
                session,
                principal,
                int_id(id, NEED),
                satisfaction=None if satisfaction is None else Satisfaction(satisfaction),
                note=note,
            )
            return _need(row)

        return await run_step(info, step)

    @strawberry.mutation(description="驳回待对接或已对接的需求（须写明原因；对接随之撤销）")
    async def reject_need(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> NeedResult:
        async def step(session: AsyncSession, principal: Principal) -> NeedSuccess:
            row = await needs.reject_need(session, principal, int_id(id, NEED), reason=reason)
            return _need(row)

        return await run_step(info, step)

    @strawberry.mutation(
        description="提供资源：单位或党员向已报到的社区提供，或由社区工作人员代为登记"
    )
    async def offer_resource(
        self, info: Info[Context, None], input: ResourceInput
    ) -> ResourceResult:
        async def step(session: AsyncSession, principal: Principal) -> ResourceSuccess:
            return _resource(await resources.offer_resource(session, principal, input.draft()))

        return await run_step(info, step)

    @strawberry.mutation(description="撤回资源（提供者本人或社区工作人员）")
    async def withdraw_resource(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str | None = None
    ) -> ResourceResult:
        async def step(session: AsyncSession, principal: Principal) -> ResourceSuccess:
            row = await resources.withdraw_resource(
                session, principal, int_id(id, RESOURCE), reason=reason
            )
            return _resource(row)

        return await run_step(info, step)

    @strawberry.mutation(
        description="合作系统提交 12345 热线工单，转为社区需求；同一工单编号重复提交时返回"
        "首次接收的工单，不重复建立"
    )
    async def submit_work_order(
        self, info: Info[Context, None], input: WorkOrderInput
    ) -> WorkOrderResult:
        async def step(session: AsyncSession, principal: Principal) -> WorkOrderSuccess:
            received = await work_orders.submit_work_order(session, principal, input.draft())
            return WorkOrderSuccess(
                work_order=WorkOrderType.from_models(received.work_order, received.need),
                already_received=not received.new,
            )

        return await run_step(info, step)
