"""Authorization at county scale: one permission check, and a scoped list under RLS.

Targets (authorization issue), one county of 100,000 members and 2,000 staff:
- one check, p99 ≤ 100 µs (plain pycasbin on the same links is the baseline);
- a scoped list query with row-level security on, with / without the scope predicate ≤ 1.2.
"""

import os
import random
import statistics
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL

from infra.db import TENANT_SETTING, libpq_url
from policies.access import scope
from policies.enforcer import TenantEnforcer, casbin_enforcer, default_permissions
from policies.models import RoleGrant
from policies.paths import ancestor_paths, child_path, subtree_end
from policies.principal import Grant, Principal, PrincipalKind
from tests.conftest import ClonedDatabase, MakeTenant

# Children per county, township and community.
FAN_OUT = {"township": 15, "community": 20, "compound": 10}
MEMBERS = 100_000
# (role, depth of its nodes, how many): 2,000 staff, one grant each.
STAFF = [
    ("county_admin", 0, 3),
    ("auditor", 0, 7),
    ("township_admin", 1, 60),
    ("community_admin", 2, 900),
    ("compound_leader", 3, 1_030),
]
STAFF_ASKS = [
    ("node", "read"),
    ("node", "update"),
    ("user", "read"),
    ("role_grant", "read"),
    ("role_grant", "grant:member"),
    ("audit_log", "read"),
    ("api_key", "create"),
]
OUR_CHECKS = 20_000
CASBIN_SECONDS = float(os.environ.get("BENCH_CASBIN_SECONDS", "60"))
QUERY_RUNS = 200
PLAN_WORDS = ("Scan", "Cond", "Filter", "Removed", "Sort Method", "Execution")
# Bulk writes, a column per array (COPY is refused on tables under row-level security).
INSERT_NODES = (
    "INSERT INTO nodes (tenant_id, id, parent_id, path, kind, name) "
    "SELECT $1, id, parent, path, kind::node_kind, kind || ' ' || id "
    "FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[]) AS t(id, parent, path, kind)"
)
INSERT_USERS = (
    "INSERT INTO users (tenant_id, id, username, name, password_hash, node_id, scope_path) "
    "SELECT $1, id, 'u' || n, '用户' || n, 'not-a-hash', node, path "
    "FROM unnest($2::uuid[], $3::bigint[], $4::text[]) WITH ORDINALITY AS t(id, node, path, n)"
)
INSERT_GRANTS = (
    "INSERT INTO role_grants (tenant_id, user_id, role, node_id, scope_path) "
    "SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::bigint[], $5::text[])"
)
Node = tuple[int, int | None, str, str]  # id, parent id, path, kind
Request = tuple[str, str, str, str]  # subject, path, resource, action


@dataclass
class County:
    levels: list[list[Node]]  # by depth, the county first
    grants: list[tuple[UUID, str, int, str]] = field(default_factory=list)  # user, role, node, path

    @staticmethod
    def subject(user: UUID) -> str:
        return f"{PrincipalKind.USER}:{user}"


def make_county(root: tuple[int, str], ids: list[int], rng: random.Random) -> County:
    county = County([[(root[0], None, root[1], "county")]])
    for kind, fan_out in FAN_OUT.items():
        county.levels.append(
            [
                (node_id, parent[0], child_path(parent[2], node_id), kind)
                for parent in county.levels[-1]
                for node_id in (ids.pop() for _ in range(fan_out))
            ]
        )
    for role, depth, count in [("member", 3, MEMBERS), *STAFF]:
        for node_id, _, path, _ in rng.choices(county.levels[depth], k=count):
            county.grants.append((uuid4(), role, node_id, path))
    rng.shuffle(county.grants)  # people registered over time, not tree by tree
    return county


