"""Totals of service: a member's hours and times for a year and each of its half-years,
quarters and months, their star level and how they stand against the county's quotas; a
unit's members' hours by quarter and its collective activities against its quota.

Sums are grouped in SQL by month (or quarter); the periods are added up from those few
groups. A year is judged by the rules in force at its end (today, for the current year);
the star level by today's rules, on all confirmed hours ever."""

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, today
from policies import access
from policies.principal import Principal
from services.records import repository
from services.records.errors import InvalidServiceRecord
from services.records.models import RecordStatus
from services.records.recording import RESOURCE
from services.registry import repository as registry
from services.registry.errors import MemberNotFound
from services.registry.models import Member, Unit
from services.registry.units import get_unit
from tenants.rules.hours import CENT, star_level
from tenants.rules.model import MemberQuota, QuotaPeriod
from tenants.rules.service import rules_on

FIRST_YEAR = 2000
QUARTER_NAMES = ("一", "二", "三", "四")


class PeriodKind(enum.StrEnum):
    YEAR = "year"
    HALF_YEAR = "half_year"
    QUARTER = "quarter"
    MONTH = "month"


MONTHS_IN = {
    PeriodKind.YEAR: 12,
    PeriodKind.HALF_YEAR: 6,
    PeriodKind.QUARTER: 3,
    PeriodKind.MONTH: 1,
}
QUOTA_KINDS = {
    QuotaPeriod.YEAR: PeriodKind.YEAR,
    QuotaPeriod.HALF_YEAR: PeriodKind.HALF_YEAR,
    QuotaPeriod.QUARTER: PeriodKind.QUARTER,
}


@dataclass(frozen=True)
class Period:
    """One period of a year: the year itself, a half, a quarter or a month (1-based)."""

    year: int
    kind: PeriodKind
    index: int

    @property
    def months(self) -> range:
        size = MONTHS_IN[self.kind]
        return range((self.index - 1) * size + 1, self.index * size + 1)

    @property
    def first(self) -> date:
        return date(self.year, self.months[0], 1)

    @property
    def last(self) -> date:
        end = self.months[-1]
        following = date(self.year + 1, 1, 1) if end == 12 else date(self.year, end + 1, 1)
        return following - timedelta(days=1)

    @property
    def ended(self) -> bool:
        return self.last < today()

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return f"{self.year}年"
        if self.kind is PeriodKind.HALF_YEAR:
            return f"{self.year}年{'上' if self.index == 1 else '下'}半年"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}年第{QUARTER_NAMES[self.index - 1]}季度"
        return f"{self.year}年{self.index}月"


def cents(hours: Decimal) -> Decimal:
    """Hours as the records keep them, in hundredths (0 reads 0.00 like any other)."""
    return hours.quantize(CENT)


