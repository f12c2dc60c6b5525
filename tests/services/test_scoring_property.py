"""Scoring's two halves agree: random sequences of record steps (recorded, confirmed,
declined, corrected — through services/records, so the events are the real ones), their
events consumed in any order and some more than once, with full recomputes in between,
leave totals equal row for row to a full recompute of the end state; and the dashboards'
figures, read from the nodes' scores, equal the same figures computed from the records."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import text

from infra.clock import CHINA, today
from infra.consumers import consume
from infra.db import Database
from infra.errors import DomainError
from infra.settings import Settings
from policies.principal import Grant, Principal, PrincipalKind
from services.dashboards.service import Overview, children_of, overview
from services.records.decisions import confirm_record, correct_record, decline_record
from services.records.models import RecordSource
from services.records.recording import Service, add_record
from services.records.repository import get_record
from services.records.totals import PeriodKind
from services.registry.models import Member
from services.scoring.consumers import SCORING
from services.scoring.periods import containing, key
from services.scoring.recompute import recompute
from tenants.hierarchy.models import Node, NodeKind
from tenants.rules.model import ContributionKind, MemberQuota, PointRules, QuotaPeriod, Rules
from tenants.rules.models import RulesVersion
from tests import dashboard_baseline
from tests.conftest import MakeTenant
from tests.factories import add_member, add_node, add_unit, root_of

MEMBERS = 3
# Days back a service may lie: enough to cross years, halves, quarters and months.
DAYS_BACK = 430
AMOUNTS = [Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("1.25"), Decimal("3")]

versions = st.lists(
    st.tuples(
        st.integers(0, DAYS_BACK),
        st.sampled_from(AMOUNTS[1:]),
        st.lists(st.sampled_from(AMOUNTS), min_size=4, max_size=4),
    ),
    max_size=2,
)
durations = st.sampled_from([30, 50, 90, 150, 200])
# One record's life: recorded, then decisions and corrections in order (a step the records
# refuse, such as confirming a declined record, is refused and the life goes on).
later_steps = st.one_of(
    st.just(("confirm",)),
    st.just(("confirm",)),
    st.tuples(st.just("correct"), st.none() | st.integers(1, DAYS_BACK), durations),
    st.just(("decline",)),
)
lives = st.lists(
    st.tuples(
        st.integers(0, MEMBERS - 1),
        st.integers(1, DAYS_BACK),
        st.integers(7, 18),
        durations,
        st.sampled_from(list(RecordSource)),
        st.lists(later_steps, min_size=1, max_size=4),
    ),
    min_size=2,
    max_size=8,
)
# Deliveries and recomputes between the steps, at places the seed picks.
pauses = st.lists(st.sampled_from([("deliver",), ("recompute",)]), max_size=3)


@dataclass
class Scene:
    db: Database
    tenant_id: UUID
    community: Node
    members: list[Member]
    staff: Principal
    rng: random.Random
    # A life's record, once recorded.
    records: dict[int, int] = field(default_factory=dict)
    delivered: list[int] = field(default_factory=list)

    async def sql(self, statement: str) -> list[Any]:
        async with self.db.tenant_session(self.tenant_id) as session:
            return list((await session.execute(text(statement))).all())

    async def step(self, what: Any) -> None:
        """One step of the organiser, as the records' services take it; a step they refuse
        (an overlap, a record already decided) is rolled back and the scene goes on."""
        try:
            async with self.db.tenant_session(self.tenant_id) as session:
                await what(session)
        except DomainError as refused:
            note(f"refused: {refused.message}")

    async def deliver(self) -> None:
        """Every event not yet delivered, shuffled, and some delivered ones again."""
        rows = await self.sql("SELECT id FROM events WHERE type LIKE 'service_record.%'")
        fresh = [row.id for row in rows if row.id not in self.delivered]
        again = [i for i in self.delivered if self.rng.random() < 0.3]
        batch = fresh + again + [i for i in fresh if self.rng.random() < 0.3]
        self.rng.shuffle(batch)
        # In messages of random sizes, as the relay batches them (a message may carry an
        # event twice, or one applied before).
        while batch:
            size = self.rng.randint(1, 6)
            await consume(self.db, SCORING, self.tenant_id, batch[:size])
            batch = batch[size:]
        self.delivered += fresh

    async def dashboards_agree(self) -> None:
        """The dashboards' figures (from the nodes' scores) equal the same figures from the
        base tables, at the community and its compound, in every period with service."""
        rows = await self.sql(
            "SELECT DISTINCT CAST(started_at AT TIME ZONE 'Asia/Shanghai' AS date) AS day "
            "FROM service_records WHERE status = 'confirmed'"
        )
        periods = {containing(kind, row.day) for row in rows for kind in PeriodKind}
        async with self.db.tenant_session(self.tenant_id) as session:
            for node in [self.community, *await children_of(session, self.community)]:
                for period in sorted(periods, key=key):
                    found = await overview(session, self.staff, node.id, period)
                    base = await dashboard_baseline.overview(session, node, period)
                    assert figures(found) == figures(base), (node.name, key(period))

    async def totals(self) -> tuple[list[Any], list[Any], list[Any]]:
        members = await self.sql(
            "SELECT member_id, hours, times, points, star_level, months, month_hours, "
            "month_times, month_points FROM member_scores ORDER BY 1"
        )
        units = await self.sql(
            "SELECT unit_id, hours, times, points, collective_activities, months, month_hours, "
            "month_times, month_points, month_activities FROM unit_scores ORDER BY 1"
        )
        at_nodes = await self.sql(
            "SELECT node_id, period, members, hours, times, compliant, stars FROM node_scores "
            "WHERE members <> 0 OR hours <> 0 OR times <> 0 OR compliant <> 0 "
            "OR stars <> '{0,0,0,0,0}' ORDER BY 1, 2"
        )
        return [tuple(r) for r in members], [tuple(r) for r in units], [tuple(r) for r in at_nodes]


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA)


async def make_scene(
    db: Database, settings: Settings, make_tenant: MakeTenant, seed: int, rules: list[Any]
) -> Scene:
    tenant = await make_tenant()
    root = await root_of(db, tenant.id)
    community = await add_node(db, root, NodeKind.COMMUNITY, "东门社区")
    units = [await add_unit(db, community, f"单位{i}", f"91130123MA00000{i}X") for i in (1, 2)]
    # Living at two nodes, so the nodes' scores are two sums.
    homes = [community, await add_node(db, community, NodeKind.COMPOUND, "东园小区")]
    members = [
        await add_member(
            db, settings, homes[i % 3 == 0], units[i % 2], f"党员{i}", f"1390000000{i}"
        )
        for i in range(MEMBERS)
    ]
    async with db.tenant_session(tenant.id) as session:
        for days_ago, per_hour, kinds in rules:
            points = PointRules(
                per_hour=per_hour,
                per_contribution=dict(zip(list(ContributionKind)[:4], kinds, strict=True)),
            )
            # Low stars, so a few records move them; a quota to see it never interferes.
            body = Rules(
                star_levels=(2, 4, 6, 9, 12),
                points=points,
                member_quotas=(MemberQuota(period=QuotaPeriod.QUARTER, min_hours=Decimal(3)),),
            )
            session.add(
                RulesVersion(
                    tenant_id=tenant.id,
                    effective_from=today() - timedelta(days=days_ago),
                    body=body.to_stored(),
                    created_by="测试",
                )
            )
    staff = Principal(
        PrincipalKind.USER,
        uuid4(),
        tenant.id,
        "社区书记",
        grants=(Grant("community_admin", community.id, community.path),),
    )
    return Scene(db, tenant.id, community, members, staff, random.Random(seed))


def script(lives: list[Any], pauses: list[Any], rng: random.Random) -> list[tuple[Any, ...]]:
    """The lives' steps interleaved (each life in its order), the pauses put in between."""
    left = [
        [("record", i, *life[:5]), *((step[0], i, *step[1:]) for step in life[5])]
        for i, life in enumerate(lives)
    ]
    steps: list[tuple[Any, ...]] = []
    while any(left):
        steps.append(rng.choice([life for life in left if life]).pop(0))
    for pause in pauses:
        steps.insert(rng.randrange(len(steps) + 1), pause)
    return steps


