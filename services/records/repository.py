"""Every query of service records and certificates."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.activities.models import Activity, ActivitySignup, ActivityStatus, SignupStatus
from services.records.models import (
    RecordSource,
    RecordStatus,
    ServiceRecord,
    ServiceRecordVersion,
)
from services.registry.models import Member, RegistryStatus
from services.whistles.models import WhistleCall, WhistleRecipient

LIVE = ServiceRecord.status != RecordStatus.DECLINED
# The zone PostgreSQL names China's time by (quarters of an activity count by its day there).
CHINA_ZONE = "Asia/Shanghai"


async def get_record(
    session: AsyncSession, record_id: int, *, for_update: bool = False
) -> ServiceRecord | None:
    query = select(ServiceRecord).where(ServiceRecord.id == record_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def credited_on(
    session: AsyncSession, member_id: int, day: date, *, leaving_out: int | None = None
) -> Decimal:
    """The hours a member's live records (pending or confirmed) credit on a day."""
    query = select(func.coalesce(func.sum(ServiceRecord.hours), 0)).where(
        ServiceRecord.member_id == member_id, ServiceRecord.service_on == day, LIVE
    )
    if leaving_out is not None:
        query = query.where(ServiceRecord.id != leaving_out)
    return Decimal(await session.scalar(query) or 0)


async def first_overlapping(
    session: AsyncSession,
    member_id: int,
    started_at: datetime,
    ended_at: datetime,
    *,
    leaving_out: int | None = None,
) -> ServiceRecord | None:
    """A live record of the member whose time overlaps [started_at, ended_at)."""
    query = (
        select(ServiceRecord)
        .where(
            ServiceRecord.member_id == member_id,
            LIVE,
            ServiceRecord.started_at < ended_at,
            ServiceRecord.ended_at > started_at,
        )
        .order_by(ServiceRecord.started_at)
        .limit(1)
    )
    if leaving_out is not None:
        query = query.where(ServiceRecord.id != leaving_out)
    return await session.scalar(query)


async def versions_of(
    session: AsyncSession, record_ids: Collection[int]
) -> dict[int, list[ServiceRecordVersion]]:
    """Each record's versions, oldest first."""
    query = (
        select(ServiceRecordVersion)
        .where(ServiceRecordVersion.service_record_id.in_(list(record_ids)))
        .order_by(ServiceRecordVersion.service_record_id, ServiceRecordVersion.version)
    )
    found: dict[int, list[ServiceRecordVersion]] = {i: [] for i in record_ids}
    for row in await session.scalars(query):
        found[row.service_record_id].append(row)
    return found


async def records_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, ServiceRecord]:
    query = select(ServiceRecord).where(ServiceRecord.id.in_(list(ids)))
    return {row.id: row for row in await session.scalars(query)}


