"""Partners follow the events log live over graphql-transport-ws, with `gql` (its
websockets transport) against the real app served by uvicorn on loopback: the replay,
then live events written by other users' mutations; a disconnect and a resume from the
last cursor with nothing missed and nothing twice; scope and type filters; refusals;
limits."""

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
import uvicorn
import websockets
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import text

from api import websocket
from api.app import create_app
from infra.db import Database, libpq_url
from infra.settings import Settings
from policies.principal import Principal, PrincipalKind
from services.events import live
from services.events.log import EventFilter
from services.events.service import record_event
from services.identity.credentials import INVALID_TOKEN_MESSAGE
from tests.api.test_activities import COUNTY, County, county, nid
from tests.conftest import ClonedDatabase

__all__ = ["county"]  # the fixture, from test_activities.py

FOLLOW = """subscription($types: [String!], $within: ID, $after: String) {
  events(types: $types, within: $within, after: $after) {
    id cursor type version occurredAt nodeId nodePath payload } }"""
LOG = """query($types: [String!], $within: ID, $after: String, $first: Int) {
  events(types: $types, within: $within, after: $after, first: $first) {
    edges { cursor node { cursor type payload } } pageInfo { hasNextPage endCursor } } }"""
KEY = """mutation($n: ID!, $name: String!) { createApiKey(name: $name, nodeId: $n) {
  ... on ApiKeyCreated { key apiKey { id } } } }"""
REVOKE = """mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }"""
SECONDS = 10.0


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait, within a deadline, until `check` holds: state outside this process (the
    database, a server task) that no event announces."""
    async with asyncio.timeout(SECONDS):
        while not await check():  # noqa: ASYNC110 - polls state nothing announces
            await asyncio.sleep(0.02)


@asynccontextmanager
async def serving(settings: Settings, test_database: ClonedDatabase) -> AsyncIterator[str]:
    """The app under uvicorn on a free loopback port, in this event loop: its WebSocket URL."""
    database = Database(test_database.app_url, pool_size=8, max_overflow=0)
    app = create_app(settings, database)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_config=None))
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    task = asyncio.create_task(server.serve(sockets=[listening]))
    try:

        async def started() -> bool:
            return bool(server.started)

        await eventually(started)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task
        listening.close()


def credentials(authorization: str) -> dict[str, str]:
    return {"authorization": authorization, "countyCode": COUNTY}


def transport(url: str, init: dict[str, Any]) -> WebsocketsTransport:
    return WebsocketsTransport(
        url=url,
        init_payload=init,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )


@dataclass
class Subscriber:
    """A gql client following the log in a task of its own; what it receives queues up."""

    url: str
    init: dict[str, Any]
    variables: dict[str, Any] = field(default_factory=dict)
    received: asyncio.Queue[dict[str, Any] | Exception] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        try:
            async with Client(transport=transport(self.url, self.init)) as session:
                request = GraphQLRequest(FOLLOW, variable_values=self.variables)
                async for result in session.subscribe(request):
                    await self.received.put(result["events"])
        except Exception as error:  # noqa: BLE001 - the test reads what ended it
            await self.received.put(error)

    def start(self) -> "Subscriber":
        self._task = asyncio.create_task(self._run())
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def take(self, count: int) -> list[dict[str, Any]]:
        """The next `count` events, within a deadline."""
        events: list[dict[str, Any]] = []
        async with asyncio.timeout(SECONDS):
            while len(events) < count:
                item = await self.received.get()
                if isinstance(item, Exception):
                    raise item
                events.append(item)
        return events

    async def failure(self) -> Exception:
        async with asyncio.timeout(SECONDS):
            item = await self.received.get()
        assert isinstance(item, Exception), item
        return item


async def partner_key(county: County, node_name: str = "root") -> dict[str, str]:
    """The connection_init payload of a new partner key at the node (and its id)."""
    node = getattr(county, node_name)
    made = await county.call("admin", KEY, n=nid(node), name=f"合作系统-{node_name}")
    return {**credentials(f"Bearer {made['key']}"), "id": made["apiKey"]["id"]}


async def settled(county: County) -> None:
    """Wait until every committed event is final. Any transaction of the server still
    running (in any database: tests of other processes too) holds the log back."""
    final = """SELECT coalesce(max(transaction_id) < pg_snapshot_xmin(pg_current_snapshot()),
        true) FROM events"""

    async def all_final() -> bool:
        return bool((await county.sql(final))[0][0])

    await eventually(all_final)


async def log_of(county: County, who: str, **variables: Any) -> list[dict[str, Any]]:
    """The whole log as `who` reads it with the query, page by page, once it is final."""
    await settled(county)
    events: list[dict[str, Any]] = []
    after = None
    while True:
        page = await county.call(who, LOG, first=100, after=after, **variables)
        events += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return events
        after = page["pageInfo"]["endCursor"]


async def publish(county: County, who: str = "east", node: str = "east") -> str:
    """An activity drafted and published by `who` (two events)."""
    made = await county.published(who, getattr(county, node))
    return str(made["id"])


async def refusal(url: str, init: object) -> tuple[int, str]:
    """The close code and reason the server answers `connection_init` with."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(SECONDS):
                await ws.recv()
        assert ws.close_code is not None
        return ws.close_code, ws.close_reason or ""


