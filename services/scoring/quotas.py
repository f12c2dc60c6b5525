"""Quotas and early warning: for the current period of each of the county's quotas (its
rules in force today), how far members and units are, against the pace the time passed
asks for — pace = minimum × the share of the period begun (today included) — and who is
short of it with the time left (at risk).

Members: the county's member quotas (hours and times per quarter, half-year or year), on
their totals (member_scores). Units: collective activities per quarter (unit_scores) and
projects claimed per year (claims not withdrawn or cancelled, by the day they were made).
A quota whose minimums are all zero asks nothing and is left out.

Staff read the lists where they hold `quota read`; a unit's admin (`read:own`) its unit
and its members; a member their own standing.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.errors import InvalidInput
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.records.totals import Period
from services.registry.members import owns_member
from services.registry.models import Member, Unit
from services.registry.repository import get_member, own_members
from services.scoring import months, repository
from services.scoring.periods import (
    QUOTA_KINDS,
    Elapsed,
    bounds,
    containing,
    elapsed,
    key,
    month_range,
)
from services.scoring.repository import Shortfall
from tenants.rules.model import PERIOD_NAMES, QuotaPeriod, Rules
from tenants.rules.service import rules_on

RESOURCE = "quota"
CENT = Decimal("0.01")
NOT_A_MEMBER = "本账号不是党员本人，没有个人考核指标"


@dataclass(frozen=True)
class Measure:
    """One minimum of a quota, and what is done toward it in the period so far."""

    name: str  # hours, times, collective_activities, projects
    label: str
    minimum: Decimal
    done: Decimal
    elapsed: Elapsed

    @property
    def pace(self) -> Decimal:
        """What the share of the period begun asks for by now (in hundredths)."""
        exact = self.minimum * self.elapsed.days / self.elapsed.of_days
        return exact.quantize(CENT, ROUND_HALF_UP)

    @property
    def behind(self) -> bool:
        # Compared exactly, as the lists compare in SQL.
        return self.done * self.elapsed.of_days < self.minimum * self.elapsed.days

    @property
    def short_of_pace(self) -> Decimal:
        """How much more would be on pace today (rounded up to hundredths)."""
        exact = self.minimum * self.elapsed.days / self.elapsed.of_days - self.done
        return max(Decimal(0), exact).quantize(CENT, ROUND_CEILING)

    @property
    def left(self) -> Decimal:
        """How much more meets the quota."""
        return max(Decimal(0), self.minimum - self.done)

    @property
    def met(self) -> bool:
        return self.done >= self.minimum

    def shortfall(self) -> Shortfall:
        return Shortfall(self.minimum, self.elapsed.days, self.elapsed.of_days)


@dataclass(frozen=True)
class Target:
    """A quota in its current period, before anyone's numbers: (measure, label, min)."""

    quota_period: QuotaPeriod
    elapsed: Elapsed
    minimums: tuple[tuple[str, str, Decimal], ...]

    @property
    def period(self) -> Period:
        return self.elapsed.period

    @property
    def key(self) -> str:
        return key(self.period)

    def judged(self, done: dict[str, Decimal]) -> "Standing":
        return Standing(
            self,
            [
                Measure(name, label, minimum, done.get(name, Decimal(0)), self.elapsed)
                for name, label, minimum in self.minimums
            ],
        )


@dataclass(frozen=True)
class Standing:
    target: Target
    measures: list[Measure]

    @property
    def period_name(self) -> str:
        return PERIOD_NAMES[self.target.quota_period]

    @property
    def at_risk(self) -> bool:
        return any(m.behind for m in self.measures)

    @property
    def met(self) -> bool:
        return all(m.met for m in self.measures)


def _target(
    quota_period: QuotaPeriod, day: date, minimums: list[tuple[str, str, Decimal]]
) -> Target | None:
    asked = tuple(m for m in minimums if m[2] > 0)
    if not asked:
        return None
    return Target(quota_period, elapsed(containing(QUOTA_KINDS[quota_period], day), day), asked)


def member_targets(rules: Rules, day: date) -> list[Target]:
    found = [
        _target(
            quota.period,
            day,
            [
                ("hours", "服务时长（小时）", quota.min_hours),
                ("times", "服务次数", Decimal(quota.min_times)),
            ],
        )
        for quota in rules.member_quotas
    ]
    return [t for t in found if t is not None]


def unit_targets(rules: Rules, day: date) -> list[Target]:
    quotas = rules.unit_quotas
    found = [
        _target(
            QuotaPeriod.QUARTER,
            day,
            [("collective_activities", "集体服务活动次数", Decimal(quotas.activities_per_quarter))],
        ),
        _target(
            QuotaPeriod.YEAR, day, [("projects", "认领项目数", Decimal(quotas.projects_per_year))]
        ),
    ]
    return [t for t in found if t is not None]


