"""Faults with a real Redis broker and real processes (`gongjian worker` and `gongjian
relay`): a worker killed mid-message, the broker down, a relay killed mid-stream. In each,
every event's effect is applied exactly once in the end.

Needs `TEST_REDIS_URL` (e.g. redis://localhost:6379/0); each test keeps to a Redis key
namespace of its own and removes it afterwards.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from infra.db import Database, libpq_url
from services.events.service import record_event
from tests.conftest import ClonedDatabase, MakeTenant

ROOT = Path(__file__).resolve().parents[2]


class FaultEnvironment(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    test_redis_url: str | None = Field(default=None, alias="TEST_REDIS_URL")


REDIS_URL = FaultEnvironment().test_redis_url
needs_redis = pytest.mark.skipif(
    REDIS_URL is None, reason="TEST_REDIS_URL is not set: the fault tests need a real Redis"
)


class Fleet:
    """The processes of one test: started with the test's database and Redis namespace,
    their output in files, all stopped at the end."""

    def __init__(self, test_database: ClonedDatabase, logs: Path, namespace: str) -> None:
        self.logs = logs
        self.namespace = namespace
        clean = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("GONGJIAN_")
            and key not in ("DATABASE_URL", "BROKER_URL", "SENTRY_DSN")
        }
        self.environment = {
            **clean,
            "DATABASE_URL": test_database.app_url.render_as_string(hide_password=False),
            "GONGJIAN_DATA_DIR": str(logs / "data"),
            "GONGJIAN_LOG_FORMAT": "text",
            "GONGJIAN_BROKER_NAMESPACE": namespace,
            # A silent worker's messages go back on the queue after 1.5 s, checked on
            # every command (production: a minute, one command in a thousand).
            "GONGJIAN_BROKER_HEARTBEAT_TIMEOUT_MS": "1500",
            "GONGJIAN_BROKER_MAINTENANCE_CHANCE": "1000000",
            "GONGJIAN_WORKER_THREADS": "2",
            "GONGJIAN_RELAY_POLL_SECONDS": "1",
            "GONGJIAN_RELAY_MAX_BACKOFF_SECONDS": "0.5",
        }
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, command: str, broker_url: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.logs / f"{command}-{len(self.processes)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from api.cli import main; main()",
                    command,
                    "--import",
                    "tests.infra.fault_consumers",
                ],
                cwd=ROOT,
                env={**self.environment, "BROKER_URL": broker_url},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append((process, log))
        return process, log

    def stop(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _ in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def _read(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")


async def logged(log: Path, text: str, seconds: float = 60.0) -> None:
    async def found() -> bool:
        return text in await asyncio.to_thread(_read, log)

    try:
        await until(found, f"{text!r} in {log.name}", seconds)
    except AssertionError:
        raise AssertionError(await asyncio.to_thread(_read, log)) from None


@pytest.fixture
async def fleet(test_database: ClonedDatabase, tmp_path: Path) -> AsyncIterator[Fleet]:
    owner = await asyncpg.connect(libpq_url(test_database.owner_url))
    try:
        # The consumer's side effect; the owner's default privileges let the app write it.
        await owner.execute(
            "CREATE TABLE fault_effects (event_id bigint NOT NULL, pid int NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
    finally:
        await owner.close()
    namespace = f"gongjian-test-{uuid.uuid4().hex[:12]}"
    running = Fleet(test_database, tmp_path, namespace)
    try:
        yield running
    finally:
        running.stop()
        client = redis.Redis.from_url(str(REDIS_URL))
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)
        client.close()


async def effects(test_database: ClonedDatabase) -> dict[int, int]:
    """How many times each event's effect was applied."""
    connection = await asyncpg.connect(libpq_url(test_database.owner_url))
    try:
        rows = await connection.fetch(
            "SELECT event_id, count(*) AS times FROM fault_effects GROUP BY event_id"
        )
    finally:
        await connection.close()
    return {row["event_id"]: row["times"] for row in rows}


