"""Every query of scoring but the full recompute (services/scoring/recompute.py): adding to
the totals, reading them, and finding who is short of a quota's pace."""

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant
from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.activities.models import Activity
from services.projects.models import ClaimStatus, ProjectClaim
from services.registry.models import Member, RegistryStatus, Unit
from services.scoring import months
from services.scoring.models import MemberScore, NodeScore, ScoringRun, UnitScore
from services.scoring.months import Delta
from tenants.rules.models import RulesVersion

# The advisory lock class of scoring (the key's second half is the tenant): consumers
# hold it shared while they add to the totals, a full recompute exclusively.
SCORING_LOCK = 7301
# A unit's claims that count toward its projects a year: any not withdrawn or cancelled.
COUNTED_CLAIMS = (
    ClaimStatus.CLAIMED,
    ClaimStatus.STARTED,
    ClaimStatus.WITHDRAW_REQUESTED,
    ClaimStatus.COMPLETED,
)


async def hold_scores(session: AsyncSession, *, exclusive: bool) -> None:
    """Until this transaction ends: shared among consumers, exclusive for a recompute."""
    lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await session.execute(
        text(f"SELECT {lock}(CAST(:lock AS int), hashtext(CAST(:tenant AS text)))"),
        {"lock": SCORING_LOCK, "tenant": str(bound_tenant(session))},
    )


@asynccontextmanager
async def sorting(session: AsyncSession, memory: str) -> AsyncIterator[None]:
    """Within: aggregate by sorting (no hashing), with `memory` to sort in; as before after
    (an error rolls the transaction back, and the settings with it)."""
    settings = text(
        "SELECT set_config('enable_hashagg', :hashing, true), set_config('work_mem', :memory, true)"
    )
    before = (
        await session.execute(
            text("SELECT current_setting('enable_hashagg'), current_setting('work_mem')")
        )
    ).one()
    await session.execute(settings, {"hashing": "off", "memory": memory})
    yield
    await session.execute(settings, {"hashing": before[0], "memory": before[1]})


async def counted_by_recompute(session: AsyncSession, event_ids: list[int]) -> set[int]:
    """Which of the events the county's last full recompute read the effects of already:
    their transaction had committed in the snapshot the recompute read."""
    counted = await session.scalars(
        text(
            "SELECT e.id FROM events e CROSS JOIN scoring_runs r WHERE e.id = ANY(:ids) "
            "AND pg_visible_in_snapshot(e.transaction_id, CAST(r.snapshot AS pg_snapshot))"
        ),
        {"ids": event_ids},
    )
    return set(counted)


@dataclass(frozen=True)
class Place:
    """A member's unit now, and the node they live at (with its path)."""

    unit_id: int
    node_id: int
    path: str


async def member_place(session: AsyncSession, member_id: int) -> Place | None:
    row = (
        await session.execute(
            select(Member.unit_id, Member.node_id, Member.scope_path).where(Member.id == member_id)
        )
    ).first()
    return None if row is None else Place(row.unit_id, row.node_id, row.scope_path)


async def activity_start(session: AsyncSession, activity_id: int) -> datetime | None:
    started: datetime | None = await session.scalar(
        select(Activity.starts_at).where(Activity.id == activity_id)
    )
    return started


