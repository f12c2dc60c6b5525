"""Where a wish is: the resident's place and the community it belongs to."""

from sqlalchemy.ext.asyncio import AsyncSession

from policies.paths import node_ids
from services.wishes.errors import InvalidWish
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.hierarchy.service import KIND_NAMES

# A resident lives in a community, or in a compound, building or grid of one.
PLACE_KINDS = (NodeKind.COMMUNITY, NodeKind.COMPOUND, NodeKind.BUILDING, NodeKind.GRID)


async def community_of(session: AsyncSession, place: Node, *, field: str) -> Node:
    """The community of the resident's place (the place itself when it is one)."""
    if place.kind not in PLACE_KINDS:
        raise InvalidWish(
            f"「居民所在地」应为社区（村）或其下的小区、楼栋、网格，而“{place.name}”是"
            f"{KIND_NAMES[place.kind]}",
            field=field,
        )
    if place.status is NodeStatus.RETIRED:
        raise InvalidWish(f"「居民所在地」“{place.name}”已撤销", field=field)
    if place.kind is NodeKind.COMMUNITY:
        return place
    line = await hierarchy.get_many(session, node_ids(place.path))
    return next(
        node
        for node in (line[i] for i in reversed(node_ids(place.path)))
        if node.kind is NodeKind.COMMUNITY
    )
