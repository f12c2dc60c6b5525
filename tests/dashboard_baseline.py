"""The dashboards' figures computed straight from the base tables — the service records
themselves instead of the nodes' scores the workers keep — for the tests that check the
two agree and for the benchmark that times both. The registers' and the programme's
figures are read from their own tables by the dashboards already (services/dashboards/
figures.py), and are reused as they are."""

from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from policies.paths import subtree_end
from services.dashboards.figures import (
    Scope,
    Slots,
    quotas_for,
    registers_and_work,
    service_rows,
)
from services.dashboards.service import (
    MONTH_WORK,
    Month,
    Overview,
    assemble,
    children_of,
    series_months,
)
from services.records.totals import Period
from services.scoring.periods import bounds, key
from tenants.hierarchy.models import Node
from tenants.rules.service import rules_on

SLOT = "split_part(substr(m.scope_path, :plen + 1), '.', 1)"
# Every confirmed record of a member living in the subtree, by the member's node and the
# record's day of service (in China).
RECORDS = """
WITH rec AS (
  SELECT r.member_id, m.scope_path, r.hours, r.service_on AS day
  FROM service_records r JOIN members m ON m.id = r.member_id
  WHERE r.status = 'confirmed' AND m.scope_path >= :path AND m.scope_path < :end
)
"""
SERVICE = text(
    RECORDS
    + f"""
, in_period AS (
  SELECT member_id, scope_path, sum(hours) AS hours, count(*) AS times FROM rec
  WHERE day BETWEEN :d1 AND :d2 GROUP BY member_id, scope_path
), ever AS (
  SELECT member_id, scope_path, sum(hours) AS hours, count(*) AS times,
    (SELECT count(*) FROM unnest(CAST(:stars AS numeric[])) t WHERE sum(hours) >= t) AS level
  FROM rec GROUP BY member_id, scope_path
)
SELECT {SLOT.replace("m.", "p.")} AS slot, :key AS period, count(*) AS members,
  sum(hours) AS hours, sum(times) AS times,
  count(*) FILTER (WHERE hours >= :min_hours AND times >= :min_times) AS compliant,
  0 AS s1, 0 AS s2, 0 AS s3, 0 AS s4, 0 AS s5
FROM in_period p GROUP BY GROUPING SETS (({SLOT.replace("m.", "p.")}), ())
UNION ALL
SELECT {SLOT.replace("m.", "e.")}, 'all', count(*), sum(hours), sum(times), 0,
  count(*) FILTER (WHERE level = 1), count(*) FILTER (WHERE level = 2),
  count(*) FILTER (WHERE level = 3), count(*) FILTER (WHERE level = 4),
  count(*) FILTER (WHERE level = 5)
FROM ever e GROUP BY GROUPING SETS (({SLOT.replace("m.", "e.")}), ())
"""
)
MONTHS = text(
    RECORDS
    + """
SELECT to_char(day, 'YYYY-MM') AS period, count(DISTINCT member_id) AS members,
  sum(hours) AS hours, count(*) AS times
FROM rec WHERE day BETWEEN :d1 AND :d2 GROUP BY 1
"""
)


async def overview(session: AsyncSession, node: Node, period: Period) -> Overview:
    """What `services.dashboards.service.overview` answers, from the base tables."""
    rules = await rules_on(session, today())
    quotas = quotas_for(rules, period)
    scope = Scope(node.path, period)
    params: dict[str, Any] = {
        **scope.params(),
        "d1": period.first,
        "d2": period.last,
        "stars": [Decimal(t) for t in rules.star_levels],
        "min_hours": quotas.member[0] if quotas.member else 0,
        "min_times": quotas.member[1] if quotas.member else 0,
    }
    slots: Slots = {}
    rows = (await session.execute(SERVICE, params)).all()
    service_rows(slots, rows, key(period), quotas.member is not None)
    await registers_and_work(session, scope, quotas, slots)
    return assemble(node, period, slots, quotas, await children_of(session, node))


async def series(session: AsyncSession, node: Node, period: Period) -> list[Month]:
    """What `services.dashboards.service.series` answers, from the base tables."""
    months = series_months(period)
    keys = [key(m) for m in months]
    params: dict[str, Any] = {
        "path": node.path,
        "end": subtree_end(node.path),
        "d1": months[0].first,
        "d2": months[-1].last,
        "first": bounds(months[0])[0],
        "until": bounds(months[-1])[1],
    }
    found: dict[str, dict[str, Any]] = {k: {} for k in keys}
    for row in await session.execute(MONTHS, params):
        found[row.period].update(
            active_members=int(row.members), hours=Decimal(row.hours), records=int(row.times)
        )
    for row in await session.execute(MONTH_WORK, params):
        if row.month in found:
            found[row.month][row.kind] = int(row.n)
    return [Month(key=k, **found[k]) for k in keys]
