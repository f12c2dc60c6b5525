"""Dashboards for staff at every level: a node's figures for a period with its children's
(the drill-down), a monthly series, and the units and members with the most hours.

Who may read: whoever holds `dashboard read` at the node (staff of the node or above, and
auditors, who change nothing anyway); a member's name in full only to those who may read
members' personal data there, masked (张*) to the rest.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.errors import InvalidInput
from infra.personal_data import mask_name
from policies import access
from policies.paths import subtree_end
from policies.principal import Principal
from services.dashboards.figures import (
    SELF,
    Figures,
    Quotas,
    Scope,
    Slots,
    figures_of,
    quotas_for,
    slots_of,
)
from services.records.totals import FIRST_YEAR, Period, PeriodKind
from services.scoring.periods import bounds, containing, key
from tenants.hierarchy.models import Node
from tenants.hierarchy.service import get_node
from tenants.rules.service import rules_on

PERIOD = re.compile(r"(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?")
SERIES_MONTHS = 12
RANKED_AT_MOST = 100


def parse_period(given: str | None, *, on: date | None = None) -> Period:
    """`2026`, `2026-H1`, `2026-Q3`, `2026-11`; none: this year."""
    day = on or today()
    if given is None:
        return containing(PeriodKind.YEAR, day)
    found = PERIOD.fullmatch(given.strip())
    wrong = InvalidInput(
        "「时段」应写作 2026（全年）、2026-H1（上半年）、2026-Q3（第三季度）或 2026-11（11月）",
        field="period",
    )
    if found is None:
        raise wrong
    year, part = int(found[1]), found[2]
    if not FIRST_YEAR <= year <= day.year:
        raise InvalidInput(f"「时段」的年份应在 {FIRST_YEAR} 到 {day.year} 之间", field="period")
    if part is None:
        return Period(year, PeriodKind.YEAR, 1)
    if part[0] == "H":
        return Period(year, PeriodKind.HALF_YEAR, int(part[1]))
    if part[0] == "Q":
        return Period(year, PeriodKind.QUARTER, int(part[1]))
    if not 1 <= int(part) <= 12:
        raise wrong
    return Period(year, PeriodKind.MONTH, int(part))


@dataclass(frozen=True)
class Child:
    node: Node
    figures: Figures


@dataclass(frozen=True)
class Overview:
    node: Node
    period: Period
    figures: Figures
    # What sits at the node itself (members living there, its own activities …).
    at_node: Figures
    children: list[Child]


async def _node(session: AsyncSession, principal: Principal, node_id: int) -> Node:
    node = await get_node(session, node_id)
    access.require(
        session, principal, resource="dashboard", action="read", node=(node.id, node.path)
    )
    return node


async def _quotas(session: AsyncSession, period: Period) -> Quotas:
    return quotas_for(await rules_on(session, today()), period)


async def children_of(session: AsyncSession, node: Node) -> list[Node]:
    query = select(Node).where(Node.parent_id == node.id).order_by(Node.path)
    return list(await session.scalars(query))


def assemble(
    node: Node, period: Period, slots: Slots, quotas: Quotas, kids: list[Node]
) -> Overview:
    return Overview(
        node=node,
        period=period,
        figures=figures_of(slots.get(None, {}), quotas),
        at_node=figures_of(slots.get(SELF, {}), quotas),
        children=[Child(kid, figures_of(slots.get(str(kid.id), {}), quotas)) for kid in kids],
    )


async def overview(
    session: AsyncSession, principal: Principal, node_id: int, period: Period
) -> Overview:
    """The node's figures and each child's: six statements, whatever the tree."""
    node = await _node(session, principal, node_id)
    quotas = await _quotas(session, period)
    slots = await slots_of(session, Scope(node.path, period), quotas)
    return assemble(node, period, slots, quotas, await children_of(session, node))


# --- the monthly series -----------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    key: str
    active_members: int = 0
    hours: Decimal = Decimal(0)
    records: int = 0
    activities_held: int = 0
    needs_raised: int = 0
    needs_resolved: int = 0
    wishes_fulfilled: int = 0
    whistle_calls: int = 0


def series_months(period: Period, on: date | None = None) -> list[Period]:
    """The 12 months up to the period's last (or this month, if sooner)."""
    last = min(period.last, on or today())
    months = []
    year, month = last.year, last.month
    for _ in range(SERIES_MONTHS):
        months.append(Period(year, PeriodKind.MONTH, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


MONTH_SERVICE = text(
    "SELECT period, sum(members) AS members, sum(hours) AS hours, sum(times) AS times "
    "FROM node_scores WHERE period = ANY(:keys) AND scope_path >= :path AND scope_path < :end "
    "GROUP BY period"
)


def _monthly(kind: str, table: str, col: str, where: str = "true") -> str:
    month = f"to_char({col} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
    return (
        f"SELECT {month} AS month, '{kind}' AS kind, count(*) AS n FROM {table} "  # noqa: S608 (built from constants)
        f"WHERE scope_path >= :path AND scope_path < :end AND {col} >= :first "
        f"AND {col} < :until AND {where} GROUP BY 1"
    )


MONTH_WORK = text(
    " UNION ALL ".join(
        [
            _monthly("activities_held", "activities", "starts_at", "status = 'finished'"),
            _monthly("needs_raised", "needs", "raised_at"),
            _monthly("needs_resolved", "needs", "resolved_at"),
            _monthly("wishes_fulfilled", "wishes", "fulfilled_at"),
            _monthly("whistle_calls", "whistle_calls", "blown_at"),
        ]
    )
)


async def series(
    session: AsyncSession, principal: Principal, node_id: int, period: Period
) -> list[Month]:
    """The main figures month by month (two statements)."""
    node = await _node(session, principal, node_id)
    months = series_months(period)
    keys = [key(m) for m in months]
    params: dict[str, Any] = {
        "path": node.path,
        "end": subtree_end(node.path),
        "keys": keys,
        "first": bounds(months[0])[0],
        "until": bounds(months[-1])[1],
    }
    found: dict[str, dict[str, Any]] = {k: {} for k in keys}
    for row in await session.execute(MONTH_SERVICE, params):
        found[row.period].update(
            active_members=int(row.members), hours=Decimal(row.hours), records=int(row.times)
        )
    for row in await session.execute(MONTH_WORK, params):
        if row.month in found:
            found[row.month][row.kind] = int(row.n)
    return [Month(key=k, **found[k]) for k in keys]


# --- rankings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    id: int
    name: str
    hours: Decimal
    times: int


def _ranking(table: str, scores: str, key_col: str) -> Any:
    return text(
        f"SELECT x.id, x.name, sum(t.hours) AS hours, sum(t.times) AS times FROM {table} x "  # noqa: S608 (built from constants)
        f"JOIN {scores} s ON s.{key_col} = x.id "
        "CROSS JOIN LATERAL unnest(s.months, s.month_hours, s.month_times) "
        "AS t(month, hours, times) "
        "WHERE x.scope_path >= :path AND x.scope_path < :end AND t.month BETWEEN :m1 AND :m2 "
        "GROUP BY x.id, x.name HAVING sum(t.hours) > 0 "
        "ORDER BY hours DESC, times DESC, x.id LIMIT :first"
    )


UNIT_RANKING = _ranking("units", "unit_scores", "unit_id")
MEMBER_RANKING = _ranking("members", "member_scores", "member_id")


def _first(first: int) -> int:
    if not 1 <= first <= RANKED_AT_MOST:
        raise InvalidInput(f"排行榜一次最多列出 {RANKED_AT_MOST} 名", field="first")
    return first


async def unit_ranking(
    session: AsyncSession, principal: Principal, node_id: int, period: Period, first: int
) -> list[Ranked]:
    """The units sitting in scope whose members served the most hours in the period."""
    node = await _node(session, principal, node_id)
    params = {**Scope(node.path, period).params(), "first": _first(first)}
    rows = await session.execute(UNIT_RANKING, params)
    return [Ranked(r.id, r.name, Decimal(r.hours), int(r.times)) for r in rows]


async def member_ranking(
    session: AsyncSession, principal: Principal, node_id: int, period: Period, first: int
) -> list[Ranked]:
    """The members living in scope who served the most hours in the period (names masked
    unless the viewer may read members' personal data there: a ranking is shown on
    screens and exported)."""
    node = await _node(session, principal, node_id)
    params = {**Scope(node.path, period).params(), "first": _first(first)}
    full = access.may(principal, node.path, "member", "read_personal")
    rows = await session.execute(MEMBER_RANKING, params)
    return [
        Ranked(r.id, r.name if full else mask_name(r.name), Decimal(r.hours), int(r.times))
        for r in rows
    ]
