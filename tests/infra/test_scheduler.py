"""Scheduled jobs run for every active county, exactly once per due time, however many
schedulers run; a failed run leaves nothing and is tried again."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from infra import scheduler as scheduling
from infra.clock import CHINA
from infra.db import Database
from infra.scheduler import ScheduledJob, Scheduler, scheduled, scheduled_jobs
from services.events.service import record_event
from tests.conftest import ClonedDatabase, MakeTenant

MORNING = datetime(2026, 3, 2, 9, 3, 20, tzinfo=CHINA)


async def tick(session: AsyncSession, due: datetime) -> None:
    """A job whose work is an event naming its due time."""
    await record_event(session, type="test.tick", payload={"due": due.isoformat()})


async def ticks(db: Database, tenant_id: UUID) -> list[str]:
    async with db.tenant_session(tenant_id) as session:
        rows = await session.execute(
            text("SELECT payload->>'due' FROM events WHERE type = 'test.tick' ORDER BY id")
        )
        return [row[0] for row in rows]


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_interval_jobs_fall_due_on_multiples_from_china_midnight() -> None:
    job = ScheduledJob(name="j", run=tick, every=timedelta(minutes=10))
    assert job.due_at(MORNING) == datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)
    assert job.due_at(datetime(2026, 3, 2, 1, 10, tzinfo=CHINA)) == datetime(
        2026, 3, 2, 1, 10, tzinfo=CHINA
    )


def test_daily_jobs_fall_due_at_their_time_in_china_whatever_the_zone_of_now() -> None:
    job = ScheduledJob(name="j", run=tick, daily_at=time(0, 10))
    # 2026-03-01 16:05 UTC is 00:05 on 3-2 in China: the 3-1 run is the latest due.
    utc = datetime(2026, 3, 1, 16, 5, tzinfo=UTC)
    assert job.due_at(utc) == datetime(2026, 3, 1, 0, 10, tzinfo=CHINA)
    assert job.due_at(utc + timedelta(minutes=5)) == datetime(2026, 3, 2, 0, 10, tzinfo=CHINA)


def test_a_job_names_exactly_one_kind_of_schedule() -> None:
    with pytest.raises(ValueError, match="exactly one of every= and daily_at="):
        scheduled("x")
    with pytest.raises(ValueError, match="exactly one of every= and daily_at="):
        scheduled("x", every=timedelta(minutes=1), daily_at=time(1))
    with pytest.raises(ValueError, match="every= must be positive"):
        scheduled("x", every=timedelta(0))


@pytest.fixture
def registered() -> Iterator[None]:
    scheduled_jobs()
    before = dict(scheduling._registry)
    yield
    scheduling._registry.clear()
    scheduling._registry.update(before)


def test_the_domains_jobs_are_registered(registered: None) -> None:
    jobs = {job.name: job for job in scheduled_jobs()}
    assert (jobs["wishes.release_lapsed"].daily_at, jobs["wishes.release_lapsed"].every) == (
        time(0, 10),
        None,
    )
    assert jobs["whistles.escalate_due"].every == timedelta(minutes=1)
    assert jobs["activities.finish_due"].every == timedelta(minutes=10)
    with pytest.raises(ValueError, match="registered twice"):
        scheduled("whistles.escalate_due", every=timedelta(minutes=1))(tick)


async def test_the_domains_jobs_run_in_a_county(db: Database, make_tenant: MakeTenant) -> None:
    """The wishes', whistles' and activities' jobs run under the county's binding
    (nothing is due in a new county); scoring's are tested with scoring."""
    await make_tenant()
    mine = ("activities.finish_due", "whistles.escalate_due", "wishes.release_lapsed")
    jobs = [job for job in scheduled_jobs() if job.name in mine]
    assert await Scheduler(db, jobs, now=Clock(MORNING)).run_due() == 3


