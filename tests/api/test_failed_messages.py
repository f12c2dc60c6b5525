"""Dead letters: a message that spends its retries is written to `failed_messages`, listed
to the county's admins and auditors (and to platform admins across counties), and sent
again by `retryFailedMessage`, once, in the audit log."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import UUID

import pytest
from dramatiq import Worker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from infra import consumers
from infra.actors import worker_database
from infra.broker import build_broker
from infra.consumers import EventMessage, consumer
from infra.db import Database
from infra.jobs import FailedMessage
from infra.relay import Relay
from infra.settings import Settings
from services.events.service import record_event
from tenants.hierarchy.models import NodeKind
from tests.api.graphql_client import bearer, global_id, token_for
from tests.conftest import ClonedDatabase, GraphQLCall, MakeTenant
from tests.factories import add_node, add_platform_admin, add_user, root_of

NAME = "dead_letter_test"
ACTOR = f"consume_{NAME}"
FAILED = """
query($first: Int, $after: String) {
  failedMessages(first: $first, after: $after) {
    edges { node { id countyCode actor eventId arguments error attempts retriedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
RETRY = """
mutation($id: ID!) {
  retryFailedMessage(id: $id) {
    __typename
    ... on RetryFailedMessageSuccess { failedMessage { id attempts retriedAt } }
    ... on MutationError { code message field }
  }
}
"""
AUDIT = """{ auditLog(action: "failed_message.retried") {
  edges { node { actorName objectType detail } } } }"""


class Flaky:
    """Whether the test consumer fails (it does until told otherwise)."""

    failing = True


@pytest.fixture
async def worker(
    test_database: ClonedDatabase, settings: Settings
) -> AsyncIterator[tuple[Relay, Database]]:
    """The in-process broker and worker (as `gongjian up` runs them without a broker),
    with a consumer that fails until told otherwise, retried once, 10 ms apart."""

    @consumer(NAME, types=("dead_letter_test.",))
    async def apply(session: AsyncSession, events: list[EventMessage]) -> None:
        if Flaky.failing or any(event.payload.get("poison") for event in events):
            raise RuntimeError("积分服务暂时不可用")

    Flaky.failing = True
    quick = settings.model_copy(
        update={"worker_max_retries": 1, "worker_min_backoff_ms": 10, "worker_max_backoff_ms": 20}
    )
    broker = build_broker(quick)
    app_url = test_database.app_url.render_as_string(hide_password=False)
    worker_database.configure(app_url, pool_size=2)
    running = Worker(broker, worker_threads=2, worker_timeout=100)
    running.start()
    database = Database(test_database.app_url, pool_size=1, max_overflow=0)
    try:
        yield Relay(database, broker), database
    finally:
        await asyncio.to_thread(running.stop, 10_000)
        await database.dispose()
        consumers._registry.pop(NAME)


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 60.0) -> None:
    """Poll until `check` holds; generous, as events wait on any older transaction."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.02)


async def count(db: Database, tenant_id: UUID, query: str) -> int:
    async with db.tenant_session(tenant_id) as session:
        return int(await session.scalar(text(query)) or 0)


async def relay(relayer: Relay) -> None:
    async def relayed() -> bool:
        return await relayer.relay_all() > 0

    await until(relayed)


def body_of(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body
    [result] = body["data"].values()
    return result


async def test_a_spent_message_is_listed_to_the_county_admin_and_sent_again_once(
    db: Database,
    settings: Settings,
    make_tenant: MakeTenant,
    graphql: GraphQLCall,
    worker: tuple[Relay, Database],
) -> None:
    relayer, _ = worker
    tenant = await make_tenant(county_code="130123", name="正定县")
    root = await root_of(db, tenant.id)
    await add_user(db, settings, tenant.id, "admin", node=root, roles=[("county_admin", root)])
    async with db.tenant_session(tenant.id) as session:
        event = await record_event(session, type="dead_letter_test.happened")
    await relay(relayer)
    failed_rows = "SELECT count(*) FROM failed_messages"
    await until(lambda: _one(db, tenant.id))

    admin = bearer(await token_for(graphql, "admin", county="130123"))
    listed = body_of(await graphql(FAILED, county="130123", headers=admin))
    [node] = [edge["node"] for edge in listed["edges"]]
    failed_id = node.pop("id")
    assert node == {
        "countyCode": "130123",
        "actor": ACTOR,
        "eventId": event.id,
        "arguments": [str(tenant.id), [event.id]],
        "error": "RuntimeError: 积分服务暂时不可用",
        "attempts": 2,
        "retriedAt": None,
    }
    assert listed["pageInfo"]["hasNextPage"] is False

    Flaky.failing = False
    retried = body_of(await graphql(RETRY, {"id": failed_id}, county="130123", headers=admin))
    assert retried["__typename"] == "RetryFailedMessageSuccess"
    assert retried["failedMessage"]["retriedAt"] is not None
    applied = f"SELECT count(*) FROM consumed_events WHERE consumer = '{NAME}'"

    async def consumed() -> bool:
        return await count(db, tenant.id, applied) == 1

    await until(consumed)
    again = body_of(await graphql(RETRY, {"id": failed_id}, county="130123", headers=admin))
    assert again["__typename"] == "MutationError"
    assert (again["code"], again["field"]) == ("FAILED_MESSAGE_ALREADY_RETRIED", "id")
    assert again["message"].startswith("该消息已于 ")
    assert again["message"].endswith(" 重新投递；如再次失败，会另有一条失败记录")
    audit = body_of(await graphql(AUDIT, county="130123", headers=admin))
    [entry] = [edge["node"] for edge in audit["edges"]]
    assert (entry["actorName"], entry["objectType"], entry["detail"]["actor"]) == (
        "admin同志",
        "failed_message",
        ACTOR,
    )
    assert (await count(db, tenant.id, failed_rows), await count(db, tenant.id, applied)) == (1, 1)


async def test_one_event_a_consumer_cannot_apply_holds_back_none_of_its_batch(
    db: Database, make_tenant: MakeTenant, worker: tuple[Relay, Database]
) -> None:
    relayer, _ = worker
    Flaky.failing = False
    tenant = await make_tenant()
    async with db.tenant_session(tenant.id) as session:
        ids = [
            (await record_event(session, type="dead_letter_test.happened", payload=p)).id
            for p in ({}, {"poison": True}, {})
        ]
    # The three go in one message; it fails and comes back as a message per event.
    await relay(relayer)
    applied = f"SELECT count(*) FROM consumed_events WHERE consumer = '{NAME}'"

    async def settled() -> bool:
        return await count(db, tenant.id, applied) == 2 and await _one(db, tenant.id)

    await until(settled)
    async with db.tenant_session(tenant.id) as session:
        dead = (await session.execute(text("SELECT event_id, args FROM failed_messages"))).one()
    assert (dead.event_id, dead.args) == (ids[1], [str(tenant.id), [ids[1]]])


async def _one(db: Database, tenant_id: UUID) -> bool:
    return await count(db, tenant_id, "SELECT count(*) FROM failed_messages") == 1


async def _dead_letter(db: Database, tenant_id: UUID, event_id: int) -> FailedMessage:
    async with db.tenant_session(tenant_id) as session:
        failed = FailedMessage(
            tenant_id=tenant_id,
            actor=ACTOR,
            queue_name=ACTOR,
            event_id=event_id,
            message_id=f"m{event_id}",
            args=[str(tenant_id), [event_id]],
            error="RuntimeError: boom",
            attempts=6,
        )
        session.add(failed)
    return failed


async def test_who_may_read_and_retry_dead_letters(
    db: Database,
    settings: Settings,
    make_tenant: MakeTenant,
    graphql: GraphQLCall,
    worker: tuple[Relay, Database],
) -> None:
    first = await make_tenant(county_code="130123", name="正定县")
    second = await make_tenant(county_code="130124", name="深泽县")
    root = await root_of(db, first.id)
    township = await add_node(db, root, NodeKind.TOWNSHIP, "城区街道")
    await add_user(db, settings, first.id, "audit", node=root, roles=[("auditor", root)])
    await add_user(
        db, settings, first.id, "town", node=township, roles=[("township_admin", township)]
    )
    other_root = await root_of(db, second.id)
    await add_user(
        db, settings, second.id, "other", node=other_root, roles=[("county_admin", other_root)]
    )
    await add_platform_admin(db, settings, "ops")
    mine = await _dead_letter(db, first.id, 1)
    theirs = await _dead_letter(db, second.id, 2)
    mine_id = global_id("FailedMessage", f"{first.id}.{mine.id}")

    auditor = bearer(await token_for(graphql, "audit", county="130123"))
    listed = body_of(await graphql(FAILED, county="130123", headers=auditor))
    assert [e["node"]["id"] for e in listed["edges"]] == [mine_id]
    refused = body_of(await graphql(RETRY, {"id": mine_id}, county="130123", headers=auditor))
    assert (refused["code"], refused["message"]) == (
        "FORBIDDEN",
        "您没有在此范围内进行该操作的权限",
    )

    town = bearer(await token_for(graphql, "town", county="130123"))
    body = await graphql(FAILED, county="130123", headers=town)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]

    other = bearer(await token_for(graphql, "other", county="130124"))
    elsewhere = body_of(await graphql(RETRY, {"id": mine_id}, county="130124", headers=other))
    assert (elsewhere["code"], elsewhere["message"], elsewhere["field"]) == (
        "FAILED_MESSAGE_NOT_FOUND",
        "未找到该失败消息",
        "id",
    )
    malformed = global_id("FailedMessage", "not-a-county.1")
    bad = body_of(await graphql(RETRY, {"id": malformed}, county="130124", headers=other))
    assert (bad["code"], bad["message"]) == ("FAILED_MESSAGE_NOT_FOUND", "编号无效")

    # A platform admin without X-County-Code sees every county's, newest first, a page at
    # a time, and retries any of them.
    ops = bearer(await token_for(graphql, "ops", county=None))
    page_one = body_of(await graphql(FAILED, {"first": 1}, headers=ops))
    page_two = body_of(
        await graphql(FAILED, {"first": 1, "after": page_one["pageInfo"]["endCursor"]}, headers=ops)
    )
    seen = [e["node"]["countyCode"] for e in page_one["edges"] + page_two["edges"]]
    assert (seen, page_one["pageInfo"]["hasNextPage"], page_two["pageInfo"]["hasNextPage"]) == (
        ["130124", "130123"],
        True,
        False,
    )
    theirs_id = global_id("FailedMessage", f"{second.id}.{theirs.id}")
    sent = body_of(await graphql(RETRY, {"id": theirs_id}, headers=ops))
    assert sent["__typename"] == "RetryFailedMessageSuccess"
    bad_cursor = await graphql(FAILED, {"after": "bm90LWEtY3Vyc29y"}, headers=ops)
    assert bad_cursor["errors"][0]["message"] == "分页游标 after 无效"  # type: ignore[index]


async def test_a_retry_the_broker_refuses_writes_nothing(
    db: Database,
    settings: Settings,
    make_tenant: MakeTenant,
    graphql: GraphQLCall,
    worker: tuple[Relay, Database],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    root = await root_of(db, tenant.id)
    await add_user(db, settings, tenant.id, "admin", node=root, roles=[("county_admin", root)])
    failed = await _dead_letter(db, tenant.id, 1)
    relayer, _ = worker

    def refuse(message: object, *, delay: int | None = None) -> None:
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(relayer.broker, "enqueue", refuse)
    admin = bearer(await token_for(graphql, "admin", county="130123"))
    failed_id = global_id("FailedMessage", f"{tenant.id}.{failed.id}")
    refused = body_of(await graphql(RETRY, {"id": failed_id}, county="130123", headers=admin))
    assert (refused["code"], refused["message"], refused["field"]) == (
        "BROKER_UNAVAILABLE",
        "消息队列暂时不可用，请稍后再试",
        None,
    )
    marked = "SELECT count(*) FROM failed_messages WHERE retried_at IS NOT NULL"
    audited = "SELECT count(*) FROM audit_log WHERE action = 'failed_message.retried'"
    assert (await count(db, tenant.id, marked), await count(db, tenant.id, audited)) == (0, 0)
