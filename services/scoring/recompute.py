"""The full recompute of a county's totals, in set-based SQL: every confirmed record
scored by the rules in force on its day, summed per member and month (GROUP BY), the
months gathered into each member's row with the all-time sums, and per unit through each
member's unit now, with the unit's finished collective activities. One statement writes
the county's totals, one more the nodes' (services/scoring/nodes.py); nothing loops per
member.

Run nightly and when the county's rules change (services/scoring/schedule.py): the rules
live in tenants/, which must not call into services, so the schedule notices a new rules
version (`scoring_runs.rules_version_id`) instead of the rules telling scoring. A rules
version that takes effect on a later day is picked up by the first nightly run after it.

The rules versions are read here and turned into day ranges with their points already
resolved (`Rules.from_stored` fills what an old version lacks with today's defaults, as
`rules_on` does); SQL picks a record's range by its day (a CASE, latest range first: a
county has a handful of versions, and a CASE costs nothing next to a join per record).

The recompute holds scoring's lock exclusively, so no consumer adds to the totals while
it runs, and keeps the snapshot it read the records in: consumers then pass over every
event that snapshot had seen (services/scoring/consumers.py), and apply every later one.
A member whose star level rises in a recompute (lower thresholds, a re-attributed record)
gets `member.star_reached`, except in a county's first recompute, which sets the baseline.

Measured on this machine (tests/benchmarks/test_scoring.py): 100,000 members with
2,000,000 records. Sorting the records by member and month and aggregating in order beats
hashing 2 million (member, month) groups that do not fit in memory, so hashing is turned
off for the statement and it is given the memory to sort in (both for this transaction
only).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.db import bound_tenant
from services.scoring import nodes, repository
from services.scoring.consumers import STAR_REACHED
from tenants.rules.model import ContributionKind, Rules

# Exclusive end of the last rules range: after any day of service.
END_OF_DAYS = date(9999, 12, 31)
SORT_MEMORY = "256MB"
# The record sources with points of their own (an entered service counts as an activity).
SCORED_KINDS = (
    ContributionKind.ACTIVITY,
    ContributionKind.PROJECT_CLAIM,
    ContributionKind.WISH,
    ContributionKind.WHISTLE_CALL,
    ContributionKind.VISIT,
)


@dataclass(frozen=True)
class Recomputed:
    member_rows: int
    unit_rows: int
    stars_reached: int


def rule_ranges(versions: list[tuple[date, dict[str, Any]]]) -> list[tuple[date, date, Rules]]:
    """[from, to) day ranges with the rules in force, from versions in force order (the
    platform's defaults before the first; of two versions of one day, the later)."""
    by_day: dict[date, Rules] = {}
    for effective_from, body in versions:
        by_day[effective_from] = Rules.from_stored(body)
    starts = sorted(by_day)
    ranges: list[tuple[date, date, Rules]] = []
    if not starts or starts[0] > date.min:
        ranges.append((date.min, starts[0] if starts else END_OF_DAYS, Rules()))
    for i, start in enumerate(starts):
        ranges.append((start, starts[i + 1] if i + 1 < len(starts) else END_OF_DAYS, by_day[start]))
    return ranges


def rules_in_force(ranges: list[tuple[date, date, Rules]], day: date) -> Rules:
    for start, end, rules in ranges:
        if start <= day < end:
            return rules
    return Rules()


def points_sql(ranges: list[tuple[date, date, Rules]]) -> tuple[str, dict[str, Any]]:
    """A record's points as SQL — points per hour × hours + the points of its kind, by the
    range its day falls in — and the parameters it takes (the SQL holds only names)."""
    values: dict[str, Any] = {}
    branches = []
    for i in reversed(range(len(ranges))):
        start, _, rules = ranges[i]
        per_kind = rules.points.per_contribution
        values |= {f"from_{i}": start, f"per_hour_{i}": rules.points.per_hour}
        values |= {f"{kind.value}_{i}": per_kind[kind] for kind in SCORED_KINDS}
        kinds = " ".join(
            f"WHEN '{kind.value}' THEN CAST(:{kind.value}_{i} AS numeric)"
            for kind in SCORED_KINDS[1:]
        )
        value = (
            f"s.hours * CAST(:per_hour_{i} AS numeric) + CASE s.source {kinds} "
            f"ELSE CAST(:activity_{i} AS numeric) END"
        )
        if len(ranges) == 1:
            return value, values
        condition = f"WHEN s.service_on >= CAST(:from_{i} AS date) THEN" if i else "ELSE"
        branches.append(f"{condition} {value}")
    return f"CASE {' '.join(branches)} END", values


_ARRAYS = """array_agg(month ORDER BY month) AS months,
    array_agg(hours ORDER BY month) AS month_hours,
    array_agg(times ORDER BY month) AS month_times,
    array_agg(points ORDER BY month) AS month_points"""

RECOMPUTE = """
WITH run AS (
  INSERT INTO scoring_runs AS r (tenant_id, snapshot, rules_version_id, recomputed_at)
  VALUES (CAST(:tenant AS uuid), CAST(pg_current_snapshot() AS text),
    CAST(:rules_version AS bigint), now())
  ON CONFLICT (tenant_id) DO UPDATE SET snapshot = excluded.snapshot,
    rules_version_id = excluded.rules_version_id, recomputed_at = excluded.recomputed_at
  RETURNING 1
),
monthly AS MATERIALIZED (
  SELECT s.member_id,
    CAST(date_part('year', s.service_on) * 100 + date_part('month', s.service_on) AS int)
      AS month,
    sum(s.hours) AS hours, count(*) AS times, sum(POINTS) AS points
  FROM service_records s
  WHERE s.status = 'confirmed'
  GROUP BY 1, 2
),
member_rows AS MATERIALIZED (
  SELECT member_id, sum(hours) AS hours, sum(times) AS times, sum(points) AS points,
    (SELECT count(*) FROM unnest(CAST(:thresholds AS numeric[])) AS t(v)
      WHERE sum(hours) >= t.v) AS star_level,
    ARRAYS
  FROM monthly GROUP BY member_id
),
members_written AS (
  INSERT INTO member_scores (tenant_id, member_id, hours, times, points, star_level, months,
    month_hours, month_times, month_points)
  SELECT CAST(:tenant AS uuid), member_id, hours, times, points, star_level, months,
    month_hours, month_times, month_points
  FROM member_rows
  RETURNING 1
),
unit_months AS (
  SELECT unit_id, month, sum(hours) AS hours, sum(times) AS times, sum(points) AS points,
    sum(acts) AS acts
  FROM (
    SELECT m.unit_id, k.month, k.hours, k.times, k.points, 0 AS acts
    FROM monthly k JOIN members m ON m.id = k.member_id
    UNION ALL
    SELECT organiser_unit_id, CAST(to_char(timezone(CAST(:zone AS text), starts_at), 'YYYYMM')
      AS int), 0, 0, 0, 1
    FROM activities WHERE collective AND status = 'finished'
  ) u
  GROUP BY 1, 2
),
units_written AS (
  INSERT INTO unit_scores (tenant_id, unit_id, hours, times, points, collective_activities,
    months, month_hours, month_times, month_points, month_activities)
  SELECT CAST(:tenant AS uuid), unit_id, sum(hours), sum(times), sum(points), sum(acts),
    ARRAYS, array_agg(acts ORDER BY month)
  FROM unit_months GROUP BY unit_id
  RETURNING 1
),
reached AS (
  INSERT INTO events (tenant_id, type, scope_path, payload)
  SELECT CAST(:tenant AS uuid), CAST(:star_reached AS text), m.scope_path, jsonb_build_object(
    'member_id', r.member_id, 'star_level', r.star_level, 'hours', CAST(r.hours AS text))
  FROM member_rows r
  JOIN members m ON m.id = r.member_id
  LEFT JOIN unnest(CAST(:starred AS bigint[]), CAST(:levels AS int[])) AS o(member_id, level)
    ON o.member_id = r.member_id
  WHERE CAST(:announce AS boolean) AND r.star_level > coalesce(o.level, 0)
  RETURNING 1
)
SELECT (SELECT count(*) FROM members_written), (SELECT count(*) FROM units_written),
  (SELECT count(*) FROM reached), (SELECT count(*) FROM run)
"""


async def recompute(session: AsyncSession) -> Recomputed:
    """Replace the county's totals (the session's tenant) with a full recompute."""
    await repository.hold_scores(session, exclusive=True)
    versions = await repository.rules_versions(session)
    ranges = rule_ranges([(v.effective_from, v.body) for v in versions])
    thresholds = [Decimal(t) for t in rules_in_force(ranges, today()).star_levels]
    previous = await repository.last_run(session)
    starred = await repository.starred_members(session)
    await repository.clear_totals(session)
    points, point_values = points_sql(ranges)
    statement = RECOMPUTE.replace("POINTS", points).replace("ARRAYS", _ARRAYS)
    current = rules_in_force(ranges, today())
    async with repository.sorting(session, SORT_MEMORY):
        row = (
            await session.execute(
                text(statement),
                {
                    "tenant": bound_tenant(session),
                    "rules_version": max((v.id for v in versions), default=None),
                    "thresholds": thresholds,
                    "zone": "Asia/Shanghai",
                    "starred": list(starred),
                    "levels": list(starred.values()),
                    "announce": previous is not None,
                    "star_reached": STAR_REACHED,
                    **point_values,
                },
            )
        ).one()
    await nodes.rebuild(session, current)
    return Recomputed(member_rows=row[0], unit_rows=row[1], stars_reached=row[2])
