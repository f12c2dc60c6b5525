"""The outbox relay: hands each committed event to the actor of every consumer that wants
it, in each county's log order, never skipping one and never losing one.

Per county a cursor row (`relay_cursors`) holds the (transaction_id, id) of the last
event relayed. One step, in one transaction bound to the county: lock the cursor row
(`FOR UPDATE SKIP LOCKED`, so any number of relays share the counties and never two
work on one), read the next batch of events after it whose transaction precedes every
running one (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`: an event
whose transaction commits late has a smaller id than events already visible, but its
transaction id keeps it ahead of the cursor until it is visible), enqueue the messages,
then advance the cursor and commit. The enqueue comes before the commit, so a crash in
between sends some messages again, which the idempotent consumers ignore; the broker
being down fails the step, the cursor stays and the events wait in the log. A message
carries up to `message_size` of a step's events for one consumer, applied in one
transaction on the worker's side.

The relay wakes on the NOTIFY that every committed event sends (migration 0011), and
looks at every county every `relay_poll_seconds` besides, so a lost notification or a
dropped listening connection delays events, never loses them.
"""

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import dramatiq
from prometheus_client import Counter
from sqlalchemy import text

from infra.actors import declare_actors
from infra.broker import enqueue_many
from infra.consumers import EVENTS_CHANNEL, Consumer, consumers
from infra.db import Database, libpq_url

log = logging.getLogger(__name__)

RELAYED = Counter("gongjian_relay_events_total", "Events handed on by the outbox relay")
SENT = Counter("gongjian_relay_messages_total", "Messages the outbox relay enqueued")
FAILED = Counter("gongjian_relay_failures_total", "Relay steps that failed (broker or database)")

_ALL_COUNTIES = text("SELECT id FROM tenants ORDER BY county_code")
_LOCK_CURSOR = text(
    "SELECT transaction_id AS xid, event_id FROM relay_cursors "
    "WHERE tenant_id = :tenant FOR UPDATE SKIP LOCKED"
)
# A new cursor starts before the first event; inserting it also locks it.
_NEW_CURSOR = text(
    "INSERT INTO relay_cursors (tenant_id) VALUES (:tenant) ON CONFLICT DO NOTHING "
    "RETURNING transaction_id AS xid, event_id"
)
_NEXT_EVENTS = text(
    "SELECT id, type, transaction_id AS xid FROM events "
    "WHERE tenant_id = :tenant AND (transaction_id, id) > (CAST(:xid AS xid8), :id) "
    "AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) "
    "ORDER BY transaction_id, id LIMIT :limit"
)
# Committed events not yet behind every running transaction: worth a quick second look.
_HELD_BACK = text(
    "SELECT EXISTS (SELECT 1 FROM events WHERE tenant_id = :tenant "
    "AND (transaction_id, id) > (CAST(:xid AS xid8), :id) "
    "AND transaction_id >= pg_snapshot_xmin(pg_current_snapshot()))"
)
_ADVANCE = text(
    "UPDATE relay_cursors SET transaction_id = CAST(:xid AS xid8), event_id = :id, "
    "relayed_at = now() WHERE tenant_id = :tenant"
)

# How soon to look again at a county whose newest events wait on a running transaction.
HELD_BACK_SECONDS = 0.05


@dataclass(frozen=True)
class Step:
    """What one relay step did for a county."""

    relayed: int
    # The cursor was locked by another relay (it is relaying this county now).
    busy: bool = False
    # Events are committed but wait for an older transaction still running.
    held_back: bool = False