def make_requests(county: County, rng: random.Random, count: int) -> list[Request]:
    """Members reading nodes (mostly their own compound); staff asking at nodes in and out
    of their subtree."""
    paths = [node[2] for level in county.levels for node in level]
    below: dict[str, list[str]] = {}
    for path in paths:
        for holder in [*ancestor_paths(path), path]:
            below.setdefault(holder, []).append(path)
    members = [g for g in county.grants if g[1] == "member"]
    staff = [g for g in county.grants if g[1] != "member"]
    requests: list[Request] = []
    for _ in range(count):
        if rng.random() < 0.5:
            user, _, _, own = rng.choice(members)
            path = own if rng.random() < 0.7 else rng.choice(paths)
            requests.append((County.subject(user), path, "node", "read"))
        else:
            user, _, _, own = rng.choice(staff)
            path = rng.choice(below[own] if rng.random() < 0.5 else paths)
            requests.append((County.subject(user), path, *rng.choice(STAFF_ASKS)))
    return requests


def time_checks(
    check: Callable[[str, str, str, str], bool], requests: list[Request], seconds: float
) -> tuple[list[float], list[bool]]:
    """Microseconds per check, and the decisions, until the requests or the time run out."""
    latencies: list[float] = []
    decisions: list[bool] = []
    deadline = time.perf_counter() + seconds
    for request in requests:
        started = time.perf_counter_ns()
        decisions.append(check(*request))
        latencies.append((time.perf_counter_ns() - started) / 1000)
        if time.perf_counter() > deadline:
            break
    return latencies, decisions


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@asynccontextmanager
async def tenant_connection(url: URL, tenant_id: UUID) -> AsyncIterator[Any]:
    """An asyncpg connection in a transaction bound to the tenant (RLS is forced)."""
    connection = await asyncpg.connect(libpq_url(url))
    try:
        async with connection.transaction():
            sql = f"SELECT set_config('{TENANT_SETTING}', $1, true)"
            await connection.execute(sql, str(tenant_id))
            yield connection
    finally:
        await connection.close()


async def load_county(test_database: ClonedDatabase, tenant_id: UUID) -> County:
    """The tree, its users and their grants, written as the owner with the tenant bound."""
    async with tenant_connection(test_database.owner_url, tenant_id) as connection:
        root = await connection.fetchrow("SELECT id, path FROM nodes WHERE parent_id IS NULL")
        size = FAN_OUT["township"] * (1 + FAN_OUT["community"] * (1 + FAN_OUT["compound"]))
        sql = "SELECT nextval('nodes_id_seq') FROM generate_series(1, $1)"
        ids = [row[0] for row in reversed(await connection.fetch(sql, size))]
        county = make_county((root["id"], root["path"]), ids, random.Random(7))
        nodes = [node for level in county.levels[1:] for node in level]
        node_columns = (list(column) for column in zip(*nodes, strict=True))
        await connection.execute(INSERT_NODES, tenant_id, *node_columns)
        users, roles, node_ids, paths = (list(c) for c in zip(*county.grants, strict=True))
        await connection.execute(INSERT_USERS, tenant_id, users, node_ids, paths)
        await connection.execute(INSERT_GRANTS, tenant_id, users, roles, node_ids, paths)
    connection = await asyncpg.connect(libpq_url(test_database.owner_url))
    try:
        await connection.execute("VACUUM ANALYZE nodes, users, role_grants")
    finally:
        await connection.close()
    return county


def list_sql(principal: Principal | None) -> str:
    """A page of role grants, scoped to the principal's subtrees (or not at all)."""
    columns = (RoleGrant.id, RoleGrant.user_id, RoleGrant.role, RoleGrant.node_id)
    # The order the API lists grants in: by place in the tree, so a subtree is one range.
    statement = select(*columns).order_by(RoleGrant.scope_path, RoleGrant.id).limit(50)
    if principal is not None:
        statement = statement.where(scope(principal, "role_grant", "read", RoleGrant.scope_path))
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


async def time_lists(connection: Any, scoped: str, unscoped: str) -> tuple[float, float]:
    """Median milliseconds of each query as the client sees it, the two taking turns."""
    latencies: dict[str, list[float]] = {scoped: [], unscoped: []}
    for run in range(10 + QUERY_RUNS):
        for sql, kept in latencies.items():
            started = time.perf_counter()
            await connection.fetch(sql)
            if run >= 10:  # the first ten warm up
                kept.append((time.perf_counter() - started) * 1000)
    return statistics.median(latencies[scoped]), statistics.median(latencies[unscoped])


