"""Queries of pairing and responsibility areas, households, visits and member posts (the
mutations are in api/pairing_mutations.py, recognition in api/recognition.py)."""

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.registry import MEMBER, UNIT, subtree
from api.types.pairing import (
    CoverageType,
    HouseholdCategoryType,
    HouseholdType,
    PairingType,
    ResponsibilityAreaType,
)
from api.types.visits import MemberPostKindType, MemberPostType, VisitType
from infra.clock import today
from services.pairing import views
from services.pairing.area_repository import AreaFilter
from services.pairing.models import HouseholdCategory, HouseholdStatus
from services.pairing.post_repository import PostFilter
from services.pairing.recognition_models import PostKind
from services.pairing.repository import HouseholdFilter, PairingFilter
from services.pairing.visit_repository import VisitFilter

AREA = "ResponsibilityArea"
HOUSEHOLD = "Household"
PAIRING = "Pairing"
VISIT = "Visit"
MEMBER_POST = "MemberPost"


def optional(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    return None if value is None else int_id(value, type_name, field)


InForce = Annotated[
    bool,
    strawberry.argument(description="只列今天在期限内、未结束的"),
]


@strawberry.type
class PairingQuery:
    @strawberry.field(description="一项包保责任（工作人员在其范围内；单位、党员看自己的）")
    async def responsibility_area(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> ResponsibilityAreaType:
        principal, session = await info.context.principal(), await info.context.session()
        area = await views.read_area(session, principal, int_id(id, AREA))
        return ResponsibilityAreaType.from_model(area)

    @strawberry.field(
        description="包保责任，按区域排列：工作人员看其范围内的；单位看本单位及本单位党员的；"
        "党员看自己的"
    )
    async def responsibility_areas(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: Annotated[
            relay.GlobalID | None, strawberry.argument(description="包保区域在此节点及其下级")
        ] = None,
        unit_id: relay.GlobalID | None = None,
        member_id: relay.GlobalID | None = None,
        of_units: Annotated[
            bool | None, strawberry.argument(description="真：单位包保；假：党员包保到户")
        ] = None,
        in_force: InForce = False,
    ) -> relay.Connection[ResponsibilityAreaType]:
        principal, session = await info.context.principal(), await info.context.session()
        where = AreaFilter(
            within=await subtree(info, within),
            unit_id=optional(unit_id, UNIT, "unitId"),
            member_id=optional(member_id, MEMBER, "memberId"),
            of_units=of_units,
            in_force_on=today() if in_force else None,
        )
        result = await views.list_areas(session, principal, page(first, after), where)
        return connection(result, ResponsibilityAreaType.from_model, lambda a: (a.scope_path, a.id))

    @strawberry.field(
        description="包保覆盖：该节点下的小区、楼栋今天是否有单位包保（有权查看该处包保责任者）"
    )
    async def responsibility_coverage(
        self, info: Info[Context, None], node_id: relay.GlobalID
    ) -> CoverageType:
        principal, session = await info.context.principal(), await info.context.session()
        found = await views.coverage(session, principal, int_id(node_id, NODE, "nodeId"))
        return CoverageType.of(found)

    @strawberry.field(description="一户困难住户（社区工作人员；结对中的党员、单位）")
    async def household(self, info: Info[Context, None], id: relay.GlobalID) -> HouseholdType:
        principal, session = await info.context.principal(), await info.context.session()
        found = await views.read_household(session, principal, int_id(id, HOUSEHOLD))
        return HouseholdType.from_model(found)

    @strawberry.field(
        description="困难住户名册，按所在地排列：工作人员看其范围内的；党员、单位看正与其结对的"
    )
    async def households(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        category: HouseholdCategoryType | None = None,  # type: ignore[valid-type]
        paired: Annotated[
            bool | None,
            strawberry.argument(description="真：今天有结对的；假：尚无结对的（待结对）"),
        ] = None,
        closed: Annotated[
            bool, strawberry.argument(description="真：只列已销号的；默认只列在册的")
        ] = False,
    ) -> relay.Connection[HouseholdType]:
        principal, session = await info.context.principal(), await info.context.session()
        where = HouseholdFilter(
            within=await subtree(info, within),
            category=None if category is None else HouseholdCategory(category),
            status=HouseholdStatus.CLOSED if closed else HouseholdStatus.ACTIVE,
            paired=paired,
            on=today(),
        )
        result = await views.list_households(session, principal, page(first, after), where)
        return connection(result, HouseholdType.from_model, lambda h: (h.scope_path, h.id))

    @strawberry.field(description="一项结对（工作人员在其范围内；结对的单位、党员）")
    async def pairing(self, info: Info[Context, None], id: relay.GlobalID) -> PairingType:
        principal, session = await info.context.principal(), await info.context.session()
        found = await views.read_pairing(session, principal, int_id(id, PAIRING))
        return PairingType.from_model(found)

    @strawberry.field(
        description="结对帮扶，按住户所在地排列：工作人员看其范围内的；单位看本单位及本单位党员的；"
        "党员看自己的"
    )
    async def pairings(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        household_id: relay.GlobalID | None = None,
        member_id: relay.GlobalID | None = None,
        unit_id: relay.GlobalID | None = None,
        in_force: InForce = False,
    ) -> relay.Connection[PairingType]:
        principal, session = await info.context.principal(), await info.context.session()
        where = PairingFilter(
            within=await subtree(info, within),
            household_id=optional(household_id, HOUSEHOLD, "householdId"),
            member_id=optional(member_id, MEMBER, "memberId"),
            unit_id=optional(unit_id, UNIT, "unitId"),
            in_force_on=today() if in_force else None,
        )
        result = await views.list_pairings(session, principal, page(first, after), where)
        return connection(result, PairingType.from_model, lambda p: (p.scope_path, p.id))

    @strawberry.field(
        description="逾期未走访的住户：今天在期限内、有走访周期要求、下次走访最迟日期已过的结对，"
        "逾期最久的在前（范围同 pairings）"
    )
    async def overdue_households(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        member_id: relay.GlobalID | None = None,
        unit_id: relay.GlobalID | None = None,
    ) -> relay.Connection[PairingType]:
        principal, session = await info.context.principal(), await info.context.session()
        where = PairingFilter(
            within=await subtree(info, within),
            member_id=optional(member_id, MEMBER, "memberId"),
            unit_id=optional(unit_id, UNIT, "unitId"),
            overdue_on=today(),
        )
        result = await views.list_pairings(session, principal, page(first, after), where)
        return connection(result, PairingType.from_model, lambda p: (p.next_visit_due_on, p.id))

    @strawberry.field(description="一次走访（工作人员在其范围内；走访的党员及其单位）")
    async def visit(self, info: Info[Context, None], id: relay.GlobalID) -> VisitType:
        principal, session = await info.context.principal(), await info.context.session()
        found = await views.read_visit(session, principal, int_id(id, VISIT))
        return VisitType.from_model(found)

    @strawberry.field(
        description="走访记录，新的在前：工作人员看其范围内的；单位看本单位党员的；党员看自己的"
    )
    async def visits(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        household_id: relay.GlobalID | None = None,
        member_id: relay.GlobalID | None = None,
        from_: Annotated[
            date | None, strawberry.argument(name="from", description="走访日期不早于")
        ] = None,
        to: Annotated[date | None, strawberry.argument(description="走访日期不晚于")] = None,
        follow_up_needed: bool | None = None,
    ) -> relay.Connection[VisitType]:
        principal, session = await info.context.principal(), await info.context.session()
        where = VisitFilter(
            within=await subtree(info, within),
            household_id=optional(household_id, HOUSEHOLD, "householdId"),
            member_id=optional(member_id, MEMBER, "memberId"),
            from_day=from_,
            to_day=to,
            follow_up_needed=follow_up_needed,
        )
        result = await views.list_visits(session, principal, page(first, after), where)
        return connection(result, VisitType.from_model, lambda v: (v.visited_at, v.id))

    @strawberry.field(description="一项任职（工作人员在其范围内；本人及其单位）")
    async def member_post(self, info: Info[Context, None], id: relay.GlobalID) -> MemberPostType:
        principal, session = await info.context.principal(), await info.context.session()
        found = await views.read_post(session, principal, int_id(id, MEMBER_POST))
        return MemberPostType.from_model(found)

    @strawberry.field(
        description="党员在居住社区的任职，按区域排列：工作人员看其范围内的；单位看本单位党员的；"
        "党员看自己的"
    )
    async def member_posts(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        member_id: relay.GlobalID | None = None,
        post: MemberPostKindType | None = None,  # type: ignore[valid-type]
        in_force: InForce = False,
    ) -> relay.Connection[MemberPostType]:
        principal, session = await info.context.principal(), await info.context.session()
        where = PostFilter(
            within=await subtree(info, within),
            member_id=optional(member_id, MEMBER, "memberId"),
            post=None if post is None else PostKind(post),
            in_force_on=today() if in_force else None,
        )
        result = await views.list_posts(session, principal, page(first, after), where)
        return connection(result, MemberPostType.from_model, lambda p: (p.scope_path, p.id))
