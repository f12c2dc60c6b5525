"""Events/s from the outbox to actor completion, with Redis: events already committed
in the log, `gongjian worker` processes running, then the relay started; timed until
every event's consumer has applied it (its `consumed_events` row).

Target (events issue): ≥ 2,000 events/s on this machine. Needs TEST_REDIS_URL:
`TEST_REDIS_URL=redis://localhost:6379/0 uv run pytest tests/benchmarks/test_relay_throughput.py
-s` (BENCH_EVENTS, BENCH_WORKERS and BENCH_THREADS change the load).
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

import tests.benchmarks.bench_consumers  # noqa: F401 - registers the consumer
from infra.broker import build_broker
from infra.db import Database
from infra.relay import Relay
from infra.settings import Settings
from tests.conftest import ClonedDatabase, MakeTenant

EVENTS = int(os.environ.get("BENCH_EVENTS", "20000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
REDIS_URL = os.environ.get("TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parents[2]


def start_worker(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from api.cli import main; main()",
                "worker",
                "--import",
                "tests.benchmarks.bench_consumers",
            ],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.skipif(REDIS_URL is None, reason="TEST_REDIS_URL is not set: needs a real Redis")
async def test_relay_throughput_from_outbox_to_actor_completion(
    test_database: ClonedDatabase, db: Database, make_tenant: MakeTenant, tmp_path: Path
) -> None:
    assert REDIS_URL is not None
    tenant = await make_tenant()
    async with db.tenant_session(tenant.id) as session:
        await session.execute(
            text(
                "INSERT INTO events (tenant_id, type, payload) "
                "SELECT :tenant, 'bench.done', jsonb_build_object('n', n) "
                "FROM generate_series(1, :events) n"
            ),
            {"tenant": tenant.id, "events": EVENTS},
        )
    namespace = f"gongjian-bench-{uuid.uuid4().hex[:12]}"
    app_url = test_database.app_url.render_as_string(hide_password=False)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")},
        "DATABASE_URL": app_url,
        "BROKER_URL": REDIS_URL,
        "GONGJIAN_BROKER_NAMESPACE": namespace,
        "GONGJIAN_WORKER_THREADS": str(THREADS),
        "GONGJIAN_LOG_LEVEL": "WARNING",
        "GONGJIAN_DATA_DIR": str(tmp_path / "data"),
    }
    logs = [tmp_path / f"worker-{i}.log" for i in range(WORKERS)]
    workers = [start_worker(environment, log) for log in logs]
    settings = Settings(
        database_url=app_url, broker_url=REDIS_URL, broker_namespace=namespace, data_dir=tmp_path
    )
    relay_db = Database(test_database.app_url, pool_size=2, max_overflow=0)
    try:
        deadline = time.monotonic() + 60
        while not all("worker 已启动" in log.read_text() for log in logs):
            assert time.monotonic() < deadline, [log.read_text() for log in logs]
            await asyncio.sleep(0.1)
        relay = Relay(relay_db, build_broker(settings), batch_size=1000)
        started = time.perf_counter()
        relayed = 0
        while relayed < EVENTS:
            relayed += await relay.relay_all()
        enqueued = time.perf_counter() - started
        async with db.tenant_session(tenant.id) as session:
            done = 0
            while done < EVENTS:
                assert time.perf_counter() - started < 300, f"{done} of {EVENTS} applied"
                await asyncio.sleep(0.05)
                done = int(await session.scalar(text("SELECT count(*) FROM consumed_events")) or 0)
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        await relay_db.dispose()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)
        client.close()
    print(
        f"\nrelay throughput: {EVENTS} events, {WORKERS} worker processes × {THREADS} threads: "
        f"relayed (enqueued) at {EVENTS / enqueued:,.0f} events/s, "
        f"applied at {EVENTS / elapsed:,.0f} events/s (target ≥ 2,000)"
    )
    assert done == EVENTS
