"""结对帮扶: a household on the register paired with a unit or a member, for a period, with
a reason and how often it is to be visited; ended with a reason (or with the household
or the area it belongs to).

A pairing is made under the household's row lock, so two requests pairing one household
with one member make one pairing and the other is told it exists.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.pairing import inputs, places, repository
from services.pairing.errors import (
    HouseholdClosed,
    HouseholdNotFound,
    InvalidPairing,
    PairingEnded,
    PairingExists,
    PairingNotFound,
)
from services.pairing.inputs import Expectations, Period, clean_pairing, day
from services.pairing.models import CommitmentStatus, Household, HouseholdStatus, Pairing

RESOURCE = "pairing"


@dataclass(frozen=True)
class Holder:
    """Who a household is paired with, and how a message names them."""

    name: str
    member_id: int | None = None
    unit_id: int | None = None


@dataclass(frozen=True)
class PairingDraft:
    household_id: int
    member_id: int | None = None
    unit_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    reason: object = None
    expected: Expectations = field(default_factory=Expectations)


def here(pairing: Pairing) -> tuple[int, str]:
    return pairing.node_id, pairing.scope_path


def next_due(pairing: Pairing) -> date | None:
    """The last day by which the next visit is due (None: no visit expected)."""
    if pairing.visit_every_days is None:
        return None
    since = pairing.last_visited_on or pairing.starts_on
    return since + timedelta(days=pairing.visit_every_days)


def payload(pairing: Pairing) -> dict[str, Any]:
    return {
        "pairing_id": pairing.id,
        "household_id": pairing.household_id,
        "community_id": pairing.community_id,
        "node_id": pairing.node_id,
        "unit_id": pairing.unit_id,
        "member_id": pairing.member_id,
        "area_id": pairing.area_id,
        "starts_on": pairing.starts_on.isoformat(),
        "ends_on": None if pairing.ends_on is None else pairing.ends_on.isoformat(),
        "visit_every_days": pairing.visit_every_days,
        "services_per_year": pairing.services_per_year,
        "status": pairing.status.value,
    }


async def _log(
    session: AsyncSession, principal: Principal | None, pairing: Pairing, step: str, **more: Any
) -> None:
    await record_step(
        session,
        principal,
        type=f"pairing.{step}",
        node=here(pairing),
        object_type=RESOURCE,
        object_id=pairing.id,
        payload={**payload(pairing), **more},
    )


async def start(
    session: AsyncSession,
    principal: Principal,
    household: Household,
    holder: Holder,
    period: Period,
    expected: Expectations,
    *,
    reason: str,
    area_id: int | None = None,
    field: str = "householdIds",
) -> Pairing:
    """Pair the household (locked, or new to this transaction) with the holder."""
    held = await repository.active_pairing(
        session, household.id, unit_id=holder.unit_id, member_id=holder.member_id
    )
    if held is not None:
        raise PairingExists(
            f"{holder.name}已与该户结对（{day(held.starts_on)}起），不能重复结对", field=field
        )
    pairing = Pairing(
        tenant_id=bound_tenant(session),
        household_id=household.id,
        unit_id=holder.unit_id,
        member_id=holder.member_id,
        area_id=area_id,
        node_id=household.node_id,
        scope_path=household.scope_path,
        community_id=household.community_id,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        reason=reason,
        visit_every_days=expected.visit_every_days,
        services_per_year=expected.services_per_year,
        status=CommitmentStatus.ACTIVE,
        created_by=principal.account_id,
        created_by_name=principal.name,
    )
    pairing.next_visit_due_on = next_due(pairing)
    session.add(pairing)
    await session.flush()
    await _log(session, principal, pairing, "started", reason=reason)
    return pairing


async def get_household(
    session: AsyncSession, household_id: int, *, lock: bool = False, field: str = "householdId"
) -> Household:
    found = await repository.get_household(session, household_id, lock=lock)
    if found is None:
        raise HouseholdNotFound("未找到该住户", field=field)
    return found


async def pair_household(
    session: AsyncSession, principal: Principal, draft: PairingDraft
) -> Pairing:
    """The community pairs a household on its register with a registered unit or member."""
    household = await get_household(session, draft.household_id, lock=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="manage",
        node=(household.node_id, household.scope_path),
        object_id=str(household.id),
    )
    if household.status is not HouseholdStatus.ACTIVE:
        raise HouseholdClosed("该住户已销号，不能结对", field="householdId")
    if (draft.unit_id is None) == (draft.member_id is None):
        raise InvalidPairing("「党员」和「单位」应填且只填一项", field="memberId")
    community = await places.node(session, household.community_id, field="householdId")
    what = "与该户结对"
    if draft.member_id is not None:
        member = await places.active_member(session, draft.member_id, field="memberId")
        await places.require_member_registered(
            session, member, community, field="memberId", what=what
        )
        holder, field = Holder(name=f"党员{member.name}", member_id=member.id), "memberId"
    else:
        assert draft.unit_id is not None
        unit = await places.active_unit(session, draft.unit_id, field="unitId")
        await places.require_unit_registered(session, unit, community, field="unitId", what=what)
        holder, field = Holder(name=f"“{unit.name}”", unit_id=unit.id), "unitId"
    period = inputs.period(InvalidPairing, draft.starts_on, draft.ends_on)
    expected = inputs.expectations(InvalidPairing, draft.expected)
    reason = inputs.reason(clean_pairing, draft.reason)
    return await start(
        session, principal, household, holder, period, expected, reason=reason, field=field
    )


async def finish(
    session: AsyncSession, principal: Principal | None, pairing: Pairing, reason: str
) -> None:
    """End an active pairing (locked) with the reason."""
    pairing.status, pairing.ended_at = CommitmentStatus.ENDED, now()
    pairing.ended_by = None if principal is None else principal.account_id
    pairing.end_reason = reason
    await session.flush()
    await _log(session, principal, pairing, "ended", reason=reason)


async def get_pairing(session: AsyncSession, pairing_id: int, *, lock: bool = False) -> Pairing:
    found = await repository.get_pairing(session, pairing_id, lock=lock)
    if found is None:
        raise PairingNotFound("未找到该结对", field="id")
    return found


async def end_pairing(
    session: AsyncSession, principal: Principal, pairing_id: int, *, reason: str
) -> Pairing:
    pairing = await get_pairing(session, pairing_id, lock=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="manage",
        node=here(pairing),
        object_id=str(pairing.id),
    )
    cleaned = inputs.end_reason(InvalidPairing, reason)
    if pairing.status is CommitmentStatus.ENDED:
        raise PairingEnded("该结对已结束", field="id")
    await finish(session, principal, pairing, cleaned)
    return pairing
