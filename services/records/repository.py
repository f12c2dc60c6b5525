"""Every query of service records and certificates."""

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.records.models import RecordStatus, ServiceRecord, ServiceRecordVersion

LIVE = ServiceRecord.status != RecordStatus.DECLINED


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
