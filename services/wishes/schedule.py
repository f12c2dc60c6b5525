"""The wishes' place in the schedule: claims past their last day go back to open."""

from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA
from infra.scheduler import scheduled
from services.wishes.service import release_lapsed


# Just after midnight, so a claim's last day is the whole of that day.
@scheduled("wishes.release_lapsed", daily_at=time(0, 10))
async def release_lapsed_wishes(session: AsyncSession, due: datetime) -> None:
    await release_lapsed(session, due.astimezone(CHINA).date())