def cursors(events: list[dict[str, Any]]) -> list[str]:
    return [event["cursor"] for event in events]


async def test_a_partner_follows_the_log_live_and_resumes_after_a_disconnect(
    county: County, settings: Settings, test_database: ClonedDatabase
) -> None:
    key = await partner_key(county)
    activities = [await publish(county) for _ in range(3)]
    async with serving(settings, test_database) as url:
        follower = Subscriber(url, key).start()
        # The log so far, then what other users do from now on, as it commits.
        replay = await follower.take(6)
        assert [e["type"] for e in replay] == ["activity.created", "activity.published"] * 3
        await county.sign_up("zhang", activities[0])
        await publish(county, "west", "west")
        live = await follower.take(3)
        assert [e["type"] for e in live] == [
            "activity_signup.signed_up",
            "activity.created",
            "activity.published",
        ]
        assert live[0]["payload"]["activity_id"] == replay[0]["payload"]["activity_id"]
        assert {e["version"] for e in replay + live} == {1}
        last = live[-1]["cursor"]
        await follower.stop()

        # Gone for a while: others carry on.
        await county.sign_up("li", activities[1])
        await county.sign_up("zhou", activities[1])
        missed = 2
        resumed = Subscriber(url, key, {"after": last}).start()
        caught_up = await resumed.take(missed)
        assert [e["type"] for e in caught_up] == ["activity_signup.signed_up"] * 2

        # A transaction that started first and commits last: its event is delivered
        # first, and the ones committed meanwhile wait for it instead of passing it by.
        late_writer = Database(test_database.app_url, pool_size=1, max_overflow=0)
        try:
            async with late_writer.tenant_session(county.root.tenant_id) as session:
                await session.execute(text("SELECT pg_current_xact_id()"))
                await publish(county)
                await record_event(
                    session, type="test.late_commit", payload={}, scope_path=county.east.path
                )
        finally:
            await late_writer.dispose()
        after_late = await resumed.take(3)
        assert [e["type"] for e in after_late] == [
            "test.late_commit",
            "activity.created",
            "activity.published",
        ]
        await resumed.stop()

    # Everything, once, in the log's order: as the query reads it.
    followed = replay + live + caught_up + after_late
    assert cursors(followed) == cursors(await log_of(county, "admin"))


def of_user(county: County, who: str) -> dict[str, str]:
    return credentials(county.tokens[who]["Authorization"])


async def test_a_township_admin_follows_its_subtree_and_the_types_it_asks_for(
    county: County, settings: Settings, test_database: ClonedDatabase
) -> None:
    street = of_user(county, "street")
    async with serving(settings, test_database) as url:
        everything = Subscriber(url, street).start()
        signups = Subscriber(url, street, {"types": ["activity_signup."]}).start()
        published_in_west = Subscriber(
            url, street, {"types": ["activity.published"], "within": nid(county.west)}
        ).start()
        # 南关街道 is another street's: none of it reaches 城关街道's admin.
        await publish(county, "admin", "south")
        east = await publish(county, "east", "east")
        await county.sign_up("zhang", east)
        await publish(county, "west", "west")

        seen = await everything.take(5)
        assert [e["type"] for e in seen] == [
            "activity.created",
            "activity.published",
            "activity_signup.signed_up",
            "activity.created",
            "activity.published",
        ]
        south = nid(county.south)
        assert all(south not in e["nodePath"] for e in seen)
        assert [e["type"] for e in await signups.take(1)] == ["activity_signup.signed_up"]
        [west_published] = await published_in_west.take(1)
        assert west_published["nodeId"] == nid(county.west)
        assert west_published["nodePath"] == [
            nid(county.root),
            nid(county.street),
            nid(county.west),
        ]

        # What comes next for each is the next event it asked for: nothing else came
        # in between.
        await county.sign_up("li", east)
        await publish(county, "west", "west")
        assert [e["type"] for e in await signups.take(1)] == ["activity_signup.signed_up"]
        assert (await published_in_west.take(1))[0]["payload"]["status"] == "published"
        assert len(await everything.take(3)) == 3
        for follower in (everything, signups, published_in_west):
            await follower.stop()
    # The query reads the same subtree.
    assert cursors(seen) == cursors(await log_of(county, "street"))[:5]


