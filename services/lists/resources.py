"""资源清单: what a unit or a member offers the community where it is registered — a
venue, funds, equipment, a professional service, a skill, time — entered by the offerer
itself or by community staff on its behalf; the offerer (or staff) can withdraw it."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.lists import inputs, repository
from services.lists.errors import (
    InvalidResource,
    OffererNotRegistered,
    ResourceInUse,
    ResourceNotFound,
    ResourceWithdrawn,
)
from services.lists.inputs import clean_resource
from services.lists.models import (
    NEED_CATEGORY_NAMES,
    Resource,
    ResourceKind,
    ResourceStatus,
)
from services.lists.repository import ResourceFilter
from services.registration import standing
from services.registry import repository as registry
from services.registry.errors import MemberNotFound
from services.registry.models import Member, RegistryStatus, Unit
from services.registry.units import get_unit
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.errors import NodeNotFound
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.hierarchy.service import ref

RESOURCE = "resource"
LABEL = inputs.RESOURCE_LABELS["communityId"]


@dataclass(frozen=True)
class ResourceDraft:
    """A resource as typed in, checked by `offer_resource`. With no unit and no member,
    the offerer is the caller's own unit (or the caller as a member)."""

    kind: ResourceKind
    description: object
    availability: object = None
    available_from: date | None = None
    available_until: date | None = None
    community_id: int | None = None
    unit_id: int | None = None
    member_id: int | None = None


def here(resource: Resource) -> tuple[int, str]:
    return resource.community_id, resource.scope_path


def is_offerer(principal: Principal, resource: Resource) -> bool:
    return (resource.unit_id is not None and resource.unit_id == principal.unit_id) or (
        resource.member_id is not None and resource.member_id == principal.member_id
    )


async def get_resource(
    session: AsyncSession, resource_id: int, *, for_update: bool = False, field: str = "id"
) -> Resource:
    found = await repository.resource(session, resource_id, for_update=for_update)
    if found is None:
        raise ResourceNotFound("未找到该资源", field=field)
    return found


async def read_resource(session: AsyncSession, principal: Principal, resource_id: int) -> Resource:
    """Staff in scope; the offerer; units and members registered in its community while
    it is available."""
    resource = await get_resource(session, resource_id)
    owned = False
    if not access.may(principal, resource.scope_path, RESOURCE, "read"):
        owned = is_offerer(principal, resource) or (
            resource.status is ResourceStatus.AVAILABLE
            and access.may_own(principal, RESOURCE, "read")
            and resource.community_id in await standing.principal_communities(session, principal)
        )
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=here(resource),
        object_id=str(resource.id),
        owned=owned,
    )
    return resource


async def list_resources(
    session: AsyncSession, principal: Principal, page: Page, where: ResourceFilter
) -> PageOf[Resource]:
    own: ColumnElement[bool] = false()
    if access.may_own(principal, RESOURCE, "read"):
        communities = await standing.principal_communities(session, principal)
        own = and_(
            standing.in_communities(Resource.community_id, communities),
            Resource.status == ResourceStatus.AVAILABLE,
        )
        if principal.unit_id is not None:
            own = or_(own, Resource.unit_id == principal.unit_id)
        if principal.member_id is not None:
            own = or_(own, Resource.member_id == principal.member_id)
    scope = access.scope_or_own(principal, RESOURCE, "read", Resource.scope_path, own)
    return await repository.resources_page(session, scope, page, where)


# --- offering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Offerer:
    """The unit or the member a resource is offered by, and the argument that named it."""

    unit: Unit | None
    member: Member | None
    field: str
    name: str
    node: tuple[int, str]
    status: RegistryStatus

    def owned_by(self, principal: Principal) -> bool:
        if self.unit is not None:
            return principal.unit_id == self.unit.id
        return self.member is not None and principal.member_id == self.member.id

    async def communities(self, session: AsyncSession) -> set[int]:
        """The communities where it is registered (confirmed)."""
        if self.unit is not None:
            return await standing.unit_communities(session, self.unit.id)
        if self.member is None:
            return set()
        community = await standing.member_community(session, self.member.id)
        return set() if community is None else {community}


async def _offerer(session: AsyncSession, principal: Principal, draft: ResourceDraft) -> Offerer:
    unit_id, member_id = draft.unit_id, draft.member_id
    if unit_id is not None and member_id is not None:
        raise InvalidResource("「提供单位」和「提供党员」只能填写一项", field="memberId")
    if unit_id is None and member_id is None:
        unit_id, member_id = principal.unit_id, principal.member_id
    if unit_id is not None:
        unit = await get_unit(session, unit_id, field="unitId")
        return Offerer(
            unit, None, "unitId", f"“{unit.name}”", (unit.node_id, unit.scope_path), unit.status
        )
    if member_id is None:
        raise InvalidResource("请指明提供资源的单位或党员", field="unitId")
    member = await registry.get_member(session, member_id)
    if member is None:
        raise MemberNotFound("未找到该党员", field="memberId")
    node = (member.node_id, member.scope_path)
    return Offerer(None, member, "memberId", "该党员", node, member.status)


