"""Reading a member's or a unit's scores: all time and each period of a year, from the
totals tables (no sums over records here), with the star level and the standing against
the county's current quotas."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from policies.principal import Principal
from services.records.totals import Period
from services.registry.errors import MemberNotFound
from services.registry.models import Member, Unit
from services.registry.repository import get_member
from services.registry.units import get_unit
from services.scoring import months, repository
from services.scoring.models import MemberScore, UnitScore
from services.scoring.periods import ALL_TIME, check_year, key, of_year
from services.scoring.quotas import (
    Standing,
    member_standings,
    member_targets,
    require_member,
    require_unit,
    unit_standings,
    unit_targets,
)
from tenants.rules.service import rules_on


@dataclass(frozen=True)
class Totals:
    """Confirmed service in one period (`period` None: all time)."""

    period: Period | None
    hours: Decimal
    times: int
    points: Decimal
    collective_activities: int = 0

    @property
    def key(self) -> str:
        return ALL_TIME if self.period is None else key(self.period)


@dataclass(frozen=True)
class MemberScoreView:
    member: Member
    year: int
    star_level: int
    # The all-time hours of the next star (None: five stars already).
    next_star_hours: int | None
    all_time: Totals
    periods: list[Totals]
    standings: list[Standing]


@dataclass(frozen=True)
class UnitScoreView:
    unit: Unit
    year: int
    all_time: Totals
    periods: list[Totals]
    standings: list[Standing]


def _all_time(score: MemberScore | UnitScore | None) -> Totals:
    if score is None:
        return Totals(None, Decimal("0.00"), 0, Decimal(0))
    acts = score.collective_activities if isinstance(score, UnitScore) else 0
    return Totals(None, score.hours, score.times, score.points, acts)


def _periods(score: MemberScore | UnitScore | None, year: int) -> list[Totals]:
    held = months.read(score) if score is not None else {}
    found = []
    for period in of_year(year):
        done = months.within(held, period)
        hours = done.hours.quantize(Decimal("0.01"))
        found.append(Totals(period, hours, done.times, done.points, done.collective_activities))
    return found


def _year(year: int | None) -> int:
    day = today()
    chosen = day.year if year is None else year
    check_year(chosen, day)
    return chosen


async def member_score(
    session: AsyncSession, principal: Principal, member_id: int, year: int | None
) -> MemberScoreView:
    member = await get_member(session, member_id)
    if member is None:
        raise MemberNotFound("未找到该党员", field="memberId")
    require_member(session, principal, member)
    chosen = _year(year)
    score = (await repository.member_scores(session, [member.id])).get(member.id)
    rules = await rules_on(session, today())
    hours = score.hours if score is not None else Decimal(0)
    above = [t for t in rules.star_levels if t > hours]
    standings = await member_standings(session, [member], member_targets(rules, today()))
    return MemberScoreView(
        member=member,
        year=chosen,
        star_level=score.star_level if score is not None else 0,
        next_star_hours=above[0] if above else None,
        all_time=_all_time(score),
        periods=_periods(score, chosen),
        standings=standings[member.id],
    )


async def unit_score(
    session: AsyncSession, principal: Principal, unit_id: int, year: int | None
) -> UnitScoreView:
    unit = await get_unit(session, unit_id, field="unitId")
    require_unit(session, principal, unit)
    chosen = _year(year)
    score = (await repository.unit_scores(session, [unit.id])).get(unit.id)
    targets = unit_targets(await rules_on(session, today()), today())
    standings = await unit_standings(session, [unit], targets)
    return UnitScoreView(
        unit=unit,
        year=chosen,
        all_time=_all_time(score),
        periods=_periods(score, chosen),
        standings=standings[unit.id],
    )
