"""需求清单: a need raised for a community or a compound in it, and its way through
open → matched → in_progress → resolved → closed (or rejected from open or matched).

Every change locks the need's row first, so changes to one need happen one at a time and
each sees the status the one before it left; each writes a need_changes row (the history
clients list) and a `need.*` event in its transaction.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.lists import inputs, repository
from services.lists.errors import InvalidNeed, NeedNotFound, NeedStatusRefused
from services.lists.inputs import NEED_LABELS, NEED_STATUS_PHRASES, clean_need
from services.lists.models import (
    PUBLISHED_NEED_STATUSES,
    Need,
    NeedCategory,
    NeedChange,
    NeedSource,
    NeedStatus,
    NeedUrgency,
    Satisfaction,
    WorkOrder,
)
from services.lists.repository import NeedFilter
from services.registration import standing
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.errors import NodeNotFound
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.hierarchy.service import KIND_NAMES, ref

RESOURCE = "need"


@dataclass(frozen=True)
class NeedDraft:
    """A need as typed in, checked by `raise_need`."""

    place_id: int
    category: NeedCategory
    description: object
    source: NeedSource
    urgency: NeedUrgency = NeedUrgency.NORMAL


def here(need: Need) -> tuple[int, str]:
    return need.node_id, need.scope_path


async def get_need(
    session: AsyncSession, need_id: int, *, for_update: bool = False, field: str = "id"
) -> Need:
    found = await repository.need(session, need_id, for_update=for_update)
    if found is None:
        raise NeedNotFound("未找到该需求", field=field)
    return found


async def browses(session: AsyncSession, principal: Principal, need: Need) -> bool:
    """Whether the need is on a list the principal's unit or member may browse as its own:
    open or matched, in a community where it is registered."""
    if need.status not in PUBLISHED_NEED_STATUSES:
        return False
    if not access.may_own(principal, RESOURCE, "read"):
        return False
    return need.community_id in await standing.principal_communities(session, principal)


def may_read(principal: Principal, need: Need) -> bool:
    return access.may(principal, need.scope_path, RESOURCE, "read")


async def read_need(session: AsyncSession, principal: Principal, need_id: int) -> Need:
    need = await get_need(session, need_id)
    owned = not may_read(principal, need) and await browses(session, principal, need)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=here(need),
        object_id=str(need.id),
        owned=owned,
    )
    return need


async def list_needs(
    session: AsyncSession, principal: Principal, page: Page, where: NeedFilter
) -> PageOf[Need]:
    """Staff see the needs in their scope; registered units and members also the open and
    matched needs of the communities where they are registered — one SQL condition."""
    own: ColumnElement[bool] = false()
    if access.may_own(principal, RESOURCE, "read"):
        communities = await standing.principal_communities(session, principal)
        own = and_(
            standing.in_communities(Need.community_id, communities),
            Need.status.in_(PUBLISHED_NEED_STATUSES),
        )
    scope = access.scope_or_own(principal, RESOURCE, "read", Need.scope_path, own)
    return await repository.needs_page(session, scope, page, where)


# --- the record of each step ------------------------------------------------------------


def origin(work_order: WorkOrder | None) -> dict[str, Any]:
    """What every event of a work order's need carries, so the hotline can follow it."""
    if work_order is None:
        return {}
    return {"work_order_id": work_order.id, "external_id": work_order.external_id}


async def log_need(
    session: AsyncSession,
    principal: Principal,
    need: Need,
    step: str,
    *,
    work_order: WorkOrder | None = None,
    **detail: Any,
) -> None:
    """The event and audit entry `need.<step>`, in the step's transaction."""
    if work_order is None and need.work_order_id is not None:
        work_order = await repository.work_order(session, need.work_order_id)
    payload = {
        "need_id": need.id,
        "community_id": need.community_id,
        "place_id": need.node_id,
        "category": need.category.value,
        "urgency": need.urgency.value,
        "source": need.source.value,
        "status": need.status.value,
        **origin(work_order),
        **detail,
    }
    await record_step(
        session,
        principal,
        type=f"need.{step}",
        node=here(need),
        object_type=RESOURCE,
        object_id=need.id,
        payload=payload,
    )


def record_change(
    session: AsyncSession,
    principal: Principal,
    need: Need,
    to: NeedStatus,
    note: str | None = None,
) -> None:
    """Move the need to `to` and keep the change in its history."""
    session.add(
        NeedChange(
            tenant_id=need.tenant_id,
            need_id=need.id,
            from_status=need.status,
            to_status=to,
            note=note,
            changed_by=principal.account_id,
            changed_by_name=principal.name,
        )
    )
    need.status = to


def refused(need: Need, wanted: str, *, field: str = "id") -> NeedStatusRefused:
    return NeedStatusRefused(f"该需求{NEED_STATUS_PHRASES[need.status]}，不能{wanted}", field=field)


# --- raising ----------------------------------------------------------------------------


