"""Consumers of the events log: what runs after a commit, once per (consumer, event).

A domain registers a consumer with `@consumer("scoring", types=("service_record.",))`:
an async function taking the tenant-bound session and the `EventMessage`. The relay
(infra/relay.py) hands each new event to the Dramatiq actor of every consumer whose
types match it; the actor calls `consume`, which records (consumer, event) in
`consumed_events` in the same transaction as the consumer's own writes. A message
delivered again finds the row and changes nothing; a consumer that fails rolls back both,
so the retry starts clean.

This module knows the domains only by name (`CONSUMER_MODULES`), as the migrations know
their models: imports flow from services to infra, never back.
"""

import importlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, ForeignKey, Text, func, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, Database

# Every committed event is announced on this channel, its tenant's id as the payload
# (migration 0011's trigger): relays and live subscriptions LISTEN to it.
EVENTS_CHANNEL = "gongjian_events"
# The modules whose import registers consumers (each a domain's `consumers` module).
CONSUMER_MODULES: tuple[str, ...] = ("services.scoring.consumers",)


@dataclass(frozen=True)
class EventMessage:
    """An event as consumers receive it (a row of `events`)."""

    tenant_id: UUID
    id: int
    type: str
    scope_path: str | None
    payload: dict[str, Any]
    occurred_at: datetime


Handler = Callable[[AsyncSession, EventMessage], Awaitable[None]]


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


_EVENT = text("SELECT id, type, scope_path, payload, occurred_at FROM events WHERE id = :id")


async def load_event(session: AsyncSession, tenant_id: UUID, event_id: int) -> EventMessage | None:
    row = (await session.execute(_EVENT, {"id": event_id})).first()
    if row is None:
        return None
    return EventMessage(
        tenant_id=tenant_id,
        id=row.id,
        type=row.type,
        scope_path=row.scope_path,
        payload=dict(row.payload),
        occurred_at=row.occurred_at,
    )


async def consume(database: Database, name: str, tenant_id: UUID, event_id: int) -> bool:
    """Apply event `event_id` of a tenant with consumer `name`, once: False when it was
    applied before (or the event is not there), True when applied now."""
    handler = get_consumer(name).handle
    async with database.tenant_session(tenant_id) as session:
        claimed = await session.scalar(
            insert(ConsumedEvent)
            .values(tenant_id=tenant_id, consumer=name, event_id=event_id)
            .on_conflict_do_nothing()
            .returning(ConsumedEvent.event_id)
        )
        if claimed is None:
            return False
        event = await load_event(session, tenant_id, event_id)
        if event is None:
            return False
        await handler(session, event)
        return True