async def test_connections_without_credentials_or_the_right_to_read_events_are_refused(
    county: County, settings: Settings, test_database: ClonedDatabase
) -> None:
    async with serving(settings, test_database) as url:
        refusals = {
            "nothing": ({}, "connection_init 须给出 countyCode（县（区）代码）"),
            "no credentials": (
                {"countyCode": COUNTY},
                "请先登录：connection_init 的 authorization 应为 Bearer 令牌或接口密钥",
            ),
            "not bearer": (
                credentials("Basic abc"),
                "请先登录：connection_init 的 authorization 应为 Bearer 令牌或接口密钥",
            ),
            "forged key": (
                credentials("Bearer gjk_00000000000000000000000000000000_secret"),
                INVALID_TOKEN_MESSAGE,
            ),
            "forged token": (credentials("Bearer abc.def.ghi"), INVALID_TOKEN_MESSAGE),
            "unknown county": (
                {**of_user(county, "admin"), "countyCode": "999999"},
                "未找到县（区）代码为 999999 的县（区）",
            ),
            "a member": (of_user(county, "zhang"), "您没有在此范围内进行该操作的权限"),
            "a community admin": (of_user(county, "east"), "您没有在此范围内进行该操作的权限"),
        }
        answers = {case: await refusal(url, init) for case, (init, _) in refusals.items()}
        assert answers == {case: (4403, reason) for case, (_, reason) in refusals.items()}

        # gql sees the refusal as a failed connection.
        follower = Subscriber(url, of_user(county, "zhang")).start()
        assert "4403" in repr((await follower.failure()).__cause__)

        # A subscription's own arguments are checked like the query's.
        street = of_user(county, "street")
        failures: dict[str, tuple[dict[str, Any], str, str]] = {
            "after": ({"after": "not-a-cursor"}, "INVALID_INPUT", "游标 after 无效"),
            "types": ({"types": ["Activity"]}, "INVALID_INPUT", "事件类型 'Activity' 无效"),
            "within": ({"within": nid(county.south)}, "FORBIDDEN", "您没有在此范围内"),
        }
        for case, (variables, code, message) in failures.items():
            failed = await Subscriber(url, street, variables).start().failure()
            assert isinstance(failed, TransportQueryError), case
            [error] = failed.errors or []
            assert error["extensions"]["code"] == code, case
            assert error["message"].startswith(message), case

        # Over the connection, subscriptions only.
        async with Client(transport=transport(url, street)) as session:
            with pytest.raises(TransportQueryError) as refused:
                await session.execute(GraphQLRequest("{ tenant { name } }"))
        assert refused.value.errors == [
            {
                "message": "WebSocket 连接只用于订阅；查询和变更请用 HTTP POST /graphql",
                "extensions": {"code": "INVALID_INPUT"},
            }
        ]

        # And over HTTP, no subscription.
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                url.replace("ws:", "http:"),
                json={"query": FOLLOW},
                headers={**county.tokens["street"], "X-County-Code": COUNTY},
            )
        assert (answer.status_code, answer.text) == (
            400,
            "订阅只能通过 WebSocket（graphql-transport-ws 协议）进行",
        )


async def test_connections_per_key_and_subscriptions_per_connection_are_limited(
    county: County, settings: Settings, test_database: ClonedDatabase
) -> None:
    key = await partner_key(county)
    async with serving(settings, test_database) as url, contextlib.AsyncExitStack() as stack:
        sessions = [
            await stack.enter_async_context(Client(transport=transport(url, key))) for _ in range(4)
        ]
        assert len(sessions) == 4
        reason = "该接口密钥的并发连接已达上限（4 个），请先关闭其他连接"
        assert await refusal(url, key) == (4403, reason)
        # Another key, or a user, is not counted against this key.
        assert await subscribed_within_limits(url, await partner_key(county, "street"))
        await stack.aclose()
        # Places given back when connections end.
        assert await subscribed_within_limits(url, key)


