"""The outbox relay hands every committed event on once, in each county's log order:
never skipping one that commits late, holding them while the broker is down, sharing
the counties among several relays, woken by NOTIFY and recovering its listener."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from queue import Empty
from typing import Any
from uuid import UUID

import asyncpg
import pika  # type: ignore[import-untyped]
import pytest
import redis
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from dramatiq.message import Message
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from infra import consumers
from infra.actors import worker_database
from infra.broker import BrokerNotConfigured, build_broker, middleware
from infra.consumers import EventMessage, consumer
from infra.db import Database
from infra.relay import Relay
from infra.settings import Settings
from services.events.service import record_event
from tests.conftest import ClonedDatabase, MakeTenant

NAME = "relay_test"
# Generous: events wait while any older transaction on the server runs, and a test server
# may be shared with other long work; the checks return as soon as their outcome is seen.
DEADLINE = 60.0
QUEUE = f"consume_{NAME}"


class Broker(StubBroker):
    """The in-process broker, which can be made to refuse messages (the broker down)."""

    def __init__(self) -> None:
        super().__init__(middleware=middleware(Settings()))
        self.down = False

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        if self.down:
            raise ConnectionError("the broker is down")
        return super().enqueue(message, delay=delay)


@pytest.fixture(autouse=True)
def relay_consumer() -> Iterator[None]:
    """A consumer of `relay_test.` events (the relay only needs to know it wants them)."""

    @consumer(NAME, types=("relay_test.",))
    async def apply(session: AsyncSession, events: list[EventMessage]) -> None:
        return None

    try:
        yield
    finally:
        consumers._registry.pop(NAME)


def sent(broker: StubBroker) -> list[tuple[str, int]]:
    """The (tenant id, event id) of each event in the messages on the test consumer's queue,
    taken."""
    found: list[tuple[str, int]] = []
    while True:
        try:
            data = broker.queues[QUEUE].get_nowait()
        except Empty:
            return found
        tenant, event_ids = Message.decode(data).args
        found.extend((tenant, event_id) for event_id in event_ids)


async def record(
    db: Database, tenant_id: UUID, count: int, type: str = "relay_test.done"
) -> list[int]:
    async with db.tenant_session(tenant_id) as session:
        return [(await record_event(session, type=type)).id for _ in range(count)]


async def _admin(test_database: ClonedDatabase, query: str, *args: Any) -> Any:
    connection = await asyncpg.connect(test_database.admin_url)
    try:
        return await connection.fetchval(query, *args)
    finally:
        await connection.close()


async def listeners(test_database: ClonedDatabase) -> list[int]:
    """The backends LISTENing on the test database."""
    pids = await _admin(
        test_database,
        "SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'",
        test_database.name,
    )
    return list(pids or [])


async def terminate(test_database: ClonedDatabase, pids: list[int]) -> None:
    await _admin(
        test_database, "SELECT count(pg_terminate_backend(p)) FROM unnest($1::int[]) p", pids
    )


async def renewed(test_database: ClonedDatabase, before: list[int]) -> bool:
    now = await listeners(test_database)
    return bool(now) and not set(now) & set(before)


async def relay_until(relay: Relay, count: int, seconds: float = DEADLINE) -> int:
    """Relay passes until `count` events went on. Events wait while any older transaction
    on the server runs (other tests' too), so a single pass may find fewer."""
    total = 0
    deadline = time.monotonic() + seconds
    while total < count:
        assert time.monotonic() < deadline, f"{total} of {count} events relayed in time"
        total += await relay.relay_all()
        await asyncio.sleep(0.01 if total < count else 0)
    return total


async def until(check: Callable[[], Awaitable[bool]], seconds: float = DEADLINE) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.02)


async def test_each_event_goes_once_to_each_consumer_that_wants_it_in_log_order(
    db: Database, make_tenant: MakeTenant
) -> None:
    first, second = await make_tenant(), await make_tenant()
    a = await record(db, first.id, 3)
    b = await record(db, second.id, 2)
    await record(db, first.id, 1, type="other.thing")
    c = await record(db, first.id, 1)
    broker = Broker()
    relay = Relay(db, broker, batch_size=2)
    assert await relay_until(relay, 7) == 7
    assert sorted(sent(broker)) == sorted(
        [(str(first.id), i) for i in [*a, *c]] + [(str(second.id), i) for i in b]
    )
    assert (await relay.relay_all(), sent(broker)) == (0, [])
    d = await record(db, second.id, 1)
    assert await relay_until(relay, 1) == 1
    assert sent(broker) == [(str(second.id), d[0])]


