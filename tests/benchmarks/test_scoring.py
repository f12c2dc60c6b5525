"""Scoring at county scale: the full recompute of 100,000 members with 2,000,000 confirmed
records (target ≤ 10 s), and the incremental update of one record event (mean, p95).

The county is written in bulk as its owner with the tenant bound (COPY is refused on
tables under row-level security, so INSERT … SELECT generate_series). The records'
exclusion constraint against overlaps is dropped in this throwaway database first: the
generated records do not overlap anyway, and the constraint only slows the load. The
records are scored by two rules versions, so the recompute joins day ranges.

Run: `uv run pytest tests/benchmarks/test_scoring.py -s`
"""

import json
import random
import statistics
import time
from datetime import datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from uuid import UUID, uuid4

import asyncpg
from sqlalchemy import text

from infra.clock import CHINA, today
from infra.consumers import consume
from infra.db import TENANT_SETTING, Database, libpq_url
from policies.principal import Grant, Principal, PrincipalKind
from services.records.decisions import confirm_record
from services.records.models import RecordSource
from services.records.recording import Service, add_record
from services.scoring.consumers import SCORING
from services.scoring.recompute import recompute
from tenants.rules.model import PointRules, Rules
from tests.conftest import ClonedDatabase, MakeTenant

MEMBERS = 100_000
RECORDS_PER_MEMBER = 20
UNITS = 1_000
COMMUNITIES = 100
# Days back the generated service lies (about two years: several of every period).
DAYS_BACK = 730
INCREMENTAL_RECORDS = 300