async def records_for_update(
    session: AsyncSession, ids: Collection[int]
) -> dict[int, ServiceRecord]:
    """Records locked in id order: two batches touching the same records wait, never
    deadlock; each re-read under its lock."""
    query = (
        select(ServiceRecord)
        .where(ServiceRecord.id.in_(sorted(set(ids))))
        .order_by(ServiceRecord.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in await session.scalars(query)}


async def record_where(
    session: AsyncSession, record_id: int, condition: ColumnElement[bool]
) -> ServiceRecord | None:
    """The record, if it meets `condition` (what the caller may read)."""
    query = select(ServiceRecord).where(ServiceRecord.id == record_id, condition)
    found: ServiceRecord | None = await session.scalar(query)
    return found


async def live_record_of(
    session: AsyncSession,
    *,
    project_claim_id: int | None = None,
    wish_id: int | None = None,
    whistle_recipient_id: int | None = None,
    activity_id: int | None = None,
    member_id: int | None = None,
) -> ServiceRecord | None:
    """The live (pending or confirmed) record already made from a source: a claim, a wish,
    a whistle response, or a member's part in an activity."""
    if project_claim_id is not None:
        condition = ServiceRecord.project_claim_id == project_claim_id
    elif wish_id is not None:
        condition = ServiceRecord.wish_id == wish_id
    elif whistle_recipient_id is not None:
        condition = ServiceRecord.whistle_recipient_id == whistle_recipient_id
    elif activity_id is not None and member_id is not None:
        condition = and_(
            ServiceRecord.activity_id == activity_id, ServiceRecord.member_id == member_id
        )
    else:
        return None
    found: ServiceRecord | None = await session.scalar(
        select(ServiceRecord).where(condition, LIVE).limit(1)
    )
    return found


async def whistle_response(
    session: AsyncSession, recipient_id: int
) -> tuple[WhistleRecipient, WhistleCall] | None:
    """A whistle call's recipient row (the response) with its call."""
    query = (
        select(WhistleRecipient, WhistleCall)
        .join(
            WhistleCall,
            and_(
                WhistleCall.tenant_id == WhistleRecipient.tenant_id,
                WhistleCall.id == WhistleRecipient.whistle_call_id,
            ),
        )
        .where(WhistleRecipient.id == recipient_id)
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def signed_up(session: AsyncSession, activity_id: int, member_id: int) -> bool:
    """Whether the member signed up for the activity (or waits on its list)."""
    query = select(ActivitySignup.id).where(
        ActivitySignup.activity_id == activity_id,
        ActivitySignup.member_id == member_id,
        ActivitySignup.status != SignupStatus.CANCELLED,
    )
    return bool(await session.scalar(select(exists(query))))


def own_records(unit_id: int | None, member_id: int | None) -> ColumnElement[bool]:
    """A unit's own records (of its members, or that it organised) and a member's own, as
    an SQL condition."""
    conditions: list[ColumnElement[bool]] = []
    if unit_id is not None:
        conditions.append(ServiceRecord.organiser_unit_id == unit_id)
        conditions.append(
            ServiceRecord.member_id.in_(select(Member.id).where(Member.unit_id == unit_id))
        )
    if member_id is not None:
        conditions.append(ServiceRecord.member_id == member_id)
    return or_(*conditions) if conditions else false()


@dataclass(frozen=True)
class RecordFilter:
    # The organiser's node lies in this subtree.
    within: str | None = None
    member_id: int | None = None
    # Records of the unit's members.
    unit_id: int | None = None
    status: RecordStatus | None = None
    source: RecordSource | None = None
    # Days of service, both included.
    from_day: date | None = None
    to_day: date | None = None


def _filtered(where: RecordFilter) -> list[ColumnElement[bool]]:
    conditions = list(in_subtree(ServiceRecord.scope_path, where.within))
    if where.member_id is not None:
        conditions.append(ServiceRecord.member_id == where.member_id)
    if where.unit_id is not None:
        conditions.append(
            ServiceRecord.member_id.in_(select(Member.id).where(Member.unit_id == where.unit_id))
        )
    if where.status is not None:
        conditions.append(ServiceRecord.status == where.status)
    if where.source is not None:
        conditions.append(ServiceRecord.source == where.source)
    if where.from_day is not None:
        conditions.append(ServiceRecord.service_on >= where.from_day)
    if where.to_day is not None:
        conditions.append(ServiceRecord.service_on <= where.to_day)
    return conditions


async def records_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: RecordFilter
) -> PageOf[ServiceRecord]:
    """Records in `scope` meeting `where`, the latest service first."""
    query = select(ServiceRecord).where(scope, *_filtered(where))
    order = [ServiceRecord.started_at, ServiceRecord.id]
    return await fetch_page(session, query, order, page, descending=True)


# --- totals ---------------------------------------------------------------------------


async def monthly_totals(
    session: AsyncSession, member_id: int, first: date, last: date
) -> list[tuple[int, RecordStatus, Decimal, int]]:
    """The member's live records between two days (both included), summed by month of
    service and status: (month, status, hours, count)."""
    month = func.extract("month", ServiceRecord.service_on)
    query = (
        select(month, ServiceRecord.status, func.sum(ServiceRecord.hours), func.count())
        .where(
            ServiceRecord.member_id == member_id,
            LIVE,
            ServiceRecord.service_on >= first,
            ServiceRecord.service_on <= last,
        )
        .group_by(month, ServiceRecord.status)
    )
    return [
        (int(m), RecordStatus(status), Decimal(hours), int(count))
        for m, status, hours, count in await session.execute(query)
    ]


async def confirmed_hours(session: AsyncSession, member_id: int) -> Decimal:
    """All the member's confirmed hours, ever."""
    query = select(func.coalesce(func.sum(ServiceRecord.hours), 0)).where(
        ServiceRecord.member_id == member_id, ServiceRecord.status == RecordStatus.CONFIRMED
    )
    return Decimal(await session.scalar(query) or 0)


async def unit_member_quarters(
    session: AsyncSession, unit_id: int, first: date, last: date
) -> list[tuple[int, int | None, Decimal, int]]:
    """Each active member of the unit (by name) with their confirmed hours and times per
    quarter of service between two days: (member id, quarter or None, hours, times)."""
    quarter = func.extract("quarter", ServiceRecord.service_on)
    query = (
        select(
            Member.id,
            quarter,
            func.coalesce(func.sum(ServiceRecord.hours), 0),
            func.count(ServiceRecord.id),
        )
        .select_from(Member)
        .outerjoin(
            ServiceRecord,
            and_(
                ServiceRecord.tenant_id == Member.tenant_id,
                ServiceRecord.member_id == Member.id,
                ServiceRecord.status == RecordStatus.CONFIRMED,
                ServiceRecord.service_on >= first,
                ServiceRecord.service_on <= last,
            ),
        )
        .where(Member.unit_id == unit_id, Member.status == RegistryStatus.ACTIVE)
        .group_by(Member.tenant_id, Member.id, quarter)
        .order_by(Member.name, Member.id, quarter)
    )
    return [
        (int(member_id), None if q is None else int(q), Decimal(hours), int(times))
        for member_id, q, hours, times in await session.execute(query)
    ]


async def collective_activities(
    session: AsyncSession, unit_id: int, starts: datetime, ends: datetime
) -> dict[int, int]:
    """The unit's finished collective activities that started in [starts, ends), counted
    by quarter (of the start, in China)."""
    quarter = func.extract("quarter", func.timezone(CHINA_ZONE, Activity.starts_at))
    query = (
        select(quarter, func.count())
        .where(
            Activity.organiser_unit_id == unit_id,
            Activity.collective.is_(True),
            Activity.status == ActivityStatus.FINISHED,
            Activity.starts_at >= starts,
            Activity.starts_at < ends,
        )
        .group_by(quarter)
    )
    return {int(q): int(count) for q, count in await session.execute(query)}
