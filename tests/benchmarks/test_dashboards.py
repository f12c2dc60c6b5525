"""Dashboards at county scale: a generated county of 2,000 nodes (10 streets, 190
communities, 1,799 compounds), 2,000 units, 200,000 members (four in five registered) and
5,000,000 confirmed service records over two years.

Reported, measured in one run: the county overview with its children and a 12-month
series through the whole GraphQL stack (the app over HTTP, tenant transaction, scope
check, the nodes' scores), p50 and p95, beside the SQL that computes the same figures
straight from the base tables (tests/dashboard_baseline.py, same session rules, row-level
security on); the numbers are checked identical. The same for the largest community.
Target (dashboards issue): GraphQL p50 ≤ 0.2 × the SQL's.

Run: `uv run pytest tests/benchmarks/test_dashboards.py -s` (BENCH_RUNS sets the runs).
"""

import os
import statistics
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import text

from infra.db import TENANT_SETTING, Database, libpq_url
from infra.settings import Settings
from services.dashboards.service import parse_period
from tenants.hierarchy.models import Node
from tests import dashboard_baseline
from tests.api.graphql_client import bearer, global_id, token_for
from tests.api.test_dashboards import DASHBOARD
from tests.benchmarks.test_scoring import milliseconds, timed_recompute
from tests.conftest import ClonedDatabase, GraphQLCall, MakeTenant
from tests.factories import add_user, root_of

RUNS = int(os.environ.get("BENCH_RUNS", "10"))
STREETS, COMMUNITIES, COMPOUNDS = 10, 190, 1_799
UNITS, MEMBERS, RECORDS_PER_MEMBER = 2_000, 200_000, 25
DAYS_BACK = 730
COUNTY = "130123"

LOAD: list[tuple[str, tuple[int, ...]]] = [
    (
        """INSERT INTO nodes (tenant_id, id, parent_id, path, kind, name)
           SELECT $1, x.id, r.id, r.path || x.id || '.', 'township', '街道' || x.i
           FROM (SELECT nextval('nodes_id_seq') AS id, i FROM generate_series(1, $2) AS i) x,
             nodes r WHERE r.parent_id IS NULL""",
        (STREETS,),
    ),
    (
        """INSERT INTO nodes (tenant_id, id, parent_id, path, kind, name)
           SELECT $1, x.id, s.id, s.path || x.id || '.', 'community', '社区' || x.i
           FROM (SELECT nextval('nodes_id_seq') AS id, i FROM generate_series(1, $2) AS i) x
           JOIN (SELECT id, path, row_number() OVER (ORDER BY id) - 1 AS n FROM nodes
                 WHERE kind = 'township') s ON s.n = x.i % $3""",
        (COMMUNITIES, STREETS),
    ),
    (
        """INSERT INTO nodes (tenant_id, id, parent_id, path, kind, name)
           SELECT $1, x.id, c.id, c.path || x.id || '.', 'compound', '小区' || x.i
           FROM (SELECT nextval('nodes_id_seq') AS id, i FROM generate_series(1, $2) AS i) x
           JOIN (SELECT id, path, row_number() OVER (ORDER BY id) - 1 AS n FROM nodes
                 WHERE kind = 'community') c ON c.n = x.i % $3""",
        (COMPOUNDS, COMMUNITIES),
    ),
    (
        """INSERT INTO units (tenant_id, name, kind, credit_code, party_org_type, node_id,
             scope_path)
           SELECT $1, '单位' || i, 'government', 'BENCH' || lpad(i::text, 13, '0'), 'branch',
             c.id, c.path
           FROM generate_series(1, $2) AS i
           JOIN (SELECT id, path, row_number() OVER (ORDER BY id) - 1 AS n FROM nodes
                 WHERE kind = 'community') c ON c.n = i % $3""",
        (UNITS, COMMUNITIES),
    ),
    # Members live in compounds and (one in ten) at a community itself.
    (
        """INSERT INTO members (tenant_id, name, gender, mobile_sealed, mobile_index,
             unit_id, node_id, scope_path)
           SELECT $1, '党员' || i, 'male', '\\x00', sha256(i::text::bytea), u.id, h.id, h.path
           FROM generate_series(1, $2) AS i
           JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM units) u
             ON u.n = i % $3
           JOIN (SELECT id, path, row_number() OVER (ORDER BY id) - 1 AS n FROM nodes
                 WHERE kind IN ('community', 'compound')) h ON h.n = (i * 7) % $4""",
        (MEMBERS, UNITS, COMMUNITIES + COMPOUNDS),
    ),
    (
        """INSERT INTO member_registrations (tenant_id, slip_number, member_id, unit_id,
             community_id, node_id, scope_path, channel, status, decided_at)
           SELECT $1, 'S' || m.id, m.id, m.unit_id,
             CASE WHEN n.kind = 'compound' THEN n.parent_id ELSE n.id END, n.id, n.path,
             'self', 'confirmed', now()
           FROM members m JOIN nodes n ON n.id = m.node_id WHERE m.id % 5 <> 0""",
        (),
    ),
    (
        """INSERT INTO unit_registrations (tenant_id, unit_id, node_id, scope_path, status)
           SELECT $1, u.id, u.node_id, u.scope_path, 'confirmed' FROM units u
           WHERE u.id % 10 <> 0""",
        (),
    ),
    (
        """INSERT INTO service_records (tenant_id, member_id, source, node_id, scope_path,
             title, started_at, ended_at, service_on, minutes, hours, status, version)
           SELECT $1, m.id,
             (ARRAY['activity', 'project_claim', 'wish', 'whistle_call', 'entered'])
               [1 + k % 5]::record_source,
             m.node_id, m.scope_path, '社区服务', t.d + time '09:00',
             t.d + time '09:00' + t.h, (t.d AT TIME ZONE 'Asia/Shanghai')::date,
             extract(epoch FROM t.h) / 60,
             extract(epoch FROM t.h) / 3600, 'confirmed', 2
           FROM members m CROSS JOIN generate_series(1, $2) AS k,
             LATERAL (SELECT (current_date - 1 - ((m.id * 37 + k * 29) % $3)::int)::timestamp
                        AT TIME ZONE 'Asia/Shanghai' AS d,
                      interval '30 minutes' * (1 + (m.id + k) % 8) AS h) AS t""",
        (RECORDS_PER_MEMBER, DAYS_BACK),
    ),
    (
        """INSERT INTO activities (tenant_id, node_id, scope_path, community_id,
             organiser_unit_id, collective, title, post_category, place, starts_at, ends_at,
             signup_opens_at, signup_closes_at, audience, status, code_secret,
             created_by_name)
           SELECT $1, u.node_id, u.scope_path, u.node_id, u.id, true, '集体活动', '党员先锋岗',
             '广场', t.s, t.s + interval '2 hours', t.s - interval '7 days',
             t.s - interval '1 hour', 'unit', 'finished', '\\x00', '单位'
           FROM units u CROSS JOIN generate_series(1, 4) AS k,
             LATERAL (SELECT now() - interval '1 day' * ((u.id * 13 + k * 101) % $2) AS s) t""",
        (DAYS_BACK,),
    ),
]


