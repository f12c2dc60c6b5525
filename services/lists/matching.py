"""对接: community staff match an open need with an available resource of the same
community; the match can be undone until work on the need starts.

The need's row is locked first, then the resource's: a resource being withdrawn (which
locks the resource) and a match of it wait for each other, and whichever comes second
sees what the first did.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now, today
from infra.db import bound_tenant
from policies import access
from policies.principal import Principal
from services.lists import inputs, needs, repository
from services.lists.errors import ResourceNotFound, ResourceNotInCommunity, ResourceWithdrawn
from services.lists.inputs import clean_need
from services.lists.models import RESOURCE_KIND_NAMES, Need, NeedMatch, NeedStatus, ResourceStatus
from tenants.hierarchy import repository as hierarchy


async def _manage(session: AsyncSession, principal: Principal, need_id: int) -> Need:
    need = await needs.get_need(session, need_id, for_update=True, field="needId")
    access.require(
        session,
        principal,
        resource=needs.RESOURCE,
        action="manage",
        node=needs.here(need),
        object_id=str(need.id),
    )
    return need


async def match_need(
    session: AsyncSession,
    principal: Principal,
    *,
    need_id: int,
    resource_id: int,
    note: str | None = None,
) -> Need:
    need = await _manage(session, principal, need_id)
    if need.status is not NeedStatus.OPEN:
        raise needs.refused(need, "再对接资源", field="needId")
    cleaned = inputs.note(clean_need, "note", note)
    resource = await repository.resource(session, resource_id, for_update=True)
    if resource is None:
        raise ResourceNotFound("未找到该资源", field="resourceId")
    if resource.community_id != need.community_id:
        community = await hierarchy.get(session, need.community_id)
        name = community.name if community is not None else "需求所在社区"
        raise ResourceNotInCommunity(
            f"该资源不是提供给“{name}”的，只能对接本社区的资源", field="resourceId"
        )
    if resource.status is ResourceStatus.WITHDRAWN:
        raise ResourceWithdrawn("该资源已被撤回，不能再对接", field="resourceId")
    if resource.available_until is not None and resource.available_until < today():
        raise ResourceWithdrawn(
            f"该资源的提供期限已于 {resource.available_until} 结束，不能再对接",
            field="resourceId",
        )
    session.add(
        NeedMatch(
            tenant_id=bound_tenant(session),
            need_id=need.id,
            resource_id=resource.id,
            note=cleaned,
            matched_by=principal.account_id,
            matched_by_name=principal.name,
        )
    )
    kind = RESOURCE_KIND_NAMES[resource.kind]
    needs.record_change(
        session, principal, need, NeedStatus.MATCHED, cleaned or f"对接资源：{kind}"
    )
    await session.flush()
    await needs.log_need(
        session,
        principal,
        need,
        "matched",
        resource_id=resource.id,
        resource_kind=resource.kind.value,
        unit_id=resource.unit_id,
        member_id=resource.member_id,
        note=cleaned,
    )
    return need


async def unmatch_need(
    session: AsyncSession, principal: Principal, *, need_id: int, reason: str
) -> Need:
    """Undo the match of a need whose work has not started: it is open again."""
    need = await _manage(session, principal, need_id)
    if need.status is not NeedStatus.MATCHED:
        raise needs.refused(need, "撤销对接", field="needId")
    cleaned = inputs.reason(clean_need, reason)
    match = await repository.live_match(session, need.id)
    if match is not None:
        match.undone_by, match.undone_at, match.undo_reason = principal.account_id, now(), cleaned
    needs.record_change(session, principal, need, NeedStatus.OPEN, cleaned)
    await session.flush()
    await needs.log_need(
        session,
        principal,
        need,
        "unmatched",
        resource_id=None if match is None else match.resource_id,
        reason=cleaned,
    )
    return need
