"""吹哨报到: a street or community blows the whistle for its subtree; the units and members
registered there are asked at that moment and answer by the deadline (responses.py); a
call short of what it asked goes up a level (escalation.py); staff close it with the
outcome, or cancel it.

open → escalated (by the schedule) → closed; open or escalated → closed or cancelled.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from policies import access
from policies.paths import is_within
from policies.principal import Principal
from services.events.service import record_step
from services.lists import needs
from services.registry import fields
from services.registry.models import Member
from services.whistles import inputs, repository
from services.whistles.errors import InvalidWhistleCall, WhistleCallClosed, WhistleCallNotFound
from services.whistles.inputs import WhistleDraft, clean
from services.whistles.models import (
    Answer,
    WhistleCall,
    WhistleRecipient,
    WhistleStatus,
)
from services.whistles.repository import Counts, WhistleFilter
from tenants.hierarchy.models import Node, NodeStatus
from tenants.hierarchy.service import get_node, ref

RESOURCE = "whistle_call"
# A call still taking answers or still to be closed.
LIVE = (WhistleStatus.OPEN, WhistleStatus.ESCALATED)
STATE_PHRASES = {
    WhistleStatus.OPEN: "正在召集",
    WhistleStatus.ESCALATED: "已上报上级",
    WhistleStatus.CLOSED: "已结束",
    WhistleStatus.CANCELLED: "已取消",
}


def here(call: WhistleCall) -> tuple[int, str]:
    return call.node_id, call.scope_path


def closed(call: WhistleCall, wanted: str) -> WhistleCallClosed:
    return WhistleCallClosed(f"该吹哨召集{STATE_PHRASES[call.status]}，不能再{wanted}", field="id")


async def get_call(
    session: AsyncSession, call_id: int, *, lock: str | None = None, field: str = "id"
) -> WhistleCall:
    found = await repository.get_call(session, call_id, lock=lock)
    if found is None:
        raise WhistleCallNotFound("未找到该吹哨召集", field=field)
    return found


def own(principal: Principal) -> Any:
    """The caller's recipient rows (themself as a member, their unit as its admin)."""
    return repository.own_recipients(principal.member_id, principal.unit_id)


async def read_call(session: AsyncSession, principal: Principal, call_id: int) -> WhistleCall:
    """Staff where the call was blown; a unit or member it asked."""
    call = await get_call(session, call_id)
    owned = False
    if not access.may(principal, call.scope_path, RESOURCE, "read"):
        owned = bool(await repository.recipients_of(session, call.id, own(principal)))
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=here(call),
        object_id=str(call.id),
        owned=owned,
    )
    return call


def may_read(principal: Principal, call: WhistleCall) -> bool:
    """Whether staff may read the call where it was blown (the recipients list, the call
    it went up to)."""
    return access.may(principal, call.scope_path, RESOURCE, "read")


async def list_calls(
    session: AsyncSession, principal: Principal, page: Page, where: WhistleFilter
) -> PageOf[WhistleCall]:
    """Calls blown where the principal is staff, newest first."""
    scope = access.scope(principal, RESOURCE, "read", WhistleCall.scope_path)
    return await repository.calls_page(session, scope, page, where)


async def recipients(
    session: AsyncSession,
    principal: Principal,
    call: WhistleCall,
    page: Page,
    answer: Answer | None,
) -> PageOf[WhistleRecipient]:
    """Who the call asked and their answers: for staff where it was blown."""
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=here(call),
        object_id=str(call.id),
    )
    return await repository.recipients_page(session, call.id, page, answer)


async def counts(session: AsyncSession, call_ids: list[int]) -> dict[int, Counts]:
    return await repository.counts(session, call_ids)


def described(call: WhistleCall) -> dict[str, Any]:
    """What every event and audit entry says of the call."""
    return {
        "whistle_call_id": call.id,
        "node_id": call.node_id,
        "kind": call.kind.value,
        "title": call.title,
        "status": call.status.value,
    }


def asked(found: Counts) -> dict[str, int]:
    return {"members_asked": found.members_asked, "units_asked": found.units_asked}


def answered(found: Counts) -> dict[str, int]:
    return {
        "accepted_members": found.accepted_members,
        "accepted_units": found.accepted_units,
        "declined": found.declined,
        "pending": found.pending,
    }


def blown_payload(call: WhistleCall, found: Counts) -> dict[str, Any]:
    """The `whistle_call.blown` event: the call and how many were asked (not who)."""
    return {
        **described(call),
        "members_wanted": call.members_wanted,
        "units_wanted": call.units_wanted,
        "skills": list(call.skills),
        "starts_at": call.starts_at.isoformat(),
        "ends_at": call.ends_at.isoformat(),
        "respond_by": call.respond_by.isoformat(),
        "need_id": call.need_id,
        "escalated_from_id": call.escalated_from_id,
        **asked(found),
    }


