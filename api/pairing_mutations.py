"""Mutations of responsibility areas, households, pairings, visits and member posts (their
inputs: api/pairing_inputs.py)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.ids import int_id
from api.pairing import AREA, HOUSEHOLD, MEMBER_POST, PAIRING, VISIT
from api.pairing_inputs import (
    HouseholdInput,
    MemberPostInput,
    PairingInput,
    ResponsibilityAreaInput,
    VisitInput,
    VisitNeedInput,
)
from api.results import MutationError, run_step
from api.types.pairing import (
    HouseholdType,
    PairingType,
    ResponsibilityAreaType,
)
from api.types.visits import MemberPostType, VisitType
from policies.principal import Principal
from services.pairing import areas, households, pairings, posts, visits
from services.pairing.models import Household, Pairing, ResponsibilityArea, Visit
from services.pairing.recognition_models import MemberPost

T = TypeVar("T")
R = TypeVar("R")


@strawberry.type(description="包保责任已保存")
class ResponsibilityAreaSuccess:
    area: ResponsibilityAreaType


@strawberry.type(description="住户已保存")
class HouseholdSuccess:
    household: HouseholdType


@strawberry.type(description="结对已保存")
class PairingSuccess:
    pairing: PairingType


@strawberry.type(description="走访已保存：已生成待社区确认的服务记录")
class VisitSuccess:
    visit: VisitType


@strawberry.type(description="任职已保存")
class MemberPostSuccess:
    post: MemberPostType


ResponsibilityAreaResult = Annotated[
    ResponsibilityAreaSuccess | MutationError, strawberry.union("ResponsibilityAreaResult")
]
HouseholdResult = Annotated[HouseholdSuccess | MutationError, strawberry.union("HouseholdResult")]
PairingResult = Annotated[PairingSuccess | MutationError, strawberry.union("PairingResult")]
VisitResult = Annotated[VisitSuccess | MutationError, strawberry.union("VisitResult")]
MemberPostResult = Annotated[
    MemberPostSuccess | MutationError, strawberry.union("MemberPostResult")
]


async def _run(
    info: Info[Context, None],
    work: Callable[[AsyncSession, Principal], Awaitable[T]],
    shown: Callable[[T], R],
) -> R | MutationError:
    async def step(session: AsyncSession, principal: Principal) -> R:
        return shown(await work(session, principal))

    return await run_step(info, step)


def _area(row: ResponsibilityArea) -> ResponsibilityAreaSuccess:
    return ResponsibilityAreaSuccess(area=ResponsibilityAreaType.from_model(row))


def _household(row: Household) -> HouseholdSuccess:
    return HouseholdSuccess(household=HouseholdType.from_model(row))


def _pairing(row: Pairing) -> PairingSuccess:
    return PairingSuccess(pairing=PairingType.from_model(row))


def _visit(row: Visit) -> VisitSuccess:
    return VisitSuccess(visit=VisitType.from_model(row))


def _post(row: MemberPost) -> MemberPostSuccess:
    return MemberPostSuccess(post=MemberPostType.from_model(row))


@strawberry.type
class PairingMutation:
    @strawberry.mutation(
        description="分配包保责任（街道、社区在其范围内）：单位包小区、楼栋，或党员包保一组住户"
    )
    async def assign_responsibility_area(
        self, info: Info[Context, None], input: ResponsibilityAreaInput
    ) -> ResponsibilityAreaResult:
        return await _run(info, lambda s, p: areas.assign_area(s, p, input.draft()), _area)

    @strawberry.mutation(description="提前结束包保责任（写明原因）；党员包保到户的结对随之结束")
    async def end_responsibility_area(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> ResponsibilityAreaResult:
        return await _run(
            info, lambda s, p: areas.end_area(s, p, int_id(id, AREA), reason=reason), _area
        )

    @strawberry.mutation(description="登记困难住户（社区工作人员）；姓名、电话、住址加密保存")
    async def register_household(
        self, info: Info[Context, None], input: HouseholdInput
    ) -> HouseholdResult:
        personal = info.context.personal
        return await _run(
            info,
            lambda s, p: households.register_household(s, p, personal, input.draft()),
            _household,
        )

    @strawberry.mutation(description="修改住户登记（整体重填；只能在本社区内调整所在地）")
    async def update_household(
        self, info: Info[Context, None], id: relay.GlobalID, input: HouseholdInput
    ) -> HouseholdResult:
        personal = info.context.personal
        return await _run(
            info,
            lambda s, p: households.update_household(
                s, p, personal, int_id(id, HOUSEHOLD), input.draft()
            ),
            _household,
        )

    @strawberry.mutation(description="住户销号（写明原因）；其结对随之结束")
    async def close_household(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> HouseholdResult:
        return await _run(
            info,
            lambda s, p: households.close_household(s, p, int_id(id, HOUSEHOLD), reason=reason),
            _household,
        )

    @strawberry.mutation(description="结对帮扶：社区把在册住户与已报到的党员或单位结对")
    async def pair_household(self, info: Info[Context, None], input: PairingInput) -> PairingResult:
        return await _run(info, lambda s, p: pairings.pair_household(s, p, input.draft()), _pairing)

    @strawberry.mutation(description="结束结对（写明原因）")
    async def end_pairing(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> PairingResult:
        return await _run(
            info,
            lambda s, p: pairings.end_pairing(s, p, int_id(id, PAIRING), reason=reason),
            _pairing,
        )

    @strawberry.mutation(
        description="登记入户走访（结对的党员本人、其单位管理员，或社区工作人员）：生成待社区确认"
        "的服务记录；社区工作人员可同时把发现列入需求清单"
    )
    async def log_visit(self, info: Info[Context, None], input: VisitInput) -> VisitResult:
        return await _run(info, lambda s, p: visits.log_visit(s, p, input.draft()), _visit)

    @strawberry.mutation(
        description="把走访发现列入需求清单（有权提出需求的社区工作人员，每次走访一次）"
    )
    async def raise_need_from_visit(
        self, info: Info[Context, None], id: relay.GlobalID, need: VisitNeedInput
    ) -> VisitResult:
        return await _run(
            info,
            lambda s, p: visits.raise_need_from_visit(s, p, int_id(id, VISIT), need.request()),
            _visit,
        )

    @strawberry.mutation(
        description="登记党员任职（社区工作人员）：楼栋长同时获授该处的小区负责人角色（党员须有账号）"
    )
    async def assign_member_post(
        self, info: Info[Context, None], input: MemberPostInput
    ) -> MemberPostResult:
        return await _run(info, lambda s, p: posts.assign_post(s, p, input.draft()), _post)

    @strawberry.mutation(description="党员卸任（写明原因）；随任职授予的角色一并收回")
    async def end_member_post(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> MemberPostResult:
        return await _run(
            info,
            lambda s, p: posts.end_post(s, p, int_id(id, MEMBER_POST), reason=reason),
            _post,
        )
