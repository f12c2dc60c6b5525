"""Every query on the unit and member registers."""

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant, contains_pattern
from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.registry.models import (
    Gender,
    Member,
    PartyOrgType,
    RegistryStatus,
    Unit,
    UnitKind,
)


@dataclass(frozen=True)
class UnitFilter:
    status: RegistryStatus | None = RegistryStatus.ACTIVE
    kind: UnitKind | None = None
    party_org_type: PartyOrgType | None = None
    # Only units located in this subtree (a node's path).
    within: str | None = None
    # Part of the name, or the whole credit code.
    query: str | None = None


@dataclass(frozen=True)
class MemberFilter:
    status: RegistryStatus | None = RegistryStatus.ACTIVE
    unit_id: int | None = None
    gender: Gender | None = None
    within: str | None = None
    skill: str | None = None
    # Part of the name.
    query: str | None = None
    # The keyed hash of a mobile or ID-card number searched for.
    number_index: bytes | None = None


async def get_unit(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, (bound_tenant(session), unit_id))


async def unit_by_credit_code(session: AsyncSession, code: str) -> Unit | None:
    return (
        await session.execute(select(Unit).where(Unit.credit_code == code))
    ).scalar_one_or_none()


async def units_by_credit_code(session: AsyncSession, codes: Collection[str]) -> dict[str, Unit]:
    rows = await session.scalars(select(Unit).where(Unit.credit_code.in_(list(codes))))
    return {unit.credit_code: unit for unit in rows}


async def units_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: UnitFilter
) -> PageOf[Unit]:
    query = select(Unit).where(scope, *in_subtree(Unit.scope_path, where.within))
    if where.status is not None:
        query = query.where(Unit.status == where.status)
    if where.kind is not None:
        query = query.where(Unit.kind == where.kind)
    if where.party_org_type is not None:
        query = query.where(Unit.party_org_type == where.party_org_type)
    if where.query:
        query = query.where(
            or_(
                Unit.name.like(contains_pattern(where.query)),
                Unit.credit_code == where.query.upper(),
            )
        )
    return await fetch_page(session, query, [Unit.scope_path, Unit.id], page)


async def get_member(session: AsyncSession, member_id: int) -> Member | None:
    return await session.get(Member, (bound_tenant(session), member_id))


async def members_by_index(
    session: AsyncSession, mobiles: Collection[bytes], id_cards: Collection[bytes]
) -> list[Member]:
    """Members holding any of these mobile or ID-card numbers (by keyed hash)."""
    if not mobiles and not id_cards:
        return []
    query = select(Member).where(
        or_(Member.mobile_index.in_(list(mobiles)), Member.id_card_index.in_(list(id_cards)))
    )
    return list(await session.scalars(query))


async def members_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: MemberFilter
) -> PageOf[Member]:
    query = select(Member).where(scope, *in_subtree(Member.scope_path, where.within))
    if where.status is not None:
        query = query.where(Member.status == where.status)
    if where.unit_id is not None:
        query = query.where(Member.unit_id == where.unit_id)
    if where.gender is not None:
        query = query.where(Member.gender == where.gender)
    if where.skill:
        query = query.where(Member.skills.contains([where.skill]))
    if where.query:
        query = query.where(Member.name.like(contains_pattern(where.query)))
    if where.number_index is not None:
        query = query.where(
            or_(
                Member.mobile_index == where.number_index,
                Member.id_card_index == where.number_index,
            )
        )
    return await fetch_page(session, query, [Member.scope_path, Member.id], page)


async def active_members_of_unit(session: AsyncSession, unit_id: int) -> int:
    query = select(func.count()).where(
        Member.unit_id == unit_id, Member.status == RegistryStatus.ACTIVE
    )
    return int(await session.scalar(query) or 0)


async def units_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Unit]:
    rows = await session.scalars(select(Unit).where(Unit.id.in_(list(ids))))
    return {unit.id: unit for unit in rows}


async def members_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Member]:
    rows = await session.scalars(select(Member).where(Member.id.in_(list(ids))))
    return {member.id: member for member in rows}


def own_members(unit_id: int | None, member_id: int | None) -> ColumnElement[bool]:
    """The members that are a caller's own, as an SQL condition: a unit admin's, the
    unit's members; a member's, themself (see `members.owns_member`)."""
    own: list[ColumnElement[bool]] = []
    if unit_id is not None:
        own.append(Member.unit_id == unit_id)
    if member_id is not None:
        own.append(Member.id == member_id)
    return or_(*own) if own else false()