# --- who may see ------------------------------------------------------------------------


def _own_units(principal: Principal) -> ColumnElement[bool]:
    return Unit.id == principal.unit_id if principal.unit_id is not None else false()


def require_member(session: AsyncSession, principal: Principal, member: Member) -> None:
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=(member.node_id, member.scope_path),
        object_id=str(member.id),
        owned=owns_member(principal, member),
    )


def require_unit(session: AsyncSession, principal: Principal, unit: Unit) -> None:
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=(unit.node_id, unit.scope_path),
        object_id=str(unit.id),
        owned=principal.unit_id == unit.id,
    )


# --- standing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AtRisk:
    """A member or unit short of pace in at least one of its standings."""

    subject: Any  # Member or Unit
    standings: list[Standing]


async def member_standings(
    session: AsyncSession, members: Sequence[Member], targets: list[Target]
) -> dict[int, list[Standing]]:
    scores = await repository.member_scores(session, [m.id for m in members])
    found = {}
    for member in members:
        score = scores.get(member.id)
        held = months.read(score) if score is not None else {}
        standings = []
        for target in targets:
            done = months.within(held, target.period)
            standings.append(target.judged({"hours": done.hours, "times": Decimal(done.times)}))
        found[member.id] = standings
    return found


async def unit_standings(
    session: AsyncSession, units: Sequence[Unit], targets: list[Target]
) -> dict[int, list[Standing]]:
    ids = [u.id for u in units]
    scores = await repository.unit_scores(session, ids)
    claims: dict[int, int] = {}
    for target in targets:
        if target.minimums[0][0] == "projects":
            claims = await repository.unit_claims(session, ids, *bounds(target.period))
    found = {}
    for unit in units:
        score = scores.get(unit.id)
        held = months.read(score) if score is not None else {}
        standings = []
        for target in targets:
            done = {
                "collective_activities": Decimal(
                    months.within(held, target.period).collective_activities
                ),
                "projects": Decimal(claims.get(unit.id, 0)),
            }
            standings.append(target.judged(done))
        found[unit.id] = standings
    return found


async def my_standing(session: AsyncSession, principal: Principal) -> tuple[Member, list[Standing]]:
    """The caller's own standing, as the member they are."""
    if principal.member_id is None:
        raise InvalidInput(NOT_A_MEMBER)
    member = await get_member(session, principal.member_id)
    if member is None:
        raise InvalidInput(NOT_A_MEMBER)
    require_member(session, principal, member)
    targets = member_targets(await rules_on(session, today()), today())
    return member, (await member_standings(session, [member], targets))[member.id]


async def at_risk_members(
    session: AsyncSession, principal: Principal, within: str | None, page: Page
) -> PageOf[AtRisk]:
    """Active members short of pace on a current quota, by id."""
    day = today()
    targets = member_targets(await rules_on(session, day), day)
    measures = [
        (
            f"month_{name}",
            month_range(target.period),
            Measure(name, label, minimum, Decimal(0), target.elapsed).shortfall(),
        )
        for target in targets
        for name, label, minimum in target.minimums
    ]
    visible = access.scope_or_own(
        principal,
        RESOURCE,
        "read",
        Member.scope_path,
        own_members(principal.unit_id, principal.member_id),
    )
    found = await repository.members_short(session, visible, within, measures, page)
    standings = await member_standings(session, found.rows, targets)
    return PageOf([AtRisk(m, standings[m.id]) for m in found.rows], found.has_next)


async def at_risk_units(
    session: AsyncSession, principal: Principal, within: str | None, page: Page
) -> PageOf[AtRisk]:
    """Active units short of pace on collective activities or projects claimed, by id."""
    day = today()
    targets = unit_targets(await rules_on(session, day), day)
    activities = claims = None
    for target in targets:
        name, label, minimum = target.minimums[0]
        shortfall = Measure(name, label, minimum, Decimal(0), target.elapsed).shortfall()
        if name == "projects":
            claims = (*bounds(target.period), shortfall)
        else:
            activities = (month_range(target.period), shortfall)
    visible = access.scope_or_own(
        principal, RESOURCE, "read", Unit.scope_path, _own_units(principal)
    )
    found = await repository.units_short(session, visible, within, activities, claims, page)
    standings = await unit_standings(session, found.rows, targets)
    return PageOf([AtRisk(u, standings[u.id]) for u in found.rows], found.has_next)
