"""双向管理: what the work unit sees of its members' registrations, and what the community
sees of who lives in it, who has registered and who has not yet reported."""

import enum

from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.registration import places, repository
from services.registration.models import MemberRegistration
from services.registration.repository import PlaceCount
from services.registry.models import Member
from services.registry.units import read_unit
from tenants.hierarchy.service import get_node, ref


class RosterStatus(enum.StrEnum):
    REGISTERED = "registered"
    PENDING = "pending"
    UNREGISTERED = "unregistered"


async def unit_roster(
    session: AsyncSession,
    principal: Principal,
    page: Page,
    *,
    unit_id: int,
    status: RosterStatus | None = None,
) -> PageOf[tuple[Member, MemberRegistration | None]]:
    """The unit's members, each with where and since when they are registered (or that
    they are not). The unit's own admin sees all of them; staff those living in scope."""
    unit = await read_unit(session, principal, unit_id)
    own = Member.unit_id == (principal.unit_id or 0)
    scope = access.scope_or_own(principal, "member", "read", Member.scope_path, own)
    return await repository.unit_roster_page(
        session, scope, page, unit_id=unit.id, status=status.value if status else None
    )


async def community_counts(
    session: AsyncSession, principal: Principal, community_id: int
) -> list[PlaceCount]:
    """For the community and each of its compounds: members living there, registered and
    waiting for confirmation."""
    community = await places.community(session, community_id, field="communityId")
    access.require(
        session, principal, resource="member_registration", action="read", node=ref(community)
    )
    scope = access.scope(principal, "member", "read", Member.scope_path)
    return await repository.counts_by_compound(session, scope, community)


async def unreported_members(
    session: AsyncSession, principal: Principal, page: Page, *, within: int
) -> PageOf[Member]:
    """Members living under `within` (a community or compound) who have not reported: the
    list reminders go to."""
    node = await get_node(session, within)
    access.require(session, principal, resource="member", action="read", node=ref(node))
    scope = access.scope(principal, "member", "read", Member.scope_path)
    return await repository.unreported_members_page(session, scope, page, within=node.path)
