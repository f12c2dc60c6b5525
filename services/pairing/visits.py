"""民情走访: a member logs a visit to a household they (or their unit) are paired with —
when, what was found, what was done, whether it needs following up. The visit becomes a
pending service record (source VISIT) that the household's community confirms, and a
finding may become a need on the four lists (raised as `raiseNeed` raises one: by staff
who may raise needs there, at the visit or afterwards).

The pairing is locked while a visit is logged: its last visit and the day the next is due
(what the overdue list reads) move with each visit, one at a time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, now
from infra.db import bound_tenant
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.lists.models import Need, NeedCategory, NeedSource, NeedUrgency
from services.lists.needs import NeedDraft, raise_need
from services.pairing import inputs, pairings, places, repository
from services.pairing.errors import (
    HouseholdClosed,
    InvalidVisit,
    NeedAlreadyRaised,
    VisitNotFound,
    VisitNotPaired,
)
from services.pairing.inputs import clean_visit, day
from services.pairing.models import (
    HOUSEHOLD_CATEGORY_NAMES,
    Household,
    HouseholdStatus,
    Pairing,
    Visit,
)
from services.pairing.visit_repository import get_visit as find_visit
from services.records.sources import record_visit
from services.registry.members import owns_member
from services.registry.models import Member

RESOURCE = "visit"
# Visits are logged soon after: one older than this is surely a typing slip.
BACKDATE_MAX_DAYS = 60
NEED_DESCRIPTION_MAX_LENGTH = 2000


@dataclass(frozen=True)
class NeedRequest:
    """A finding to put on the needs list (需求清单)."""

    category: NeedCategory
    description: object
    urgency: NeedUrgency = NeedUrgency.NORMAL


@dataclass(frozen=True)
class VisitDraft:
    household_id: int
    visited_at: datetime
    ended_at: datetime
    found: object = None
    done: object = None
    follow_up_needed: bool = False
    follow_up: object = None
    # The visiting member (None: the caller, as a member).
    member_id: int | None = None
    need: NeedRequest | None = None


def here(visit: Visit) -> tuple[int, str]:
    return visit.node_id, visit.scope_path


def payload(visit: Visit) -> dict[str, Any]:
    return {
        "visit_id": visit.id,
        "pairing_id": visit.pairing_id,
        "household_id": visit.household_id,
        "member_id": visit.member_id,
        "node_id": visit.node_id,
        "community_id": visit.community_id,
        "visited_at": visit.visited_at.isoformat(),
        "ended_at": visit.ended_at.isoformat(),
        "follow_up_needed": visit.follow_up_needed,
        "need_id": visit.need_id,
    }


async def _log(
    session: AsyncSession, principal: Principal, visit: Visit, step: str, **more: Any
) -> None:
    await record_step(
        session,
        principal,
        type=f"visit.{step}",
        node=here(visit),
        object_type=RESOURCE,
        object_id=visit.id,
        payload={**payload(visit), **more},
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA)


def _times(draft: VisitDraft) -> tuple[datetime, datetime]:
    started, ended = _aware(draft.visited_at), _aware(draft.ended_at)
    if ended <= started:
        raise InvalidVisit("「走访结束时间」应晚于「走访开始时间」", field="endedAt")
    if ended > now() + timedelta(minutes=5):
        raise InvalidVisit("走访尚未结束，不能登记", field="endedAt")
    if started < now() - timedelta(days=BACKDATE_MAX_DAYS):
        raise InvalidVisit(f"只能登记 {BACKDATE_MAX_DAYS} 天内的走访", field="visitedAt")
    return started, ended


async def _visitor(session: AsyncSession, principal: Principal, member_id: int | None) -> Member:
    chosen = member_id if member_id is not None else principal.member_id
    if chosen is None:
        raise InvalidVisit("「党员」不能为空", field="memberId")
    return await places.active_member(session, chosen, field="memberId")


async def _pairing(
    session: AsyncSession, household: Household, member: Member, started: datetime
) -> Pairing:
    """The pairing in force on the visit's day under which the member visits."""
    pairing = await repository.pairing_to_visit(session, household.id, member, lock=True)
    if pairing is None:
        raise VisitNotPaired(
            f"党员{member.name}（及其单位）未与该户结对，不能登记走访", field="householdId"
        )
    on = started.astimezone(CHINA).date()
    if on < pairing.starts_on or (pairing.ends_on is not None and on > pairing.ends_on):
        last = "" if pairing.ends_on is None else f"至{day(pairing.ends_on)}"
        raise VisitNotPaired(
            f"该户的结对期限为{day(pairing.starts_on)}起{last}，走访日期{day(on)}不在其内",
            field="visitedAt",
        )
    return pairing


