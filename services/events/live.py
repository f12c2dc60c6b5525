"""Following the events log live: replay after a position, then every new event as its
transaction commits, with no gap and no duplicate.

A follower first reads the log after its cursor itself (in SQL, filtered to what it may
read and asked for), then joins its tenant's tail: one reader per tenant and process
that reads each new final event once and hands it to every follower it concerns, so a
commit costs one read however many partners follow. One LISTEN connection per process
(`Wakeups`) wakes the tails: migration 0011's trigger announces each committing
transaction's tenant on `EVENTS_CHANNEL`. A notification only says "look": what is read
is decided by the log's visibility rule (services.events.log), so a notification lost
while the listener reconnects costs latency, never an event — tails poll while it is
down, and all of them look again when it is back.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
from sqlalchemy.exc import SQLAlchemyError

from infra.consumers import EVENTS_CHANNEL
from infra.db import Database
from policies.principal import Principal
from services.events.log import START, EventFilter, Position, admits, read, read_all
from services.events.models import Event

log = logging.getLogger(__name__)


class Wakeups:
    """The process's LISTEN connection, started with the first follower and reconnected
    whenever it drops; each follower of a tenant gets a flag it sets."""

    def __init__(self, dsn: str, *, retry_seconds: float = 1.0) -> None:
        self._dsn = dsn
        self._retry_seconds = retry_seconds
        self._flags: dict[UUID, set[asyncio.Event]] = {}
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    @contextlib.contextmanager
    def watch(self, tenant_id: UUID) -> Iterator[asyncio.Event]:
        """A flag set whenever the tenant's events may have moved on (and once when the
        listener (re)connects); the follower clears it before it reads."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="event-wakeups")
        flag = asyncio.Event()
        self._flags.setdefault(tenant_id, set()).add(flag)
        try:
            yield flag
        finally:
            flags = self._flags.get(tenant_id)
            if flags is not None:
                flags.discard(flag)
                if not flags:
                    del self._flags[tenant_id]

    async def stop(self) -> None:
        await _stopped(self._task)
        self._task = None

    def _notified(self, payload: str) -> None:
        try:
            tenant_id = UUID(payload)
        except ValueError:
            log.warning("ignoring a malformed events notification: %r", payload[:100])
            return
        for flag in self._flags.get(tenant_id, ()):
            flag.set()

    def _wake_all(self) -> None:
        for flags in self._flags.values():
            for flag in flags:
                flag.set()

    async def _run(self) -> None:
        while True:
            try:
                connection = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("events listener cannot connect (%s); retrying", error)
                await asyncio.sleep(self._retry_seconds)
                continue
            lost = asyncio.Event()
            try:
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(
                    EVENTS_CHANNEL, lambda _c, _pid, _channel, payload: self._notified(payload)
                )
                self.listening.set()
                # Whatever committed while nobody listened is read now.
                self._wake_all()
                await lost.wait()
                log.warning("events listener lost its connection; reconnecting")
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("events listener failed (%s); reconnecting", error)
            finally:
                self.listening.clear()
                with contextlib.suppress(OSError, asyncpg.PostgresError):
                    await connection.close()
            await asyncio.sleep(self._retry_seconds)


async def _stopped(task: "asyncio.Task[None] | None") -> None:
    """Cancel `task` and wait until it has ended (a cancellation of the caller itself
    still propagates: the task's is not suppressed with it)."""
    if task is not None:
        task.cancel()
        await asyncio.wait({task})


@dataclass(frozen=True)
class Pace:
    """How followers and tails read and wait."""

    page: int = 100
    # A tail's read: every new event of the tenant at once.
    tail_page: int = 500
    # While the listener runs, a look now and then all the same (a safety net only).
    idle_seconds: float = 10.0
    # While it is down, tails poll.
    unheard_seconds: float = 1.0
    # Committed events held back by an older transaction still running (any writer of
    # the server's): look again after this, growing by half up to `waiting_max_seconds`.
    waiting_seconds: float = 0.002
    waiting_max_seconds: float = 0.2
    # A follower that falls this far behind leaves the tail and reads the log again.
    backlog: int = 1000
    # After a failed read (the database unreachable), a tail tries again after this.
    retry_seconds: float = 1.0


@dataclass(eq=False)
class Follower:
    """A live subscription as a tail sees it: what it reads and what waits for it."""

    principal: Principal
    where: EventFilter
    # What it has read already: the tail hands it only later events.
    after: Position
    # Events, then None if it fell too far behind (it then reads the log itself again).
    queue: "asyncio.Queue[Event | None]" = field(default_factory=asyncio.Queue)