async def place_of_need(session: AsyncSession, place_id: int, *, field: str) -> tuple[Node, Node]:
    """The need's place (a community, or a compound in one) and its community."""
    place = await hierarchy.get(session, place_id)
    if place is None:
        raise NodeNotFound("未找到该社区或小区", field=field)
    if place.kind is NodeKind.COMMUNITY:
        return place, place
    community = None
    if place.kind is NodeKind.COMPOUND and place.parent_id is not None:
        community = await hierarchy.get(session, place.parent_id)
    if community is None:
        raise InvalidNeed(
            f"「{NEED_LABELS['placeId']}」应为社区或其下的小区，"
            f"而“{place.name}”是{KIND_NAMES[place.kind]}",
            field=field,
        )
    return place, community


def check_in_service(place: Node, community: Node, *, field: str) -> None:
    for node in (community, place):
        if node.status is NodeStatus.RETIRED:
            raise InvalidNeed(f"「{NEED_LABELS['placeId']}」“{node.name}”已撤销", field=field)


async def raise_need(session: AsyncSession, principal: Principal, draft: NeedDraft) -> Need:
    """Community staff (or a compound leader, for the compound) raise a need."""
    place, community = await place_of_need(session, draft.place_id, field="placeId")
    access.require(session, principal, resource=RESOURCE, action="raise", node=ref(place))
    check_in_service(place, community, field="placeId")
    description = inputs.long_text(clean_need, "description", draft.description)
    need = Need(
        tenant_id=bound_tenant(session),
        category=draft.category,
        description=description,
        node_id=place.id,
        community_id=community.id,
        scope_path=place.path,
        urgency=draft.urgency,
        source=draft.source,
        status=NeedStatus.OPEN,
        raised_by=principal.account_id,
        raised_by_name=principal.name,
    )
    await add_need(session, principal, need)
    await log_need(session, principal, need, "raised", place_name=place.name)
    return need


async def add_need(session: AsyncSession, principal: Principal, need: Need) -> None:
    """Save a new need with the first line of its history."""
    session.add(need)
    await session.flush()
    session.add(
        NeedChange(
            tenant_id=need.tenant_id,
            need_id=need.id,
            from_status=None,
            to_status=need.status,
            changed_by=principal.account_id,
            changed_by_name=principal.name,
        )
    )
    await session.flush()


# --- the steps after a match ------------------------------------------------------------


async def _managed(session: AsyncSession, principal: Principal, need_id: int) -> Need:
    """The need locked for a change by staff who manage needs where it is."""
    need = await get_need(session, need_id, for_update=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="manage",
        node=here(need),
        object_id=str(need.id),
    )
    return need


async def start_need(
    session: AsyncSession, principal: Principal, need_id: int, *, note: str | None = None
) -> Need:
    """Work on a matched need begins (its match can no longer be undone)."""
    need = await _managed(session, principal, need_id)
    if need.status is not NeedStatus.MATCHED:
        raise refused(need, "开始办理（须先对接资源）")
    cleaned = inputs.note(clean_need, "note", note)
    record_change(session, principal, need, NeedStatus.IN_PROGRESS, cleaned)
    await session.flush()
    await log_need(session, principal, need, "started", note=cleaned)
    return need


async def resolve_need(
    session: AsyncSession, principal: Principal, need_id: int, *, resolution_note: str
) -> Need:
    need = await _managed(session, principal, need_id)
    if need.status is not NeedStatus.IN_PROGRESS:
        raise refused(need, "标记为已解决")
    cleaned = inputs.long_text(clean_need, "resolutionNote", resolution_note)
    record_change(session, principal, need, NeedStatus.RESOLVED, cleaned)
    need.resolution_note, need.resolved_at = cleaned, now()
    await session.flush()
    await log_need(session, principal, need, "resolved", resolution_note=cleaned)
    return need


async def close_need(
    session: AsyncSession,
    principal: Principal,
    need_id: int,
    *,
    satisfaction: Satisfaction | None,
    note: str | None = None,
) -> Need:
    """Close a resolved need with the resident's satisfaction (回访)."""
    need = await _managed(session, principal, need_id)
    if need.status is not NeedStatus.RESOLVED:
        raise refused(need, "办结")
    answer = inputs.required(InvalidNeed, NEED_LABELS, "satisfaction", satisfaction)
    cleaned = inputs.note(clean_need, "note", note)
    record_change(session, principal, need, NeedStatus.CLOSED, cleaned)
    need.satisfaction, need.closed_at = answer, now()
    await session.flush()
    await log_need(session, principal, need, "closed", satisfaction=answer.value, note=cleaned)
    return need


async def reject_need(
    session: AsyncSession, principal: Principal, need_id: int, *, reason: str
) -> Need:
    """Reject an open or matched need with a reason; a match in force is undone with it."""
    need = await _managed(session, principal, need_id)
    if need.status not in (NeedStatus.OPEN, NeedStatus.MATCHED):
        raise refused(need, "驳回")
    cleaned = inputs.reason(clean_need, reason)
    at = now()
    match = await repository.live_match(session, need.id)
    if match is not None:
        match.undone_by, match.undone_at, match.undo_reason = principal.account_id, at, cleaned
    record_change(session, principal, need, NeedStatus.REJECTED, cleaned)
    need.reject_reason, need.rejected_at = cleaned, at
    await session.flush()
    await log_need(
        session,
        principal,
        need,
        "rejected",
        reason=cleaned,
        resource_id=None if match is None else match.resource_id,
    )
    return need
