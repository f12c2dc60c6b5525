"""Every query on the tenants table."""

from sqlalchemy import Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import TENANT_SETTING
from tenants.models import Tenant


async def enter_by_county_code(session: AsyncSession, county_code: str) -> Tenant | None:
    """Load a tenant and bind the transaction to it, in one round trip."""
    bind = func.set_config(TENANT_SETTING, cast(Tenant.id, Text), True)
    row = (
        await session.execute(select(Tenant, bind).where(Tenant.county_code == county_code))
    ).first()
    return None if row is None else row[0]


async def county_code_exists(session: AsyncSession, county_code: str) -> bool:
    query = select(Tenant.id).where(Tenant.county_code == county_code)
    return (await session.execute(query)).first() is not None
