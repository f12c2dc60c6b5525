"""Reading areas, coverage, households, pairings, visits and posts: staff within their
subtree; a unit admin what is its unit's or its members'; a member their own (and the
households they are paired with). Every list is one SQL predicate (`scope_or_own`)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.pairing import (
    area_repository,
    pairings,
    places,
    post_repository,
    repository,
    residents,
)
from services.pairing import visit_repository as visits
from services.pairing.area_repository import AreaFilter
from services.pairing.areas import RESOURCE as AREA
from services.pairing.areas import get_area
from services.pairing.errors import MemberPostNotFound, VisitNotFound
from services.pairing.households import RESOURCE as HOUSEHOLD
from services.pairing.models import Household, Pairing, ResponsibilityArea, Visit
from services.pairing.pairings import RESOURCE as PAIRING
from services.pairing.post_repository import PostFilter
from services.pairing.posts import RESOURCE as POST
from services.pairing.recognition_models import MemberPost
from services.pairing.repository import HouseholdFilter, PairingFilter, members_owned
from services.pairing.visit_repository import VisitFilter
from services.pairing.visits import RESOURCE as VISIT
from services.registry import repository as registry
from services.registry.members import owns_member
from tenants.hierarchy.models import Node, NodeKind
from tenants.hierarchy.service import ref


async def _owns_member(session: AsyncSession, principal: Principal, member_id: int | None) -> bool:
    if member_id is None or (principal.member_id is None and principal.unit_id is None):
        return False
    if member_id == principal.member_id:
        return True
    member = await registry.get_member(session, member_id)
    return member is not None and owns_member(principal, member)


# --- areas and coverage --------------------------------------------------------------


async def read_area(
    session: AsyncSession, principal: Principal, area_id: int
) -> ResponsibilityArea:
    area = await get_area(session, area_id)
    owned = (principal.unit_id is not None and area.unit_id == principal.unit_id) or (
        await _owns_member(session, principal, area.member_id)
    )
    access.require(
        session,
        principal,
        resource=AREA,
        action="read",
        node=(area.node_id, area.scope_path),
        object_id=str(area.id),
        owned=owned,
    )
    return area


async def list_areas(
    session: AsyncSession, principal: Principal, page: Page, where: AreaFilter
) -> PageOf[ResponsibilityArea]:
    own = area_repository.own_areas(principal.unit_id, principal.member_id)
    scope = access.scope_or_own(principal, AREA, "read", ResponsibilityArea.scope_path, own)
    return await area_repository.areas_page(session, scope, page, where)


@dataclass(frozen=True)
class Coverage:
    """Which compounds and buildings in a subtree have a unit responsible for them today."""

    node: Node
    on: date
    compounds: int
    covered_compounds: int
    buildings: int
    covered_buildings: int


async def coverage(session: AsyncSession, principal: Principal, node_id: int) -> Coverage:
    node = await places.node(session, node_id, field="nodeId")
    access.require(session, principal, resource=AREA, action="read", node=ref(node))
    on = today()
    counts = await area_repository.coverage_counts(session, node.path, on)

    def count(kind: NodeKind, covered: bool | None = None) -> int:
        return sum(n for (k, c), n in counts.items() if k is kind and covered in (None, c))

    return Coverage(
        node=node,
        on=on,
        compounds=count(NodeKind.COMPOUND),
        covered_compounds=count(NodeKind.COMPOUND, True),
        buildings=count(NodeKind.BUILDING),
        covered_buildings=count(NodeKind.BUILDING, True),
    )


async def coverage_places(
    session: AsyncSession, coverage: Coverage, page: Page, covered: bool | None
) -> PageOf[Node]:
    """The compounds and buildings of a coverage (read by `coverage`), in tree order."""
    return await area_repository.coverage_page(
        session, coverage.node.path, coverage.on, page, covered
    )


# --- households ----------------------------------------------------------------------


async def read_household(
    session: AsyncSession, principal: Principal, household_id: int
) -> Household:
    household = await pairings.get_household(session, household_id, field="id")
    paired = (await repository.pairings_of_households(session, [household.id])).get(
        household.id, []
    )
    access.require(
        session,
        principal,
        resource=HOUSEHOLD,
        action="read",
        node=(household.node_id, household.scope_path),
        object_id=str(household.id),
        owned=residents.holds_pairing(principal, paired),
    )
    return household


async def list_households(
    session: AsyncSession, principal: Principal, page: Page, where: HouseholdFilter
) -> PageOf[Household]:
    own = Household.id.in_(repository.paired_with(principal.unit_id, principal.member_id, today()))
    scope = access.scope_or_own(principal, HOUSEHOLD, "read", Household.scope_path, own)
    return await repository.households_page(session, scope, page, where)


# --- pairings ------------------------------------------------------------------------


async def read_pairing(session: AsyncSession, principal: Principal, pairing_id: int) -> Pairing:
    pairing = await pairings.get_pairing(session, pairing_id)
    owned = (principal.unit_id is not None and pairing.unit_id == principal.unit_id) or (
        await _owns_member(session, principal, pairing.member_id)
    )
    access.require(
        session,
        principal,
        resource=PAIRING,
        action="read",
        node=pairings.here(pairing),
        object_id=str(pairing.id),
        owned=owned,
    )
    return pairing


async def list_pairings(
    session: AsyncSession, principal: Principal, page: Page, where: PairingFilter
) -> PageOf[Pairing]:
    """Pairings where the caller may read them; `where.overdue_on`: those overdue for a
    visit, the longest overdue first."""
    own = repository.own_pairings(principal.unit_id, principal.member_id)
    scope = access.scope_or_own(principal, PAIRING, "read", Pairing.scope_path, own)
    return await repository.pairings_page(session, scope, page, where)


# --- visits --------------------------------------------------------------------------


async def read_visit(session: AsyncSession, principal: Principal, visit_id: int) -> Visit:
    visit = await visits.get_visit(session, visit_id)
    if visit is None:
        raise VisitNotFound("未找到该走访记录", field="id")
    access.require(
        session,
        principal,
        resource=VISIT,
        action="read",
        node=(visit.node_id, visit.scope_path),
        object_id=str(visit.id),
        owned=await _owns_member(session, principal, visit.member_id),
    )
    return visit


async def list_visits(
    session: AsyncSession, principal: Principal, page: Page, where: VisitFilter
) -> PageOf[Visit]:
    own = Visit.member_id.in_(members_owned(principal.unit_id, principal.member_id))
    scope = access.scope_or_own(principal, VISIT, "read", Visit.scope_path, own)
    return await visits.visits_page(session, scope, page, where)


# --- member posts --------------------------------------------------------------------


async def read_post(session: AsyncSession, principal: Principal, post_id: int) -> MemberPost:
    post = await post_repository.get_post(session, post_id)
    if post is None:
        raise MemberPostNotFound("未找到该任职", field="id")
    access.require(
        session,
        principal,
        resource=POST,
        action="read",
        node=(post.node_id, post.scope_path),
        object_id=str(post.id),
        owned=await _owns_member(session, principal, post.member_id),
    )
    return post


async def list_posts(
    session: AsyncSession, principal: Principal, page: Page, where: PostFilter
) -> PageOf[MemberPost]:
    own = MemberPost.member_id.in_(members_owned(principal.unit_id, principal.member_id))
    scope = access.scope_or_own(principal, POST, "read", MemberPost.scope_path, own)
    return await post_repository.posts_page(session, scope, page, where)
