"""The whistle calls' place in the schedule: calls past their response deadline escalate."""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from infra.scheduler import scheduled
from services.whistles.escalation import escalate_due


# Deadlines are to the minute, and an emergency call cannot wait longer.
@scheduled("whistles.escalate_due", every=timedelta(minutes=1))
async def escalate_due_calls(session: AsyncSession, due: datetime) -> None:
    await escalate_due(session, due)