async def test_many_schedulers_run_each_due_time_once_per_active_county(
    test_database: ClonedDatabase, db: Database, make_tenant: MakeTenant
) -> None:
    counties = [await make_tenant() for _ in range(3)]
    async with db.engine.begin() as connection:
        await connection.execute(
            text("UPDATE tenants SET status = 'suspended' WHERE id = :id"),
            {"id": counties[2].id},
        )
    job = ScheduledJob(name="test.tick", run=tick, every=timedelta(minutes=1))
    clock = Clock(MORNING)
    databases = [Database(test_database.app_url, pool_size=2, max_overflow=0) for _ in range(3)]
    try:
        runners = [Scheduler(d, [job], now=clock) for d in databases]
        made = await asyncio.gather(*(r.run_due() for r in runners))
        again = await asyncio.gather(*(r.run_due() for r in runners))
        clock.at += timedelta(minutes=1)
        later = await asyncio.gather(*(r.run_due() for r in runners))
    finally:
        for d in databases:
            await d.dispose()
    assert (sum(made), sum(again), sum(later)) == (2, 0, 2)
    due = ["2026-03-02T09:03:00+08:00", "2026-03-02T09:04:00+08:00"]
    assert [await ticks(db, c.id) for c in counties] == [due, due, []]


async def test_a_failed_run_leaves_nothing_and_is_tried_again_after_a_backoff(
    db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()
    failures = [RuntimeError("the job failed")]

    async def flaky(session: AsyncSession, due: datetime) -> None:
        await tick(session, due)
        if failures:
            raise failures.pop()

    job = ScheduledJob(name="test.flaky", run=flaky, every=timedelta(hours=1))
    clock = Clock(MORNING)
    runner = Scheduler(db, [job], now=clock)
    assert await runner.run_due() == 0
    async with db.tenant_session(tenant.id) as session:
        runs = await session.scalar(text("SELECT count(*) FROM schedule_runs"))
    assert (runs, await ticks(db, tenant.id)) == (0, [])
    # Within the backoff (1 s after the first failure) nothing is tried.
    clock.at += timedelta(milliseconds=500)
    assert await runner.run_due() == 0
    clock.at += timedelta(seconds=1)
    assert await runner.run_due() == 1
    assert await ticks(db, tenant.id) == ["2026-03-02T09:00:00+08:00"]
    assert await runner.run_due() == 0


async def test_a_scheduler_stops_when_asked(db: Database, make_tenant: MakeTenant) -> None:
    await make_tenant()
    job = ScheduledJob(name="test.tick", run=tick, every=timedelta(minutes=1))
    stop = asyncio.Event()
    running = asyncio.create_task(Scheduler(db, [job]).run_forever(stop))
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(running, timeout=5)


async def test_the_wish_job_releases_by_the_china_date_of_its_due_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.wishes import schedule

    seen: list[object] = []

    async def release(session: AsyncSession, today: object) -> list[object]:
        seen.append(today)
        return []

    monkeypatch.setattr(schedule, "release_lapsed", release)
    # 00:10 on 3-2 in China is still 3-1 in UTC.
    due = datetime(2026, 3, 2, 0, 10, tzinfo=CHINA).astimezone(UTC)
    await schedule.release_lapsed_wishes(AsyncSession(), due)
    assert [str(day) for day in seen] == ["2026-03-02"]


def _start_scheduler(test_database: ClonedDatabase, log: Path) -> "subprocess.Popen[bytes]":
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")},
        "DATABASE_URL": test_database.app_url.render_as_string(hide_password=False),
        "GONGJIAN_DATA_DIR": str(log.parent / "data"),
        "GONGJIAN_LOG_FORMAT": "text",
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from api.cli import main; main()", "scheduler"],
            cwd=Path(__file__).resolve().parents[2],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def test_the_scheduler_process_runs_what_is_due_and_stops_on_sigterm(
    test_database: ClonedDatabase, db: Database, make_tenant: MakeTenant, tmp_path: Path
) -> None:
    tenant = await make_tenant()
    log = tmp_path / "scheduler.log"
    process = _start_scheduler(test_database, log)
    try:

        async def ran() -> bool:
            async with db.tenant_session(tenant.id) as session:
                jobs = await session.scalars(text("SELECT job FROM schedule_runs"))
                return {"whistles.escalate_due", "activities.finish_due"} <= set(jobs)

        deadline = asyncio.get_running_loop().time() + 60
        while not await ran():
            assert process.poll() is None, log.read_text()
            assert asyncio.get_running_loop().time() < deadline, log.read_text()
            await asyncio.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.wait, 30)
    assert process.returncode == 0
    assert "scheduler 已停止" in log.read_text(encoding="utf-8")