async def _locked(session: AsyncSession, model: Any, key: Any, subject_id: int) -> Any:
    """The subject's scores row, made empty when missing, locked to this transaction."""
    values = {"tenant_id": bound_tenant(session), key.key: subject_id}
    await session.execute(insert(model).values(**values).on_conflict_do_nothing())
    query = (
        select(model)
        .where(key == subject_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(query)


async def add_to_member(
    session: AsyncSession, member_id: int, deltas: months.Months
) -> tuple[months.Months, int, MemberScore | None]:
    """Add `deltas` to the member's row under its lock: the months and star level before,
    and the row (None when that took it back to nothing: it is then removed)."""
    row: MemberScore = await _locked(session, MemberScore, MemberScore.member_id, member_id)
    before, level = months.read(row), row.star_level
    change = months.total(deltas.values())
    row.hours, row.times, row.points = (
        row.hours + change.hours,
        row.times + change.times,
        row.points + change.points,
    )
    kept = months.added(before, deltas)
    if not kept and not (row.hours or row.times or row.points):
        await session.delete(row)
        await session.flush()
        return before, level, None
    months.write(row, kept)
    await session.flush()
    return before, level, row


async def add_to_unit(session: AsyncSession, unit_id: int, deltas: months.Months) -> None:
    row: UnitScore = await _locked(session, UnitScore, UnitScore.unit_id, unit_id)
    change = months.total(deltas.values())
    row.hours, row.times, row.points, row.collective_activities = (
        row.hours + change.hours,
        row.times + change.times,
        row.points + change.points,
        row.collective_activities + change.collective_activities,
    )
    kept = months.added(months.read(row), deltas)
    if not kept and Delta(row.hours, row.times, row.points, row.collective_activities).nothing:
        await session.delete(row)
    else:
        months.write(row, kept, unit=True)
    await session.flush()


async def starred_members(session: AsyncSession) -> dict[int, int]:
    """Members with a star now, and their level (what a recompute compares against)."""
    query = select(MemberScore.member_id, MemberScore.star_level).where(MemberScore.star_level > 0)
    return {row.member_id: row.star_level for row in await session.execute(query)}


async def clear_totals(session: AsyncSession) -> None:
    """The county's totals, all gone (row-level security keeps it to the county)."""
    await session.execute(delete(MemberScore))
    await session.execute(delete(UnitScore))
    await session.execute(delete(NodeScore))


# --- reading --------------------------------------------------------------------------


async def last_run(session: AsyncSession) -> ScoringRun | None:
    run: ScoringRun | None = await session.get(ScoringRun, bound_tenant(session))
    return run


async def rules_versions(session: AsyncSession) -> list[RulesVersion]:
    """Every version of the county's rules, in force order (of one day, the last set)."""
    query = select(RulesVersion).order_by(RulesVersion.effective_from, RulesVersion.id)
    return list((await session.scalars(query)).all())


async def member_scores(
    session: AsyncSession, member_ids: Collection[int]
) -> dict[int, MemberScore]:
    if not member_ids:
        return {}
    query = select(MemberScore).where(MemberScore.member_id.in_(member_ids))
    return {s.member_id: s for s in await session.scalars(query)}


async def unit_scores(session: AsyncSession, unit_ids: Collection[int]) -> dict[int, UnitScore]:
    if not unit_ids:
        return {}
    query = select(UnitScore).where(UnitScore.unit_id.in_(unit_ids))
    return {s.unit_id: s for s in await session.scalars(query)}


def _claims_in(starts: datetime, ends: datetime) -> Any:
    """Each unit's counted claims made in [starts, ends)."""
    return (
        select(ProjectClaim.unit_id, func.count().label("claims"))
        .where(
            ProjectClaim.unit_id.is_not(None),
            ProjectClaim.status.in_(COUNTED_CLAIMS),
            ProjectClaim.claimed_at >= starts,
            ProjectClaim.claimed_at < ends,
        )
        .group_by(ProjectClaim.unit_id)
        .subquery()
    )


async def unit_claims(
    session: AsyncSession, unit_ids: Collection[int], starts: datetime, ends: datetime
) -> dict[int, int]:
    if not unit_ids:
        return {}
    claims = _claims_in(starts, ends)
    query = select(claims.c.unit_id, claims.c.claims).where(claims.c.unit_id.in_(unit_ids))
    return {unit_id: int(count) for unit_id, count in await session.execute(query)}


# --- short of pace ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shortfall:
    """Short of pace on one measure: `done × of_days < minimum × days`, in exact numbers."""

    minimum: Decimal
    days: int
    of_days: int

    def short(self, done: ColumnElement[Any]) -> ColumnElement[bool]:
        return func.coalesce(done, 0) * self.of_days < self.minimum * self.days


def month_sum(months: Any, values: Any, first: int, last: int) -> ColumnElement[Any]:
    """The sum of `values` over the months `first` to `last` of a scores row (0 for none)."""
    month = func.unnest(months, values).table_valued("m", "v").render_derived()
    return (
        select(func.coalesce(func.sum(month.c.v), 0))
        .where(month.c.m.between(first, last))
        .scalar_subquery()
    )


# A measure: the month array it sums, the months (first, last), and its shortfall.
Measure = tuple[str, tuple[int, int], Shortfall]


async def members_short(
    session: AsyncSession,
    visible: ColumnElement[bool],
    within: str | None,
    measures: Sequence[Measure],
    page: Page,
) -> PageOf[Member]:
    """Active members short of pace on any of `measures` (`month_hours` or `month_times`),
    in `visible` and `within`, by id."""
    if not measures:
        return PageOf(rows=[], has_next=False)
    query = (
        select(Member)
        .outerjoin(MemberScore, MemberScore.member_id == Member.id)
        .where(
            Member.status == RegistryStatus.ACTIVE,
            visible,
            *in_subtree(Member.scope_path, within),
        )
    )
    shorts = [
        shortfall.short(month_sum(MemberScore.months, getattr(MemberScore, column), *span))
        for column, span, shortfall in measures
    ]
    return await fetch_page(session, query.where(or_(*shorts)), [Member.id], page)


async def units_short(
    session: AsyncSession,
    visible: ColumnElement[bool],
    within: str | None,
    activities: tuple[tuple[int, int], Shortfall] | None,
    claims: tuple[datetime, datetime, Shortfall] | None,
    page: Page,
) -> PageOf[Unit]:
    """Active units short of pace on collective activities (in the months given) or on
    projects claimed (in [starts, ends)), in `visible` and `within`, by id."""
    query = (
        select(Unit)
        .outerjoin(UnitScore, UnitScore.unit_id == Unit.id)
        .where(Unit.status == RegistryStatus.ACTIVE, visible, *in_subtree(Unit.scope_path, within))
    )
    shorts = []
    if activities is not None:
        span, shortfall = activities
        shorts.append(
            shortfall.short(month_sum(UnitScore.months, UnitScore.month_activities, *span))
        )
    if claims is not None:
        starts, ends, shortfall = claims
        counted = _claims_in(starts, ends)
        query = query.outerjoin(counted, counted.c.unit_id == Unit.id)
        shorts.append(shortfall.short(counted.c.claims))
    if not shorts:
        return PageOf(rows=[], has_next=False)
    return await fetch_page(session, query.where(or_(*shorts)), [Unit.id], page)


# A member's hours and times in the period's months (none: 0).
_DONE = """LEFT JOIN LATERAL (
    SELECT coalesce(sum(u.h), 0) AS hours, coalesce(sum(u.t), 0) AS times
    FROM unnest(s.months, s.month_hours, s.month_times) AS u(m, h, t)
    WHERE u.m BETWEEN CAST(:first AS int) AND CAST(:last AS int)) d ON true"""

_REMIND = f"""
WITH due AS (
  INSERT INTO quota_reminders (tenant_id, member_id, period, days_before)
  SELECT CAST(:tenant AS uuid), m.id, CAST(:period AS text), CAST(:reminder AS smallint)
  FROM members m
  LEFT JOIN member_scores s ON s.member_id = m.id
  {_DONE}
  WHERE m.status = 'active' AND (
    d.hours * CAST(:of_days AS int) < CAST(:min_hours AS numeric) * CAST(:days AS int)
    OR d.times * CAST(:of_days AS int) < CAST(:min_times AS int) * CAST(:days AS int))
  ORDER BY m.id
  ON CONFLICT DO NOTHING
  RETURNING member_id
),
written AS (
  INSERT INTO events (tenant_id, type, scope_path, payload)
  SELECT CAST(:tenant AS uuid), CAST(:type AS text), m.scope_path, jsonb_build_object(
    'member_id', m.id,
    'quota_period', CAST(:quota_period AS text),
    'period', CAST(:period AS text),
    'period_name', CAST(:period_name AS text),
    'period_ends_on', CAST(:ends_on AS text),
    'days_left', CAST(:days_left AS int),
    'reminder_days_before', CAST(:reminder AS int),
    'min_hours', CAST(:min_hours_text AS text),
    'min_times', CAST(:min_times AS int),
    'hours', CAST(CAST(d.hours AS numeric(12, 2)) AS text),
    'times', d.times)
  FROM due
  JOIN members m ON m.id = due.member_id
  LEFT JOIN member_scores s ON s.member_id = m.id
  {_DONE}
  ORDER BY m.id
  RETURNING 1
)
SELECT count(*) FROM written
"""  # noqa: S608 (built from the constant above, never from input)


@dataclass(frozen=True)
class Reminder:
    """The reminder `days_before` the end of a member quota's current period."""

    type: str
    quota_period: str
    period: str
    period_name: str
    ends_on: str
    days_left: int
    days_before: int
    min_hours: Decimal
    min_times: int
    # Its months, and how far into the period (see `Shortfall`).
    first_month: int
    last_month: int
    days: int
    of_days: int


async def write_reminders(session: AsyncSession, reminder: Reminder) -> int:
    """Remind active members short of pace, once each (quota_reminders): how many now."""
    written = await session.scalar(
        text(_REMIND),
        {
            "tenant": bound_tenant(session),
            "type": reminder.type,
            "period": reminder.period,
            "reminder": reminder.days_before,
            "first": reminder.first_month,
            "last": reminder.last_month,
            "of_days": reminder.of_days,
            "days": reminder.days,
            "min_hours": reminder.min_hours,
            "min_times": reminder.min_times,
            "min_hours_text": str(reminder.min_hours),
            "quota_period": reminder.quota_period,
            "period_name": reminder.period_name,
            "ends_on": reminder.ends_on,
            "days_left": reminder.days_left,
        },
    )
    return int(written or 0)