def _need_description(value: object, field: str) -> str:
    return inputs.required_text(clean_visit, field, value, NEED_DESCRIPTION_MAX_LENGTH)


async def _raise(
    session: AsyncSession,
    principal: Principal,
    household: Household,
    request: NeedRequest,
    description: str,
) -> Need:
    place = await places.need_place(
        session, await places.node(session, household.node_id, field="householdId")
    )
    draft = NeedDraft(
        place_id=place.id,
        category=request.category,
        description=description,
        source=NeedSource.HOME_VISIT,
        urgency=request.urgency,
    )
    return await raise_need(session, principal, draft)


async def log_visit(session: AsyncSession, principal: Principal, draft: VisitDraft) -> Visit:
    household = await pairings.get_household(session, draft.household_id)
    member = await _visitor(session, principal, draft.member_id)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="log",
        node=(household.node_id, household.scope_path),
        object_id=str(household.id),
        owned=owns_member(principal, member),
    )
    if household.status is not HouseholdStatus.ACTIVE:
        raise HouseholdClosed("该住户已销号，不能登记走访", field="householdId")
    started, ended = _times(draft)
    found = inputs.required_text(clean_visit, "found", draft.found)
    done = inputs.optional_text(clean_visit, "done", draft.done)
    follow_up = inputs.optional_text(clean_visit, "followUp", draft.follow_up)
    description = None
    if draft.need is not None:
        description = _need_description(draft.need.description, "need.description")
        if not access.may(principal, household.scope_path, "need", "raise"):
            raise InvalidVisit(
                "走访发现只能由社区工作人员转为需求：请勾选“需要跟进”，由社区处理", field="need"
            )
    pairing = await _pairing(session, household, member, started)
    need = None
    if draft.need is not None and description is not None:
        need = await _raise(session, principal, household, draft.need, description)
    visit = Visit(
        tenant_id=bound_tenant(session),
        pairing_id=pairing.id,
        household_id=household.id,
        member_id=member.id,
        node_id=household.node_id,
        scope_path=household.scope_path,
        community_id=household.community_id,
        visited_at=started,
        ended_at=ended,
        found=found,
        done=done,
        follow_up_needed=draft.follow_up_needed or follow_up is not None,
        follow_up=follow_up,
        need_id=None if need is None else need.id,
        logged_by=principal.account_id,
        logged_by_name=principal.name,
    )
    session.add(visit)
    await session.flush()
    on = started.astimezone(CHINA).date()
    if pairing.last_visited_on is None or on > pairing.last_visited_on:
        pairing.last_visited_on = on
        pairing.next_visit_due_on = pairings.next_due(pairing)
    community = await places.node(session, household.community_id, field="householdId")
    record = await record_visit(
        session,
        principal,
        visit_id=visit.id,
        member_id=member.id,
        community=(community.id, community.path),
        title=f"入户走访（{HOUSEHOLD_CATEGORY_NAMES[household.category]}）",
        started_at=started,
        ended_at=ended,
    )
    await _log(session, principal, visit, "logged", service_record_id=record.id)
    return visit


async def raise_need_from_visit(
    session: AsyncSession, principal: Principal, visit_id: int, request: NeedRequest
) -> Visit:
    """Staff put a visit's finding on the needs list (once)."""
    visit = await find_visit(session, visit_id, lock=True)
    if visit is None:
        raise VisitNotFound("未找到该走访记录", field="id")
    access.require(
        session, principal, resource="need", action="raise", node=here(visit), object_id=None
    )
    household = await pairings.get_household(session, visit.household_id, field="id")
    description = _need_description(request.description, "description")
    if visit.need_id is not None:
        raise NeedAlreadyRaised("该走访发现已转为需求，不能重复提出", field="id")
    need = await _raise(session, principal, household, request, description)
    visit.need_id = need.id
    await session.flush()
    await _log(session, principal, visit, "need_raised")
    return visit
