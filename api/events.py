"""The events log for partners: a query and a live subscription with the same filters and
an opaque cursor."""

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.errors import present
from api.hierarchy import NODE
from api.ids import int_id
from api.types.events import EventType
from api.websocket import StreamContext, stream_context
from policies.principal import Principal
from services.events import live
from services.events.log import START, EventFilter, Position, event_types, read, require_reader
from tenants.hierarchy.service import get_node, ref

TYPES = "事件类型：完整类型（如 wish.claimed）或以点结尾的前缀（如 wish.），不给则为全部类型"
WITHIN = "只看该节点及其以下的事件（须与您的范围相交）"
AFTER = "从该游标（事件的 cursor）之后开始；不给则从日志开头"
Types = Annotated[list[str] | None, strawberry.argument(description=TYPES)]
Within = Annotated[relay.GlobalID | None, strawberry.argument(description=WITHIN)]
After = Annotated[str | None, strawberry.argument(description=AFTER)]


async def _filter(
    session: AsyncSession,
    principal: Principal,
    types: list[str] | None,
    within: relay.GlobalID | None,
    after: str | None,
) -> tuple[EventFilter, Position]:
    """The arguments checked: the filter and where to start (refused when the caller may
    read no events there)."""
    chosen = event_types(types)
    start = START if after is None else Position.from_cursor(after)
    node = None
    if within is not None:
        node = ref(await get_node(session, int_id(within, NODE, "within")))
    require_reader(session, principal, node)
    return EventFilter(types=chosen, within=node[1] if node else None), start


@strawberry.type
class EventQuery:
    @strawberry.field(
        description="事件日志，按日志顺序（合作系统、县（区）和乡镇（街道）管理员、审计员）："
        "只含您范围内的事件；与订阅 events 的筛选和游标相同"
    )
    async def events(
        self,
        info: Info[Context, None],
        types: Types = None,
        within: Within = None,
        after: After = None,
        first: int = 20,
    ) -> relay.Connection[EventType]:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        where, start = await _filter(session, principal, types, within, after)
        page = await read(session, principal, where, start, first)
        nodes = [EventType.from_event(event) for event in page.events]
        edges = [relay.Edge(node=node, cursor=node.cursor) for node in nodes]
        return relay.Connection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=False,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


@strawberry.type(description="订阅（仅 graphql-transport-ws 协议）")
class Subscription:
    @strawberry.subscription(
        description="跟随事件日志：先补发游标之后的事件，再实时推送新事件，不漏不重；"
        "断线后以最后收到的 cursor 重新订阅即可续上"
    )
    async def events(
        self,
        info: Info[Context, None],
        types: Types = None,
        within: Within = None,
        after: After = None,
    ) -> AsyncGenerator[EventType, None]:
        # Checked before the stream starts: over HTTP the operation's own error
        # presentation tells it.
        context = stream_context(info.context)
        try:
            principal = await context.authorize()
            assert context.tenant_id is not None
            async with context.streams.database.tenant_session(context.tenant_id) as session:
                where, start = await _filter(session, principal, types, within, after)
        except Exception as error:
            raise presented(error) from error
        return _follow(context, where, start)


def presented(error: Exception) -> GraphQLError:
    """Errors of a stream bypass the operation's error presentation: domain errors get
    their code here, and the rest is masked (and reported)."""
    return present(GraphQLError(str(error), original_error=error))


async def _follow(
    context: StreamContext, where: EventFilter, start: Position
) -> AsyncGenerator[EventType, None]:
    assert context.tenant_id is not None
    following = live.follow(
        context.streams.tails, context.tenant_id, where, start, authorize=context.authorize
    )
    try:
        async with aclosing(following) as events:
            async for event in events:
                yield EventType.from_event(event)
    except Exception as error:
        raise presented(error) from error
