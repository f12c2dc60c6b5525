"""Every query of responsibility areas and of coverage."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.pairing.models import CommitmentStatus, ResponsibilityArea
from services.pairing.repository import in_force, locked, members_owned
from tenants.hierarchy.models import Node, NodeKind, NodeStatus

COVERED_KINDS = (NodeKind.COMPOUND, NodeKind.BUILDING)


async def get_area(
    session: AsyncSession, area_id: int, *, lock: bool = False
) -> ResponsibilityArea | None:
    query = locked(select(ResponsibilityArea).where(ResponsibilityArea.id == area_id), lock)
    found: ResponsibilityArea | None = await session.scalar(query)
    return found


async def active_area(
    session: AsyncSession, node_id: int, *, unit_id: int | None, member_id: int | None
) -> ResponsibilityArea | None:
    holder = (
        ResponsibilityArea.unit_id == unit_id
        if unit_id is not None
        else ResponsibilityArea.member_id == member_id
    )
    found: ResponsibilityArea | None = await session.scalar(
        select(ResponsibilityArea).where(
            ResponsibilityArea.node_id == node_id,
            holder,
            ResponsibilityArea.status == CommitmentStatus.ACTIVE,
        )
    )
    return found


async def areas_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, ResponsibilityArea]:
    rows = await session.scalars(
        select(ResponsibilityArea).where(ResponsibilityArea.id.in_(list(ids)))
    )
    return {row.id: row for row in rows}


def own_areas(unit_id: int | None, member_id: int | None) -> ColumnElement[bool]:
    """A unit's areas, and its members'; a member's own."""
    return or_(
        ResponsibilityArea.unit_id == unit_id if unit_id is not None else false(),
        ResponsibilityArea.member_id.in_(members_owned(unit_id, member_id)),
    )


@dataclass(frozen=True)
class AreaFilter:
    within: str | None = None
    unit_id: int | None = None
    member_id: int | None = None
    # True: units' areas; False: members'.
    of_units: bool | None = None
    in_force_on: date | None = None


async def areas_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: AreaFilter
) -> PageOf[ResponsibilityArea]:
    conditions = [scope, *in_subtree(ResponsibilityArea.scope_path, where.within)]
    if where.unit_id is not None:
        conditions.append(ResponsibilityArea.unit_id == where.unit_id)
    if where.member_id is not None:
        conditions.append(ResponsibilityArea.member_id == where.member_id)
    if where.of_units is not None:
        column = ResponsibilityArea.unit_id
        conditions.append(column.is_not(None) if where.of_units else column.is_(None))
    if where.in_force_on is not None:
        conditions.append(in_force(ResponsibilityArea, where.in_force_on))
    order = [ResponsibilityArea.scope_path, ResponsibilityArea.id]
    return await fetch_page(session, select(ResponsibilityArea).where(*conditions), order, page)


def _covered(on: date) -> ColumnElement[bool]:
    return exists().where(
        ResponsibilityArea.node_id == Node.id,
        ResponsibilityArea.unit_id.is_not(None),
        in_force(ResponsibilityArea, on),
    )


def _places(path: str) -> list[ColumnElement[bool]]:
    return [
        *in_subtree(Node.path, path),
        Node.kind.in_(COVERED_KINDS),
        Node.status == NodeStatus.ACTIVE,
    ]


async def coverage_counts(
    session: AsyncSession, path: str, on: date
) -> dict[tuple[NodeKind, bool], int]:
    """Compounds and buildings in the subtree, by kind and whether a unit is responsible."""
    covered = _covered(on).label("covered")
    rows = await session.execute(
        select(Node.kind, covered, func.count()).where(*_places(path)).group_by(Node.kind, covered)
    )
    return {(kind, bool(is_covered)): count for kind, is_covered, count in rows}


async def coverage_page(
    session: AsyncSession, path: str, on: date, page: Page, covered: bool | None
) -> PageOf[Node]:
    conditions = _places(path)
    if covered is not None:
        conditions.append(_covered(on) if covered else ~_covered(on))
    return await fetch_page(session, select(Node).where(*conditions), [Node.path, Node.id], page)


async def unit_areas_at(
    session: AsyncSession, node_ids: Collection[int], on: date
) -> dict[int, list[ResponsibilityArea]]:
    """The units' areas in force at each node."""
    rows = await session.scalars(
        select(ResponsibilityArea)
        .where(
            ResponsibilityArea.node_id.in_(list(node_ids)),
            ResponsibilityArea.unit_id.is_not(None),
            in_force(ResponsibilityArea, on),
        )
        .order_by(ResponsibilityArea.id)
    )
    found: dict[int, list[ResponsibilityArea]] = {}
    for row in rows:
        found.setdefault(row.node_id, []).append(row)
    return found
