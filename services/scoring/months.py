"""Totals by month, as the scores tables keep them (`months`, yyyymm ascending, and the
month arrays aligned with it), turned into a map to add to and to sum periods from."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.records.totals import Period
from services.scoring.periods import month_range


@dataclass(frozen=True)
class Delta:
    """Service in a month, or what an event adds to it (negative to take back)."""

    hours: Decimal = Decimal(0)
    times: int = 0
    points: Decimal = Decimal(0)
    collective_activities: int = 0

    def __add__(self, other: "Delta") -> "Delta":
        return Delta(
            self.hours + other.hours,
            self.times + other.times,
            self.points + other.points,
            self.collective_activities + other.collective_activities,
        )

    def __neg__(self) -> "Delta":
        return Delta(-self.hours, -self.times, -self.points, -self.collective_activities)

    @property
    def nothing(self) -> bool:
        return not (self.hours or self.times or self.points or self.collective_activities)


Months = dict[int, Delta]


def total(deltas: Iterable[Delta]) -> Delta:
    return sum(deltas, Delta())


def read(row: Any) -> Months:
    """A scores row's months (a unit's with its collective activities)."""
    activities = getattr(row, "month_activities", None) or [0] * len(row.months)
    return {
        month: Delta(hours, times, points, acts)
        for month, hours, times, points, acts in zip(
            row.months, row.month_hours, row.month_times, row.month_points, activities, strict=True
        )
    }


def added(months: Months, deltas: Months) -> Months:
    """`months` with `deltas` added; a month back to nothing is left out."""
    out = dict(months)
    for month, delta in deltas.items():
        out[month] = out.get(month, Delta()) + delta
    return {month: out[month] for month in sorted(out) if not out[month].nothing}


def write(row: Any, months: Months, *, unit: bool = False) -> None:
    """Set a scores row's month arrays from `months` (in order)."""
    ordered = sorted(months)
    row.months = ordered
    row.month_hours = [months[m].hours for m in ordered]
    row.month_times = [months[m].times for m in ordered]
    row.month_points = [months[m].points for m in ordered]
    if unit:
        row.month_activities = [months[m].collective_activities for m in ordered]


def within(months: Months, period: Period) -> Delta:
    """The sum of the months of `period`."""
    first, last = month_range(period)
    return total(delta for month, delta in months.items() if first <= month <= last)