class Relay:
    def __init__(
        self,
        database: Database,
        broker: dramatiq.Broker,
        *,
        batch_size: int = 500,
        message_size: int = 100,
        poll_seconds: float = 5.0,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self.database = database
        self.broker = broker
        self.batch_size = batch_size
        self.message_size = message_size
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._consumers: list[Consumer] = consumers()
        self._actors = declare_actors(broker)
        # Enqueueing is blocking I/O; one thread keeps it off the event loop and keeps
        # RabbitMQ's per-thread connection to one.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-enqueue")
        self._noticed: set[UUID] = set()
        # Counties whose newest events wait on a running transaction: the next look.
        self._held_back: dict[UUID, float] = {}
        self._full_pass_due = True
        self._wake = asyncio.Event()
        self.listening = asyncio.Event()

    def _messages(self, tenant_id: UUID, events: list[Any]) -> list[dramatiq.Message[Any]]:
        """For each consumer, the events it wants in batches of `message_size`."""
        tenant, size = str(tenant_id), self.message_size
        messages = []
        for wanting in self._consumers:
            ids = [event.id for event in events if wanting.wants(event.type)]
            actor = self._actors[wanting.name]
            messages += [actor.message(tenant, ids[i : i + size]) for i in range(0, len(ids), size)]
        return messages

    async def step(self, tenant_id: UUID) -> Step:
        """Relay the next batch of one county's events."""
        async with self.database.tenant_session(tenant_id) as session:
            params: dict[str, Any] = {"tenant": tenant_id}
            cursor = (await session.execute(_LOCK_CURSOR, params)).first()
            if cursor is None:
                cursor = (await session.execute(_NEW_CURSOR, params)).first()
                if cursor is None:
                    return Step(relayed=0, busy=True)
            params.update(xid=cursor.xid, id=cursor.event_id)
            events = list(
                (await session.execute(_NEXT_EVENTS, {**params, "limit": self.batch_size})).all()
            )
            if not events:
                held_back = bool(await session.scalar(_HELD_BACK, params))
                return Step(relayed=0, held_back=held_back)
            messages = self._messages(tenant_id, events)
            if messages:
                await asyncio.get_running_loop().run_in_executor(
                    self._executor, enqueue_many, self.broker, messages
                )
            last = events[-1]
            await session.execute(_ADVANCE, {"tenant": tenant_id, "xid": last.xid, "id": last.id})
        RELAYED.inc(len(events))
        SENT.inc(len(messages))
        return Step(relayed=len(events))

    async def drain(self, tenant_id: UUID) -> Step:
        """Relay a county's events until none is left that may be taken now."""
        total = 0
        while True:
            step = await self.step(tenant_id)
            total += step.relayed
            if step.relayed < self.batch_size:
                return Step(relayed=total, busy=step.busy, held_back=step.held_back)

    async def counties(self) -> list[UUID]:
        async with self.database.engine.connect() as connection:
            return [row.id for row in await connection.execute(_ALL_COUNTIES)]

    async def relay_all(self) -> int:
        """One pass over every county (the polling fallback); how many events went on."""
        total = 0
        for tenant_id in await self.counties():
            total += (await self.drain(tenant_id)).relayed
        return total

    def notice(self, tenant_id: UUID) -> None:
        """A county has new events (a notification, or a step that saw some held back)."""
        self._noticed.add(tenant_id)
        self._wake.set()

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self.notice(UUID(payload))
        except ValueError:
            log.warning("ignoring a malformed events notification: %r", payload[:100])

    async def _listen(self, stop: asyncio.Event) -> None:
        """LISTEN on a connection of its own, reconnecting when it drops; each
        (re)connection is followed by a full pass, for what was missed meanwhile."""
        dsn = libpq_url(self.database.url)
        backoff = 0.5
        while not stop.is_set():
            try:
                connection = await asyncpg.connect(dsn)
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("relay cannot listen (%s); polling until it can", error)
                await _wait(stop, backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
                continue
            backoff = 0.5
            lost = asyncio.Event()
            try:
                connection.add_termination_listener(lambda _c, lost=lost: lost.set())
                await connection.add_listener(EVENTS_CHANNEL, self._on_notify)
                self.listening.set()
                self._full_pass_due = True
                self._wake.set()
                while not stop.is_set() and not lost.is_set():
                    await _wait_any(stop, lost, self.poll_seconds)
                    # A connection dropped without a word is only found by using it.
                    if not stop.is_set() and not await _alive(connection, self.poll_seconds):
                        lost.set()
                if lost.is_set():
                    log.warning("relay lost its listening connection; reconnecting")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("relay listening connection failed (%s); reconnecting", error)
            finally:
                self.listening.clear()
                connection.terminate()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set: on notifications, and every `poll_seconds`."""
        listener = asyncio.create_task(self._listen(stop), name="relay-listener")
        backoff = 0.5
        loop = asyncio.get_running_loop()
        next_poll = loop.time()
        log.info("relay started (%d consumers)", len(self._consumers))
        try:
            while not stop.is_set():
                full = self._full_pass_due or loop.time() >= next_poll
                noticed, self._noticed = self._noticed, set()
                self._wake.clear()
                try:
                    processed, held_back = await self._pass(None if full else noticed)
                except Exception as error:  # noqa: BLE001 - whatever failed, the log keeps the events
                    FAILED.inc()
                    self._full_pass_due = True
                    log.warning(
                        "relay step failed (%s: %s); events wait in the log, retrying in %.1fs",
                        type(error).__name__,
                        error,
                        backoff,
                    )
                    await _wait(stop, backoff)
                    backoff = min(backoff * 2, self.max_backoff_seconds)
                    continue
                backoff = 0.5
                if full:
                    self._full_pass_due = False
                    next_poll = loop.time() + self.poll_seconds
                self._look_again(processed, held_back)
                if not self._wake.is_set():
                    await _wait_any(stop, self._wake, max(0.0, next_poll - loop.time()))
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            self._executor.shutdown(wait=False)
            log.info("relay stopped")

    def _look_again(self, processed: set[UUID], held_back: set[UUID]) -> None:
        """Look again soon at counties whose events wait on a running transaction,
        less and less often while it runs (up to the polling interval)."""
        for tenant_id in processed - held_back:
            self._held_back.pop(tenant_id, None)
        loop = asyncio.get_running_loop()
        for tenant_id in held_back:
            delay = self._held_back.get(tenant_id, HELD_BACK_SECONDS / 2) * 2
            self._held_back[tenant_id] = min(delay, self.poll_seconds)
            loop.call_later(self._held_back[tenant_id], self.notice, tenant_id)

    async def _pass(self, counties: set[UUID] | None) -> tuple[set[UUID], set[UUID]]:
        """Drain the counties given (all of them when None): those drained, and those
        whose newest events wait on a running transaction."""
        processed = set(await self.counties()) if counties is None else counties
        held_back: set[UUID] = set()
        for tenant_id in sorted(processed):
            step = await self.drain(tenant_id)
            if step.held_back:
                held_back.add(tenant_id)
        return processed, held_back


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    """Until either event is set or `seconds` pass."""
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()


async def _alive(connection: asyncpg.Connection, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await connection.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means the connection is gone
        return False
    return True
