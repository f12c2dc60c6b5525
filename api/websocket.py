"""Live connections (graphql-transport-ws): authentication in `connection_init`, the
limits per connection and per API key, and the context subscriptions read with.

The client's `connection_init` payload (documented in graphql/operations/
FollowEvents.graphql):

    {"authorization": "Bearer <access token or gjk_… API key>", "countyCode": "130123"}

A refused connection is closed with code 4403 and a zh-CN reason. The connection is
only for subscriptions: queries and mutations go over HTTP, where each has its own
transaction; a connection's context lives as long as the connection.
"""

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLSyntaxError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)

from api.context import Context
from infra.db import Database, libpq_url
from infra.errors import DomainError, InvalidInput
from infra.observability import report_exception
from policies.principal import Principal, PrincipalKind
from services.events.live import Tails, Wakeups
from services.events.log import require_reader

log = logging.getLogger(__name__)

AUTHORIZATION = "authorization"
COUNTY_CODE = "countyCode"
# graphql-transport-ws: 4403 Forbidden is how a server refuses `connection_init`.
REFUSED = 4403
INTERNAL = 4500
# A close frame's reason holds at most 123 bytes (RFC 6455): about 40 Chinese characters.
REASON_BYTES = 123
# How long an authenticated connection is trusted before its credentials are checked
# again (a revoked key, a signed-out session or an expired token then ends it).
RECHECK_SECONDS = 60.0
SUBSCRIPTIONS_OVER_WEBSOCKET = "订阅只能通过 WebSocket（graphql-transport-ws 协议）进行"


@dataclass(frozen=True)
class StreamLimits:
    # Subscriptions at once on one connection.
    subscriptions_per_connection: int = 10
    # Connections at once per partner API key, counted in each server process.
    connections_per_api_key: int = 4