async def explain(connection: Any, sql: str) -> str:
    plan = [row[0] for row in await connection.fetch(f"EXPLAIN (ANALYZE) {sql}")]
    return "\n".join(f"    {line.strip()}" for line in plan if any(w in line for w in PLAN_WORDS))


async def test_authorization_at_county_scale(
    test_database: ClonedDatabase, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    started = time.perf_counter()
    county = await load_county(test_database, tenant.id)
    loaded = time.perf_counter() - started
    requests = make_requests(county, random.Random(11), OUR_CHECKS)

    ours = TenantEnforcer(default_permissions())
    ours.load({County.subject(u): (Grant(r, n, p),) for u, r, n, p in county.grants})
    started = time.perf_counter()
    baseline = casbin_enforcer((County.subject(u), r, p) for u, r, _, p in county.grants)
    built = time.perf_counter() - started
    our_us, our_decisions = time_checks(ours.enforce, requests, seconds=3600)
    casbin_us, casbin_decisions = time_checks(baseline.enforce, requests, CASBIN_SECONDS)
    assert casbin_decisions == our_decisions[: len(casbin_decisions)]

    lists: list[tuple[str, int, float, float, str]] = []
    async with tenant_connection(test_database.app_url, tenant.id) as connection:
        unscoped = list_sql(None)
        for role in ("community_admin", "township_admin"):
            user, _, node_id, path = next(g for g in county.grants if g[1] == role)
            grants = (Grant(role, node_id, path),)
            scoped = list_sql(Principal(PrincipalKind.USER, user, tenant.id, role, grants))
            in_scope = await connection.fetchval(
                "SELECT count(*) FROM role_grants WHERE scope_path >= $1 AND scope_path < $2",
                path,
                subtree_end(path),
            )
            with_ms, without_ms = await time_lists(connection, scoped, unscoped)
            lists.append((role, in_scope, with_ms, without_ms, await explain(connection, scoped)))
        unscoped_plan = await explain(connection, unscoped)

    our_p50, our_p99 = percentile(our_us, 0.5), percentile(our_us, 0.99)
    cb_p50, cb_p99 = percentile(casbin_us, 0.5), percentile(casbin_us, 0.99)
    tree = " + ".join(str(len(level)) for level in county.levels)
    staff = len(county.grants) - MEMBERS
    print(f"\ncounty: {tree} nodes; grants: {MEMBERS:,} member + {staff:,} staff")
    print(f"loaded into PostgreSQL in {loaded:.1f} s; casbin enforcer built in {built:.1f} s\n")
    print(f"{'one check':<26} {'checks':>7} {'p50 µs':>9} {'p99 µs':>9}")
    print(f"{'TenantEnforcer.enforce':<26} {len(our_us):>7,} {our_p50:>9.2f} {our_p99:>9.2f}")
    print(f"{'casbin Enforcer.enforce':<26} {len(casbin_us):>7,} {cb_p50:>9.0f} {cb_p99:>9.0f}")
    print(f"ratio casbin / ours: p50 ×{cb_p50 / our_p50:,.0f}   p99 ×{cb_p99 / our_p99:,.0f}")
    allowed = sum(casbin_decisions) / len(casbin_decisions)
    print(f"decisions agree on {len(casbin_decisions):,} requests ({allowed:.0%} allowed)")
    print(f"target p99 ≤ 100 µs: {'met' if our_p99 <= 100 else 'NOT met'}\n")
    print(f"role_grants ORDER BY scope_path, id LIMIT 50, RLS on: median ms of {QUERY_RUNS} runs")
    print(f"{'principal':<16} {'in scope':>8} {'with':>7} {'without':>8} {'ratio':>6}  ≤ 1.2")
    for role, in_scope, with_ms, without_ms, _ in lists:
        ratio = with_ms / without_ms
        met = "met" if ratio <= 1.2 else "NOT met"
        print(f"{role:<16} {in_scope:>8,} {with_ms:>7.3f} {without_ms:>8.3f} {ratio:>6.2f}  {met}")
    for role, _, _, _, plan in lists:
        print(f"  plan, {role}, with the scope predicate:\n{plan}")
    print(f"  plan, without it:\n{unscoped_plan}")
