"""One Dramatiq actor per registered consumer (`consume_<name>`), each message carrying
(tenant id, [event ids]): a batch of one county's events in log order. Thin: the body is
`infra.consumers.consume`, in the consumer's own tenant transaction, on the worker
process's database.

A batch that fails is not retried as a batch: it is sent again as one message per event,
each then retried (and at last dead-lettered) on its own, so one event a consumer cannot
apply holds back none of the others.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from uuid import UUID

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from infra.consumers import consume, consumers
from infra.db import Database

log = logging.getLogger(__name__)

ACTOR_PREFIX = "consume_"


class WorkerDatabase:
    """The database the actors use: one per process, made on first use inside the
    workers' event loop (asyncpg connections belong to the loop that opened them)."""

    def __init__(self) -> None:
        self._url: str | None = None
        self._pool_size = 8
        self._database: Database | None = None

    def configure(self, url: str, *, pool_size: int) -> None:
        self._url, self._pool_size = url, pool_size

    def get(self) -> Database:
        if self._database is None:
            if self._url is None:
                raise RuntimeError("the workers' database is not configured")
            self._database = Database(self._url, pool_size=self._pool_size, max_overflow=0)
        return self._database

    async def dispose(self) -> None:
        database, self._database = self._database, None
        if database is not None:
            await database.dispose()


worker_database = WorkerDatabase()


class CloseWorkerDatabase(Middleware):
    """Closes the actors' connections once the workers have stopped, on their event
    loop, before the AsyncIO middleware stops it (so it goes after AsyncIO)."""

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: object) -> None:
        loop = get_event_loop_thread()
        if loop is not None:
            loop.run_coroutine(worker_database.dispose())


def actor_name(consumer_name: str) -> str:
    return f"{ACTOR_PREFIX}{consumer_name}"


def _split(consumer_name: str, tenant_id: str, event_ids: list[int]) -> None:
    actor = dramatiq.get_broker().get_actor(actor_name(consumer_name))
    for event_id in event_ids:
        actor.send(tenant_id, [event_id])


def _body(consumer_name: str) -> Callable[[str, list[int]], Awaitable[None]]:
    async def apply(tenant_id: str, event_ids: list[int]) -> None:
        try:
            await consume(worker_database.get(), consumer_name, UUID(tenant_id), event_ids)
        except Exception as error:
            if len(event_ids) < 2:
                raise
            log.warning(
                "%s failed on a batch of %d events (%s: %s); sending them one by one",
                actor_name(consumer_name),
                len(event_ids),
                type(error).__name__,
                error,
            )
            await asyncio.to_thread(_split, consumer_name, tenant_id, event_ids)

    apply.__name__ = actor_name(consumer_name)
    return apply


def declare_actors(broker: dramatiq.Broker) -> dict[str, dramatiq.Actor]:  # type: ignore[type-arg]
    """The actor of every registered consumer on `broker`, by consumer name (each with a
    queue of its own, so a slow consumer holds up no other)."""
    declared = {}
    for found in consumers():
        name = actor_name(found.name)
        if name in broker.get_declared_actors():
            declared[found.name] = broker.get_actor(name)
            continue
        declared[found.name] = dramatiq.Actor(
            _body(found.name),
            broker=broker,
            actor_name=name,
            queue_name=name,
            priority=0,
            options={},
        )
    return declared
