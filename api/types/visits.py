"""Visits and member posts as clients see them."""

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.lists import NeedType
from api.types.pairing import (
    CommitmentStatusType,
    HouseholdType,
    PairingType,
    in_force,
    member_name,
    member_of,
)
from api.types.records import ServiceRecordType
from api.types.registry import MemberType
from policies.roles import ROLE_NAMES, Role
from services.pairing.models import COMMITMENT_STATUS_NAMES, Visit
from services.pairing.recognition_models import POST_NAMES, MemberPost, PostKind

MemberPostKindType = strawberry.enum(
    PostKind,
    name="MemberPostKind",
    description="党员在居住社区的任职：楼栋长、网格员、业委会成员、功能型党支部成员",
)


@strawberry.type(name="Visit", description="民情走访：党员入户走访结对住户的记录")
class VisitType(relay.Node):
    id: relay.NodeID[int]
    visited_at: datetime = strawberry.field(description="走访开始时间")
    ended_at: datetime = strawberry.field(description="走访结束时间")
    found: str = strawberry.field(description="走访发现")
    done: str | None = strawberry.field(description="帮扶办理情况")
    follow_up_needed: bool = strawberry.field(description="是否需要跟进")
    follow_up: str | None = strawberry.field(description="后续跟进事项")
    logged_by: str = strawberry.field(description="登记人")
    logged_at: datetime = strawberry.field(description="登记时间")
    model: strawberry.Private[Visit]

    @classmethod
    def from_model(cls, row: Visit) -> "VisitType":
        return cls(
            id=row.id,
            visited_at=row.visited_at,
            ended_at=row.ended_at,
            found=row.found,
            done=row.done,
            follow_up_needed=row.follow_up_needed,
            follow_up=row.follow_up,
            logged_by=row.logged_by_name,
            logged_at=row.logged_at,
            model=row,
        )

    @strawberry.field(description="走访的住户")
    async def household(self, info: Info[Context, None]) -> HouseholdType | None:
        found = await info.context.loaders.pairing.household.load(self.model.household_id)
        return None if found is None else HouseholdType.from_model(found)

    @strawberry.field(description="据以走访的结对")
    async def pairing(self, info: Info[Context, None]) -> PairingType | None:
        found = await info.context.loaders.pairing.pairing.load(self.model.pairing_id)
        return None if found is None else PairingType.from_model(found)

    @strawberry.field(description="走访的党员（仅本人及有权在名册中查看者可见，否则为空）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await member_of(info, self.model.member_id)

    @strawberry.field(description="走访党员的姓名（无权查看该党员时打码）")
    async def member_name(self, info: Info[Context, None]) -> str | None:
        return await member_name(info, self.model.member_id)

    @strawberry.field(description="走访发现转成的需求（需求清单）")
    async def need(self, info: Info[Context, None]) -> NeedType | None:
        if self.model.need_id is None:
            return None
        found = await info.context.loaders.pairing.need.load(self.model.need_id)
        return None if found is None else NeedType.from_model(found)

    @strawberry.field(description="走访生成的服务记录（由社区确认）")
    async def service_record(self, info: Info[Context, None]) -> ServiceRecordType | None:
        found = await info.context.loaders.pairing.record_of_visit.load(self.model.id)
        return None if found is None else ServiceRecordType.from_model(found)


@strawberry.type(name="MemberPost", description="党员在居住社区的任职（楼栋长、网格员等），有任期")
class MemberPostType(relay.Node):
    id: relay.NodeID[int]
    post: MemberPostKindType = strawberry.field(description="岗位")  # type: ignore[valid-type]
    post_name: str = strawberry.field(description="岗位（中文）")
    starts_on: date = strawberry.field(description="任职开始日期")
    ends_on: date | None = strawberry.field(description="任期结束日期（未定为空）")
    status: CommitmentStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    in_force: bool = strawberry.field(description="今天是否在任")
    granted_role: str | None = strawberry.field(
        description="随任职授予的角色（角色模型中有对应角色时，如楼栋长为小区负责人）"
    )
    granted_role_name: str | None = strawberry.field(description="随任职授予的角色（中文）")
    created_by: str = strawberry.field(description="登记人")
    created_at: datetime = strawberry.field(description="登记时间")
    ended_at: datetime | None = strawberry.field(description="卸任时间")
    end_reason: str | None = strawberry.field(description="卸任原因")
    model: strawberry.Private[MemberPost]

    @classmethod
    def from_model(cls, row: MemberPost) -> "MemberPostType":
        role = row.granted_role
        return cls(
            id=row.id,
            post=row.post,
            post_name=POST_NAMES[row.post],
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            status=row.status,
            status_name=COMMITMENT_STATUS_NAMES[row.status],
            in_force=in_force(row),
            granted_role=role,
            granted_role_name=None if role is None else ROLE_NAMES[Role(role)],
            created_by=row.created_by_name,
            created_at=row.created_at,
            ended_at=row.ended_at,
            end_reason=row.end_reason,
            model=row,
        )

    @strawberry.field(description="任职区域")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="所属社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="任职的党员（仅本人及有权在名册中查看者可见，否则为空）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await member_of(info, self.model.member_id)

    @strawberry.field(description="任职党员的姓名（无权查看该党员时打码）")
    async def member_name(self, info: Info[Context, None]) -> str | None:
        return await member_name(info, self.model.member_id)
