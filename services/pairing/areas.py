"""包保: a street or a community makes a unit responsible for a compound or a building, or
a member for a group of households within a place (the member's pairings with them), for
a period and with what is expected; and coverage — which compounds and buildings have a
responsible unit and which do not.

Areas are assigned by staff who may assign them at the place (`responsibility_area
assign`); a unit or member must be registered (confirmed) in the place's community.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from policies.principal import Principal
from services.events.service import record_step
from services.pairing import area_repository, inputs, pairings, places, repository
from services.pairing.errors import (
    AreaExists,
    CommitmentEnded,
    HouseholdNotFound,
    InvalidResponsibilityArea,
    ResponsibilityAreaNotFound,
)
from services.pairing.inputs import Expectations, clean_area, day
from services.pairing.models import CommitmentStatus, Household, HouseholdStatus, ResponsibilityArea
from tenants.hierarchy.models import Node, NodeKind

RESOURCE = "responsibility_area"
UNIT_PLACES = (NodeKind.COMPOUND, NodeKind.BUILDING)
MEMBER_PLACES = (NodeKind.COMMUNITY, NodeKind.COMPOUND, NodeKind.BUILDING, NodeKind.GRID)
DUTIES_MAX_LENGTH = 500


@dataclass(frozen=True)
class AreaDraft:
    """An area as typed in: a unit for a compound or building, or a member for households
    within a place (`household_ids`)."""

    node_id: int
    unit_id: int | None = None
    member_id: int | None = None
    household_ids: list[int] = field(default_factory=list)
    starts_on: Any = None
    ends_on: Any = None
    expected: Expectations = field(default_factory=Expectations)
    duties: object = None


def here(area: ResponsibilityArea) -> tuple[int, str]:
    return area.node_id, area.scope_path


def payload(area: ResponsibilityArea) -> dict[str, Any]:
    return {
        "area_id": area.id,
        "node_id": area.node_id,
        "community_id": area.community_id,
        "unit_id": area.unit_id,
        "member_id": area.member_id,
        "starts_on": area.starts_on.isoformat(),
        "ends_on": None if area.ends_on is None else area.ends_on.isoformat(),
        "visit_every_days": area.visit_every_days,
        "services_per_year": area.services_per_year,
        "status": area.status.value,
    }


async def _log(
    session: AsyncSession, principal: Principal, area: ResponsibilityArea, step: str, **more: Any
) -> None:
    await record_step(
        session,
        principal,
        type=f"responsibility_area.{step}",
        node=here(area),
        object_type=RESOURCE,
        object_id=area.id,
        payload={**payload(area), **more},
    )


async def get_area(
    session: AsyncSession, area_id: int, *, lock: bool = False
) -> ResponsibilityArea:
    found = await area_repository.get_area(session, area_id, lock=lock)
    if found is None:
        raise ResponsibilityAreaNotFound("未找到该包保责任", field="id")
    return found


async def _households(session: AsyncSession, ids: list[int], place: Node) -> list[Household]:
    """The households of a member's area: on the register, within the place."""
    if not ids:
        raise InvalidResponsibilityArea("「包保住户」不能为空", field="householdIds")
    if len(ids) > inputs.HOUSEHOLDS_MAX:
        raise InvalidResponsibilityArea(
            f"「包保住户」一次不能超过 {inputs.HOUSEHOLDS_MAX} 户", field="householdIds"
        )
    if len(set(ids)) != len(ids):
        raise InvalidResponsibilityArea("「包保住户」有重复", field="householdIds")
    found = await repository.households_by_id(session, ids)
    chosen = []
    for household_id in ids:
        household = found.get(household_id)
        if household is None:
            raise HouseholdNotFound("未找到该住户", field="householdIds")
        if household.status is not HouseholdStatus.ACTIVE:
            raise InvalidResponsibilityArea(
                f"住户（编号 {household.id}）已销号，不能包保", field="householdIds"
            )
        if not household.scope_path.startswith(place.path):
            raise InvalidResponsibilityArea(
                f"住户（编号 {household.id}）不在“{place.name}”范围内", field="householdIds"
            )
        chosen.append(household)
    return chosen


