"""Every query of households and pairings (areas: services/pairing/area_repository.py)."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant
from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.pairing.models import (
    CommitmentStatus,
    Household,
    HouseholdCategory,
    HouseholdStatus,
    Pairing,
    ReminderSubject,
    ResponsibilityArea,
    VisitReminder,
)
from services.registry.models import Member
from services.registry.repository import own_members


def locked(query: Any, lock: bool) -> Any:
    if not lock:
        return query
    return query.with_for_update().execution_options(populate_existing=True)


def in_force(model: type[ResponsibilityArea] | type[Pairing], on: date) -> ColumnElement[bool]:
    """Active, and `on` within its period."""
    return and_(
        model.status == CommitmentStatus.ACTIVE,
        model.starts_on <= on,
        or_(model.ends_on.is_(None), model.ends_on >= on),
    )


def members_owned(unit_id: int | None, member_id: int | None) -> Any:
    """Ids of the members that are the caller's own (its unit's, or itself), as SQL."""
    return select(Member.id).where(own_members(unit_id, member_id))


# --- households ----------------------------------------------------------------------


async def get_household(
    session: AsyncSession, household_id: int, *, lock: bool = False
) -> Household | None:
    query = locked(select(Household).where(Household.id == household_id), lock)
    found: Household | None = await session.scalar(query)
    return found


async def households_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Household]:
    rows = await session.scalars(select(Household).where(Household.id.in_(list(ids))))
    return {row.id: row for row in rows}


def paired_with(unit_id: int | None, member_id: int | None, on: date) -> Any:
    """Ids of the households paired (in force) with the caller's unit, or with the caller
    as a member (a unit's admin follows its members' pairings through `pairings`)."""
    holders = [
        Pairing.unit_id == unit_id if unit_id is not None else false(),
        Pairing.member_id == member_id if member_id is not None else false(),
    ]
    return select(Pairing.household_id).where(or_(*holders), in_force(Pairing, on))


@dataclass(frozen=True)
class HouseholdFilter:
    within: str | None = None
    category: HouseholdCategory | None = None
    status: HouseholdStatus | None = HouseholdStatus.ACTIVE
    # True: with a pairing in force; False: none (who still needs someone).
    paired: bool | None = None
    on: date | None = None


async def households_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: HouseholdFilter
) -> PageOf[Household]:
    conditions = [scope, *in_subtree(Household.scope_path, where.within)]
    if where.category is not None:
        conditions.append(Household.category == where.category)
    if where.status is not None:
        conditions.append(Household.status == where.status)
    if where.paired is not None and where.on is not None:
        paired = exists().where(Pairing.household_id == Household.id, in_force(Pairing, where.on))
        conditions.append(paired if where.paired else ~paired)
    order = [Household.scope_path, Household.id]
    return await fetch_page(session, select(Household).where(*conditions), order, page)


# --- pairings ------------------------------------------------------------------------


async def get_pairing(
    session: AsyncSession, pairing_id: int, *, lock: bool = False
) -> Pairing | None:
    query = locked(select(Pairing).where(Pairing.id == pairing_id), lock)
    found: Pairing | None = await session.scalar(query)
    return found


async def pairings_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Pairing]:
    rows = await session.scalars(select(Pairing).where(Pairing.id.in_(list(ids))))
    return {row.id: row for row in rows}


async def active_pairing(
    session: AsyncSession, household_id: int, *, unit_id: int | None, member_id: int | None
) -> Pairing | None:
    holder = Pairing.unit_id == unit_id if unit_id is not None else Pairing.member_id == member_id
    found: Pairing | None = await session.scalar(
        select(Pairing).where(
            Pairing.household_id == household_id,
            holder,
            Pairing.status == CommitmentStatus.ACTIVE,
        )
    )
    return found


async def pairing_to_visit(
    session: AsyncSession, household_id: int, member: Member, *, lock: bool
) -> Pairing | None:
    """The active pairing under which the member visits the household: the member's own,
    else one of the member's unit."""
    holder = or_(Pairing.member_id == member.id, Pairing.unit_id == member.unit_id)
    query = (
        select(Pairing)
        .where(
            Pairing.household_id == household_id,
            holder,
            Pairing.status == CommitmentStatus.ACTIVE,
        )
        .order_by(case((Pairing.member_id == member.id, 0), else_=1), Pairing.id)
        .limit(1)
    )
    found: Pairing | None = await session.scalar(locked(query, lock))
    return found


