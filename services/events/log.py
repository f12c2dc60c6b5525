"""Reading the events log as partners and admins do: filtered by type and subtree,
limited to the reader's scope, in log order, from an opaque cursor.

The log's order is the position (transaction_id, id), not the id alone: ids are drawn
when an event is written, so a transaction that draws id 7 and commits after the one
that drew id 8 would be skipped by a reader that had already passed 8. A reader takes
only events whose transaction is older than every transaction still running
(`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`): those are all committed
(or gone), and no event can ever appear before them, so everything up to that horizon is
final and a reader that moves past it never misses one.
"""

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, cast, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Text

from infra.db import Xid8
from infra.errors import InvalidInput
from infra.pagination import MAX_PAGE_SIZE
from policies import access
from policies.paths import SEPARATOR, in_subtree, is_within
from policies.principal import Principal
from services.events.models import Event
from services.events.service import EVENT_TYPE

RESOURCE = "event"
# A prefix takes every type of a subject: `wish.` (or a deeper one: `whistle_call.`).
TYPE_PREFIX = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.$")
MAX_TYPES = 50
BAD_CURSOR = "游标 after 无效：请原样传回事件的 cursor（或分页的 endCursor）"


@dataclass(frozen=True, order=True)
class Position:
    """Where an event sits in the log; a reader continues after one."""

    transaction_id: int
    id: int

    @property
    def cursor(self) -> str:
        raw = json.dumps([self.transaction_id, self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode()

    @classmethod
    def of(cls, event: Event) -> "Position":
        return cls(event.transaction_id, event.id)

    @classmethod
    def from_cursor(cls, cursor: str, *, field: str = "after") -> "Position":
        try:
            key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        except (binascii.Error, ValueError, UnicodeError) as error:
            raise InvalidInput(BAD_CURSOR, field=field) from error
        if not (
            isinstance(key, list)
            and len(key) == 2
            and all(type(part) is int and part >= 0 for part in key)
        ):
            raise InvalidInput(BAD_CURSOR, field=field)
        return cls(key[0], key[1])


# Before every event: reading after it reads the log from its start.
START = Position(0, 0)


@dataclass(frozen=True)
class EventFilter:
    # Full types (`wish.claimed`) and prefixes (`wish.`); empty means every type.
    types: tuple[str, ...] = ()
    # The path of the node whose subtree is followed; None means the reader's whole scope.
    within: str | None = None


def event_types(types: Iterable[str] | None) -> tuple[str, ...]:
    """The type filter as given, checked: each a full type or a prefix ending in a dot."""
    chosen = tuple(dict.fromkeys(t.strip() for t in types or ()))
    if len(chosen) > MAX_TYPES:
        raise InvalidInput(f"事件类型 types 最多 {MAX_TYPES} 个", field="types")
    for given in chosen:
        if not (EVENT_TYPE.match(given) or TYPE_PREFIX.match(given)):
            raise InvalidInput(
                f"事件类型 {given[:60]!r} 无效：应为完整类型（如 wish.claimed）"
                "或以点结尾的前缀（如 wish.）",
                field="types",
            )
    return chosen


def require_reader(
    session: AsyncSession, principal: Principal, within: tuple[int, str] | None = None
) -> None:
    """Refuse (audited) a caller who may read events nowhere, or nowhere in `within`'s
    subtree (id, path); a `within` above the caller's scope is narrowed, not refused."""
    subtrees = access.allowed_subtrees(principal, RESOURCE, "read")
    if subtrees is None:
        return
    if within is None:
        if subtrees:
            return
    elif any(is_within(within[1], s) or is_within(s, within[1]) for s in subtrees):
        return
    access.require(session, principal, resource=RESOURCE, action="read", node=within)


def _county_wide(subtrees: list[str] | None) -> bool:
    return subtrees is None or any(p.count(SEPARATOR) == 1 for p in subtrees)


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The events the principal may read: those in its scope; those tied to no node (of
    the county as a whole) only for a county-wide reader."""
    scope = access.scope(principal, RESOURCE, "read", Event.scope_path)
    subtrees = access.allowed_subtrees(principal, RESOURCE, "read")
    return or_(scope, Event.scope_path.is_(None)) if _county_wide(subtrees) else scope


def admits(principal: Principal, where: EventFilter, event: Event) -> bool:
    """The same choice as `read`'s SQL (visible_to, the subtree, the types), for an event
    already read: live followers share one read of the tail and each keeps its own."""
    path = event.scope_path
    if where.within is not None and (path is None or not is_within(path, where.within)):
        return False
    if where.types and not any(
        event.type.startswith(t) if t.endswith(".") else event.type == t for t in where.types
    ):
        return False
    subtrees = access.allowed_subtrees(principal, RESOURCE, "read")
    if path is None:
        return _county_wide(subtrees)
    return subtrees is None or any(is_within(path, s) for s in subtrees)


def _of_types(types: tuple[str, ...]) -> list[ColumnElement[bool]]:
    if not types:
        return []
    exact = [t for t in types if not t.endswith(".")]
    conditions: list[ColumnElement[bool]] = [Event.type.in_(exact)] if exact else []
    # starts_with, not LIKE: `_` in a subject's name is not a wildcard.
    conditions += [func.starts_with(Event.type, t) for t in types if t.endswith(".")]
    return [or_(*conditions)]


def _xid8(value: int) -> ColumnElement[int]:
    # asyncpg has no binary codec for xid8 parameters: send text, cast on the server.
    return cast(literal(str(value), Text()), Xid8())


@dataclass(frozen=True)
class LogPage:
    events: list[Event]
    has_next: bool
    # The log is final below this transaction id: every event of an older transaction
    # has been read (or filtered out) by this page when it is not full.
    horizon: int
    # Whether committed events wait above the horizon (an older transaction still runs):
    # a follower then looks again soon instead of waiting for the next notification.
    waiting: bool


async def horizon(session: AsyncSession) -> int:
    """The oldest transaction still running: the log is final below it."""
    found = await session.scalar(select(func.pg_snapshot_xmin(func.pg_current_snapshot())))
    return int(found or 0)


async def read(
    session: AsyncSession,
    principal: Principal,
    where: EventFilter,
    after: Position,
    first: int,
    *,
    until: Position | None = None,
) -> LogPage:
    """Up to `first` events after `after` (and up to `until`) that are final and that
    the principal may read and `where` selects, in log order."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(f"每页条数 first 应在 1 到 {MAX_PAGE_SIZE} 之间", field="first")
    chosen = [
        visible_to(principal),
        *in_subtree(Event.scope_path, where.within),
        *_of_types(where.types),
    ]
    return await _page(session, chosen, after, first, until=until, look_ahead=False)


async def read_all(session: AsyncSession, after: Position, first: int) -> LogPage:
    """Every event of the tenant after `after` that is final, in log order, and whether
    newer committed events wait above the horizon: the shared read of live followers."""
    return await _page(session, [], after, first, until=None, look_ahead=True)


async def _page(
    session: AsyncSession,
    chosen: list[ColumnElement[bool]],
    after: Position,
    first: int,
    *,
    until: Position | None,
    look_ahead: bool,
) -> LogPage:
    # Taken before the events are read (statements of a transaction see more and more):
    # nothing below it can still appear, whatever commits in between.
    final_below = await horizon(session)
    position = tuple_(Event.transaction_id, Event.id)
    bounds = [
        position > tuple_(_xid8(after.transaction_id), literal(after.id)),
        Event.transaction_id < _xid8(final_below),
    ]
    if until is not None:
        bounds.append(position <= tuple_(_xid8(until.transaction_id), literal(until.id)))
    query = (
        select(Event)
        .where(*bounds, *chosen)
        .order_by(Event.transaction_id, Event.id)
        .limit(first + 1)
    )
    events = list((await session.scalars(query)).all())
    waiting = False
    if look_ahead and len(events) <= first:
        newer = select(Event.id).where(Event.transaction_id >= _xid8(final_below)).exists()
        waiting = bool(await session.scalar(select(newer)))
    return LogPage(
        events=events[:first],
        has_next=len(events) > first,
        horizon=final_below,
        waiting=waiting,
    )
