"""Scores per node and period (`node_scores`): what the dashboards sum over a subtree.

A member counts at the node they live at. When the consumer changes a member's months
(services/scoring/consumers.py), `member_change` turns the member's months before and
after into what changes for their node in each period those months fall in: served at
least once (0 → 1 or 1 → 0), hours, times, met the member quota of the period's kind,
and the star levels (all time). A batch's changes are summed per (node, period) and
written with one upsert in (node, period) order. `rebuild` writes the whole table from
the members' totals in one statement, in the full recompute's transaction.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant
from services.records.totals import PeriodKind
from services.scoring.months import Delta, Months
from services.scoring.periods import ALL_TIME, QUOTA_KINDS
from tenants.rules.model import Rules

STARS = 5


@dataclass(frozen=True)
class NodeDelta:
    members: int = 0
    hours: Decimal = Decimal(0)
    times: int = 0
    compliant: int = 0
    stars: tuple[int, ...] = (0,) * STARS

    def __add__(self, other: "NodeDelta") -> "NodeDelta":
        return NodeDelta(
            self.members + other.members,
            self.hours + other.hours,
            self.times + other.times,
            self.compliant + other.compliant,
            tuple(a + b for a, b in zip(self.stars, other.stars, strict=True)),
        )

    @property
    def nothing(self) -> bool:
        return not (self.members or self.hours or self.times or self.compliant or any(self.stars))


Quotas = dict[PeriodKind, tuple[Decimal, int]]


def quotas_of(rules: Rules) -> Quotas:
    """The member quota of each period kind the county has one for."""
    return {
        QUOTA_KINDS[quota.period]: (quota.min_hours, quota.min_times)
        for quota in rules.member_quotas
    }


def period_keys(month: int) -> list[tuple[PeriodKind, str]]:
    """The periods a month (yyyymm) falls in, by kind."""
    year, m = divmod(month, 100)
    return [
        (PeriodKind.YEAR, f"{year}"),
        (PeriodKind.HALF_YEAR, f"{year}-H{1 if m <= 6 else 2}"),
        (PeriodKind.QUARTER, f"{year}-Q{(m - 1) // 3 + 1}"),
        (PeriodKind.MONTH, f"{year}-{m:02d}"),
    ]


def _in(months: Months, key: str) -> Delta:
    return sum(
        (d for month, d in months.items() if any(k == key for _, k in period_keys(month))),
        Delta(),
    )


def _met(total: Delta, quota: tuple[Decimal, int] | None) -> int:
    if quota is None or total.times == 0:
        return 0
    return int(total.hours >= quota[0] and total.times >= quota[1])


def _stars(level: int, sign: int) -> tuple[int, ...]:
    return tuple(sign if level == i + 1 else 0 for i in range(STARS))


def member_change(
    before: Months,
    after: Months,
    levels: tuple[int, int],
    quotas: Quotas,
) -> dict[str, NodeDelta]:
    """What a member's months going from `before` to `after` (and star level from
    levels[0] to levels[1]) changes at their node, by period key."""
    touched = {
        (kind, key) for month in set(before) | set(after) for kind, key in period_keys(month)
    }
    changes: dict[str, NodeDelta] = {}
    for kind, key in touched:
        was, now = _in(before, key), _in(after, key)
        quota = quotas.get(kind)
        change = NodeDelta(
            members=int(now.times > 0) - int(was.times > 0),
            hours=now.hours - was.hours,
            times=now.times - was.times,
            compliant=_met(now, quota) - _met(was, quota),
        )
        if not change.nothing:
            changes[key] = change
    was_all, now_all = sum(before.values(), Delta()), sum(after.values(), Delta())
    overall = NodeDelta(
        members=int(now_all.times > 0) - int(was_all.times > 0),
        hours=now_all.hours - was_all.hours,
        times=now_all.times - was_all.times,
        stars=tuple(
            a + b for a, b in zip(_stars(levels[1], 1), _stars(levels[0], -1), strict=True)
        ),
    )
    if not overall.nothing:
        changes[ALL_TIME] = overall
    return changes


_ADD = text(
    "INSERT INTO node_scores AS s (tenant_id, node_id, period, scope_path, members, hours, "
    "times, compliant, stars) "
    "SELECT :tenant, c.node_id, c.period, n.path, c.members, c.hours, c.times, c.compliant, "
    "c.stars FROM jsonb_to_recordset(CAST(:changes AS jsonb)) AS c(node_id bigint, "
    "period text, members int, hours numeric, times int, compliant int, stars int[]) "
    "JOIN nodes n ON n.id = c.node_id ORDER BY c.node_id, c.period "
    "ON CONFLICT (tenant_id, node_id, period) DO UPDATE SET "
    "members = s.members + excluded.members, hours = s.hours + excluded.hours, "
    "times = s.times + excluded.times, compliant = s.compliant + excluded.compliant, "
    "stars = ARRAY(SELECT a + b FROM unnest(s.stars, excluded.stars) AS x(a, b))"
)


async def add(session: AsyncSession, changes: dict[tuple[int, str], NodeDelta]) -> None:
    """Add a batch's changes to the nodes' rows, in (node, period) order."""
    rows = [
        {
            "node_id": node_id,
            "period": period,
            "members": d.members,
            "hours": str(d.hours),
            "times": d.times,
            "compliant": d.compliant,
            "stars": list(d.stars),
        }
        for (node_id, period), d in sorted(changes.items())
        if not d.nothing
    ]
    if rows:
        await session.execute(_ADD, {"tenant": bound_tenant(session), "changes": json.dumps(rows)})


def gather(
    into: dict[tuple[int, str], NodeDelta], node_id: int, changes: dict[str, NodeDelta]
) -> None:
    for period, change in changes.items():
        into[(node_id, period)] = into.get((node_id, period), NodeDelta()) + change


# Each member's months summed into the periods they fall in, within the member's own row
# (a few dozen months: a small aggregate per member, not one over the county's millions of
# (member, period) pairs), then per (node, period); and per node all time. Periods are
# integer codes (kind 1–4: year, half, quarter, month) until the few thousand rows left
# are named: text keys built per (member, month) cost ten times the rest. The member's
# node is looked up per member by its key, so the plan holds while the members' totals
# just written have no statistics yet. `:quota_*` are NULL for a kind with no member quota.
_REBUILD = """
WITH per_member AS (
  SELECT (SELECT m.node_id FROM members m WHERE m.id = s.member_id) AS node_id,
    s.hours, s.times, s.star_level, s.months, s.month_hours, s.month_times
  FROM member_scores s
), node_periods AS (
  SELECT r.node_id, p.kind, p.code, p.hours, p.times
  FROM per_member r CROSS JOIN LATERAL (
    SELECT k.kind, k.code, sum(x.hours) AS hours, sum(x.times) AS times
    FROM unnest(r.months, r.month_hours, r.month_times) AS x(month, hours, times)
    CROSS JOIN LATERAL (VALUES
      (1, x.month / 100),
      (2, x.month / 100 * 10 + CASE WHEN x.month % 100 <= 6 THEN 1 ELSE 2 END),
      (3, x.month / 100 * 10 + (x.month % 100 - 1) / 3 + 1),
      (4, x.month)
    ) AS k(kind, code)
    GROUP BY k.kind, k.code
  ) p
), by_code AS (
  SELECT node_id, kind, code, count(*) FILTER (WHERE times > 0) AS members,
    sum(hours) AS hours, sum(times) AS times,
    count(*) FILTER (WHERE times > 0 AND CASE kind
      WHEN 1 THEN hours >= :quota_year_hours AND times >= :quota_year_times
      WHEN 2 THEN hours >= :quota_half_year_hours AND times >= :quota_half_year_times
      WHEN 3 THEN hours >= :quota_quarter_hours AND times >= :quota_quarter_times
      END) AS compliant
  FROM node_periods GROUP BY node_id, kind, code
)
INSERT INTO node_scores (tenant_id, node_id, period, scope_path, members, hours, times,
  compliant, stars)
