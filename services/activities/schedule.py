"""The activities' place in the schedule: ended activities their organisers left are
finished (their attendance becomes pending service records)."""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from infra.scheduler import scheduled
from services.activities.finishing import finish_due


# Activities are finished two hours after their end (finishing.GRACE); ten minutes more
# or less does not matter to anyone waiting for their hours.
@scheduled("activities.finish_due", every=timedelta(minutes=10))
async def finish_due_activities(session: AsyncSession, due: datetime) -> None:
    await finish_due(session, due)