class Tail:
    """The one reader of a tenant's new events in this process: each wake it reads what
    became final after its watermark, once, and hands every event to each follower that
    may read it and asked for it. Followers join between two reads, so an event is
    handed to a follower exactly when it lies after the watermark it joined at."""

    def __init__(
        self, database: Database, wakeups: Wakeups, tenant_id: UUID, start: Position, pace: Pace
    ) -> None:
        self._database = database
        self._wakeups = wakeups
        self._tenant_id = tenant_id
        self._pace = pace
        self.watermark = start
        self.followers: set[Follower] = set()
        self._task: asyncio.Task[None] | None = None

    def join(self, follower: Follower) -> Position:
        """Take `follower` in; it receives every event after the returned watermark."""
        self.followers.add(follower)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"events-tail-{self._tenant_id}")
        return self.watermark

    async def stop(self) -> None:
        await _stopped(self._task)
        self._task = None

    def _hand_on(self, event: Event) -> None:
        position = Position.of(event)
        for follower in list(self.followers):
            if position <= follower.after or not admits(follower.principal, follower.where, event):
                continue
            if follower.queue.qsize() >= self._pace.backlog:
                self.followers.discard(follower)
                follower.queue.put_nowait(None)
                continue
            follower.queue.put_nowait(event)

    async def _run(self) -> None:
        pace = self._pace
        waiting_delay: float | None = None
        with self._wakeups.watch(self._tenant_id) as flag:
            while True:
                flag.clear()
                try:
                    async with self._database.tenant_session(self._tenant_id) as session:
                        page = await read_all(session, self.watermark, pace.tail_page)
                except (OSError, SQLAlchemyError) as error:
                    log.warning("events tail cannot read the log (%s); retrying", error)
                    await asyncio.sleep(pace.retry_seconds)
                    continue
                except Exception:
                    # Its followers wait on it: it must not end quietly.
                    log.exception("events tail failed; retrying")
                    await asyncio.sleep(pace.retry_seconds)
                    continue
                for event in page.events:
                    self._hand_on(event)
                    self.watermark = Position.of(event)
                if page.has_next:
                    continue
                # Everything below the horizon has been read.
                self.watermark = max(self.watermark, Position(page.horizon, 0))
                if page.waiting:
                    waiting_delay = min(
                        pace.waiting_max_seconds,
                        pace.waiting_seconds if waiting_delay is None else waiting_delay * 1.5,
                    )
                    timeout = waiting_delay
                else:
                    waiting_delay = None
                    listening = self._wakeups.listening.is_set()
                    timeout = pace.idle_seconds if listening else pace.unheard_seconds
                # asyncio.timeout, not wait_for: on 3.11 wait_for loses a cancellation
                # that arrives as the flag is set, and the tail would never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await flag.wait()


class Tails:
    """The process's tails, one per tenant followed, each ended with its last follower."""

    def __init__(self, database: Database, wakeups: Wakeups, pace: Pace = Pace()) -> None:
        self.database = database
        self.wakeups = wakeups
        self.pace = pace
        self._tails: dict[UUID, Tail] = {}

    @contextlib.asynccontextmanager
    async def joined(
        self, tenant_id: UUID, follower: Follower, at: Position
    ) -> AsyncIterator[Position]:
        """Join the tenant's tail (started at `at` if there is none): the watermark after
        which the tail hands events on; what lies between `at` and it is the follower's
        to read."""
        tail = self._tails.get(tenant_id)
        if tail is None:
            tail = self._tails[tenant_id] = Tail(
                self.database, self.wakeups, tenant_id, at, self.pace
            )
        watermark = tail.join(follower)
        try:
            yield watermark
        finally:
            tail.followers.discard(follower)
            if not tail.followers and self._tails.get(tenant_id) is tail:
                del self._tails[tenant_id]
                await tail.stop()

    async def stop(self) -> None:
        tails, self._tails = list(self._tails.values()), {}
        for tail in tails:
            await tail.stop()


Authorize = Callable[[], Awaitable[Principal]]


async def follow(
    tails: Tails,
    tenant_id: UUID,
    where: EventFilter,
    after: Position = START,
    *,
    authorize: Authorize,
) -> AsyncGenerator[Event, None]:
    """The tenant's events after `after` that `where` selects and the principal (asked
    of `authorize`, which checks its credentials again from time to time) may read: the
    log first, page by page, then each new event once its transaction is final, from
    the tenant's tail."""
    delivered = after
    while True:
        # The log, read by this follower alone, up to the horizon.
        reached = delivered
        while True:
            principal = await authorize()
            async with tails.database.tenant_session(tenant_id) as session:
                page = await read(session, principal, where, reached, tails.pace.page)
            for event in page.events:
                delivered = reached = Position.of(event)
                yield event
            if not page.has_next:
                reached = max(reached, Position(page.horizon, 0))
                break
        # Then live, from the tail; what it passed before this follower joined, read here.
        follower = Follower(principal=principal, where=where, after=reached)
        async with tails.joined(tenant_id, follower, reached) as watermark:
            while reached < watermark:
                principal = await authorize()
                async with tails.database.tenant_session(tenant_id) as session:
                    page = await read(
                        session, principal, where, reached, tails.pace.page, until=watermark
                    )
                for event in page.events:
                    delivered = reached = Position.of(event)
                    yield event
                if not page.has_next:
                    reached = watermark
            while (handed := await follower.queue.get()) is not None:
                # Credentials (and so roles) are checked again from time to time: a
                # follower whose reach shrank reads only what it may now.
                follower.principal = await authorize()
                if admits(follower.principal, where, handed):
                    delivered = Position.of(handed)
                    yield handed
        # It fell behind: read the log again from the last event delivered.