SELECT :tenant, x.node_id, x.period, n.path, x.members, x.hours, x.times, x.compliant, x.stars
FROM (
  -- Years, halves, quarters and months keyed as services/scoring/periods.py names them.
  SELECT node_id, CASE kind
      WHEN 1 THEN CAST(code AS text)
      WHEN 2 THEN (code / 10) || '-H' || (code % 10)
      WHEN 3 THEN (code / 10) || '-Q' || (code % 10)
      ELSE (code / 100) || '-' || lpad(CAST(code % 100 AS text), 2, '0') END AS period,
    members, hours, times, compliant, CAST('{0,0,0,0,0}' AS int[]) AS stars
  FROM by_code
  UNION ALL
  SELECT node_id, 'all', count(*) FILTER (WHERE times > 0), sum(hours), sum(times), 0,
    ARRAY[count(*) FILTER (WHERE star_level = 1), count(*) FILTER (WHERE star_level = 2),
      count(*) FILTER (WHERE star_level = 3), count(*) FILTER (WHERE star_level = 4),
      count(*) FILTER (WHERE star_level = 5)]
  FROM per_member GROUP BY node_id
) x JOIN nodes n ON n.id = x.node_id
"""


def quota_params(quotas: Quotas) -> dict[str, Any]:
    """The member quotas as the rebuild's parameters."""
    params: dict[str, Any] = {}
    for kind in (PeriodKind.YEAR, PeriodKind.HALF_YEAR, PeriodKind.QUARTER):
        hours, times = quotas.get(kind, (None, None))
        params[f"quota_{kind.value}_hours"] = hours
        params[f"quota_{kind.value}_times"] = times
    return params


async def rebuild(session: AsyncSession, rules: Rules) -> None:
    """The county's node scores anew from its members' totals (the full recompute, after
    writing them; the old rows are gone with the totals)."""
    await session.execute(
        text(_REBUILD), {"tenant": bound_tenant(session), **quota_params(quotas_of(rules))}
    )
