"""Keeping every process's enforcers current: NOTIFY on change, LISTEN in each process."""

import asyncio
import contextlib
import logging
from uuid import UUID

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import on_commit
from policies.enforcer import EnforcerCache, enforcers

log = logging.getLogger(__name__)

CHANNEL = "gongjian_grants"
EVERYONE = "*"


async def announce_grants_changed(
    session: AsyncSession, tenant_id: UUID, subject: str | None = None
) -> None:
    """Drop cached grants once this transaction commits: here at once, elsewhere by NOTIFY
    (PostgreSQL delivers it only on commit)."""
    payload = f"{tenant_id}/{subject or EVERYONE}"
    await session.execute(select(func.pg_notify(CHANNEL, payload)))
    on_commit(session, lambda: enforcers.invalidate(tenant_id, subject))


def apply(cache: EnforcerCache, payload: str) -> None:
    tenant, _, subject = payload.partition("/")
    try:
        tenant_id = UUID(tenant)
    except ValueError:
        log.warning("ignoring a malformed grants notification: %r", payload[:100])
        return
    cache.invalidate(tenant_id, None if subject in ("", EVERYONE) else subject)


class GrantListener:
    """LISTENs on its own connection; while it is down nothing cached can be trusted, so
    every enforcer is dropped when it (re)connects."""

    def __init__(self, dsn: str, cache: EnforcerCache = enforcers, retry_seconds: float = 1.0):
        self._dsn = dsn
        self._cache = cache
        self._retry_seconds = retry_seconds
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="grant-listener")

    async def stop(self) -> None:
        if self._task is not None:
            # Waited for, not awaited: the task's cancellation ends it, while a
            # cancellation of the caller itself still propagates.
            self._task.cancel()
            await asyncio.wait({self._task})
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                connection = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("grant listener cannot connect (%s); retrying", error)
                await asyncio.sleep(self._retry_seconds)
                continue
            lost = asyncio.Event()
            try:
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(
                    CHANNEL, lambda _c, _pid, _channel, payload: apply(self._cache, payload)
                )
                self._cache.invalidate_all()
                self.listening.set()
                await lost.wait()
                log.warning("grant listener lost its connection; reconnecting")
            finally:
                self.listening.clear()
                self._cache.invalidate_all()
                with contextlib.suppress(OSError, asyncpg.PostgresError):
                    await connection.close()
