"""Every query of dual registration: registrations, agreements and the two-sided views."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.registration.models import (
    OPEN_STATUSES,
    Agreement,
    AgreementStatus,
    AgreementVersion,
    MemberRegistration,
    RegistrationStatus,
    UnitRegistration,
)
from services.registry.models import Member, RegistryStatus
from tenants.hierarchy.models import Node, NodeKind

# --- unit registrations and agreements ---------------------------------------------


async def unit_registration(
    session: AsyncSession, registration_id: int, *, for_update: bool = False
) -> UnitRegistration | None:
    query = select(UnitRegistration).where(UnitRegistration.id == registration_id)
    if for_update:
        # Re-read under the lock: a decision made meanwhile must be seen, not the cache.
        query = query.with_for_update().execution_options(populate_existing=True)
    found: UnitRegistration | None = await session.scalar(query)
    return found


async def open_unit_registration(session: AsyncSession, unit_id: int) -> UnitRegistration | None:
    query = select(UnitRegistration).where(
        UnitRegistration.unit_id == unit_id, UnitRegistration.status.in_(OPEN_STATUSES)
    )
    found: UnitRegistration | None = await session.scalar(query)
    return found


@dataclass(frozen=True)
class UnitRegistrationFilter:
    within: str | None = None
    unit_id: int | None = None
    status: RegistrationStatus | None = None


async def unit_registrations_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: UnitRegistrationFilter
) -> PageOf[UnitRegistration]:
    query = select(UnitRegistration).where(
        scope, *in_subtree(UnitRegistration.scope_path, where.within)
    )
    if where.unit_id is not None:
        query = query.where(UnitRegistration.unit_id == where.unit_id)
    if where.status is not None:
        query = query.where(UnitRegistration.status == where.status)
    return await fetch_page(session, query, [UnitRegistration.id], page, descending=True)


async def agreement(
    session: AsyncSession, agreement_id: int, *, for_update: bool = False
) -> Agreement | None:
    query = select(Agreement).where(Agreement.id == agreement_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    found: Agreement | None = await session.scalar(query)
    return found


async def agreements_of_registrations(
    session: AsyncSession, registration_ids: Collection[int]
) -> dict[int, Agreement]:
    """The newest agreement of each registration (in force, else the last one ended)."""
    query = (
        select(Agreement)
        .where(Agreement.registration_id.in_(list(registration_ids)))
        .order_by(Agreement.registration_id, Agreement.id)
    )
    return {row.registration_id: row for row in await session.scalars(query)}


async def agreement_in_force(session: AsyncSession, registration_id: int) -> Agreement | None:
    query = select(Agreement).where(
        Agreement.registration_id == registration_id, Agreement.status == AgreementStatus.IN_FORCE
    )
    found: Agreement | None = await session.scalar(query)
    return found


async def agreement_versions(session: AsyncSession, agreement_id: int) -> list[AgreementVersion]:
    query = (
        select(AgreementVersion)
        .where(AgreementVersion.agreement_id == agreement_id)
        .order_by(AgreementVersion.version)
    )
    return list(await session.scalars(query))


# --- member registrations -----------------------------------------------------------


async def member_registration(
    session: AsyncSession, registration_id: int
) -> MemberRegistration | None:
    found: MemberRegistration | None = await session.scalar(
        select(MemberRegistration).where(MemberRegistration.id == registration_id)
    )
    return found


async def member_registrations_by_id(
    session: AsyncSession, ids: Collection[int]
) -> dict[int, MemberRegistration]:
    query = select(MemberRegistration).where(MemberRegistration.id.in_(list(ids)))
    return {row.id: row for row in await session.scalars(query)}


async def member_registrations_for_update(
    session: AsyncSession, ids: Collection[int]
) -> dict[int, MemberRegistration]:
    """Lock the rows in id order (so two batches never deadlock), re-read under the lock."""
    query = (
        select(MemberRegistration)
        .where(MemberRegistration.id.in_(sorted(set(ids))))
        .order_by(MemberRegistration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in await session.scalars(query)}


async def open_member_registrations(
    session: AsyncSession, member_ids: Collection[int]
) -> dict[int, MemberRegistration]:
    query = select(MemberRegistration).where(
        MemberRegistration.member_id.in_(list(member_ids)),
        MemberRegistration.status.in_(OPEN_STATUSES),
    )
    return {row.member_id: row for row in await session.scalars(query)}


async def members_for_update(session: AsyncSession, ids: Collection[int]) -> dict[int, Member]:
    """Members locked in id order: two slips for one member wait for each other."""
    query = (
        select(Member)
        .where(Member.id.in_(sorted(set(ids))))
        .order_by(Member.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in await session.scalars(query)}


@dataclass(frozen=True)
class MemberRegistrationFilter:
    within: str | None = None
    community_id: int | None = None
    unit_id: int | None = None
    member_id: int | None = None
    status: RegistrationStatus | None = None
    receipt_filed: bool | None = None


async def member_registrations_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: MemberRegistrationFilter
) -> PageOf[MemberRegistration]:
    query = select(MemberRegistration).where(
        scope, *in_subtree(MemberRegistration.scope_path, where.within)
    )
    if where.community_id is not None:
        query = query.where(MemberRegistration.community_id == where.community_id)
    if where.unit_id is not None:
        query = query.where(MemberRegistration.unit_id == where.unit_id)
    if where.member_id is not None:
        query = query.where(MemberRegistration.member_id == where.member_id)
    if where.status is not None:
        query = query.where(MemberRegistration.status == where.status)
    if where.receipt_filed is not None:
        filed = MemberRegistration.receipt_filed_at.is_not(None)
        query = query.where(filed if where.receipt_filed else ~filed)
    return await fetch_page(session, query, [MemberRegistration.id], page, descending=True)


# --- the two sides' views -------------------------------------------------------------


def _open_registration_of_member() -> Any:
    return and_(
        MemberRegistration.member_id == Member.id,
        MemberRegistration.status.in_(OPEN_STATUSES),
    )


async def unit_roster_page(
    session: AsyncSession,
    scope: ColumnElement[bool],
    page: Page,
    *,
    unit_id: int,
    status: str | None,
) -> PageOf[tuple[Member, MemberRegistration | None]]:
    """The unit's active members, each with their registration in force or waiting (if
    any). `status`: 'registered', 'pending', 'unregistered' or None for all."""
    query = (
        select(Member, MemberRegistration)
        .outerjoin(MemberRegistration, _open_registration_of_member())
        .where(scope, Member.unit_id == unit_id, Member.status == RegistryStatus.ACTIVE)
    )
    if status == "registered":
        query = query.where(MemberRegistration.status == RegistrationStatus.CONFIRMED)
    elif status == "pending":
        query = query.where(MemberRegistration.status == RegistrationStatus.SUBMITTED)
    elif status == "unregistered":
        query = query.where(MemberRegistration.id.is_(None))
    query = query.order_by(Member.id)
    if page.after is not None:
        query = query.where(Member.id > int(page.after[0]))
    rows: list[tuple[Member, MemberRegistration | None]] = [
        (m, r) for m, r in await session.execute(query.limit(page.first + 1))
    ]
    return PageOf(rows=rows[: page.first], has_next=len(rows) > page.first)


async def unreported_members_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, *, within: str
) -> PageOf[Member]:
    """Active members living within `within` with no registration waiting or in force."""
    reported = select(MemberRegistration.id).where(_open_registration_of_member()).exists()
    query = select(Member).where(
        scope,
        *in_subtree(Member.scope_path, within),
        Member.status == RegistryStatus.ACTIVE,
        ~reported,
    )
    return await fetch_page(session, query, [Member.scope_path, Member.id], page)


@dataclass(frozen=True)
class PlaceCount:
    node: Node
    residents: int
    registered: int
    pending: int


async def counts_by_compound(
    session: AsyncSession, scope: ColumnElement[bool], community: Node
) -> list[PlaceCount]:
    """For the community as a whole, then each compound in it: active members living there
    (members living in a building or grid count in its compound), how many are registered
    (confirmed) and how many wait for confirmation. One statement for the counts."""
    compounds = (
        select(Node.id, Node.path)
        .where(
            *in_subtree(Node.path, community.path),
            Node.kind == NodeKind.COMPOUND,
        )
        .subquery()
    )
    place = func.coalesce(compounds.c.id, community.id)
    registration = MemberRegistration.status
    query = (
        select(
            place.label("place"),
            func.count(Member.id),
            func.count(MemberRegistration.id).filter(registration == RegistrationStatus.CONFIRMED),
            func.count(MemberRegistration.id).filter(registration == RegistrationStatus.SUBMITTED),
        )
        .select_from(Member)
        .outerjoin(
            compounds,
            func.left(Member.scope_path, func.length(compounds.c.path)) == compounds.c.path,
        )
        .outerjoin(MemberRegistration, _open_registration_of_member())
        .where(
            scope,
            *in_subtree(Member.scope_path, community.path),
            Member.status == RegistryStatus.ACTIVE,
        )
        .group_by(place)
    )
    counted = {row[0]: (row[1], row[2], row[3]) for row in await session.execute(query)}
    places = list(
        await session.scalars(
            select(Node)
            .where(
                *in_subtree(Node.path, community.path),
                or_(Node.id == community.id, Node.kind == NodeKind.COMPOUND),
            )
            .order_by(case((Node.id == community.id, 0), else_=1), Node.name, Node.id)
        )
    )
    total = tuple(sum(column) for column in zip((0, 0, 0), *counted.values(), strict=False))
    return [
        PlaceCount(node, *(total if node.id == community.id else counted.get(node.id, (0, 0, 0))))
        for node in places
    ]
