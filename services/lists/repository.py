"""Every query of needs, resources, matches and work orders."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.lists.models import (
    Need,
    NeedCategory,
    NeedChange,
    NeedMatch,
    NeedSource,
    NeedStatus,
    NeedUrgency,
    Resource,
    ResourceKind,
    ResourceStatus,
    WorkOrder,
)

# A match is in use while its need waits for or undergoes the work.
MATCH_IN_USE = (NeedStatus.MATCHED, NeedStatus.IN_PROGRESS)


# --- needs ------------------------------------------------------------------------------


async def need(session: AsyncSession, need_id: int, *, for_update: bool = False) -> Need | None:
    query = select(Need).where(Need.id == need_id)
    if for_update:
        # Re-read under the lock: a change made meanwhile must be seen, not the cache.
        query = query.with_for_update().execution_options(populate_existing=True)
    found: Need | None = await session.scalar(query)
    return found


async def needs_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Need]:
    rows = await session.scalars(select(Need).where(Need.id.in_(list(ids))))
    return {row.id: row for row in rows}


@dataclass(frozen=True)
class NeedFilter:
    within: str | None = None
    status: NeedStatus | None = None
    category: NeedCategory | None = None
    urgency: NeedUrgency | None = None
    source: NeedSource | None = None


async def needs_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: NeedFilter
) -> PageOf[Need]:
    query = select(Need).where(scope, *in_subtree(Need.scope_path, where.within))
    if where.status is not None:
        query = query.where(Need.status == where.status)
    if where.category is not None:
        query = query.where(Need.category == where.category)
    if where.urgency is not None:
        query = query.where(Need.urgency == where.urgency)
    if where.source is not None:
        query = query.where(Need.source == where.source)
    return await fetch_page(session, query, [Need.id], page, descending=True)


async def changes_of_needs(
    session: AsyncSession, need_ids: Collection[int]
) -> dict[int, list[NeedChange]]:
    query = (
        select(NeedChange)
        .where(NeedChange.need_id.in_(list(need_ids)))
        .order_by(NeedChange.need_id, NeedChange.id)
    )
    found: dict[int, list[NeedChange]] = {}
    for row in await session.scalars(query):
        found.setdefault(row.need_id, []).append(row)
    return found


# --- matches ----------------------------------------------------------------------------


async def live_match(session: AsyncSession, need_id: int) -> NeedMatch | None:
    query = select(NeedMatch).where(NeedMatch.need_id == need_id, NeedMatch.undone_at.is_(None))
    found: NeedMatch | None = await session.scalar(query)
    return found


async def matches_of_needs(
    session: AsyncSession, need_ids: Collection[int]
) -> dict[int, list[NeedMatch]]:
    query = (
        select(NeedMatch)
        .where(NeedMatch.need_id.in_(list(need_ids)))
        .order_by(NeedMatch.need_id, NeedMatch.id)
    )
    found: dict[int, list[NeedMatch]] = {}
    for row in await session.scalars(query):
        found.setdefault(row.need_id, []).append(row)
    return found


async def needs_using_resource(session: AsyncSession, resource_id: int) -> list[Need]:
    """The needs a resource is matched with that are not yet done (matched or in progress)."""
    query = (
        select(Need)
        .join(NeedMatch, NeedMatch.need_id == Need.id)
        .where(
            NeedMatch.resource_id == resource_id,
            NeedMatch.undone_at.is_(None),
            Need.status.in_(MATCH_IN_USE),
        )
        .order_by(Need.id)
    )
    return list(await session.scalars(query))


# --- resources --------------------------------------------------------------------------


async def resource(
    session: AsyncSession, resource_id: int, *, for_update: bool = False
) -> Resource | None:
    query = select(Resource).where(Resource.id == resource_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    found: Resource | None = await session.scalar(query)
    return found


async def resources_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Resource]:
    rows = await session.scalars(select(Resource).where(Resource.id.in_(list(ids))))
    return {row.id: row for row in rows}


@dataclass(frozen=True)
class ResourceFilter:
    within: str | None = None
    kind: ResourceKind | None = None
    status: ResourceStatus | None = None
    unit_id: int | None = None
    member_id: int | None = None


async def resources_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: ResourceFilter
) -> PageOf[Resource]:
    query = select(Resource).where(scope, *in_subtree(Resource.scope_path, where.within))
    if where.kind is not None:
        query = query.where(Resource.kind == where.kind)
    if where.status is not None:
        query = query.where(Resource.status == where.status)
    if where.unit_id is not None:
        query = query.where(Resource.unit_id == where.unit_id)
    if where.member_id is not None:
        query = query.where(Resource.member_id == where.member_id)
    return await fetch_page(session, query, [Resource.id], page, descending=True)


# --- work orders ------------------------------------------------------------------------


async def work_order_by_external_id(session: AsyncSession, external_id: str) -> WorkOrder | None:
    found: WorkOrder | None = await session.scalar(
        select(WorkOrder).where(WorkOrder.external_id == external_id)
    )
    return found


async def work_orders_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, WorkOrder]:
    rows = await session.scalars(select(WorkOrder).where(WorkOrder.id.in_(list(ids))))
    return {row.id: row for row in rows}


async def insert_work_order(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert the work order unless its external id is already taken; the new id, or None.

    A concurrent insert of the same external id waits for the other transaction on the
    unique index and, once that one commits, inserts nothing.
    """
    statement = (
        insert(WorkOrder)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "external_id"])
        .returning(WorkOrder.id)
    )
    inserted: int | None = (await session.execute(statement)).scalar_one_or_none()
    return inserted


async def work_order(session: AsyncSession, work_order_id: int) -> WorkOrder | None:
    found: WorkOrder | None = await session.scalar(
        select(WorkOrder).where(WorkOrder.id == work_order_id)
    )
    return found


async def need_of_work_order(session: AsyncSession, work_order_id: int) -> Need | None:
    found: Need | None = await session.scalar(
        select(Need).where(Need.work_order_id == work_order_id)
    )
    return found