class ConnectionRefused(Exception):
    def __init__(self, reason: str, code: int = REFUSED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def close_reason(text: str) -> str:
    """The reason cut to what a close frame holds, on a character boundary."""
    return text.encode()[:REASON_BYTES].decode(errors="ignore")


class EventStreams:
    """The process's live-event machinery: the database, the one LISTEN connection, the
    tenants' tails, the limits and the connections open per API key."""

    def __init__(self, database: Database, limits: StreamLimits | None = None) -> None:
        self.database = database
        self.limits = limits or StreamLimits()
        self.wakeups = Wakeups(libpq_url(database.url))
        self.tails = Tails(database, self.wakeups)
        self._per_key: Counter[UUID] = Counter()

    def admit(self, principal: Principal) -> Callable[[], None]:
        """Count a connection of an API key against its limit; the returned function
        gives the place back."""
        if principal.kind is not PrincipalKind.API_KEY:
            return lambda: None
        most = self.limits.connections_per_api_key
        if self._per_key[principal.id] >= most:
            raise ConnectionRefused(f"该接口密钥的并发连接已达上限（{most} 个），请先关闭其他连接")
        self._per_key[principal.id] += 1

        def release() -> None:
            self._per_key[principal.id] -= 1
            if self._per_key[principal.id] <= 0:
                del self._per_key[principal.id]

        return release

    async def stop(self) -> None:
        await self.tails.stop()
        await self.wakeups.stop()


@dataclass
class StreamContext(Context):
    """A WebSocket connection's context: who is connected and to which county, for as
    long as the connection lasts; every read opens a transaction of its own."""

    streams: EventStreams = field(kw_only=True)
    # Set by strawberry from the `connection_init` payload.
    connection_params: dict[str, object] | None = None
    tenant_id: UUID | None = None
    _release: Callable[[], None] | None = field(default=None, init=False)
    _checked_at: float = field(default=0.0, init=False)
    _recheck: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    def bearer_token(self) -> str | None:
        value = (self.connection_params or {}).get(AUTHORIZATION)
        if not isinstance(value, str):
            return None
        scheme, _, token = value.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    async def connect(self) -> None:
        """Authenticate `connection_init`: the caller, its county, and that it may read
        events somewhere there. Refusals raise ConnectionRefused."""
        params = self.connection_params or {}
        county = params.get(COUNTY_CODE)
        if not isinstance(county, str) or not county.strip():
            raise ConnectionRefused(f"connection_init 须给出 {COUNTY_CODE}（县（区）代码）")
        if self.bearer_token() is None:
            raise ConnectionRefused(
                f"请先登录：connection_init 的 {AUTHORIZATION} 应为 Bearer 令牌或接口密钥"
            )
        self.county_code = county.strip()
        principal = await self._authenticate(refusal=True)
        self._release = self.streams.admit(principal)

    async def authorize(self) -> Principal:
        """The connected principal, its credentials checked again once they are older
        than RECHECK_SECONDS (roles too: they are read anew)."""
        async with self._recheck:
            if time.monotonic() - self._checked_at < RECHECK_SECONDS and self._principal:
                return self._principal
            return await self._authenticate(refusal=False)

    async def _authenticate(self, *, refusal: bool) -> Principal:
        self._principal, self._tenant = None, None
        self.uow = self.streams.database.unit_of_work()
        succeeded = False
        try:
            principal = await self.principal()
            self.tenant_id = (await self.tenant()).id
            require_reader(await self.uow.session(), principal)
            succeeded = True
        except DomainError as error:
            if refusal:
                raise ConnectionRefused(error.message) from error
            raise
        finally:
            # Commits the key's last use, or the audit of a refusal.
            await self.uow.finish(commit=succeeded)
        self._checked_at = time.monotonic()
        return principal

    def close(self) -> None:
        if self._release is not None:
            self._release()
            self._release = None


def stream_context(context: object) -> StreamContext:
    """The connection's context, for a subscription (none is served over HTTP)."""
    if not isinstance(context, StreamContext):
        raise InvalidInput(SUBSCRIPTIONS_OVER_WEBSOCKET)
    return context


def is_subscription(query: str | None, operation_name: str | None) -> bool:
    # Most requests never name one: they are not parsed twice.
    if not query or "subscription" not in query:
        return False
    return _operation_type(query, operation_name) is OperationType.SUBSCRIPTION


def _operation_type(query: object, name: object) -> OperationType | None:
    if not isinstance(query, str):
        return None
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if name is None or (operation.name is not None and operation.name.value == name):
            return operation.operation
    return None


class EventStreamHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's protocol handler with the connection's authentication, its limits,
    and refusals told in zh-CN."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except ConnectionRefused as refused:
            await self.websocket.close(code=refused.code, reason=close_reason(refused.reason))
        except Exception as error:
            log.exception("a WebSocket connection could not be authenticated")
            report_exception(error)
            await self.websocket.close(code=INTERNAL, reason=close_reason("服务器内部错误"))

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and message["id"] not in self.operations:
            refusal = self._refusal(message)
            if refusal is not None:
                error = GraphQLError(refusal[1], extensions={"code": refusal[0]})
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [error.formatted]}
                )
                return
        await super().handle_subscribe(message)

    def _refusal(self, message: SubscribeMessage) -> tuple[str, str] | None:
        payload = message.get("payload") or {}
        kind = _operation_type(payload.get("query"), payload.get("operationName"))
        if kind is not None and kind is not OperationType.SUBSCRIPTION:
            return "INVALID_INPUT", "WebSocket 连接只用于订阅；查询和变更请用 HTTP POST /graphql"
        assert isinstance(self.context, StreamContext)
        most = self.context.streams.limits.subscriptions_per_connection
        if len(self.operations) >= most:
            return "LIMIT_EXCEEDED", f"每个连接最多同时进行 {most} 个订阅，请先结束其他订阅"
        return None

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            if isinstance(self.context, StreamContext):
                self.context.close()