async def applied(test_database: ClonedDatabase, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(await effects(test_database)) >= count

    return check


async def record(db: Database, tenant_id: uuid.UUID, count: int, **payload: Any) -> list[int]:
    async with db.tenant_session(tenant_id) as session:
        return [
            (await record_event(session, type="fault_test.done", payload=payload)).id
            for _ in range(count)
        ]


@needs_redis
async def test_a_worker_killed_mid_message_has_it_redelivered_and_applied_once(
    test_database: ClonedDatabase, db: Database, make_tenant: MakeTenant, fleet: Fleet
) -> None:
    assert REDIS_URL is not None
    tenant = await make_tenant()
    workers = [fleet.start("worker", REDIS_URL) for _ in range(2)]
    _, relay_log = fleet.start("relay", REDIS_URL)
    for _, log in workers:
        await logged(log, "worker 已启动")
    await logged(relay_log, "relay 已启动")
    hold = fleet.logs / "held"
    held = await record(db, tenant.id, 1, hold=str(hold))
    others = await record(db, tenant.id, 10)

    async def holding() -> bool:
        return await asyncio.to_thread(lambda: hold.exists() and _read(hold) != "")

    await until(holding, "a worker to hold the message")
    victim = int(await asyncio.to_thread(_read, hold))
    [process] = [p for p, _ in workers if p.pid == victim]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    await until(await applied(test_database, 11), "every event to be applied")
    done = await effects(test_database)
    assert done == dict.fromkeys([*held, *others], 1)


class Proxy:
    """A TCP proxy to Redis that the test can cut and restore (the broker going away)."""

    def __init__(self, target: str) -> None:
        url = make_url(target)
        self.host, self.port = url.host or "127.0.0.1", url.port or 6379
        self.url = target
        self.listen_port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    @property
    def broker_url(self) -> str:
        url = make_url(self.url).set(host="127.0.0.1", port=self.listen_port)
        return url.render_as_string(hide_password=False)

    async def start(self) -> None:
        self.server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.listen_port, reuse_address=True
        )
        self.listen_port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.close()
        self.writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
            self.writers.discard(writer)


@pytest.fixture
async def proxy() -> AsyncIterator[Proxy]:
    assert REDIS_URL is not None
    running = Proxy(REDIS_URL)
    await running.start()
    try:
        yield running
    finally:
        with contextlib.suppress(Exception):
            await running.cut()


async def cursor(test_database: ClonedDatabase, tenant_id: uuid.UUID) -> int:
    """The id of the last event relayed for a county (0 before any)."""
    connection = await asyncpg.connect(libpq_url(test_database.owner_url))
    try:
        async with connection.transaction():
            # The owner is held by row-level security too.
            await connection.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
            found = await connection.fetchval("SELECT max(event_id) FROM relay_cursors")
            return int(found or 0)
    finally:
        await connection.close()


@needs_redis
async def test_with_the_broker_down_events_wait_in_the_log_and_flow_when_it_returns(
    test_database: ClonedDatabase,
    db: Database,
    make_tenant: MakeTenant,
    fleet: Fleet,
    proxy: Proxy,
) -> None:
    assert REDIS_URL is not None
    tenant = await make_tenant()
    _, worker_log = fleet.start("worker", REDIS_URL)
    _, relay_log = fleet.start("relay", proxy.broker_url)
    await logged(worker_log, "worker 已启动")
    await logged(relay_log, "relay 已启动")
    before = await record(db, tenant.id, 5)
    await until(await applied(test_database, 5), "the first events to flow")

    await proxy.cut()
    during = await record(db, tenant.id, 5)
    await logged(relay_log, "relay step failed")
    # Still in the log only: the cursor has not passed them and nothing was applied.
    assert await cursor(test_database, tenant.id) < min(during)
    assert set(await effects(test_database)) == set(before)

    await proxy.start()
    await until(await applied(test_database, 10), "the held events to flow")
    assert await effects(test_database) == dict.fromkeys([*before, *during], 1)


@needs_redis
async def test_a_relay_killed_mid_stream_loses_nothing_and_applies_nothing_twice(
    test_database: ClonedDatabase, db: Database, make_tenant: MakeTenant, fleet: Fleet
) -> None:
    assert REDIS_URL is not None
    tenants = [await make_tenant() for _ in range(2)]
    _, worker_log = fleet.start("worker", REDIS_URL)
    relay, relay_log = fleet.start("relay", REDIS_URL)
    await logged(worker_log, "worker 已启动")
    await logged(relay_log, "relay 已启动")
    recorded: list[int] = []

    async def stream(batches: int) -> None:
        for _ in range(batches):
            for tenant in tenants:
                recorded.extend(await record(db, tenant.id, 20))

    writing = asyncio.create_task(stream(10))

    async def midway() -> bool:
        return len(await effects(test_database)) >= 40

    await until(midway, "the stream to be under way")
    relay.send_signal(signal.SIGKILL)
    relay.wait(timeout=10)
    await writing
    _, second_log = fleet.start("relay", REDIS_URL)
    await logged(second_log, "relay 已启动")
    await until(await applied(test_database, len(recorded)), "every event to be applied")
    assert len(recorded) == 400
    assert await effects(test_database) == dict.fromkeys(recorded, 1)


def test_the_worker_refuses_to_start_without_a_broker(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from api.cli import main; main()", "worker"],
        cwd=ROOT,
        env={
            key: value
            for key, value in os.environ.items()
            if not key.startswith("GONGJIAN_") and key not in ("BROKER_URL", "DATABASE_URL")
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "未设置 BROKER_URL：不设置时，消息队列和 worker 随 gongjian up 在同一进程内运行；"
        "要单独运行 worker，请设置 BROKER_URL（redis://… 或 amqp://…）"
    )