async def pairings_of_households(
    session: AsyncSession, household_ids: Collection[int]
) -> dict[int, list[Pairing]]:
    """Each household's active pairings, oldest first."""
    rows = await session.scalars(
        select(Pairing)
        .where(
            Pairing.household_id.in_(list(household_ids)),
            Pairing.status == CommitmentStatus.ACTIVE,
        )
        .order_by(Pairing.id)
    )
    found: dict[int, list[Pairing]] = {}
    for row in rows:
        found.setdefault(row.household_id, []).append(row)
    return found


async def pairings_of_areas(
    session: AsyncSession, area_ids: Collection[int]
) -> dict[int, list[Pairing]]:
    rows = await session.scalars(
        select(Pairing).where(Pairing.area_id.in_(list(area_ids))).order_by(Pairing.id)
    )
    found: dict[int, list[Pairing]] = {}
    for row in rows:
        if row.area_id is not None:
            found.setdefault(row.area_id, []).append(row)
    return found


async def active_pairings_for_update(
    session: AsyncSession, *, household_id: int | None = None, area_id: int | None = None
) -> list[Pairing]:
    """A household's or an area's active pairings, locked (to end them with it)."""
    condition = (
        Pairing.household_id == household_id
        if household_id is not None
        else Pairing.area_id == area_id
    )
    query = (
        select(Pairing)
        .where(condition, Pairing.status == CommitmentStatus.ACTIVE)
        .order_by(Pairing.id)
    )
    return list(await session.scalars(locked(query, True)))


def own_pairings(unit_id: int | None, member_id: int | None) -> ColumnElement[bool]:
    """A unit's pairings and its members'; a member's own."""
    own = Pairing.member_id.in_(members_owned(unit_id, member_id))
    return or_(own, Pairing.unit_id == unit_id) if unit_id is not None else own


@dataclass(frozen=True)
class PairingFilter:
    within: str | None = None
    household_id: int | None = None
    member_id: int | None = None
    unit_id: int | None = None
    in_force_on: date | None = None
    # Only those whose next visit was due before this day (the overdue list).
    overdue_on: date | None = None


async def pairings_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: PairingFilter
) -> PageOf[Pairing]:
    conditions = [scope, *in_subtree(Pairing.scope_path, where.within)]
    for column, value in (
        (Pairing.household_id, where.household_id),
        (Pairing.member_id, where.member_id),
        (Pairing.unit_id, where.unit_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if where.in_force_on is not None:
        conditions.append(in_force(Pairing, where.in_force_on))
    if where.overdue_on is not None:
        conditions += [
            in_force(Pairing, where.overdue_on),
            Pairing.next_visit_due_on < where.overdue_on,
        ]
        order: list[Any] = [Pairing.next_visit_due_on, Pairing.id]
    else:
        order = [Pairing.scope_path, Pairing.id]
    return await fetch_page(session, select(Pairing).where(*conditions), order, page)


async def overdue_pairings(session: AsyncSession, on: date) -> list[Pairing]:
    """Every pairing in force whose next visit was due before `on` (the daily reminders)."""
    rows = await session.scalars(
        select(Pairing)
        .where(in_force(Pairing, on), Pairing.next_visit_due_on < on)
        .order_by(Pairing.next_visit_due_on, Pairing.id)
    )
    return list(rows)


async def claim_reminder(
    session: AsyncSession, on: date, subject: ReminderSubject, subject_id: int
) -> bool:
    """Whether the reminder of `on` to the member or unit is still to be written (it is
    then counted as written, in this transaction)."""
    claimed = await session.scalar(
        insert(VisitReminder)
        .values(
            tenant_id=bound_tenant(session), remind_on=on, subject=subject, subject_id=subject_id
        )
        .on_conflict_do_nothing()
        .returning(VisitReminder.subject_id)
    )
    return claimed is not None
