"""The assessment's place in the schedule: each morning, communities with feedback forms
outstanding as the year's deadline nears are reminded — at each of the rules' thresholds
(14, 7, 3 and 1 days before, by default), at most once per community, year and threshold
— by a `feedback.reminder` event the notifications take to the community's staff."""

from datetime import date, datetime, time

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA
from infra.db import bound_tenant
from infra.scheduler import scheduled
from services.assessment.common import FIRST_YEAR, deadline
from services.assessment.models import FeedbackReminder
from services.assessment.windows import outstanding_by_community
from services.events.service import record_step
from tenants.rules.service import rules_on

REMINDER = "feedback.reminder"


def reminder_due(days_left: int, thresholds: tuple[int, ...]) -> int | None:
    """Which threshold a deadline `days_left` days away is in the window of: the nearest
    one not yet passed (none once the deadline has passed)."""
    if days_left < 0:
        return None
    due = [days for days in thresholds if days_left <= days]
    return min(due) if due else None


async def _remind_year(session: AsyncSession, year: int, day: date) -> int:
    rules = await rules_on(session, min(date(year, 12, 31), day))
    due_on = deadline(year, rules)
    days_left = (due_on - day).days
    days_before = reminder_due(days_left, rules.assessment.reminder_days)
    if days_before is None:
        return 0
    outstanding = await outstanding_by_community(session, year)
    if not outstanding:
        return 0
    tenant = bound_tenant(session)
    written = await session.scalars(
        insert(FeedbackReminder)
        .values(
            [
                {"tenant_id": tenant, "community_id": c, "year": year, "days_before": days_before}
                for c, _, _ in outstanding
            ]
        )
        .on_conflict_do_nothing()
        .returning(FeedbackReminder.community_id)
    )
    reminded = set(written)
    for community_id, path, count in outstanding:
        if community_id not in reminded:
            continue
        await record_step(
            session,
            None,
            type=REMINDER,
            node=(community_id, path),
            object_type="community",
            object_id=community_id,
            payload={
                "community_id": community_id,
                "year": year,
                "deadline": due_on.isoformat(),
                "outstanding": count,
                "days_left": days_left,
            },
        )
    return len(reminded)


async def remind(session: AsyncSession, day: date) -> int:
    """Remind the communities of the years whose deadline is near (last year's, early in
    the year; this year's, when the county sets a deadline before the year ends)."""
    written = 0
    for year in (day.year - 1, day.year):
        if year >= FIRST_YEAR:
            written += await _remind_year(session, year, day)
    return written


# In the morning, so a reminder read at once is read in working hours.
@scheduled("assessment.feedback_reminders", daily_at=time(9, 0))
async def feedback_reminders(session: AsyncSession, due: datetime) -> int:
    return await remind(session, due.astimezone(CHINA).date())
