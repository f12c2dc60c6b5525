"""A consumer applies each event once, whatever the redeliveries; a failure leaves nothing."""

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from infra import consumers
from infra.consumers import EventMessage, consume, consumer
from infra.db import Database
from services.events.service import record_event
from tests.conftest import MakeTenant

NAME = "test_tally"


@pytest.fixture
def tally() -> Iterator[list[int]]:
    """A consumer of `wish.` events noting each event it applies (and failing once on an
    event whose payload says so)."""
    seen: list[int] = []
    failed: list[int] = []

    @consumer(NAME, types=("wish.",))
    async def apply(session: AsyncSession, events: list[EventMessage]) -> None:
        for event in events:
            # An event that says so fails the first time it is applied.
            if event.payload.get("fail") and event.id not in failed:
                failed.append(event.id)
                raise RuntimeError("the consumer failed")
            seen.append(event.id)

    try:
        yield seen
    finally:
        consumers._registry.pop(NAME)


def test_a_consumer_takes_the_types_it_names() -> None:
    async def nothing(session: AsyncSession, events: list[EventMessage]) -> None:
        return None

    wanted = consumers.Consumer("c", ("service_record.", "wish.claimed"), handle=nothing)
    types = ("service_record.confirmed", "wish.claimed", "wish.posted", "service_records.x")
    assert [t for t in types if wanted.wants(t)] == [
        "service_record.confirmed",
        "wish.claimed",
    ]


async def test_an_event_delivered_again_is_applied_once(
    db: Database, make_tenant: MakeTenant, tally: list[int]
) -> None:
    tenant = await make_tenant()
    async with db.tenant_session(tenant.id) as session:
        event = await record_event(session, type="wish.claimed", payload={"wish_id": 1})
    first = await consume(db, NAME, tenant.id, [event.id])
    again = await consume(db, NAME, tenant.id, [event.id])
    assert (first, again, tally) == (1, 0, [event.id])
    # Two deliveries at once: one applies it, the other waits and finds it applied.
    async with db.tenant_session(tenant.id) as session:
        other = await record_event(session, type="wish.posted", payload={"wish_id": 2})
    both = await asyncio.gather(*(consume(db, NAME, tenant.id, [other.id]) for _ in range(2)))
    assert sorted(both) == [0, 1]
    assert tally == [event.id, other.id]


async def test_a_failed_consumer_leaves_no_mark_and_the_retry_applies_it(
    db: Database, make_tenant: MakeTenant, tally: list[int]
) -> None:
    tenant = await make_tenant()
    async with db.tenant_session(tenant.id) as session:
        event = await record_event(session, type="wish.claimed", payload={"fail": True})
    with pytest.raises(RuntimeError):
        await consume(db, NAME, tenant.id, [event.id])
    async with db.tenant_session(tenant.id) as session:
        marks = await session.scalar(text("SELECT count(*) FROM consumed_events"))
    assert (marks, tally) == (0, [])
    assert await consume(db, NAME, tenant.id, [event.id]) == 1
    assert tally == [event.id]


async def test_a_batch_is_applied_in_order_once_each_and_all_or_nothing(
    db: Database, make_tenant: MakeTenant, tally: list[int]
) -> None:
    tenant = await make_tenant()
    async with db.tenant_session(tenant.id) as session:
        ids = [
            (await record_event(session, type="wish.posted", payload={"n": n})).id for n in range(4)
        ]
    assert await consume(db, NAME, tenant.id, [ids[0]]) == 1
    # Applied before, repeated, missing from the log: each left out; the rest in order.
    assert await consume(db, NAME, tenant.id, [ids[2], ids[0], ids[1], ids[2], 10**12]) == 2
    assert tally == [ids[0], ids[2], ids[1]]
    async with db.tenant_session(tenant.id) as session:
        bad = await record_event(session, type="wish.claimed", payload={"fail": True})
    # One event failing rolls back the whole batch, the marks of the others with it: the
    # retry applies every one of it.
    with pytest.raises(RuntimeError):
        await consume(db, NAME, tenant.id, [ids[3], bad.id])
    async with db.tenant_session(tenant.id) as session:
        marks = await session.scalar(text("SELECT count(*) FROM consumed_events"))
    assert marks == 3  # the first three; none for what is not in the log
    assert await consume(db, NAME, tenant.id, [ids[3], bad.id]) == 2
    assert tally[-2:] == [ids[3], bad.id]