async def play(scene: Scene, step: tuple[Any, ...]) -> None:
    kind, *args = step
    records = scene.records
    if kind == "record":
        life, who, days_ago, hour, minutes, source = args
        started = at(today() - timedelta(days=days_ago), hour)
        service = Service(
            member_id=scene.members[who].id,
            source=source,
            node=(scene.community.id, scene.community.path),
            organiser_unit_id=None,
            title="社区服务",
            post_category=None,
            started_at=started,
            ended_at=started + timedelta(minutes=minutes),
        )

        async def add(session: Any) -> None:
            records[life] = (await add_record(session, None, service)).id

        await scene.step(add)
    elif kind in ("confirm", "decline", "correct") and args[0] in records:
        record_id = records[args[0]]
        if kind == "confirm":
            await scene.step(lambda s: confirm_record(s, scene.staff, record_id))
        elif kind == "decline":
            await scene.step(lambda s: decline_record(s, scene.staff, record_id, reason="未到场"))
        else:
            days_ago, minutes = args[1], args[2]

            async def correct(session: Any) -> None:
                record = await get_record(session, record_id)
                assert record is not None
                # Another day (and time), or the same start and another length.
                started = (
                    record.started_at
                    if days_ago is None
                    else at(today() - timedelta(days=days_ago), 20)
                )
                await correct_record(
                    session,
                    scene.staff,
                    record_id,
                    reason="时间记错了",
                    started_at=started,
                    ended_at=started + timedelta(minutes=minutes),
                )

            await scene.step(correct)
    elif kind == "deliver":
        await scene.deliver()
    elif kind == "recompute":
        async with scene.db.tenant_session(scene.tenant_id) as session:
            await recompute(session)


def figures(found: Overview) -> tuple[Any, ...]:
    return found.figures, found.at_node, [(c.node.id, c.figures) for c in found.children]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rules=versions, lives=lives, pauses=pauses, seed=st.integers(0, 2**16))
async def test_incremental_totals_equal_a_full_recompute(
    db: Database,
    settings: Settings,
    make_tenant: MakeTenant,
    rules: list[Any],
    lives: list[Any],
    pauses: list[Any],
    seed: int,
) -> None:
    scene = await make_scene(db, settings, make_tenant, seed, rules)
    for step in script(lives, pauses, scene.rng):
        await play(scene, step)
    await scene.deliver()
    incremental = await scene.totals()
    await scene.dashboards_agree()
    async with db.tenant_session(scene.tenant_id) as session:
        await recompute(session)
    assert incremental == await scene.totals()
    await scene.dashboards_agree()
