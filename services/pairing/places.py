"""Where pairing's rows sit: the node named, its kind, its community; who is registered
there; and the refusal of an assignment outside the assigner's subtree."""

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from infra.errors import DomainError
from policies import access, audit
from policies.audit import AuditOutcome
from policies.paths import node_ids
from policies.principal import Principal
from services.pairing.errors import AssignmentOutsideScope, NotRegisteredInCommunity
from services.registration import standing
from services.registry import repository as registry
from services.registry.errors import MemberNotFound, UnitNotFound
from services.registry.models import Member, RegistryStatus, Unit
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.errors import NodeNotFound
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.hierarchy.service import KIND_NAMES, ref


async def node(session: AsyncSession, node_id: int, *, field: str) -> Node:
    found = await hierarchy.get(session, node_id)
    if found is None:
        raise NodeNotFound("未找到该区划或网格节点", field=field)
    return found


def check_kind(
    place: Node,
    kinds: Collection[NodeKind],
    error: type[DomainError],
    label: str,
    *,
    field: str,
) -> None:
    """The place is of one of `kinds` and in service."""
    if place.kind not in kinds:
        wanted = "、".join(KIND_NAMES[kind] for kind in kinds)
        raise error(
            f"「{label}」应为{wanted}，而“{place.name}”是{KIND_NAMES[place.kind]}", field=field
        )
    if place.status is NodeStatus.RETIRED:
        raise error(f"「{label}」“{place.name}”已撤销", field=field)


async def community_of(session: AsyncSession, place: Node) -> Node:
    """The community a place at or below one is in (the place itself when it is one)."""
    if place.kind is NodeKind.COMMUNITY:
        return place
    line = await hierarchy.get_many(session, node_ids(place.path))
    return next(
        line[i]
        for i in reversed(node_ids(place.path))
        if i in line and line[i].kind is NodeKind.COMMUNITY
    )


async def need_place(session: AsyncSession, place: Node) -> Node:
    """Where a need about a household is raised: its compound, else its community (the
    four lists take a community or a compound)."""
    if place.kind in (NodeKind.COMMUNITY, NodeKind.COMPOUND):
        return place
    line = await hierarchy.get_many(session, node_ids(place.path))
    return next(
        line[i]
        for i in reversed(node_ids(place.path))
        if i in line and line[i].kind in (NodeKind.COMPOUND, NodeKind.COMMUNITY)
    )


def require_assigner(
    session: AsyncSession,
    principal: Principal,
    place: Node,
    *,
    resource: str,
    action: str,
    what: str,
    field: str = "nodeId",
) -> None:
    """Staff who may `action` at the place; one who may do so elsewhere only is told the
    place is outside their subtree (ASSIGNMENT_OUTSIDE_SCOPE), anyone else is refused."""
    if access.may(principal, place.path, resource, action):
        return
    anywhere = access.allowed_subtrees(principal, resource, action)
    if anywhere is None or not anywhere:
        access.require(
            session, principal, resource=resource, action=action, node=ref(place), object_id=None
        )
    audit.record_refusal(
        session,
        action=f"{resource}.{action}",
        outcome=AuditOutcome.DENIED,
        actor=principal,
        node=ref(place),
        object_type=resource,
        detail={"code": AssignmentOutsideScope.code},
    )
    raise AssignmentOutsideScope(f"“{place.name}”不在您管辖的范围内，不能{what}", field=field)


async def active_member(session: AsyncSession, member_id: int, *, field: str) -> Member:
    member = await registry.get_member(session, member_id)
    if member is None:
        raise MemberNotFound("未找到该党员", field=field)
    if member.status is not RegistryStatus.ACTIVE:
        raise NotRegisteredInCommunity(f"党员{member.name}已退出名册", field=field)
    return member


async def active_unit(session: AsyncSession, unit_id: int, *, field: str) -> Unit:
    unit = await registry.get_unit(session, unit_id)
    if unit is None:
        raise UnitNotFound("未找到该单位", field=field)
    if unit.status is not RegistryStatus.ACTIVE:
        raise NotRegisteredInCommunity(f"“{unit.name}”已退出单位名册", field=field)
    return unit


async def require_member_registered(
    session: AsyncSession, member: Member, community: Node, *, field: str, what: str
) -> None:
    """The member is registered (confirmed) with the community (认领只在已报到的社区)."""
    if await standing.member_community(session, member.id) != community.id:
        raise NotRegisteredInCommunity(
            f"党员{member.name}未在“{community.name}”报到，不能{what}", field=field
        )


async def require_unit_registered(
    session: AsyncSession, unit: Unit, community: Node, *, field: str, what: str
) -> None:
    if community.id not in await standing.unit_communities(session, unit.id):
        raise NotRegisteredInCommunity(
            f"“{unit.name}”未在“{community.name}”报到，不能{what}", field=field
        )
