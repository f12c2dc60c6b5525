"""The figures of a node for a period, for the node and for each child at once.

Every figure is one SQL aggregate over a subtree range, grouped both by the child the row
falls under (`slot`: the child's id, or '' for what sits at the node itself) and over the
whole subtree (slot None: `GROUPING SETS`, so distinct counts and medians of the node are
exact, not sums of its children's), so a county's overview with its streets costs the
same few statements as a compound's:

- members' service (active members, hours, records, the member quota, stars) from the
  nodes' scores (`node_scores`, kept by the scoring consumer: members live at one node,
  so a subtree's figures are its nodes' sums, distinct counts included);
- members and units in scope, and how many are registered, from the registers;
- the programme's work — activities, projects, claims, needs, wishes, whistle calls —
  from their own tables, which are small beside the records (a county's thousands of
  needs against its millions of records) and indexed by (tenant, path).

Who counts where: a member where they live, a unit where it sits; an activity, project,
need, wish or whistle call at its node; a claim at its project's node.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from policies.paths import subtree_end
from services.records.totals import Period, PeriodKind
from services.scoring.periods import QUOTA_KINDS, bounds, key, month_range
from tenants.rules.model import Rules

SELF = ""
HOUR = Decimal(3600)


@dataclass(frozen=True)
class Scope:
    """The node a dashboard is for, and its period."""

    path: str
    period: Period

    def params(self) -> dict[str, Any]:
        first, until = bounds(self.period)
        m1, m2 = month_range(self.period)
        return {
            "path": self.path,
            "end": subtree_end(self.path),
            "plen": len(self.path),
            "key": key(self.period),
            "first": first,
            "until": until,
            "m1": m1,
            "m2": m2,
        }


@dataclass(frozen=True)
class Figures:
    """A node's (or a child's) figures for the period."""

    units: int = 0
    units_registered: int = 0
    # Registered units meeting the unit quotas of the period (None: a month has none).
    units_compliant: int | None = None
    members: int = 0
    members_registered: int = 0
    active_members: int = 0
    hours: Decimal = Decimal(0)
    records: int = 0
    # Members meeting the member quota of the period's kind (None: the county has none).
    members_compliant: int | None = None
    activities_held: int = 0
    collective_activities: int = 0
    projects_published: int = 0
    projects_claimed: int = 0
    needs_raised: int = 0
    needs_resolved: int = 0
    median_hours_to_resolve: Decimal | None = None
    wishes_posted: int = 0
    wishes_fulfilled: int = 0
    whistle_calls: int = 0
    whistle_asked: int = 0
    whistle_answered: int = 0
    median_minutes_to_respond: Decimal | None = None
    # Members holding one to five stars now (all time, not the period).
    stars: tuple[int, ...] = (0, 0, 0, 0, 0)
    members_ever_active: int = 0


# Figures by slot: a child's id, SELF for the node's own rows, None for the whole subtree.
Slots = dict[str | None, dict[str, Any]]

SLOT = "split_part(substr({col}, :plen + 1), '.', 1)"
RANGE = "{col} >= :path AND {col} < :end"


def _slot(col: str) -> str:
    return SLOT.format(col=col)


def _range(col: str) -> str:
    return RANGE.format(col=col)


# Members' service, from the nodes' scores: the period's row and the all-time row.
SERVICE = text(
    f"SELECT {_slot('scope_path')} AS slot, period, sum(members) AS members, "  # noqa: S608 (built from constants)
    "sum(hours) AS hours, sum(times) AS times, sum(compliant) AS compliant, "
    "sum(stars[1]) AS s1, sum(stars[2]) AS s2, sum(stars[3]) AS s3, sum(stars[4]) AS s4, "
    f"sum(stars[5]) AS s5 FROM node_scores WHERE period IN (:key, 'all') "
    f"AND {_range('scope_path')} "
    f"GROUP BY GROUPING SETS (({_slot('scope_path')}, period), (period))"
)
MEMBERS = text(
    f"SELECT {_slot('m.scope_path')} AS slot, count(*) AS members, "  # noqa: S608 (built from constants)
    "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM member_registrations r "
    "WHERE r.member_id = m.id AND r.status = 'confirmed')) AS registered "
    f"FROM members m WHERE m.status = 'active' AND {_range('m.scope_path')} "
    f"GROUP BY GROUPING SETS (({_slot('m.scope_path')}), ())"
)
# A registered unit meets the quotas of a quarter, a half or a year when it ran the
# collective activities of its quarters and (a year) claimed its projects.
UNITS = text(
    f"SELECT {_slot('u.scope_path')} AS slot, count(*) AS units, "  # noqa: S608 (built from constants)
    "count(*) FILTER (WHERE x.registered) AS registered, "
    "count(*) FILTER (WHERE x.registered AND x.activities >= :min_activities "
    "AND x.claims >= :min_claims) AS compliant "
    "FROM units u CROSS JOIN LATERAL (SELECT "
    "EXISTS (SELECT 1 FROM unit_registrations r WHERE r.unit_id = u.id "
    "AND r.status = 'confirmed') AS registered, "
    "COALESCE((SELECT sum(a.n) FROM unit_scores s, unnest(s.months, s.month_activities) "
    "AS a(month, n) WHERE s.unit_id = u.id AND a.month BETWEEN :m1 AND :m2), 0) AS activities, "
    "(SELECT count(*) FROM project_claims c WHERE c.unit_id = u.id AND c.status IN "
    "('claimed', 'started', 'withdraw_requested', 'completed') AND c.claimed_at >= :first "
    "AND c.claimed_at < :until) AS claims) x "
    f"WHERE u.status = 'active' AND {_range('u.scope_path')} "
    f"GROUP BY GROUPING SETS (({_slot('u.scope_path')}), ())"
)


def _counted(kind: str, table: str, col: str, where: str, median: str = "NULL") -> str:
    return (
        f"SELECT {_slot(col)} AS slot, '{kind}' AS kind, count(*) AS n, "  # noqa: S608 (built from constants)
        f"CAST({median} AS numeric) AS median FROM {table} WHERE {_range(col)} AND {where} "
        f"GROUP BY GROUPING SETS (({_slot(col)}), ())"
    )


IN_PERIOD = "{col} >= :first AND {col} < :until"


def _when(col: str) -> str:
    return IN_PERIOD.format(col=col)


# The programme's work: one row per (slot, kind) with a count and, where it has one, the
# median (hours to resolve a need; minutes to answer a whistle call).
WORK = text(
    " UNION ALL ".join(
        [
            _counted(
                "activities_held",
                "activities",
                "scope_path",
                f"status = 'finished' AND {_when('starts_at')}",
            ),
            _counted(
                "collective_activities",
                "activities",
                "scope_path",
                f"status = 'finished' AND collective AND {_when('starts_at')}",
            ),
            _counted("projects_published", "projects", "scope_path", _when("published_at")),
            _counted("projects_claimed", "project_claims", "scope_path", _when("claimed_at")),
            _counted("needs_raised", "needs", "scope_path", _when("raised_at")),
            _counted(
                "needs_resolved",
                "needs",
                "scope_path",
                _when("resolved_at"),
                "percentile_cont(0.5) WITHIN GROUP "
                "(ORDER BY extract(epoch FROM resolved_at - raised_at) / 3600)",
            ),
            _counted("wishes_posted", "wishes", "scope_path", _when("posted_at")),
            _counted("wishes_fulfilled", "wishes", "scope_path", _when("fulfilled_at")),
            _counted("whistle_calls", "whistle_calls", "scope_path", _when("blown_at")),
            _counted(
                "whistle_asked",
                "whistle_recipients r JOIN whistle_calls c ON c.id = r.whistle_call_id",
                "c.scope_path",
                _when("c.blown_at"),
            ),
            _counted(
                "whistle_answered",
                "whistle_recipients r JOIN whistle_calls c ON c.id = r.whistle_call_id",
                "c.scope_path",
                f"{_when('c.blown_at')} AND r.status <> 'pending'",
                "percentile_cont(0.5) WITHIN GROUP "
                "(ORDER BY extract(epoch FROM r.responded_at - c.blown_at) / 60)",
            ),
        ]
    )
)
WORK_KINDS = (
    "activities_held",
    "collective_activities",
    "projects_published",
    "projects_claimed",
    "needs_raised",
    "needs_resolved",
    "wishes_posted",
    "wishes_fulfilled",
    "whistle_calls",
    "whistle_asked",
    "whistle_answered",
)
MEDIANS = {
    "needs_resolved": "median_hours_to_resolve",
    "whistle_answered": "median_minutes_to_respond",
}


def _put(slots: Slots, slot: str | None, **values: Any) -> None:
    slots.setdefault(slot, {}).update(values)


def service_rows(slots: Slots, rows: Sequence[Any], period_key: str, has_quota: bool) -> None:
    """Fill the members' service figures from rows of (slot, period, members, hours,
    times, compliant, s1 … s5) — from the nodes' scores, or computed from the records."""
    for row in rows:
        if row.period == period_key:
            _put(
                slots,
                row.slot,
                active_members=int(row.members),
                # A grand total over no rows sums to NULL.
                hours=Decimal(row.hours or 0),
                records=int(row.times or 0),
                members_compliant=int(row.compliant or 0) if has_quota else None,
            )
        else:
            _put(
                slots,
                row.slot,
                members_ever_active=int(row.members),
                stars=tuple(int(getattr(row, f"s{i}") or 0) for i in range(1, 6)),
            )