async def subscribed_within_limits(url: str, init: dict[str, str]) -> bool:
    """Ten subscriptions at once on one connection are served; an eleventh is refused."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        for n in range(11):
            message = {"id": str(n), "type": "subscribe", "payload": {"query": FOLLOW}}
            await ws.send(json.dumps(message))
        async with asyncio.timeout(SECONDS):
            answer = json.loads(await ws.recv())
    assert answer == {
        "id": "10",
        "type": "error",
        "payload": [
            {
                "message": "每个连接最多同时进行 10 个订阅，请先结束其他订阅",
                "extensions": {"code": "LIMIT_EXCEEDED"},
            }
        ],
    }
    return True


async def test_a_revoked_key_ends_its_subscription(
    county: County,
    settings: Settings,
    test_database: ClonedDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Credentials checked again before every read, not once a minute.
    monkeypatch.setattr(websocket, "RECHECK_SECONDS", 0.0)
    key = await partner_key(county)
    async with serving(settings, test_database) as url:
        follower = Subscriber(url, key).start()
        await publish(county)
        assert len(await follower.take(2)) == 2
        await county.call("admin", REVOKE, id=key["id"])
        await publish(county)
        ended = await follower.failure()
        assert isinstance(ended, TransportQueryError)
        assert ended.errors == [
            {"message": "该接口密钥已吊销", "extensions": {"code": "UNAUTHENTICATED"}}
        ]


async def test_followers_carry_on_when_the_listening_connection_drops(
    county: County, settings: Settings, test_database: ClonedDatabase
) -> None:
    key = await partner_key(county)
    listeners = f"""SELECT pid FROM pg_stat_activity
        WHERE datname = '{test_database.name}' AND query LIKE 'LISTEN%gongjian_events%'"""
    admin = await asyncpg.connect(libpq_url(test_database.admin_url))
    try:
        async with serving(settings, test_database) as url:
            follower = Subscriber(url, key).start()
            await publish(county)
            assert len(await follower.take(2)) == 2
            [dropped] = [row["pid"] for row in await admin.fetch(listeners)]
            await admin.execute("SELECT pg_terminate_backend($1)", dropped)
            # Events committed while nobody listens still arrive (polled, then read
            # again once the listener is back), once each, in order.
            await publish(county)
            await publish(county, "west", "west")
            assert [e["type"] for e in await follower.take(4)] == [
                "activity.created",
                "activity.published",
            ] * 2

            async def listening_again() -> bool:
                return [row["pid"] for row in await admin.fetch(listeners)] not in ([], [dropped])

            await eventually(listening_again)
            await publish(county)
            assert len(await follower.take(2)) == 2
            await follower.stop()
    finally:
        await admin.close()


async def test_a_follower_that_falls_behind_reads_the_log_again(
    county: County, test_database: ClonedDatabase
) -> None:
    tenant_id = county.root.tenant_id
    database = Database(test_database.app_url, pool_size=3, max_overflow=0)
    wakeups = live.Wakeups(libpq_url(database.url))
    tails = live.Tails(database, wakeups, live.Pace(backlog=3))
    reader = Principal(
        kind=PrincipalKind.PLATFORM_ADMIN, id=uuid4(), tenant_id=tenant_id, name="平台"
    )

    async def authorize() -> Principal:
        return reader

    async def write(n: int) -> None:
        async with database.tenant_session(tenant_id) as session:
            await record_event(session, type="test.n", payload={"n": n}, scope_path=None)

    following = live.follow(tails, tenant_id, EventFilter(), authorize=authorize)
    try:
        async with asyncio.timeout(SECONDS * 3), aclosing(following) as events:
            # Live: waiting on the tail for the next event.
            first = asyncio.ensure_future(anext(events))
            await eventually(lambda: _async(tenant_id in tails._tails))
            for n in range(10):
                await write(n)
            # It takes one and then stops reading while the rest arrive: the tail gives
            # up on it after three waiting.
            assert (await first).payload == {"n": 0}
            tail = tails._tails[tenant_id]
            await eventually(lambda: _async(not tail.followers))
            rest = [(await anext(events)).payload["n"] for _ in range(9)]
            assert rest == list(range(1, 10))
            # And on, live again.
            await write(10)
            assert (await anext(events)).payload == {"n": 10}
    finally:
        await tails.stop()
        await wakeups.stop()
        await database.dispose()


async def _async(value: bool) -> bool:
    return value
