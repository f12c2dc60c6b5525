"""Periodic jobs: a registry like the consumers', run by `gongjian scheduler` (or inside
`gongjian up` when no broker is configured).

A domain registers a job in its `schedule` module:

    @scheduled("wishes.release_lapsed", daily_at=time(0, 10))
    async def release_lapsed_wishes(session: AsyncSession, due: datetime) -> None: ...

Every job runs for every active county, each in a transaction of its own bound to the
county, at most once per due time whatever the number of scheduler processes: a
`schedule_runs` row (tenant, job, due time) is inserted `ON CONFLICT DO NOTHING` before
the job's work, in the same transaction. A run that fails or whose process dies leaves
no row, so it is tried again; a run that committed is never repeated. A process that
was down over several due times runs the latest one only: every job here acts on
"everything due by now", so the latest run covers the ones missed.

This module knows the domains only by name (`SCHEDULED_MODULES`), as the migrations know
their models: imports flow from services to infra, never back.
"""

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from uuid import UUID

from prometheus_client import Counter
from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from infra import clock
from infra.clock import CHINA
from infra.db import Database
from infra.jobs import ScheduleRun

log = logging.getLogger(__name__)

# The modules whose import registers scheduled jobs (each a domain's `schedule` module).
SCHEDULED_MODULES: tuple[str, ...] = (
    "services.wishes.schedule",
    "services.whistles.schedule",
    "services.activities.schedule",
    "services.scoring.schedule",
    "services.notifications.sending",
    "services.assessment.schedule",
    "services.pairing.schedule",
)

# A job: the county-bound session and the due time (China time) it runs for.
Job = Callable[[AsyncSession, datetime], Awaitable[object]]

