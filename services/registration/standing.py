"""Where a unit or a member stands registered: the communities whose lists, wishes and
whistle calls they may take up (认领只在已报到的社区)."""

from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.paths import in_subtree
from policies.principal import Principal
from services.registration.models import MemberRegistration, RegistrationStatus, UnitRegistration


async def unit_communities(session: AsyncSession, unit_id: int) -> set[int]:
    """The communities the unit is registered with (confirmed)."""
    rows = await session.scalars(
        select(UnitRegistration.node_id).where(
            UnitRegistration.unit_id == unit_id,
            UnitRegistration.status == RegistrationStatus.CONFIRMED,
        )
    )
    return set(rows)


async def member_community(session: AsyncSession, member_id: int) -> int | None:
    """The community the member is registered with (confirmed), if any."""
    found: int | None = await session.scalar(
        select(MemberRegistration.community_id).where(
            MemberRegistration.member_id == member_id,
            MemberRegistration.status == RegistrationStatus.CONFIRMED,
        )
    )
    return found


async def principal_communities(session: AsyncSession, principal: Principal) -> set[int]:
    """Every community where the caller's unit or the caller as a member is registered."""
    found: set[int] = set()
    if principal.unit_id is not None:
        found |= await unit_communities(session, principal.unit_id)
    if principal.member_id is not None:
        community = await member_community(session, principal.member_id)
        if community is not None:
            found.add(community)
    return found


def in_communities(community_column: Any, communities: set[int]) -> ColumnElement[bool]:
    """Rows of those communities, as an SQL condition (none when the set is empty)."""
    return community_column.in_(sorted(communities)) if communities else false()


def registered_units_within(path: str) -> Any:
    """Ids of units registered (confirmed) with a community in the subtree at `path`."""
    return select(UnitRegistration.unit_id).where(
        UnitRegistration.status == RegistrationStatus.CONFIRMED,
        *in_subtree(UnitRegistration.scope_path, path),
    )


def registered_members_within(path: str) -> Any:
    """Ids of members registered (confirmed) where they live, in the subtree at `path`."""
    return select(MemberRegistration.member_id).where(
        MemberRegistration.status == RegistrationStatus.CONFIRMED,
        *in_subtree(MemberRegistration.scope_path, path),
    )
