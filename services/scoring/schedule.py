"""Scoring's place in the schedule (infra/scheduler.py runs each job per county, once per
due time): the nightly full recompute, a recompute soon after the county's rules change,
and the reminders to members short of a quota's pace before its period ends."""

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA
from infra.scheduler import scheduled
from services.scoring import repository
from services.scoring.periods import key, month_range
from services.scoring.quotas import member_targets
from services.scoring.recompute import Recomputed, recompute
from tenants.rules.service import rules_on

log = logging.getLogger(__name__)

REMINDER = "member_quota.reminder"
# Reminders go out this many days before a period ends (its last day is 0 days before),
# the nearer one taking over once its window opens: a member still short two weeks before
# the end hears of it then, and again three days before.
REMINDER_DAYS = (14, 3)


@scheduled("scoring.recompute", daily_at=time(2, 30))
async def nightly_recompute(session: AsyncSession, due: datetime) -> Recomputed:
    """Re-score everything by the rules and units of today (a member who changed unit
    moves their past service with them; a rules version taking effect today applies)."""
    done = await recompute(session)
    log.info("scoring recomputed: %s", done)
    return done


@scheduled("scoring.rules_changed", every=timedelta(minutes=10))
async def recompute_on_new_rules(session: AsyncSession, due: datetime) -> Recomputed | None:
    """Re-score when the county has set rules since the last recompute (points of a day
    whose rules were replaced, star thresholds)."""
    run = await repository.last_run(session)
    versions = await repository.rules_versions(session)
    newest = max((v.id for v in versions), default=None)
    if newest is None or newest == (run.rules_version_id if run is not None else None):
        return None
    return await recompute(session)


def reminder_due(days_left: int) -> int | None:
    """Which reminder a period with `days_left` after today is in the window of."""
    due = [days for days in REMINDER_DAYS if days_left <= days]
    return min(due) if due else None


async def remind(session: AsyncSession, day: date) -> int:
    """`member_quota.reminder` for every active member short of pace in a current period
    near its end, once per member, period and reminder: how many were written."""
    written = 0
    for target in member_targets(await rules_on(session, day), day):
        days_before = reminder_due(target.elapsed.days_left)
        if days_before is None:
            continue
        minimums = {name: minimum for name, _, minimum in target.minimums}
        written += await repository.write_reminders(
            session,
            repository.Reminder(
                type=REMINDER,
                quota_period=target.quota_period.value,
                period=key(target.period),
                period_name=target.period.label,
                ends_on=target.period.last.isoformat(),
                days_left=target.elapsed.days_left,
                days_before=days_before,
                min_hours=minimums.get("hours", Decimal(0)),
                min_times=int(minimums.get("times", 0)),
                first_month=month_range(target.period)[0],
                last_month=month_range(target.period)[1],
                days=target.elapsed.days,
                of_days=target.elapsed.of_days,
            ),
        )
    return written


# In the morning, so a reminder read at once is read in working hours.
@scheduled("scoring.quota_reminders", daily_at=time(9, 0))
async def quota_reminders(session: AsyncSession, due: datetime) -> int:
    return await remind(session, due.astimezone(CHINA).date())
