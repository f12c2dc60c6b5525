"""吹哨报到 as clients see it: the call, its live counts, who was asked and their answers."""

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registry import MemberType, UnitType, load_unit
from services.whistles import service
from services.whistles.models import (
    ANSWER_NAMES,
    WHISTLE_KIND_NAMES,
    WHISTLE_STATUS_NAMES,
    Answer,
    RecipientKind,
    WhistleCall,
    WhistleKind,
    WhistleRecipient,
    WhistleStatus,
)
from services.whistles.repository import Counts

WhistleKindType = strawberry.enum(
    WhistleKind, name="WhistleKind", description="吹哨类型：紧急、常规"
)
WhistleCallStatusType = strawberry.enum(
    WhistleStatus,
    name="WhistleCallStatus",
    description="吹哨状态：召集中、已上报上级（响应不足，已向上一级吹哨）、已结束、已取消",
)
WhistleAnswerType = strawberry.enum(
    Answer, name="WhistleAnswer", description="回应：未回应、已接受、已婉拒"
)
WhistleRecipientKindType = strawberry.enum(
    RecipientKind, name="WhistleRecipientKind", description="被召集的一方：单位或党员本人"
)
NEED = "Need"


@strawberry.type(name="WhistleCounts", description="召集与回应情况（实时）")
class WhistleCountsType:
    members_asked: int = strawberry.field(description="召集的党员数")
    units_asked: int = strawberry.field(description="召集的单位数")
    accepted_members: int = strawberry.field(description="接受的党员数")
    accepted_units: int = strawberry.field(description="接受的单位数")
    declined: int = strawberry.field(description="婉拒的（党员与单位）")
    pending: int = strawberry.field(description="尚未回应的（党员与单位）")

    @classmethod
    def of(cls, counts: Counts) -> "WhistleCountsType":
        return cls(
            members_asked=counts.members_asked,
            units_asked=counts.units_asked,
            accepted_members=counts.accepted_members,
            accepted_units=counts.accepted_units,
            declined=counts.declined,
            pending=counts.pending,
        )


