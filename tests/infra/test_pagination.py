"""Cursors come back from clients as JSON: each value is read as its order column's type."""

from datetime import date, datetime

import pytest
from sqlalchemy import BigInteger, Column, Date, DateTime, MetaData, Table, Text

from infra.errors import InvalidInput
from infra.pagination import _typed

ROWS = Table(
    "rows",
    MetaData(),
    Column("day", Date),
    Column("at", DateTime(timezone=True)),
    Column("name", Text),
    Column("id", BigInteger),
)


def test_cursor_values_are_read_as_dates_times_text_and_numbers() -> None:
    values = ("2026-11-22", "2026-11-22T08:30:00+08:00", "阳和", "42")
    assert _typed([ROWS.c.day, ROWS.c.at, ROWS.c.name, ROWS.c.id], values) == [
        date(2026, 11, 22),
        datetime.fromisoformat("2026-11-22T08:30:00+08:00"),
        "阳和",
        42,
    ]


@pytest.mark.parametrize(("column", "value"), [("day", "11/22"), ("id", "x"), ("at", 3)])
def test_a_cursor_value_of_the_wrong_shape_is_a_clear_error(column: str, value: object) -> None:
    with pytest.raises(InvalidInput, match="分页游标 after 无效"):
        _typed([ROWS.c[column]], (value,))
