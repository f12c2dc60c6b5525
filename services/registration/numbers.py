"""Numbers on slips, receipts and agreements: per county, per series and year, in order,
never given twice."""

import enum

from sqlalchemy import literal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.db import bound_tenant
from services.registration.models import DocumentCounter


class Series(enum.StrEnum):
    SLIP = "BD"  # 报到单
    RECEIPT = "HZ"  # 回执
    AGREEMENT = "XY"  # 共驻共建协议


async def take_numbers(session: AsyncSession, series: Series, count: int = 1) -> list[str]:
    """`count` consecutive numbers such as `BD2026-000123`. The counter row stays locked
    until the transaction ends, so concurrent takers wait and never share a number; a
    rolled-back transaction's numbers were never issued."""
    year = today().year
    statement = (
        insert(DocumentCounter)
        .values(tenant_id=bound_tenant(session), series=series.value, year=year, last_value=count)
        .on_conflict_do_update(
            index_elements=[
                DocumentCounter.tenant_id,
                DocumentCounter.series,
                DocumentCounter.year,
            ],
            set_={"last_value": DocumentCounter.last_value + literal(count)},
        )
        .returning(DocumentCounter.last_value)
    )
    last = int((await session.execute(statement)).scalar_one())
    return [f"{series.value}{year}-{value:06d}" for value in range(last - count + 1, last + 1)]