async def _log(
    session: AsyncSession, principal: Principal, call: WhistleCall, step: str, **detail: Any
) -> None:
    await record_step(
        session,
        principal,
        type=f"whistle_call.{step}",
        node=here(call),
        object_type=RESOURCE,
        object_id=call.id,
        payload={**described(call), **detail},
    )


def _check_node(node: Node) -> None:
    if node.status is NodeStatus.RETIRED:
        raise InvalidWhistleCall(f"「召集范围」“{node.name}”已撤销", field="nodeId")


async def blow(session: AsyncSession, principal: Principal, draft: WhistleDraft) -> WhistleCall:
    """Blow the whistle for `draft.node_id`'s subtree: the units and members registered
    there now are asked, all in one statement."""
    node = await get_node(session, draft.node_id)
    access.require(session, principal, resource=RESOURCE, action="blow", node=ref(node))
    _check_node(node)
    if draft.need_id is not None:
        await _check_need(session, principal, node, draft.need_id)
    call = new_call(session, node, draft, inputs.checked(draft, now()))
    call.blown_by = principal.account_id
    session.add(call)
    await session.flush()
    await repository.ask_recipients(session, call)
    found = (await repository.counts(session, [call.id])).get(call.id, Counts())
    await record_step(
        session,
        principal,
        type="whistle_call.blown",
        node=here(call),
        object_type=RESOURCE,
        object_id=call.id,
        payload=blown_payload(call, found),
    )
    return call


async def _check_need(
    session: AsyncSession, principal: Principal, node: Node, need_id: int
) -> None:
    """A call blown for a need: the need is one the caller may read, in the call's scope."""
    need = await needs.get_need(session, need_id, field="needId")
    access.require(session, principal, resource="need", action="read", node=needs.here(need))
    if not is_within(need.scope_path, node.path):
        raise InvalidWhistleCall(
            f"「对应需求」所在的地点不在“{node.name}”范围内，请在更高一级吹哨", field="needId"
        )


def new_call(
    session: AsyncSession, node: Node, draft: WhistleDraft, checked: inputs.CheckedCall
) -> WhistleCall:
    return WhistleCall(
        tenant_id=bound_tenant(session),
        node_id=node.id,
        scope_path=node.path,
        kind=draft.kind,
        title=checked.title,
        details=checked.details,
        members_wanted=checked.members_wanted,
        units_wanted=checked.units_wanted,
        skills=checked.skills,
        place=checked.place,
        starts_at=checked.starts_at,
        ends_at=checked.ends_at,
        respond_by=checked.respond_by,
        need_id=draft.need_id,
        status=WhistleStatus.OPEN,
    )


async def _for_change(session: AsyncSession, principal: Principal, call_id: int) -> WhistleCall:
    call = await get_call(session, call_id, lock="update")
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="manage",
        node=here(call),
        object_id=str(call.id),
    )
    return call


async def close_call(
    session: AsyncSession, principal: Principal, call_id: int, *, outcome: str
) -> WhistleCall:
    """Staff close the call with what came of it (处置结果)."""
    call = await _for_change(session, principal, call_id)
    cleaned = clean(
        "outcome", lambda v: fields.required_text(v, inputs.OUTCOME_MAX_LENGTH), outcome
    )
    if call.status not in LIVE:
        raise closed(call, "结束")
    at = now()
    call.status, call.outcome, call.closed_by, call.closed_at = (
        WhistleStatus.CLOSED,
        cleaned,
        principal.account_id,
        at,
    )
    await session.flush()
    found = (await repository.counts(session, [call.id])).get(call.id, Counts())
    await _log(
        session, principal, call, "closed", outcome=cleaned, **asked(found), **answered(found)
    )
    return call


async def cancel_call(
    session: AsyncSession, principal: Principal, call_id: int, *, reason: str
) -> WhistleCall:
    """Staff call it off (kept, with the reason); the recipients' answers stay as given."""
    call = await _for_change(session, principal, call_id)
    cleaned = clean("reason", lambda v: fields.required_text(v, inputs.REASON_MAX_LENGTH), reason)
    if call.status not in LIVE:
        raise closed(call, "取消")
    call.status, call.cancel_reason = WhistleStatus.CANCELLED, cleaned
    call.cancelled_by, call.cancelled_at = principal.account_id, now()
    await session.flush()
    await _log(session, principal, call, "cancelled", reason=cleaned)
    return call


def may_see_member(principal: Principal, member: Member) -> bool:
    """A recipient's register entry: to themself, and to whoever may read it there."""
    return principal.member_id == member.id or access.may(
        principal, member.scope_path, "member", "read"
    )
