"""Every query of visits, and of what a member's visits and pairings add up to."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA
from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.pairing.models import Pairing, Visit
from services.pairing.repository import in_force
from services.records.models import RecordStatus, ServiceRecord


async def get_visit(session: AsyncSession, visit_id: int, *, lock: bool = False) -> Visit | None:
    query = select(Visit).where(Visit.id == visit_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found: Visit | None = await session.scalar(query)
    return found


@dataclass(frozen=True)
class VisitFilter:
    within: str | None = None
    household_id: int | None = None
    member_id: int | None = None
    pairing_id: int | None = None
    from_day: date | None = None
    to_day: date | None = None
    follow_up_needed: bool | None = None


def _start(on: date) -> datetime:
    return datetime.combine(on, time.min, tzinfo=CHINA)


async def visits_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: VisitFilter
) -> PageOf[Visit]:
    """Newest first."""
    conditions = [scope, *in_subtree(Visit.scope_path, where.within)]
    for column, value in (
        (Visit.household_id, where.household_id),
        (Visit.member_id, where.member_id),
        (Visit.pairing_id, where.pairing_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if where.from_day is not None:
        conditions.append(Visit.visited_at >= _start(where.from_day))
    if where.to_day is not None:
        conditions.append(Visit.visited_at < _start(where.to_day + timedelta(days=1)))
    if where.follow_up_needed is not None:
        conditions.append(Visit.follow_up_needed.is_(where.follow_up_needed))
    order = [Visit.visited_at, Visit.id]
    return await fetch_page(session, select(Visit).where(*conditions), order, page, descending=True)


async def records_of_visits(
    session: AsyncSession, visit_ids: Collection[int]
) -> dict[int, ServiceRecord]:
    """The live (or, failing one, the latest) service record of each visit."""
    rows = await session.scalars(
        select(ServiceRecord)
        .where(ServiceRecord.visit_id.in_(list(visit_ids)))
        .order_by(ServiceRecord.id)
    )
    found: dict[int, ServiceRecord] = {}
    for row in rows:
        assert row.visit_id is not None
        held = found.get(row.visit_id)
        if held is None or held.status is RecordStatus.DECLINED:
            found[row.visit_id] = row
    return found


@dataclass(frozen=True)
class VisitTally:
    visits: int = 0
    households_paired: int = 0


async def tallies(
    session: AsyncSession, member_ids: Collection[int], year: int, on: date
) -> dict[int, VisitTally]:
    """Per member: visits made in `year`, households paired with (in force on `on`)."""
    ids = list(member_ids)
    made = await session.execute(
        select(Visit.member_id, func.count())
        .where(
            Visit.member_id.in_(ids),
            Visit.visited_at >= _start(date(year, 1, 1)),
            Visit.visited_at < _start(date(year + 1, 1, 1)),
        )
        .group_by(Visit.member_id)
    )
    visits = {int(member_id): int(count) for member_id, count in made}
    held = await session.execute(
        select(Pairing.member_id, func.count(func.distinct(Pairing.household_id)))
        .where(Pairing.member_id.in_(ids), in_force(Pairing, on))
        .group_by(Pairing.member_id)
    )
    paired = {int(member_id): int(count) for member_id, count in held if member_id is not None}
    return {
        member_id: VisitTally(
            visits=visits.get(member_id, 0), households_paired=paired.get(member_id, 0)
        )
        for member_id in ids
    }
