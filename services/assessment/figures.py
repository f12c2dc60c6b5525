"""The figures a feedback form is pre-filled with, read from the records for a whole
community at once: one statement for every form's activities, service, claims, wishes and
whistle responses over its days, one for the month totals its quotas are judged on.

Service counts where the member was registered at the time, wherever it was done: the
community answers for the member's service while the member was registered with it.
Quotas are the member's own, judged (as the records' totals judge them) on the
confirmed hours and times of each whole period that touches the days covered.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, and_, column, distinct, func, select, values
from sqlalchemy.ext.asyncio import AsyncSession

from services.activities.models import Activity, Attendance
from services.assessment.common import year_bounds
from services.assessment.windows import Window, china_day
from services.projects.models import ACTIVE_CLAIM_STATUSES, ClaimStatus, ProjectClaim
from services.records.models import RecordStatus, ServiceRecord
from services.records.totals import QUOTA_KINDS, cents, periods
from services.scoring.periods import key
from services.whistles.models import Answer, WhistleRecipient
from services.wishes.models import Wish, WishStatus
from tenants.rules.model import Rules


@dataclass(frozen=True)
class Figures:
    activities_joined: int = 0
    service_times: int = 0
    service_hours: Decimal = Decimal("0.00")
    claims: int = 0
    claims_completed: int = 0
    wishes_fulfilled: int = 0
    whistle_responses: int = 0


def _windows_table(windows: Sequence[Window]) -> Any:
    return values(
        column("registration_id", BigInteger),
        column("member_id", BigInteger),
        column("first", Date),
        column("last", Date),
        name="windows",
    ).data([(w.registration_id, w.subject_id, w.covers_from, w.covers_to) for w in windows])


def _within(moment: Any, table: Any) -> Any:
    return china_day(moment).between(table.c.first, table.c.last)


async def member_figures(session: AsyncSession, windows: Sequence[Window]) -> dict[int, Figures]:
    """Each window's figures, by registration id."""
    if not windows:
        return {}
    w = _windows_table(windows)
    joined = (
        select(func.count(distinct(Attendance.activity_id)))
        .select_from(Attendance)
        .join(
            Activity,
            and_(Activity.tenant_id == Attendance.tenant_id, Activity.id == Attendance.activity_id),
        )
        .where(Attendance.member_id == w.c.member_id, _within(Activity.starts_at, w))
    )
    confirmed = and_(
        ServiceRecord.member_id == w.c.member_id,
        ServiceRecord.status == RecordStatus.CONFIRMED,
        ServiceRecord.service_on.between(w.c.first, w.c.last),
    )
    times = select(func.count()).select_from(ServiceRecord).where(confirmed)
    hours = select(func.coalesce(func.sum(ServiceRecord.hours), 0)).where(confirmed)
    claims = (
        select(func.count())
        .select_from(ProjectClaim)
        .where(
            ProjectClaim.member_id == w.c.member_id,
            ProjectClaim.status.in_(ACTIVE_CLAIM_STATUSES),
            _within(ProjectClaim.claimed_at, w),
        )
    )
    completed = (
        select(func.count())
        .select_from(ProjectClaim)
        .where(
            ProjectClaim.member_id == w.c.member_id,
            ProjectClaim.status == ClaimStatus.COMPLETED,
            _within(ProjectClaim.completed_at, w),
        )
    )
    wishes = (
        select(func.count())
        .select_from(Wish)
        .where(
            Wish.claimed_by_member_id == w.c.member_id,
            Wish.status == WishStatus.CONFIRMED,
            _within(Wish.fulfilled_at, w),
        )
    )
    whistles = (
        select(func.count())
        .select_from(WhistleRecipient)
        .where(
            WhistleRecipient.member_id == w.c.member_id,
            WhistleRecipient.status == Answer.ACCEPTED,
            _within(WhistleRecipient.responded_at, w),
        )
    )
    query = select(
        w.c.registration_id,
        *(
            part.scalar_subquery()
            for part in (joined, times, hours, claims, completed, wishes, whistles)
        ),
    ).select_from(w)
    found = {}
    for row in await session.execute(query):
        registration_id, *numbers = row
        found[registration_id] = Figures(
            activities_joined=int(numbers[0]),
            service_times=int(numbers[1]),
            service_hours=cents(Decimal(numbers[2])),
            claims=int(numbers[3]),
            claims_completed=int(numbers[4]),
            wishes_fulfilled=int(numbers[5]),
            whistle_responses=int(numbers[6]),
        )
    return found


# (member id → month 1-12 → (hours, times)): confirmed service of a year by month.
MonthTotals = dict[int, dict[int, tuple[Decimal, int]]]


async def month_totals(
    session: AsyncSession, member_ids: Sequence[int] | Any, year: int
) -> MonthTotals:
    """The members' confirmed hours and times in each month of the year, in one query
    (`member_ids` a list or an SQL selection of ids)."""
    first, last = year_bounds(year)
    month = func.extract("month", ServiceRecord.service_on).cast(Integer)
    query = (
        select(ServiceRecord.member_id, month, func.sum(ServiceRecord.hours), func.count())
        .where(
            ServiceRecord.member_id.in_(member_ids),
            ServiceRecord.status == RecordStatus.CONFIRMED,
            ServiceRecord.service_on.between(first, last),
        )
        .group_by(ServiceRecord.member_id, month)
    )
    found: MonthTotals = {}
    for member_id, number, hours, count in await session.execute(query):
        found.setdefault(member_id, {})[int(number)] = (Decimal(hours), int(count))
    return found


def quota_checks(
    rules: Rules, year: int, months: dict[int, tuple[Decimal, int]], first: date, last: date
) -> list[dict[str, Any]]:
    """The member's quotas in each period of the year touching [first, last]; a quota
    asking nothing (both minimums zero) is left out."""
    checks = []
    for quota in rules.member_quotas:
        if quota.min_hours <= 0 and quota.min_times <= 0:
            continue
        for period in periods(year, QUOTA_KINDS[quota.period]):
            if period.last < first or period.first > last:
                continue
            done = [months.get(m, (Decimal(0), 0)) for m in period.months]
            hours = cents(sum((h for h, _ in done), Decimal(0)))
            times = sum(t for _, t in done)
            checks.append(
                {
                    "quota_period": quota.period.value,
                    "period": key(period),
                    "period_name": period.label,
                    "min_hours": str(quota.min_hours),
                    "min_times": quota.min_times,
                    "hours": str(hours),
                    "times": times,
                    "met": hours >= quota.min_hours and times >= quota.min_times,
                }
            )
    return checks