@strawberry.type(name="WhistleRecipient", description="被召集的单位或党员，及其回应")
class WhistleRecipientType(relay.Node):
    id: relay.NodeID[int]
    kind: WhistleRecipientKindType = strawberry.field(  # type: ignore[valid-type]
        description="被召集的一方"
    )
    answer: WhistleAnswerType = strawberry.field(description="回应")  # type: ignore[valid-type]
    answer_name: str = strawberry.field(description="回应（中文）")
    note: str | None = strawberry.field(description="回应说明")
    responded_at: datetime | None = strawberry.field(description="回应时间（最近一次）")
    model: strawberry.Private[WhistleRecipient]

    @classmethod
    def from_model(cls, row: WhistleRecipient) -> "WhistleRecipientType":
        return cls(
            id=row.id,
            kind=row.kind,
            answer=row.status,
            answer_name=ANSWER_NAMES[row.status],
            note=row.note,
            responded_at=row.responded_at,
            model=row,
        )

    @strawberry.field(description="被召集的单位党组织（召集党员时为空）")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(description="被召集的党员（仅本人及有权在名册中查看者可见，否则为空）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        if self.model.member_id is None:
            return None
        member = await info.context.loaders.member.load(self.model.member_id)
        if member is None or not service.may_see_member(await info.context.principal(), member):
            return None
        return MemberType.from_model(member)

    @strawberry.field(description="所回应的吹哨召集")
    async def call(self, info: Info[Context, None]) -> "WhistleCallType":
        call = await info.context.loaders.whistles.call.load(self.model.whistle_call_id)
        assert call is not None
        return WhistleCallType.from_model(call)


@strawberry.type(
    name="WhistleCall", description="吹哨报到：街道、社区向辖区已报到的单位和党员发出召集"
)
class WhistleCallType(relay.Node):
    id: relay.NodeID[int]
    kind: WhistleKindType = strawberry.field(description="类型")  # type: ignore[valid-type]
    kind_name: str = strawberry.field(description="类型（中文）")
    title: str = strawberry.field(description="吹哨事项")
    details: str | None = strawberry.field(description="具体要求")
    members_wanted: int = strawberry.field(description="所需党员人数")
    units_wanted: int = strawberry.field(description="所需单位数")
    skills: list[str] = strawberry.field(description="所需技能（召集具备其中任一技能的党员）")
    place: str = strawberry.field(description="地点")
    starts_at: datetime = strawberry.field(description="开始时间")
    ends_at: datetime = strawberry.field(description="结束时间")
    respond_by: datetime = strawberry.field(description="响应截止时间")
    need_id: relay.GlobalID | None = strawberry.field(description="对应的需求清单条目")
    status: WhistleCallStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    blown_at: datetime = strawberry.field(description="吹哨时间")
    escalated_at: datetime | None = strawberry.field(description="上报上一级的时间")
    closed_at: datetime | None = strawberry.field(description="结束时间（办结）")
    outcome: str | None = strawberry.field(description="处置结果")
    cancelled_at: datetime | None = strawberry.field(description="取消时间")
    cancel_reason: str | None = strawberry.field(description="取消原因")
    model: strawberry.Private[WhistleCall]

    @classmethod
    def from_model(cls, call: WhistleCall) -> "WhistleCallType":
        return cls(
            id=call.id,
            kind=call.kind,
            kind_name=WHISTLE_KIND_NAMES[call.kind],
            title=call.title,
            details=call.details,
            members_wanted=call.members_wanted,
            units_wanted=call.units_wanted,
            skills=list(call.skills),
            place=call.place,
            starts_at=call.starts_at,
            ends_at=call.ends_at,
            respond_by=call.respond_by,
            need_id=None if call.need_id is None else relay.GlobalID(NEED, str(call.need_id)),
            status=call.status,
            status_name=WHISTLE_STATUS_NAMES[call.status],
            blown_at=call.blown_at,
            escalated_at=call.escalated_at,
            closed_at=call.closed_at,
            outcome=call.outcome,
            cancelled_at=call.cancelled_at,
            cancel_reason=call.cancel_reason,
            model=call,
        )

    @strawberry.field(description="召集范围（该节点及其下级）")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="召集与回应情况（实时统计）")
    async def counts(self, info: Info[Context, None]) -> WhistleCountsType:
        return WhistleCountsType.of(await info.context.loaders.whistles.counts.load(self.model.id))

    @strawberry.field(description="您（本人或您的单位）收到的召集及回应；未被召集时为空")
    async def my_answers(self, info: Info[Context, None]) -> list[WhistleRecipientType]:
        principal = await info.context.principal()
        key = (self.model.id, principal.member_id, principal.unit_id)
        rows = await info.context.loaders.whistles.answers.load(key)
        return [WhistleRecipientType.from_model(row) for row in rows]

    @strawberry.field(description="被召集的单位和党员及其回应（仅召集范围内的工作人员可查看）")
    async def recipients(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        answer: WhistleAnswerType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[WhistleRecipientType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        result = await service.recipients(
            session,
            principal,
            self.model,
            page(first, after),
            None if answer is None else Answer(answer),
        )
        return connection(result, WhistleRecipientType.from_model, lambda r: (r.id,))

    @strawberry.field(description="由哪次响应不足的下级召集上报而来")
    async def escalated_from(self, info: Info[Context, None]) -> "WhistleCallType | None":
        if self.model.escalated_from_id is None:
            return None
        return await _visible(
            info, await info.context.loaders.whistles.call.load(self.model.escalated_from_id)
        )

    @strawberry.field(description="响应不足时向上一级发出的召集（您有权查看时）")
    async def escalated_to(self, info: Info[Context, None]) -> "WhistleCallType | None":
        return await _visible(
            info, await info.context.loaders.whistles.escalation.load(self.model.id)
        )


async def _visible(info: Info[Context, None], call: WhistleCall | None) -> WhistleCallType | None:
    """A linked call, for staff who may read it where it was blown."""
    if call is None or not service.may_read(await info.context.principal(), call):
        return None
    return WhistleCallType.from_model(call)