async def load(test_database: ClonedDatabase, tenant_id: UUID) -> float:
    started = time.perf_counter()
    connection = await asyncpg.connect(libpq_url(test_database.owner_url))
    try:
        await connection.execute(
            "ALTER TABLE service_records DROP CONSTRAINT ex_service_records_member_overlap"
        )
        async with connection.transaction():
            await connection.execute(
                f"SELECT set_config('{TENANT_SETTING}', $1, true)", str(tenant_id)
            )
            for statement, sizes in LOAD:
                await connection.execute(statement, tenant_id, *sizes)
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return time.perf_counter() - started


async def timed(runs: int, work: Callable[[], Awaitable[Any]]) -> tuple[list[float], Any]:
    await work()  # warm: caches, plans, the caller's grants
    times, last = [], None
    for _ in range(runs):
        started = time.perf_counter()
        last = await work()
        times.append(time.perf_counter() - started)
    return times, last


def numbers(overview: Any) -> list[tuple[Any, ...]]:
    """The figures the GraphQL answer and the base tables both give, child by child."""
    return [
        ("*", overview.figures.active_members, overview.figures.hours, overview.figures.records),
        *[
            (c.node.name, c.figures.active_members, c.figures.hours, c.figures.records)
            for c in overview.children
        ],
    ]


def answered(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    found = body["data"]["dashboard"]
    whole = found["figures"]
    children = sorted(found["children"], key=lambda c: c["node"]["name"])
    return [
        ("*", whole["activeMembers"], Decimal(whole["hours"]), whole["records"]),
        *[
            (
                c["node"]["name"],
                c["figures"]["activeMembers"],
                Decimal(c["figures"]["hours"]),
                c["figures"]["records"],
            )
            for c in children
        ],
    ]


async def test_dashboards_at_county_scale(
    test_database: ClonedDatabase,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    graphql: GraphQLCall,
) -> None:
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    loaded = await load(test_database, tenant.id)
    built, _, _ = await timed_recompute(db, tenant.id)
    root = await root_of(db, tenant.id)
    await add_user(db, settings, tenant.id, "admin", node=root, roles=[("county_admin", root)])
    token = bearer(await token_for(graphql, "admin", county=COUNTY))
    async with db.tenant_session(tenant.id) as session:
        biggest = (
            await session.execute(
                text(
                    "SELECT n.id FROM nodes n JOIN members m ON m.scope_path >= n.path "
                    "AND m.scope_path < left(n.path, -1) || '/' WHERE n.kind = 'community' "
                    "GROUP BY n.id ORDER BY count(*) DESC LIMIT 1"
                )
            )
        ).scalar_one()
    period = str(parse_period(None).year)
    lines = [
        f"\ndashboards: county loaded in {loaded:.0f} s; nodes' scores built (full recompute) "
        f"in {built:.1f} s"
    ]
    for label, node_id in (("county", root.id), ("community", biggest)):
        variables = {"n": global_id("HierarchyNode", node_id), "p": period}

        async def through_graphql(variables: dict[str, Any] = variables) -> Any:
            body = await graphql(DASHBOARD, variables, county=COUNTY, headers=token)
            assert "errors" not in body, body
            return body

        async def from_base_tables(node_id: int = node_id) -> Any:
            async with db.tenant_session(tenant.id) as session:
                node = await session.get(Node, (tenant.id, node_id))
                assert node is not None
                found = await dashboard_baseline.overview(session, node, parse_period(period))
                await dashboard_baseline.series(session, node, parse_period(period))
                found.children.sort(key=lambda c: c.node.name)
                return found

        api_times, body = await timed(RUNS, through_graphql)
        sql_times, base = await timed(RUNS, from_base_tables)
        assert answered(body) == numbers(base), label
        api_p50, sql_p50 = statistics.median(api_times), statistics.median(sql_times)
        lines.append(
            f"  {label} ({len(base.children)} children, 12-month series): GraphQL p50 "
            f"{1000 * api_p50:.1f} ms, p95 {milliseconds(api_times, 0.95):.1f} ms; base-table "
            f"SQL p50 {1000 * sql_p50:.1f} ms, p95 {milliseconds(sql_times, 0.95):.1f} ms; "
            f"ratio {api_p50 / sql_p50:.3f} (target ≤ 0.2); numbers identical"
        )
    print("\n".join(lines))