async def _community(session: AsyncSession, community_id: int) -> Node:
    node = await hierarchy.get(session, community_id)
    if node is None:
        raise NodeNotFound("未找到该社区", field="communityId")
    return node


def _check_community(node: Node) -> None:
    if node.kind is not NodeKind.COMMUNITY:
        raise InvalidResource(
            f"「{LABEL}」应为社区（村），而“{node.name}”不是", field="communityId"
        )
    if node.status is NodeStatus.RETIRED:
        raise InvalidResource(f"「{LABEL}」“{node.name}”已撤销", field="communityId")


async def offer_resource(
    session: AsyncSession, principal: Principal, draft: ResourceDraft
) -> Resource:
    """A unit (its admin) or member offers a resource into a community where it is
    registered; staff with `resource, offer` there may enter it on its behalf."""
    offerer = await _offerer(session, principal, draft)
    registered = await offerer.communities(session)
    owned = offerer.owned_by(principal)
    chosen = draft.community_id
    if chosen is None and len(registered) == 1:
        [chosen] = registered
    if chosen is None:
        # No community to act in: whoever may offer for the offerer where it is hears why.
        access.require(
            session, principal, resource=RESOURCE, action="offer", node=offerer.node, owned=owned
        )
        if not registered:
            raise OffererNotRegistered(
                f"{offerer.name}尚未在任何社区报到（经社区确认），报到后才能提供资源",
                field=offerer.field,
            )
        raise InvalidResource(
            f"{offerer.name}已在多个社区报到，请在「{LABEL}」中选择资源提供给哪个社区",
            field="communityId",
        )
    community = await _community(session, chosen)
    access.require(
        session, principal, resource=RESOURCE, action="offer", node=ref(community), owned=owned
    )
    _check_community(community)
    if community.id not in registered:
        raise OffererNotRegistered(
            f"{offerer.name}未在“{community.name}”报到（经社区确认），不能向该社区提供资源",
            field="communityId",
        )
    if offerer.status is not RegistryStatus.ACTIVE:
        raise InvalidResource(f"{offerer.name}已退出名册，不能提供资源", field=offerer.field)
    description = inputs.long_text(clean_resource, "description", draft.description)
    availability = inputs.note(clean_resource, "availability", draft.availability)
    inputs.period(draft.available_from, draft.available_until)
    resource = Resource(
        tenant_id=bound_tenant(session),
        kind=draft.kind,
        description=description,
        availability=availability,
        available_from=draft.available_from,
        available_until=draft.available_until,
        community_id=community.id,
        scope_path=community.path,
        unit_id=None if offerer.unit is None else offerer.unit.id,
        member_id=None if offerer.member is None else offerer.member.id,
        status=ResourceStatus.AVAILABLE,
        offered_by=principal.account_id,
        offered_by_name=principal.name,
    )
    session.add(resource)
    await session.flush()
    await _log(session, principal, resource, "offered", community_name=community.name)
    return resource


async def _log(
    session: AsyncSession, principal: Principal, resource: Resource, step: str, **detail: Any
) -> None:
    payload = {
        "resource_id": resource.id,
        "community_id": resource.community_id,
        "kind": resource.kind.value,
        "unit_id": resource.unit_id,
        "member_id": resource.member_id,
        "status": resource.status.value,
        **detail,
    }
    await record_step(
        session,
        principal,
        type=f"resource.{step}",
        node=here(resource),
        object_type=RESOURCE,
        object_id=resource.id,
        payload=payload,
    )


async def withdraw_resource(
    session: AsyncSession, principal: Principal, resource_id: int, *, reason: str | None = None
) -> Resource:
    """The offerer (or staff who manage resources there) withdraws a resource, unless a
    need it is matched with is still waiting for it or being worked on."""
    resource = await get_resource(session, resource_id, for_update=True)
    if not (is_offerer(principal, resource) and access.may_own(principal, RESOURCE, "offer")):
        access.require(
            session,
            principal,
            resource=RESOURCE,
            action="manage",
            node=here(resource),
            object_id=str(resource.id),
        )
    if resource.status is ResourceStatus.WITHDRAWN:
        raise ResourceWithdrawn("该资源已撤回，不能再次撤回", field="id")
    cleaned = inputs.optional_reason(clean_resource, reason)
    using = await repository.needs_using_resource(session, resource.id)
    if using:
        first = using[0]
        raise ResourceInUse(
            f"该资源已对接 {len(using)} 项尚未办结的需求（如{NEED_CATEGORY_NAMES[first.category]}："
            f"“{first.description[:20]}”），请先由社区撤销对接或办结后再撤回",
            field="id",
        )
    resource.status = ResourceStatus.WITHDRAWN
    resource.withdrawn_by, resource.withdrawn_at = principal.account_id, now()
    resource.withdraw_reason = cleaned
    await session.flush()
    await _log(session, principal, resource, "withdrawn", reason=cleaned)
    return resource
