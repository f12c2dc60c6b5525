"""Consumers of the events log: what runs after a commit, once per (consumer, event).

A domain registers a consumer with `@consumer("scoring", types=("service_record.",))`:
an async function taking the tenant-bound session and a batch of `EventMessage`s, one
county's, in log order. The relay (infra/relay.py) hands each batch of new events to the
Dramatiq actor of every consumer whose types match some of them; the actor calls
`consume`, which records (consumer, event) for the whole batch in `consumed_events` with
one statement, in the same transaction as the consumer's own writes, and hands the
consumer the events not applied before. A message delivered again finds the rows and
changes nothing; a consumer that fails rolls back both, so the retry starts clean.

A batch is one transaction, so a consumer that writes rows shared across events (a
unit's totals) takes their locks in one order (sorted ids) whatever the order of the
events, or two batches of a county could deadlock.

This module knows the domains only by name (`CONSUMER_MODULES`), as the migrations know
their models: imports flow from services to infra, never back.
"""

import importlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, ForeignKey, Text, func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, Database

# Every committed event is announced on this channel, its tenant's id as the payload
# (migration 0011's trigger): relays and live subscriptions LISTEN to it.
EVENTS_CHANNEL = "gongjian_events"
# The modules whose import registers consumers (each a domain's `consumers` module).
CONSUMER_MODULES: tuple[str, ...] = (
    "services.scoring.consumers",
    "services.notifications.consumers",
)


@dataclass(frozen=True)
class EventMessage:
    """An event as consumers receive it (a row of `events`)."""

    tenant_id: UUID
    id: int
    type: str
    scope_path: str | None
    payload: dict[str, Any]
    occurred_at: datetime


Handler = Callable[[AsyncSession, list[EventMessage]], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    name: str
    # Event types it takes: a full type (`wish.claimed`) or a prefix ending in a dot
    # (`service_record.`) for every type of a subject.
    types: tuple[str, ...]
    handle: Handler

    def wants(self, event_type: str) -> bool:
        return any(
            event_type.startswith(t) if t.endswith(".") else event_type == t for t in self.types
        )


_registry: dict[str, Consumer] = {}


def consumer(name: str, *, types: Iterable[str]) -> Callable[[Handler], Handler]:
    """Register `handle` as the consumer `name` of the events of `types`."""

    def register(handle: Handler) -> Handler:
        if name in _registry and _registry[name].handle is not handle:
            raise ValueError(f"consumer {name!r} is registered twice")
        _registry[name] = Consumer(name=name, types=tuple(types), handle=handle)
        return handle

    return register


def consumers() -> list[Consumer]:
    """Every registered consumer (the domains' consumer modules imported first)."""
    for module in CONSUMER_MODULES:
        importlib.import_module(module)
    return sorted(_registry.values(), key=lambda c: c.name)


def get_consumer(name: str) -> Consumer:
    for found in consumers():
        if found.name == name:
            return found
    raise KeyError(f"no consumer named {name!r}")


class ConsumedEvent(Base):
    """That a consumer has applied an event: the key of its idempotence."""

    __tablename__ = "consumed_events"

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    consumer: Mapped[str] = mapped_column(Text, primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    consumed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


_EVENTS = text("SELECT id, type, scope_path, payload, occurred_at FROM events WHERE id = ANY(:ids)")


# Marks the events of the batch that are in the log and not yet applied by the consumer.
_CLAIM = text(
    "INSERT INTO consumed_events (tenant_id, consumer, event_id) "
    "SELECT tenant_id, :consumer, id FROM events WHERE id = ANY(:ids) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


async def load_events(
    session: AsyncSession, tenant_id: UUID, event_ids: Sequence[int]
) -> list[EventMessage]:
    """The events of the bound county with these ids, in the order given."""
    rows = {row.id: row for row in await session.execute(_EVENTS, {"ids": list(event_ids)})}
    return [
        EventMessage(
            tenant_id=tenant_id,
            id=row.id,
            type=row.type,
            scope_path=row.scope_path,
            payload=dict(row.payload),
            occurred_at=row.occurred_at,
        )
        for row in (rows.get(event_id) for event_id in event_ids)
        if row is not None
    ]


async def consume(database: Database, name: str, tenant_id: UUID, event_ids: Sequence[int]) -> int:
    """Apply a county's events `event_ids` (in log order) with consumer `name`, each once,
    in one transaction: how many were applied now (those applied before, or not in the
    log, are left out)."""
    handler = get_consumer(name).handle
    unique = list(dict.fromkeys(event_ids))
    if not unique:
        return 0
    async with database.tenant_session(tenant_id) as session:
        claimed = set(await session.scalars(_CLAIM, {"consumer": name, "ids": unique}))
        if not claimed:
            return 0
        events = await load_events(session, tenant_id, [i for i in unique if i in claimed])
        if events:
            await handler(session, events)
        return len(events)
