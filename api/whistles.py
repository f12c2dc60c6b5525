"""Queries and mutations of 吹哨报到: blowing, answering, closing and cancelling calls."""

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.registry import subtree
from api.results import MutationError, run_step
from api.types.whistles import (
    WhistleAnswerType,
    WhistleCallStatusType,
    WhistleCallType,
    WhistleKindType,
    WhistleRecipientKindType,
    WhistleRecipientType,
)
from policies.principal import Principal
from services.whistles import responses, service
from services.whistles.inputs import WhistleDraft
from services.whistles.models import Answer, RecipientKind, WhistleCall, WhistleKind, WhistleStatus
from services.whistles.repository import WhistleFilter

WHISTLE_CALL = "WhistleCall"
NEED = "Need"


@strawberry.input(description="一次吹哨召集")
class WhistleCallInput:
    node_id: relay.GlobalID = strawberry.field(
        description="召集范围：该节点及其下级已报到的单位和党员都会收到召集"
    )
    kind: WhistleKindType = strawberry.field(description="类型：紧急或常规")  # type: ignore[valid-type]
    title: str = strawberry.field(description="吹哨事项")
    place: str = strawberry.field(description="地点")
    starts_at: datetime = strawberry.field(description="开始时间")
    ends_at: datetime = strawberry.field(description="结束时间（晚于开始时间）")
    respond_by: datetime = strawberry.field(
        description="响应截止时间（晚于现在，早于开始时间）；未写时区的按北京时间"
    )
    members_wanted: int = strawberry.field(default=0, description="所需党员人数")
    units_wanted: int = strawberry.field(default=0, description="所需单位数")
    skills: list[str] = strawberry.field(
        default_factory=list, description="所需技能：给出时只召集具备其中任一技能的党员"
    )
    details: str | None = strawberry.field(default=None, description="具体要求")
    need_id: relay.GlobalID | None = strawberry.field(
        default=None, description="对应的需求清单条目（如由 12345 工单转来的需求）"
    )

    def draft(self) -> WhistleDraft:
        return WhistleDraft(
            node_id=int_id(self.node_id, NODE, "nodeId"),
            kind=WhistleKind(self.kind),
            title=self.title,
            details=self.details,
            members_wanted=self.members_wanted,
            units_wanted=self.units_wanted,
            skills=self.skills,
            place=self.place,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            respond_by=self.respond_by,
            need_id=None if self.need_id is None else int_id(self.need_id, NEED, "needId"),
        )


@strawberry.type(description="吹哨召集已保存")
class WhistleCallSuccess:
    call: WhistleCallType


@strawberry.type(description="回应已保存")
class WhistleResponseSuccess:
    call: WhistleCallType
    response: WhistleRecipientType


WhistleCallResult = Annotated[
    WhistleCallSuccess | MutationError, strawberry.union("WhistleCallResult")
]
WhistleResponseResult = Annotated[
    WhistleResponseSuccess | MutationError, strawberry.union("WhistleResponseResult")
]


@strawberry.type
class WhistleQuery:
    @strawberry.field(description="一次吹哨召集（召集范围内的工作人员，或被召集的单位、党员）")
    async def whistle_call(self, info: Info[Context, None], id: relay.GlobalID) -> WhistleCallType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        call = await service.read_call(session, principal, int_id(id, WHISTLE_CALL))
        return WhistleCallType.from_model(call)

    @strawberry.field(description="吹哨召集，新的在前（工作人员看其范围内发出的）")
    async def whistle_calls(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        status: WhistleCallStatusType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[WhistleCallType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = WhistleFilter(
            within=await subtree(info, within),
            status=None if status is None else WhistleStatus(status),
        )
        result = await service.list_calls(session, principal, page(first, after), where)
        return connection(result, WhistleCallType.from_model, lambda c: (c.id,))

    @strawberry.field(
        description="我收到的吹哨召集（党员本人的，及单位管理员所在单位的）与回应，新的在前"
    )
    async def my_whistle_calls(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        status: WhistleCallStatusType | None = None,  # type: ignore[valid-type]
        answer: WhistleAnswerType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[WhistleRecipientType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        result = await responses.received(
            session,
            principal,
            page(first, after),
            status=None if status is None else WhistleStatus(status),
            answer=None if answer is None else Answer(answer),
        )
        return connection(result, WhistleRecipientType.from_model, lambda r: (r.id,))


def _call(call: WhistleCall) -> WhistleCallSuccess:
    return WhistleCallSuccess(call=WhistleCallType.from_model(call))


@strawberry.type
class WhistleMutation:
    @strawberry.mutation(description="吹哨：向召集范围内已报到的单位和党员发出召集")
    async def blow_whistle(
        self, info: Info[Context, None], input: WhistleCallInput
    ) -> WhistleCallResult:
        async def step(session: AsyncSession, principal: Principal) -> WhistleCallSuccess:
            return _call(await service.blow(session, principal, input.draft()))

        return await run_step(info, step)

    @strawberry.mutation(
        description="回应吹哨召集：接受或婉拒；响应截止前可改变回应。单位管理员本人也被召集时，"
        "用 respondAs 指明以单位还是个人身份回应"
    )
    async def respond_to_whistle_call(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        accept: bool,
        respond_as: WhistleRecipientKindType | None = None,  # type: ignore[valid-type]
        note: str | None = None,
    ) -> WhistleResponseResult:
        async def step(session: AsyncSession, principal: Principal) -> WhistleResponseSuccess:
            call, response = await responses.respond(
                session,
                principal,
                int_id(id, WHISTLE_CALL),
                accept=accept,
                respond_as=None if respond_as is None else RecipientKind(respond_as),
                note=note,
            )
            return WhistleResponseSuccess(
                call=WhistleCallType.from_model(call),
                response=WhistleRecipientType.from_model(response),
            )

        return await run_step(info, step)

    @strawberry.mutation(description="结束吹哨召集，写明处置结果")
    async def close_whistle_call(
        self, info: Info[Context, None], id: relay.GlobalID, outcome: str
    ) -> WhistleCallResult:
        async def step(session: AsyncSession, principal: Principal) -> WhistleCallSuccess:
            call_id = int_id(id, WHISTLE_CALL)
            return _call(await service.close_call(session, principal, call_id, outcome=outcome))

        return await run_step(info, step)

    @strawberry.mutation(description="取消吹哨召集（须写明原因）")
    async def cancel_whistle_call(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> WhistleCallResult:
        async def step(session: AsyncSession, principal: Principal) -> WhistleCallSuccess:
            call_id = int_id(id, WHISTLE_CALL)
            return _call(await service.cancel_call(session, principal, call_id, reason=reason))

        return await run_step(info, step)
