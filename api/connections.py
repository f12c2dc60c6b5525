"""Relay connections over keyset pages: opaque cursors holding the row's order key."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from strawberry import relay

from infra.errors import InvalidInput
from infra.pagination import Page, PageOf

Row = TypeVar("Row")
NodeType = TypeVar("NodeType", bound=relay.Node)


def page(first: int, after: str | None) -> Page:
    return Page(first=first, after=None if after is None else decode_cursor(after))


def encode_cursor(key: Sequence[Any]) -> str:
    raw = json.dumps([str(v) if not isinstance(v, int | str) else v for v in key])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("分页游标 after 无效", field="after") from error
    if not isinstance(key, list):
        raise InvalidInput("分页游标 after 无效", field="after")
    return tuple(key)


def connection(
    result: PageOf[Row],
    to_node: Callable[[Row], NodeType],
    key: Callable[[Row], Sequence[Any]],
) -> relay.Connection[NodeType]:
    edges = [relay.Edge(node=to_node(row), cursor=encode_cursor(key(row))) for row in result.rows]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=result.has_next,
            has_previous_page=False,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
