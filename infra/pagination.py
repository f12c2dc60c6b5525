"""Keyset pages: the next `first` rows after a position in a fixed, unique order."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from infra.errors import InvalidInput

MAX_PAGE_SIZE = 100

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    first: int = 20
    # The order key of the last row already seen.
    after: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.first <= MAX_PAGE_SIZE:
            raise InvalidInput(f"每页条数 first 应在 1 到 {MAX_PAGE_SIZE} 之间", field="first")


@dataclass(frozen=True)
class PageOf(Generic[T]):
    rows: list[T]
    has_next: bool


async def fetch_page(
    session: AsyncSession,
    query: Select[Any],
    order: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    page: Page,
    *,
    descending: bool = False,
) -> PageOf[Any]:
    """Rows of `query` in `order` (unique together), after `page.after`."""
    if page.after is not None:
        if len(page.after) != len(order):
            raise InvalidInput("分页游标 after 无效", field="after")
        key, after = tuple_(*order), tuple_(*_typed(order, page.after))
        query = query.where(key < after if descending else key > after)
    sort = [column.desc() for column in order] if descending else list(order)
    rows = list((await session.scalars(query.order_by(*sort).limit(page.first + 1))).all())
    return PageOf(rows=rows[: page.first], has_next=len(rows) > page.first)


def _typed(
    order: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]], values: tuple[Any, ...]
) -> list[Any]:
    """Cursor values (from JSON) as the order columns' Python types, or a clear error."""
    typed = []
    for column, value in zip(order, values, strict=True):
        kind = column.type.python_type
        try:
            if isinstance(value, kind):
                typed.append(value)
            elif kind in (datetime, date):
                typed.append(kind.fromisoformat(value))
            else:
                typed.append(kind(value))
        except (TypeError, ValueError) as error:
            raise InvalidInput("分页游标 after 无效", field="after") from error
    return typed