# Each statement with the sizes it takes after the tenant ($1).
LOAD: list[tuple[str, tuple[int, ...]]] = [
    (
        """INSERT INTO nodes (tenant_id, id, parent_id, path, kind, name)
           SELECT $1, x.id, r.id, r.path || x.id || '.', 'community', '社区' || x.i
           FROM (SELECT nextval('nodes_id_seq') AS id, i FROM generate_series(1, $2) AS i) x,
             nodes r
           WHERE r.parent_id IS NULL""",
        (COMMUNITIES,),
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
    (
        """INSERT INTO members (tenant_id, name, gender, mobile_sealed, mobile_index,
             unit_id, node_id, scope_path)
           SELECT $1, '党员' || i, 'male', '\\x00', sha256(i::text::bytea), u.id, u.node_id,
             u.scope_path
           FROM generate_series(1, $2) AS i
           JOIN (SELECT id, node_id, scope_path, row_number() OVER (ORDER BY id) - 1 AS n
                 FROM units) u ON u.n = i % $3""",
        (MEMBERS, UNITS),
    ),
    # A member's records on different days, from 9:00, for half an hour to four hours.
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
             LATERAL (SELECT (current_date - 1 - ((m.id * 37 + k * 36) % $3)::int)::timestamp
                        AT TIME ZONE 'Asia/Shanghai' AS d,
                      interval '30 minutes' * (1 + (m.id + k) % 8) AS h) AS t""",
        (RECORDS_PER_MEMBER, DAYS_BACK),
    ),
    # Each unit finished two collective activities.
    (
        """INSERT INTO activities (tenant_id, node_id, scope_path, community_id,
             organiser_unit_id, collective, title, post_category, place, starts_at, ends_at,
             signup_opens_at, signup_closes_at, audience, status, code_secret,
             created_by_name)
           SELECT $1, u.node_id, u.scope_path, u.node_id, u.id, true, '集体活动', '党员先锋岗',
             '广场', t.s, t.s + interval '2 hours', t.s - interval '7 days',
             t.s - interval '1 hour', 'unit', 'finished', '\\x00', '单位'
           FROM units u CROSS JOIN generate_series(1, 2) AS k,
             LATERAL (SELECT now() - interval '1 day' * ((u.id * 13 + k * 101) % $2) AS s) t""",
        (DAYS_BACK,),
    ),
]


async def load(test_database: ClonedDatabase, tenant_id: UUID) -> float:
    """The county's units, members, records and two rules versions: seconds taken."""
    started = time.perf_counter()
    connection = await asyncpg.connect(libpq_url(test_database.owner_url))
    try:
        await connection.execute(
            "ALTER TABLE service_records DROP CONSTRAINT ex_service_records_member_overlap"
        )
        async with connection.transaction():
            bind = f"SELECT set_config('{TENANT_SETTING}', $1, true)"
            await connection.execute(bind, str(tenant_id))
            for statement, sizes in LOAD:
                await connection.execute(statement, tenant_id, *sizes)
            # Points per hour 1, then 1.5 from a year ago.
            for days_ago, per_hour in ((DAYS_BACK + 1, "1"), (DAYS_BACK // 2, "1.5")):
                body = Rules(points=PointRules(per_hour=Decimal(per_hour))).to_stored()
                await connection.execute(
                    "INSERT INTO tenant_rules (tenant_id, effective_from, body, created_by) "
                    "VALUES ($1, $2, $3::jsonb, '测试')",
                    tenant_id,
                    today() - timedelta(days=days_ago),
                    json.dumps(body),
                )
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return time.perf_counter() - started


async def timed_recompute(db: Database, tenant_id: UUID) -> tuple[float, int, int]:
    started = time.perf_counter()
    async with db.tenant_session(tenant_id) as session:
        done = await recompute(session)
    return time.perf_counter() - started, done.member_rows, done.unit_rows


async def record_events(db: Database, tenant_id: UUID, rng: random.Random) -> list[int]:
    """Records of random members, each written and confirmed in its own transaction as the
    organiser's steps would: the ids of their events, in order."""
    async with db.tenant_session(tenant_id) as session:
        rows = (
            await session.execute(
                text("SELECT id, node_id, scope_path FROM members ORDER BY random() LIMIT :n"),
                {"n": INCREMENTAL_RECORDS},
            )
        ).all()
        first = await session.scalar(text("SELECT coalesce(max(id), 0) FROM events"))
    yesterday = today() - timedelta(days=1)
    for member_id, node_id, path in rows:
        started = datetime.combine(yesterday, day_time(19), tzinfo=CHINA)
        staff = Principal(
            PrincipalKind.USER,
            uuid4(),
            tenant_id,
            "社区书记",
            grants=(Grant("community_admin", node_id, path),),
        )
        minutes = rng.choice([30, 60, 90, 120])
        service = Service(
            member_id=member_id,
            source=rng.choice(list(RecordSource)),
            node=(node_id, path),
            organiser_unit_id=None,
            title="晚间巡逻",
            post_category=None,
            started_at=started,
            ended_at=started + timedelta(minutes=minutes),
        )
        async with db.tenant_session(tenant_id) as session:
            record = await add_record(session, None, service)
        async with db.tenant_session(tenant_id) as session:
            await confirm_record(session, staff, record.id)
    async with db.tenant_session(tenant_id) as session:
        events = await session.execute(
            text("SELECT id, type FROM events WHERE id > :first ORDER BY id"), {"first": first}
        )
        return [row.id for row in events if row.type == "service_record.confirmed"]


def milliseconds(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def test_scoring_at_county_scale(
    test_database: ClonedDatabase, make_tenant: MakeTenant, db: Database
) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    loaded = await load(test_database, tenant.id)
    first, member_rows, unit_rows = await timed_recompute(db, tenant.id)
    again, member_rows_again, _ = await timed_recompute(db, tenant.id)
    assert member_rows == member_rows_again

    confirmations = await record_events(db, tenant.id, random.Random(5))
    latencies = []
    for event_id in confirmations:
        started = time.perf_counter()
        assert await consume(db, SCORING, tenant.id, [event_id]) == 1
        latencies.append(time.perf_counter() - started)
    # What the consumer added is what a recompute finds.
    async with db.tenant_session(tenant.id) as session:
        added = await session.scalar(text("SELECT sum(hours) FROM member_scores"))
    _, _, _ = await timed_recompute(db, tenant.id)
    async with db.tenant_session(tenant.id) as session:
        counted = await session.scalar(text("SELECT sum(hours) FROM member_scores"))
    assert added == counted

    records = MEMBERS * RECORDS_PER_MEMBER
    print(f"\ncounty: {MEMBERS:,} members in {UNITS:,} units, {records:,} confirmed records")
    print(f"loaded (as the owner, INSERT … SELECT) in {loaded:.1f} s")
    print(f"totals: {member_rows:,} member rows, {unit_rows:,} unit rows")
    print(f"full recompute, first run:  {first:6.2f} s   (target ≤ 10 s)")
    print(f"full recompute, again:      {again:6.2f} s   (replacing the first's rows)")
    mean = 1000 * statistics.mean(latencies)
    p95 = milliseconds(latencies, 0.95)
    print(
        f"incremental, one service_record.confirmed through consume(): "
        f"mean {mean:.1f} ms, p95 {p95:.1f} ms over {len(latencies)} events"
    )