async def assign_area(
    session: AsyncSession, principal: Principal, draft: AreaDraft
) -> ResponsibilityArea:
    """A unit's area (a compound or building) or a member's (households within a place)."""
    if (draft.unit_id is None) == (draft.member_id is None):
        raise InvalidResponsibilityArea("「单位」和「党员」应填且只填一项", field="unitId")
    of_unit = draft.unit_id is not None
    place = await places.node(session, draft.node_id, field="nodeId")
    places.require_assigner(
        session, principal, place, resource=RESOURCE, action="assign", what="分配包保责任"
    )
    kinds = UNIT_PLACES if of_unit else MEMBER_PLACES
    places.check_kind(place, kinds, InvalidResponsibilityArea, "包保区域", field="nodeId")
    community = await places.community_of(session, place)
    what = f"包保“{place.name}”"
    if draft.unit_id is not None:
        unit = await places.active_unit(session, draft.unit_id, field="unitId")
        await places.require_unit_registered(session, unit, community, field="unitId", what=what)
        holder = unit.name
        if draft.household_ids:
            raise InvalidResponsibilityArea(
                "单位包保小区、楼栋，不填「包保住户」；与住户结对请用结对帮扶", field="householdIds"
            )
        households: list[Household] = []
    else:
        assert draft.member_id is not None
        member = await places.active_member(session, draft.member_id, field="memberId")
        await places.require_member_registered(
            session, member, community, field="memberId", what=what
        )
        holder = f"党员{member.name}"
        households = await _households(session, draft.household_ids, place)
    period = inputs.period(InvalidResponsibilityArea, draft.starts_on, draft.ends_on)
    expected = inputs.expectations(InvalidResponsibilityArea, draft.expected)
    duties = inputs.optional_text(clean_area, "duties", draft.duties, DUTIES_MAX_LENGTH)
    held = await area_repository.active_area(
        session, place.id, unit_id=draft.unit_id, member_id=draft.member_id
    )
    if held is not None:
        raise AreaExists(
            f"{holder}已包保“{place.name}”（{day(held.starts_on)}起），不能重复分配",
            field="unitId" if of_unit else "memberId",
        )
    area = ResponsibilityArea(
        tenant_id=bound_tenant(session),
        node_id=place.id,
        scope_path=place.path,
        community_id=community.id,
        unit_id=draft.unit_id,
        member_id=draft.member_id,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        visit_every_days=expected.visit_every_days,
        services_per_year=expected.services_per_year,
        duties=duties,
        status=CommitmentStatus.ACTIVE,
        assigned_by=principal.account_id,
        assigned_by_name=principal.name,
    )
    session.add(area)
    await session.flush()
    await _log(session, principal, area, "assigned", household_ids=[h.id for h in households])
    for household in households:
        await pairings.start(
            session,
            principal,
            household,
            pairings.Holder(member_id=draft.member_id, name=holder),
            period,
            expected,
            reason=f"包保到户：{place.name}",
            area_id=area.id,
        )
    return area


async def end_area(
    session: AsyncSession, principal: Principal, area_id: int, *, reason: str
) -> ResponsibilityArea:
    """End an area before its last day; a member's area ends its pairings with it."""
    area = await get_area(session, area_id, lock=True)
    place = await places.node(session, area.node_id, field="id")
    places.require_assigner(
        session,
        principal,
        place,
        resource=RESOURCE,
        action="assign",
        what="调整包保责任",
        field="id",
    )
    cleaned = inputs.end_reason(InvalidResponsibilityArea, reason)
    if area.status is CommitmentStatus.ENDED:
        raise CommitmentEnded("该包保责任已结束", field="id")
    area.status, area.ended_at, area.ended_by = CommitmentStatus.ENDED, now(), principal.account_id
    area.end_reason = cleaned
    await session.flush()
    await _log(session, principal, area, "ended", reason=cleaned)
    for pairing in await repository.active_pairings_for_update(session, area_id=area.id):
        await pairings.finish(session, principal, pairing, cleaned)
    return area
