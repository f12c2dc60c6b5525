"""Commit-to-subscriber latency of the FollowEvents subscription.

The app runs as `gongjian up` in a process of its own; subscribers are `gql` clients
(graphql-transport-ws) in this process. Events are committed one at a time, 20 ms apart
(latency, not throughput); each one's latency runs from just before its COMMIT to its
arrival at a subscriber. Measured with one subscriber, then with 40 (4 connections of
10 subscriptions). Target (events issue): p95 ≤ 100 ms.
"""

import asyncio
import os
import time
from collections import defaultdict
from typing import Any

from gql import Client, GraphQLRequest

from infra.db import Database
from infra.settings import Settings
from services.events.service import record_event
from tests.api.test_activities import County, county
from tests.api.test_event_subscription import FOLLOW, credentials, eventually, transport
from tests.benchmarks.test_http_throughput import running_server
from tests.conftest import ClonedDatabase

__all__ = ["county"]  # the fixture, from test_activities.py

EVENTS = int(os.environ.get("BENCH_EVENTS", "200"))
SPACING = float(os.environ.get("BENCH_SPACING", "0.02"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(
    url: str,
    init: dict[str, str],
    db: Database,
    county: County,
    connections: int,
    each: int,
    start: str | None,
) -> tuple[list[float], str]:
    """Latencies of EVENTS events at `connections` × `each` subscribers following the
    log from `start`; and the cursor of the last event."""
    committed: dict[int, float] = {}
    arrived: dict[int, list[float]] = defaultdict(list)
    total = connections * each
    last = [""]

    async def commit(n: int) -> None:
        async with db.tenant_session(county.root.tenant_id) as session:
            await record_event(
                session, type="bench.committed", payload={"n": n}, scope_path=county.east.path
            )
            committed[n] = time.perf_counter()

    async def delivered(count: int) -> None:
        async def all_arrived() -> bool:
            return sum(map(len, arrived.values())) >= count

        await eventually(all_arrived)

    async def follow(session: Any) -> None:
        after = {"after": start} if start else {}
        request = GraphQLRequest(FOLLOW, variable_values={"types": ["bench."], **after})
        async for result in session.subscribe(request):
            event = result["events"]
            arrived[event["payload"]["n"]].append(time.perf_counter())
            last[0] = event["cursor"]

    async def connection() -> None:
        async with Client(transport=transport(url, init)) as session:
            await asyncio.gather(*(follow(session) for _ in range(each)))

    tasks = [asyncio.create_task(connection()) for _ in range(connections)]
    try:
        # Every subscriber live: each has received the warm-up event.
        await commit(-1)
        await delivered(total)
        arrived.clear()
        for n in range(EVENTS):
            await commit(n)
            await asyncio.sleep(SPACING)
        await delivered(EVENTS * total)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return [at - committed[n] for n, ats in arrived.items() for at in ats], last[0]


async def test_commit_to_subscriber_latency(
    county: County, settings: Settings, test_database: ClonedDatabase
) -> None:
    assert settings.secret_key is not None
    admin = credentials(county.tokens["admin"]["Authorization"])
    secret = settings.secret_key.get_secret_value()
    database = Database(test_database.app_url, pool_size=2, max_overflow=0)
    lines = []
    try:
        with running_server(test_database, GONGJIAN_SECRET_KEY=secret) as port:
            url = f"ws://127.0.0.1:{port}/graphql"
            start = None
            for connections, each in ((1, 1), (4, 10)):
                latencies, start = await measure(
                    url, admin, database, county, connections, each, start
                )
                p50, p95, p99 = (percentile(latencies, s) * 1000 for s in (0.5, 0.95, 0.99))
                lines.append(
                    f"{connections * each:>3} subscriber(s): {len(latencies):>5} deliveries   "
                    f"p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   p99 {p99:6.1f} ms   "
                    f"max {max(latencies) * 1000:6.1f} ms"
                )
    finally:
        await database.dispose()
    print()
    print("\n".join(lines))
    print("target: p95 ≤ 100 ms")
