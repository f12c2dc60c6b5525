"""Whom an activity is open to (its audience), and where the caller stands for browsing:
members registered in its community, the organising unit's own members, or members
registered anywhere in a chosen scope."""

from sqlalchemy.ext.asyncio import AsyncSession

from policies.paths import ancestor_paths, node_ids
from policies.principal import Principal
from services.activities import repository
from services.activities.models import Activity, Audience
from services.activities.repository import Viewer
from services.registration import standing
from services.registry import repository as registry
from services.registry.models import Member, RegistryStatus
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.models import Node, NodeKind


def reach(path: str) -> tuple[str, ...]:
    """The paths of a node and the nodes above it: the audiences that take in someone
    registered at that node."""
    return (*ancestor_paths(path), path)


async def community_of(session: AsyncSession, node: Node) -> Node | None:
    """The community a node is in (the node itself when it is one); None above one."""
    if node.kind is NodeKind.COMMUNITY:
        return node
    if node.kind in (NodeKind.COUNTY, NodeKind.TOWNSHIP):
        return None
    line = await hierarchy.get_many(session, node_ids(node.path))
    return next(
        (line[i] for i in reversed(node_ids(node.path)) if line[i].kind is NodeKind.COMMUNITY),
        None,
    )


async def _paths(session: AsyncSession, communities: set[int]) -> tuple[str, ...]:
    nodes = await hierarchy.get_many(session, sorted(communities))
    return tuple(sorted({path for node in nodes.values() for path in reach(node.path)}))


async def viewer_of(session: AsyncSession, principal: Principal) -> Viewer:
    """The caller's unit and member standing, for the activities open to it."""
    unit_paths: tuple[str, ...] = ()
    if principal.unit_id is not None:
        unit_paths = await _paths(
            session, await standing.unit_communities(session, principal.unit_id)
        )
    member_unit_id: int | None = None
    member_paths: tuple[str, ...] = ()
    if principal.member_id is not None:
        member = await registry.get_member(session, principal.member_id)
        if member is not None and member.status is RegistryStatus.ACTIVE:
            member_unit_id = member.unit_id
            community = await standing.member_community(session, member.id)
            if community is not None:
                member_paths = await _paths(session, {community})
    return Viewer(
        unit_id=principal.unit_id,
        unit_paths=unit_paths,
        member_id=principal.member_id,
        member_unit_id=member_unit_id,
        member_paths=member_paths,
    )


async def who_may_join(session: AsyncSession, activity: Activity) -> str:
    """The activity's audience in words: 本活动仅限在“东门社区”报到的党员参加."""
    if activity.audience is Audience.UNIT:
        assert activity.organiser_unit_id is not None
        unit = await registry.get_unit(session, activity.organiser_unit_id)
        return f"本活动仅限“{unit.name if unit else ''}”的党员参加"
    assert activity.audience_node_id is not None
    node = await hierarchy.get(session, activity.audience_node_id)
    name = node.name if node else ""
    if activity.audience is Audience.COMMUNITY:
        return f"本活动仅限在“{name}”报到的党员参加"
    return f"本活动仅限在“{name}”范围内报到的党员参加"


async def may_join(session: AsyncSession, activity: Activity, member: Member) -> bool:
    """Whether the member is of the activity's audience now: on the register, and of the
    organising unit or registered (confirmed) where the activity is open."""
    if member.status is not RegistryStatus.ACTIVE:
        return False
    if activity.audience is Audience.UNIT:
        return member.unit_id == activity.organiser_unit_id
    assert activity.audience_path is not None
    return await repository.member_registered_within(session, member.id, activity.audience_path)
