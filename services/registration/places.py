"""Where registrations go: a community in service, and the compound a member lives in."""

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from policies.paths import node_ids
from services.registration.errors import NotACommunity
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.hierarchy.service import get_node

LABEL = "报到社区"


def check_community(node: Node, *, field: str) -> Node:
    if node.kind is not NodeKind.COMMUNITY:
        raise NotACommunity(
            f"「{LABEL}」应为社区（村），而“{node.name}”不是社区，请选择所在的社区", field=field
        )
    if node.status is NodeStatus.RETIRED:
        raise NotACommunity(f"「{LABEL}」“{node.name}”已撤销", field=field)
    return node


async def community(session: AsyncSession, node_id: int, *, field: str) -> Node:
    return check_community(await get_node(session, node_id), field=field)


async def residence(
    session: AsyncSession, community_node: Node, place_id: int | None, *, field: str
) -> Node:
    """The node a member lives at: a compound (or building, grid) in the community, or the
    community itself when none is given."""
    if place_id is None or place_id == community_node.id:
        return community_node
    place = await get_node(session, place_id)
    if not place.path.startswith(community_node.path) or place.kind not in (
        NodeKind.COMPOUND,
        NodeKind.BUILDING,
        NodeKind.GRID,
    ):
        raise NotACommunity(
            f"「居住小区」应为“{community_node.name}”下的小区，而“{place.name}”不是", field=field
        )
    if place.status is NodeStatus.RETIRED:
        raise NotACommunity(f"「居住小区」“{place.name}”已撤销", field=field)
    return place


async def homes(
    session: AsyncSession, place_ids: Collection[int], *, field: str
) -> dict[int, tuple[Node, Node]]:
    """For each residence node id: (its community, the node itself), in two queries."""
    places = await hierarchy.get_many(session, list(set(place_ids)))
    above = {i for place in places.values() for i in node_ids(place.path)}
    nodes = await hierarchy.get_many(session, list(above))
    found: dict[int, tuple[Node, Node]] = {}
    for place_id, place in places.items():
        line = [nodes[i] for i in node_ids(place.path)]
        communities = [node for node in line if node.kind is NodeKind.COMMUNITY]
        if not communities:
            raise NotACommunity(
                f"居住地“{place.name}”不在任何社区之下，请先更正党员的居住地", field=field
            )
        found[place_id] = (check_community(communities[-1], field=field), place)
    return found
