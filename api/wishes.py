"""Queries and mutations of 微心愿: posting, claiming, fulfilling, confirming, cancelling."""

from datetime import date
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
from api.results import MutationError, Step, run_step
from api.types.wishes import WishStatusType, WishType
from policies.principal import Principal
from services.wishes import service
from services.wishes.models import Wish, WishStatus
from services.wishes.repository import WishFilter
from services.wishes.service import WishDraft

WISH = "Wish"


@strawberry.input(description="为居民发布的微心愿")
class WishInput:
    place_id: relay.GlobalID = strawberry.field(
        description="居民所在地：社区（村），或其下的小区、楼栋、网格"
    )
    content: str = strawberry.field(description="心愿内容")
    resident_name: str = strawberry.field(description="居民姓名（加密保存，对外打码显示）")
    resident_phone: str = strawberry.field(
        description="居民联系电话：手机号或带区号的固定电话（加密保存，对外打码显示）"
    )
    deadline: date = strawberry.field(description="截止日期（不早于今天）")
    category: str | None = strawberry.field(default=None, description="心愿类别，如助学、助老")

    def draft(self) -> WishDraft:
        return WishDraft(
            place_id=int_id(self.place_id, NODE, "placeId"),
            content=self.content,
            category=self.category,
            resident_name=self.resident_name,
            resident_phone=self.resident_phone,
            deadline=self.deadline,
        )


@strawberry.type(description="微心愿已保存")
class WishSuccess:
    wish: WishType


WishResult = Annotated[WishSuccess | MutationError, strawberry.union("WishResult")]


async def _run(info: Info[Context, None], step: Step[Wish]) -> WishSuccess | MutationError:
    async def saved(session: AsyncSession, principal: Principal) -> WishSuccess:
        return WishSuccess(wish=WishType.from_model(await step(session, principal)))

    return await run_step(info, saved)


@strawberry.type
class WishQuery:
    @strawberry.field(
        description="一条微心愿（社区工作人员在其范围内；党员可看所在社区待认领的和自己认领的）"
    )
    async def wish(self, info: Info[Context, None], id: relay.GlobalID) -> WishType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        return WishType.from_model(await service.read_wish(session, principal, int_id(id, WISH)))

    @strawberry.field(
        description="微心愿，新的在前：社区工作人员看其范围内的；党员看已报到社区中可认领的"
        "和自己认领的"
    )
    async def wishes(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        status: WishStatusType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[WishType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = WishFilter(
            within=await subtree(info, within),
            status=None if status is None else WishStatus(status),
        )
        result = await service.list_wishes(session, principal, page(first, after), where)
        return connection(result, WishType.from_model, lambda w: (w.id,))


@strawberry.type
class WishMutation:
    @strawberry.mutation(description="社区为居民发布微心愿")
    async def post_wish(self, info: Info[Context, None], input: WishInput) -> WishResult:
        async def step(session: AsyncSession, principal: Principal) -> Wish:
            personal = info.context.personal
            return await service.post_wish(session, principal, personal, input.draft())

        return await _run(info, step)

    @strawberry.mutation(
        description=f"党员认领所在社区的微心愿（须在该社区报到；认领后 {service.CLAIM_DAYS} 天内"
        "且截止日期前完成，逾期退回待认领）"
    )
    async def claim_wish(self, info: Info[Context, None], id: relay.GlobalID) -> WishResult:
        async def step(session: AsyncSession, principal: Principal) -> Wish:
            return await service.claim_wish(session, principal, int_id(id, WISH))

        return await _run(info, step)

    @strawberry.mutation(description="认领的党员登记心愿已完成（写明完成情况）")
    async def fulfill_wish(
        self, info: Info[Context, None], id: relay.GlobalID, note: str
    ) -> WishResult:
        async def step(session: AsyncSession, principal: Principal) -> Wish:
            return await service.fulfill_wish(session, principal, int_id(id, WISH), note=note)

        return await _run(info, step)

    @strawberry.mutation(description="社区与居民核实后确认心愿已完成")
    async def confirm_wish(
        self, info: Info[Context, None], id: relay.GlobalID, note: str | None = None
    ) -> WishResult:
        async def step(session: AsyncSession, principal: Principal) -> Wish:
            return await service.confirm_wish(session, principal, int_id(id, WISH), note=note)

        return await _run(info, step)

    @strawberry.mutation(description="社区取消尚未完成的微心愿（须写明原因）")
    async def cancel_wish(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> WishResult:
        async def step(session: AsyncSession, principal: Principal) -> Wish:
            return await service.cancel_wish(session, principal, int_id(id, WISH), reason=reason)

        return await _run(info, step)