# Interval jobs are aligned to China midnight, so "every 10 minutes" runs at :00, :10 …
_ALIGNMENT = datetime(2000, 1, 1, tzinfo=CHINA)
# Runs are kept this long (then pruned by the job's own later runs): enough to see what
# ran lately, bounded for jobs that run every minute.
KEEP_RUNS = timedelta(days=7)
# The platform's own realm (tenants.models.PLATFORM_TENANT_ID) holds no county's work.
_PLATFORM = UUID(int=0)
RUNS = Counter(
    "gongjian_scheduled_runs_total",
    "Scheduled job runs per county, by outcome (ran, failed)",
    ["job", "outcome"],
)
_ACTIVE_COUNTIES = text(
    "SELECT id FROM tenants WHERE status = 'active' AND id <> :platform ORDER BY county_code"
)


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    run: Job
    every: timedelta | None = None
    # A time of day in China (naive).
    daily_at: time | None = None
    # A run still going after this long is cancelled (and tried again later).
    time_limit: timedelta = timedelta(minutes=15)

    @property
    def period(self) -> timedelta:
        return self.every if self.every is not None else timedelta(days=1)

    def due_at(self, now: datetime) -> datetime:
        """The latest due time at or before `now` (China time)."""
        if self.every is not None:
            return _ALIGNMENT + ((now - _ALIGNMENT) // self.every) * self.every
        assert self.daily_at is not None
        local = now.astimezone(CHINA)
        due = datetime.combine(local.date(), self.daily_at, tzinfo=CHINA)
        return due if due <= local else due - timedelta(days=1)


_registry: dict[str, ScheduledJob] = {}


def scheduled(
    name: str,
    *,
    every: timedelta | None = None,
    daily_at: time | None = None,
    time_limit: timedelta = timedelta(minutes=15),
) -> Callable[[Job], Job]:
    """Register `run` as the job `name`: every `every` (aligned to China midnight), or
    daily at `daily_at` China time; exactly one of the two."""
    if (every is None) == (daily_at is None):
        raise ValueError(f"job {name!r}: give exactly one of every= and daily_at=")
    if every is not None and every <= timedelta(0):
        raise ValueError(f"job {name!r}: every= must be positive")
    if daily_at is not None and daily_at.tzinfo is not None:
        raise ValueError(f"job {name!r}: daily_at= is a naive time of day in China")

    def register(run: Job) -> Job:
        if name in _registry and _registry[name].run is not run:
            raise ValueError(f"scheduled job {name!r} is registered twice")
        _registry[name] = ScheduledJob(
            name=name, run=run, every=every, daily_at=daily_at, time_limit=time_limit
        )
        return run

    return register


def scheduled_jobs() -> list[ScheduledJob]:
    """Every registered job (the domains' schedule modules imported first)."""
    for module in SCHEDULED_MODULES:
        importlib.import_module(module)
    return sorted(_registry.values(), key=lambda j: j.name)


async def active_counties(database: Database) -> list[UUID]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(_ACTIVE_COUNTIES, {"platform": _PLATFORM})
        return [row.id for row in rows]


async def run_once(database: Database, job: ScheduledJob, tenant_id: UUID, due: datetime) -> bool:
    """Run `job` for one county at `due` unless that run is already committed (or being
    committed by another process, which this waits for): True when it ran here."""
    async with asyncio.timeout(job.time_limit.total_seconds()):
        async with database.tenant_session(tenant_id) as session:
            claimed = await session.scalar(
                insert(ScheduleRun)
                .values(tenant_id=tenant_id, job=job.name, due_at=due)
                .on_conflict_do_nothing()
                .returning(ScheduleRun.due_at)
            )
            if claimed is None:
                return False
            await session.execute(
                delete(ScheduleRun).where(
                    ScheduleRun.tenant_id == tenant_id,
                    ScheduleRun.job == job.name,
                    ScheduleRun.due_at < due - KEEP_RUNS,
                )
            )
            await job.run(session, due)
            return True


class Scheduler:
    """Runs the registered jobs as they fall due, until stopped."""

    def __init__(
        self,
        database: Database,
        jobs: list[ScheduledJob] | None = None,
        *,
        now: Callable[[], datetime] = clock.now,
        max_backoff: timedelta = timedelta(minutes=1),
    ) -> None:
        self.database = database
        self.jobs = scheduled_jobs() if jobs is None else jobs
        self.now = now
        self.max_backoff = max_backoff
        # (job, county) → the latest due time known to be committed, here or elsewhere.
        self._done: dict[tuple[str, UUID], datetime] = {}
        # (job, county) → failures in a row and when to try again.
        self._failures: dict[tuple[str, UUID], tuple[int, datetime]] = {}
        # Per job, the due time every active county was done for (skips the database).
        self._settled: dict[str, datetime] = {}

    async def run_due(self) -> int:
        """One pass: every job due and not yet run, for every active county; how many
        runs were made here."""
        at = self.now()
        pending = [job for job in self.jobs if self._settled.get(job.name) != job.due_at(at)]
        if not pending:
            return 0
        counties = await active_counties(self.database)
        made = 0
        for job in pending:
            due = job.due_at(at)
            settled = True
            for tenant_id in counties:
                key = (job.name, tenant_id)
                if self._done.get(key) == due:
                    continue
                failures, retry_at = self._failures.get(key, (0, at))
                if retry_at > at:
                    settled = False
                    continue
                try:
                    ran = await run_once(self.database, job, tenant_id, due)
                except Exception:
                    RUNS.labels(job.name, "failed").inc()
                    settled = False
                    backoff = min(timedelta(seconds=2**failures), self.max_backoff)
                    self._failures[key] = (failures + 1, at + backoff)
                    log.exception(
                        "scheduled job %s failed for tenant %s (due %s); retrying in %s",
                        job.name,
                        tenant_id,
                        due.isoformat(),
                        backoff,
                    )
                    continue
                if ran:
                    RUNS.labels(job.name, "ran").inc()
                    made += 1
                self._failures.pop(key, None)
                self._done[key] = due
            if settled:
                self._settled[job.name] = due
        return made

    def seconds_to_next(self) -> float:
        """How long until the next job falls due (at most a few seconds, so failed runs
        and a changed clock are noticed)."""
        at = self.now()
        nearest = min((job.due_at(at) + job.period for job in self.jobs), default=None)
        wait = 5.0 if nearest is None else (nearest - at).total_seconds()
        return max(0.05, min(wait, 5.0))

    async def run_forever(self, stop: asyncio.Event) -> None:
        log.info("scheduler started: %s", ", ".join(job.name for job in self.jobs))
        while not stop.is_set():
            try:
                await self.run_due()
            except Exception:
                # The database is away: the jobs wait, nothing is marked done.
                log.exception("scheduler pass failed; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.seconds_to_next())
        log.info("scheduler stopped")