@dataclass(frozen=True)
class Quotas:
    """What the county's rules ask in the period (None: nothing of that kind)."""

    member: tuple[Decimal, int] | None
    unit_activities: int | None
    unit_claims: int


def quotas_for(rules: Rules, period: Period) -> Quotas:
    member = next(
        (
            (q.min_hours, q.min_times)
            for q in rules.member_quotas
            if QUOTA_KINDS[q.period] is period.kind
        ),
        None,
    )
    quarters = {PeriodKind.QUARTER: 1, PeriodKind.HALF_YEAR: 2, PeriodKind.YEAR: 4}
    per_quarter = rules.unit_quotas.activities_per_quarter
    return Quotas(
        member=member,
        unit_activities=None
        if period.kind is PeriodKind.MONTH
        else per_quarter * quarters[period.kind],
        unit_claims=rules.unit_quotas.projects_per_year if period.kind is PeriodKind.YEAR else 0,
    )


async def registers_and_work(
    session: AsyncSession, scope: Scope, quotas: Quotas, slots: Slots
) -> None:
    """The figures from the registers and the programme's tables (three statements)."""
    params = scope.params()
    for row in await session.execute(MEMBERS, params):
        _put(slots, row.slot, members=row.members, members_registered=row.registered)
    unit_params = {
        **params,
        "min_activities": quotas.unit_activities or 0,
        "min_claims": quotas.unit_claims,
    }
    for row in await session.execute(UNITS, unit_params):
        _put(
            slots,
            row.slot,
            units=row.units,
            units_registered=row.registered,
            units_compliant=None if quotas.unit_activities is None else row.compliant,
        )
    for row in await session.execute(WORK, params):
        _put(slots, row.slot, **{row.kind: int(row.n)})
        if row.kind in MEDIANS and row.median is not None:
            _put(
                slots, row.slot, **{MEDIANS[row.kind]: Decimal(row.median).quantize(Decimal("0.1"))}
            )


async def slots_of(session: AsyncSession, scope: Scope, quotas: Quotas) -> Slots:
    """Every figure, by slot, the members' service from the nodes' scores."""
    slots: Slots = {}
    rows = (await session.execute(SERVICE, scope.params())).all()
    service_rows(slots, rows, key(scope.period), quotas.member is not None)
    await registers_and_work(session, scope, quotas, slots)
    return slots


def figures_of(values: dict[str, Any], quotas: Quotas) -> Figures:
    found = Figures(**values)
    if quotas.member is not None and found.members_compliant is None:
        found = replace(found, members_compliant=0)
    if quotas.unit_activities is not None and found.units_compliant is None:
        found = replace(found, units_compliant=0)
    return found


@dataclass
class Overview:
    figures: Figures
    children: dict[str, Figures] = field(default_factory=dict)
