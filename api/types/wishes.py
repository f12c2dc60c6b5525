"""微心愿 as clients see them: the resident's name and phone masked unless revealed."""

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registry import MemberType
from services.wishes import residents, service
from services.wishes.models import WISH_STATUS_NAMES, Wish, WishStatus
from services.wishes.residents import ResidentField

WishStatusType = strawberry.enum(
    WishStatus,
    name="WishStatus",
    description="微心愿状态：待认领、已认领、已完成待确认、已确认、已取消",
)


@strawberry.type(name="Wish", description="微心愿：社区为居民发布，由已报到的在职党员认领、完成")
class WishType(relay.Node):
    id: relay.NodeID[int]
    content: str = strawberry.field(description="心愿内容")
    category: str | None = strawberry.field(description="心愿类别")
    deadline: date = strawberry.field(description="截止日期")
    status: WishStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    posted_at: datetime = strawberry.field(description="发布时间")
    claimed_at: datetime | None = strawberry.field(description="认领时间")
    claim_due_on: date | None = strawberry.field(
        description=f"认领有效至（截止日期与认领后 {service.CLAIM_DAYS} 天取其早；"
        "逾期未完成退回待认领）"
    )
    fulfilled_at: datetime | None = strawberry.field(description="完成时间")
    fulfillment_note: str | None = strawberry.field(description="完成情况")
    confirmed_at: datetime | None = strawberry.field(description="社区确认时间")
    confirmation_note: str | None = strawberry.field(description="确认说明")
    cancelled_at: datetime | None = strawberry.field(description="取消时间")
    cancel_reason: str | None = strawberry.field(description="取消原因")
    released_count: int = strawberry.field(description="认领逾期退回的次数")
    model: strawberry.Private[Wish]

    @classmethod
    def from_model(cls, wish: Wish) -> "WishType":
        return cls(
            id=wish.id,
            content=wish.content,
            category=wish.category,
            deadline=wish.deadline,
            status=wish.status,
            status_name=WISH_STATUS_NAMES[wish.status],
            posted_at=wish.posted_at,
            claimed_at=wish.claimed_at,
            claim_due_on=wish.claim_due_on,
            fulfilled_at=wish.fulfilled_at,
            fulfillment_note=wish.fulfillment_note,
            confirmed_at=wish.confirmed_at,
            confirmation_note=wish.confirmation_note,
            cancelled_at=wish.cancelled_at,
            cancel_reason=wish.cancel_reason,
            released_count=wish.released_count,
            model=wish,
        )

    async def _resident(self, info: Info[Context, None], field: ResidentField, clear: bool) -> str:
        personal = info.context.personal
        if not clear:
            return residents.masked(self.model, personal, field)
        principal = await info.context.principal()
        session = await info.context.uow.session()
        return residents.reveal(session, principal, personal, self.model, field)

    @strawberry.field(
        description="居民姓名：默认打码（张*）；clear 为 true 时显示全名"
        "（仅认领该心愿的党员与管理微心愿的社区工作人员，每次查看记入审计日志）"
    )
    async def resident_name(self, info: Info[Context, None], clear: bool = False) -> str:
        return await self._resident(info, ResidentField.NAME, clear)

    @strawberry.field(
        description="居民联系电话：默认打码（138****5678）；clear 为 true 时显示全号（同上）"
    )
    async def resident_phone(self, info: Info[Context, None], clear: bool = False) -> str:
        return await self._resident(info, ResidentField.PHONE, clear)

    @strawberry.field(description="调用者能否查看居民的全名和联系电话")
    async def may_see_resident(self, info: Info[Context, None]) -> bool:
        return residents.may_see_clear(await info.context.principal(), self.model)

    @strawberry.field(description="居民所在地（社区、小区、楼栋或网格）")
    async def place(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="所在社区：在此报到的党员可认领")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="认领的党员（仅本人及有权在名册中查看者可见，否则为空）")
    async def claimant(self, info: Info[Context, None]) -> MemberType | None:
        if self.model.claimed_by_member_id is None:
            return None
        member = await info.context.loaders.member.load(self.model.claimed_by_member_id)
        if member is None or not service.may_see_claimant(await info.context.principal(), member):
            return None
        return MemberType.from_model(member)
