"""Every query of activities, sign-ups and attendance."""

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activities.models import Activity


async def get_activity(
    session: AsyncSession, activity_id: int, *, for_update: bool = False
) -> Activity | None:
    query = select(Activity).where(Activity.id == activity_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def activities_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Activity]:
    query = select(Activity).where(Activity.id.in_(list(ids)))
    return {row.id: row for row in await session.scalars(query)}