def periods(year: int, kind: PeriodKind) -> list[Period]:
    return [Period(year, kind, i) for i in range(1, 12 // MONTHS_IN[kind] + 1)]


@dataclass(frozen=True)
class Tally:
    """A member's hours in a period: confirmed (and how many records), and pending."""

    period: Period
    confirmed_hours: Decimal
    confirmed_times: int
    pending_hours: Decimal
    pending_count: int


@dataclass(frozen=True)
class QuotaCheck:
    period: Period
    hours: Decimal
    times: int
    met: bool


@dataclass(frozen=True)
class QuotaStanding:
    """One of the county's member quotas, checked for each of its periods in the year."""

    quota: MemberQuota
    checks: list[QuotaCheck]


@dataclass(frozen=True)
class MemberTotals:
    member: Member
    year: int
    tallies: dict[PeriodKind, list[Tally]]
    all_time_hours: Decimal
    star_level: int
    # Hours the next star needs in all (None: five stars already).
    next_star_hours: int | None
    quotas: list[QuotaStanding]


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= today().year:
        raise InvalidServiceRecord(
            f"「年份」应在 {FIRST_YEAR} 到 {today().year} 之间", field="year"
        )


def _year_rules_day(year: int) -> date:
    """The day whose rules judge the year: its last, or today for the current year."""
    return min(date(year, 12, 31), today())


def may_see_member(principal: Principal, member: Member) -> bool:
    """The member themself, staff who may read the member's entry where the member lives,
    and the admin of the member's unit (member read:own)."""
    if principal.member_id == member.id:
        return True
    if access.may(principal, member.scope_path, "member", "read"):
        return True
    return principal.unit_id == member.unit_id and access.may_own(principal, "member", "read")


async def member_totals(
    session: AsyncSession, principal: Principal, member_id: int | None, year: int
) -> MemberTotals:
    """A member's totals for `year` (the caller's own when no member is named)."""
    member_id = member_id if member_id is not None else principal.member_id
    if member_id is None:
        raise InvalidServiceRecord("请指明党员：本账号不是党员本人", field="memberId")
    member = await _member(session, member_id)
    if not may_see_member(principal, member):
        access.require(
            session,
            principal,
            resource="member",
            action="read",
            node=(member.node_id, member.scope_path),
            object_id=str(member.id),
        )
    check_year(year)
    rows = await repository.monthly_totals(session, member.id, date(year, 1, 1), date(year, 12, 31))
    tallies = {kind: [_tally(p, rows) for p in periods(year, kind)] for kind in PeriodKind}
    all_time = await repository.confirmed_hours(session, member.id)
    now_rules = await rules_on(session, today())
    year_rules = await rules_on(session, _year_rules_day(year))
    above = [hours for hours in now_rules.star_levels if hours > all_time]
    return MemberTotals(
        member=member,
        year=year,
        tallies=tallies,
        all_time_hours=cents(all_time),
        star_level=star_level(all_time, now_rules),
        next_star_hours=above[0] if above else None,
        quotas=[_standing(quota, tallies) for quota in year_rules.member_quotas],
    )


async def _member(session: AsyncSession, member_id: int) -> Member:
    member = await registry.get_member(session, member_id)
    if member is None:
        raise MemberNotFound("未找到该党员", field="memberId")
    return member


def _tally(period: Period, rows: Iterable[tuple[int, RecordStatus, Decimal, int]]) -> Tally:
    sums = {status: (Decimal(0), 0) for status in RecordStatus}
    for month, status, hours, count in rows:
        if month in period.months:
            held_hours, held_count = sums[status]
            sums[status] = (held_hours + hours, held_count + count)
    confirmed, pending = sums[RecordStatus.CONFIRMED], sums[RecordStatus.PENDING]
    return Tally(period, cents(confirmed[0]), confirmed[1], cents(pending[0]), pending[1])


def _standing(quota: MemberQuota, tallies: dict[PeriodKind, list[Tally]]) -> QuotaStanding:
    checks = [
        QuotaCheck(
            period=tally.period,
            hours=tally.confirmed_hours,
            times=tally.confirmed_times,
            met=tally.confirmed_hours >= quota.min_hours
            and tally.confirmed_times >= quota.min_times,
        )
        for tally in tallies[QUOTA_KINDS[quota.period]]
    ]
    return QuotaStanding(quota=quota, checks=checks)


# --- a unit ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberQuarters:
    """A member's confirmed hours and times in each quarter, and in the year."""

    member_id: int
    quarters: list[tuple[Decimal, int]]

    @property
    def hours(self) -> Decimal:
        return cents(sum((hours for hours, _ in self.quarters), Decimal(0)))

    @property
    def times(self) -> int:
        return sum(times for _, times in self.quarters)


@dataclass(frozen=True)
class UnitQuarter:
    period: Period
    confirmed_hours: Decimal
    confirmed_times: int
    collective_activities: int
    met: bool


@dataclass(frozen=True)
class UnitTotals:
    unit: Unit
    year: int
    activities_per_quarter: int
    quarters: list[UnitQuarter]
    members: list[MemberQuarters]


def may_see_unit(principal: Principal, unit: Unit) -> bool:
    """The unit's admin (read:own), and staff who may read records where the unit sits."""
    if principal.unit_id == unit.id and access.may_own(principal, RESOURCE, "read"):
        return True
    return access.may(principal, unit.scope_path, RESOURCE, "read")


async def unit_totals(
    session: AsyncSession, principal: Principal, unit_id: int, year: int
) -> UnitTotals:
    unit = await get_unit(session, unit_id, field="unitId")
    if not may_see_unit(principal, unit):
        access.require(
            session,
            principal,
            resource=RESOURCE,
            action="read",
            node=(unit.node_id, unit.scope_path),
        )
    check_year(year)
    rows = await repository.unit_member_quarters(
        session, unit.id, date(year, 1, 1), date(year, 12, 31)
    )
    members: dict[int, list[tuple[Decimal, int]]] = {}
    for member_id, quarter, hours, times in rows:
        held = members.setdefault(member_id, [(cents(Decimal(0)), 0)] * 4)
        if quarter is not None:
            held[quarter - 1] = (cents(hours), times)
    starts = datetime(year, 1, 1, tzinfo=CHINA)
    activities = await repository.collective_activities(
        session, unit.id, starts, datetime(year + 1, 1, 1, tzinfo=CHINA)
    )
    wanted = (await rules_on(session, _year_rules_day(year))).unit_quotas.activities_per_quarter
    quarters = []
    for period in periods(year, PeriodKind.QUARTER):
        i = period.index - 1
        done = activities.get(period.index, 0)
        quarters.append(
            UnitQuarter(
                period=period,
                confirmed_hours=cents(sum((m[i][0] for m in members.values()), Decimal(0))),
                confirmed_times=sum(m[i][1] for m in members.values()),
                collective_activities=done,
                met=done >= wanted,
            )
        )
    return UnitTotals(
        unit=unit,
        year=year,
        activities_per_quarter=wanted,
        quarters=quarters,
        members=[MemberQuarters(member_id, q) for member_id, q in members.items()],
    )
