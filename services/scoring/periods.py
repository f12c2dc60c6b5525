"""The periods of scoring, by the day of service in China: all time, a year, a half-year,
a quarter and a month — the periods the records' totals already name (services/records/
totals.py: first and last day, label). Totals are kept by month (`yyyymm`, an integer);
a longer period is the sum of its months, `month_range` gives which. Keys name periods
to people and in events: `all`, `2026`, `2026-H1`, `2026-Q3`, `2026-07`.

Also the share of a period that has passed, which quotas measure pace by.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from infra.clock import CHINA
from infra.errors import InvalidInput
from services.records.totals import FIRST_YEAR, MONTHS_IN, Period, PeriodKind, periods
from tenants.rules.model import QuotaPeriod

ALL_TIME = "all"
QUOTA_KINDS = {
    QuotaPeriod.YEAR: PeriodKind.YEAR,
    QuotaPeriod.HALF_YEAR: PeriodKind.HALF_YEAR,
    QuotaPeriod.QUARTER: PeriodKind.QUARTER,
}


def key(period: Period) -> str:
    if period.kind is PeriodKind.YEAR:
        return f"{period.year}"
    if period.kind is PeriodKind.HALF_YEAR:
        return f"{period.year}-H{period.index}"
    if period.kind is PeriodKind.QUARTER:
        return f"{period.year}-Q{period.index}"
    return f"{period.year}-{period.index:02d}"


def containing(kind: PeriodKind, day: date) -> Period:
    """The period of `kind` that `day` falls in."""
    return Period(day.year, kind, (day.month - 1) // MONTHS_IN[kind] + 1)


def month_of(day: date) -> int:
    """The month a service on `day` counts in, as totals keep it: yyyymm."""
    return day.year * 100 + day.month


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as instants in China: [its first midnight, the next period's)."""
    starts = datetime.combine(period.first, time(0), tzinfo=CHINA)
    return starts, datetime.combine(period.last + timedelta(days=1), time(0), tzinfo=CHINA)


def month_range(period: Period) -> tuple[int, int]:
    """The first and last month of `period`, as totals keep them."""
    return period.year * 100 + period.months[0], period.year * 100 + period.months[-1]


def of_year(year: int) -> list[Period]:
    """The year, its halves, quarters and months, in that order."""
    return [p for kind in PeriodKind for p in periods(year, kind)]


def check_year(year: int, today: date) -> None:
    if not FIRST_YEAR <= year <= today.year:
        raise InvalidInput(f"「年份」应在 {FIRST_YEAR} 到 {today.year} 之间", field="year")


@dataclass(frozen=True)
class Elapsed:
    """How far into its period a day is: `days` of `of_days` have begun (the day itself
    counts, so the last day of a period is all of it)."""

    period: Period
    days: int
    of_days: int

    @property
    def days_left(self) -> int:
        """Days after today until the period ends (0 on its last day)."""
        return self.of_days - self.days


def elapsed(period: Period, day: date) -> Elapsed:
    total = (period.last - period.first).days + 1
    return Elapsed(period, min(total, max(0, (day - period.first).days + 1)), total)
