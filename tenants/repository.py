"""Every query on the tenants table."""

from uuid import UUID

from sqlalchemy import Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import TENANT_SETTING
from infra.pagination import Page, PageOf, fetch_page
from tenants.models import PLATFORM_TENANT_ID, Tenant, TenantStatus


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


async def by_county_code(
    session: AsyncSession, county_code: str, *, for_update: bool
) -> Tenant | None:
    query = select(Tenant).where(Tenant.county_code == county_code, Tenant.id != PLATFORM_TENANT_ID)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def page(
    session: AsyncSession, page: Page, *, status: TenantStatus | None = None
) -> PageOf[Tenant]:
    query = select(Tenant).where(Tenant.id != PLATFORM_TENANT_ID)
    if status is not None:
        query = query.where(Tenant.status == status)
    return await fetch_page(session, query, [Tenant.county_code], page)


async def all_ids(session: AsyncSession) -> list[tuple[str, UUID]]:
    """Every realm's name and id (the platform's own included)."""
    rows = await session.execute(select(Tenant.name, Tenant.id).order_by(Tenant.county_code))
    return [(name, tenant_id) for name, tenant_id in rows]