async def test_an_event_committing_after_a_later_one_is_relayed_not_skipped(
    test_database: ClonedDatabase, db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()
    broker = Broker()
    relay = Relay(db, broker)
    late = Database(test_database.app_url, pool_size=1, max_overflow=0)
    try:
        async with late.tenant_session(tenant.id) as slow:
            # This transaction takes its event id first and commits last.
            early_id = (await record_event(slow, type="relay_test.slow")).id
            [later_id] = await record(db, tenant.id, 1)
            assert early_id < later_id
            step = await relay.drain(tenant.id)
            assert (step.relayed, step.held_back, sent(broker)) == (0, True, [])
    finally:
        await late.dispose()
    assert await relay_until(relay, 2) == 2
    assert sent(broker) == [(str(tenant.id), early_id), (str(tenant.id), later_id)]


async def test_with_the_broker_down_events_wait_in_the_log_and_flow_when_it_returns(
    db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()
    ids = await record(db, tenant.id, 3)
    broker = Broker()
    broker.down = True
    relay = Relay(db, broker)
    with pytest.raises(ConnectionError):
        await relay_until(relay, 3)
    async with db.tenant_session(tenant.id) as session:
        cursor = (await session.execute(text("SELECT event_id FROM relay_cursors"))).all()
    assert cursor == []
    broker.down = False
    assert await relay_until(relay, 3) == 3
    assert sent(broker) == [(str(tenant.id), i) for i in ids]


async def test_relays_running_together_share_the_counties_and_send_each_event_once(
    test_database: ClonedDatabase, db: Database, make_tenant: MakeTenant
) -> None:
    counties = [await make_tenant() for _ in range(4)]
    expected = []
    for county in counties:
        expected += [(str(county.id), i) for i in await record(db, county.id, 30)]
    broker = Broker()
    databases = [Database(test_database.app_url, pool_size=1, max_overflow=0) for _ in range(3)]
    try:
        relays = [Relay(d, broker, batch_size=7) for d in databases]
        relayed = await asyncio.gather(*(r.relay_all() for r in relays))
        relayed.append(await relay_until(relays[0], 120 - sum(relayed)))
    finally:
        for d in databases:
            await d.dispose()
    got = sent(broker)
    assert (sum(relayed), len(got), sorted(got)) == (120, 120, sorted(expected))


async def test_a_running_relay_is_woken_by_notifications_and_recovers_its_listener(
    test_database: ClonedDatabase, db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()
    broker = Broker()
    # Polling far apart: what arrives quickly came by NOTIFY.
    relay = Relay(db, broker, poll_seconds=60)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    got: list[tuple[str, int]] = []

    async def arrived(count: int) -> bool:
        got.extend(sent(broker))
        return len(got) >= count

    try:
        await asyncio.wait_for(relay.listening.wait(), timeout=5)
        first = await record(db, tenant.id, 2)
        await until(lambda: arrived(2))
        # The listening connection is cut: the relay connects again and listens (and
        # makes a full pass, for anything notified meanwhile).
        before = await listeners(test_database)
        await terminate(test_database, before)
        await until(lambda: renewed(test_database, before))
        second = await record(db, tenant.id, 1)
        await until(lambda: arrived(3))
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=5)
    assert got == [(str(tenant.id), i) for i in [*first, *second]]


async def test_a_relay_step_uses_the_county_binding_only(
    db: Database, make_tenant: MakeTenant
) -> None:
    """Row-level security holds: a cursor is written in its own county only."""
    first, second = await make_tenant(), await make_tenant()
    await record(db, first.id, 1)
    await record(db, second.id, 1)
    await relay_until(Relay(db, Broker()), 2)
    async with db.tenant_session(first.id) as session:
        rows = (await session.execute(text("SELECT tenant_id FROM relay_cursors"))).all()
    assert [row.tenant_id for row in rows] == [first.id]


class BrokerEnvironment(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    test_redis_url: str | None = Field(default=None, alias="TEST_REDIS_URL")
    test_rabbitmq_url: str | None = Field(default=None, alias="TEST_RABBITMQ_URL")


BROKERS = BrokerEnvironment()


def _forget(url: str, namespace: str, queue: str) -> None:
    """Remove what a test left on a shared broker: its Redis keys, or its queues."""
    if url.startswith("redis"):
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)
        client.close()
        return
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
        channel.queue_delete(name)
    connection.close()


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(BROKERS.test_redis_url, id="redis"),
        pytest.param(BROKERS.test_rabbitmq_url, id="rabbitmq"),
    ],
)
async def test_events_reach_their_consumer_through_a_real_broker(
    url: str | None, test_database: ClonedDatabase, db: Database, make_tenant: MakeTenant
) -> None:
    if url is None:
        pytest.skip("TEST_REDIS_URL / TEST_RABBITMQ_URL is not set: needs the real broker")
    # Names of this run's own: the broker is shared with whatever else runs here.
    name = f"broker_test_{uuid.uuid4().hex[:10]}"
    queue = f"consume_{name}"

    @consumer(name, types=("relay_test.",))
    async def apply(session: AsyncSession, events: list[EventMessage]) -> None:
        return None

    tenant = await make_tenant()
    settings = Settings(broker_url=url, broker_namespace=f"gongjian-test-{name}")
    worker_database.configure(
        test_database.app_url.render_as_string(hide_password=False), pool_size=2
    )
    broker = build_broker(settings)
    worker = Worker(broker, queues={queue}, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        ids = await record(db, tenant.id, 3)
        await relay_until(Relay(db, broker), 3)
        applied = f"SELECT count(*) FROM consumed_events WHERE consumer = '{name}'"

        async def consumed() -> bool:
            async with db.tenant_session(tenant.id) as session:
                return bool(await session.scalar(text(applied)) == len(ids))

        await until(consumed)
    finally:
        await asyncio.to_thread(worker.stop, 10_000)
        consumers._registry.pop(name)
        await asyncio.to_thread(_forget, url, settings.broker_namespace, queue)


def test_a_broker_url_of_another_kind_is_refused_in_plain_words() -> None:
    with pytest.raises(BrokerNotConfigured) as refused:
        build_broker(Settings(broker_url="kafka://localhost:9092"))
    assert str(refused.value) == (
        "BROKER_URL 应以 redis://（Redis）或 amqp://（RabbitMQ）开头；"
        "不设置时使用 gongjian up 内置的消息队列"
    )
