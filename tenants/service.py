"""Which county a request works in, and creating counties."""

import re

from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bind_tenant
from tenants import repository
from tenants.errors import (
    CountyCodeTaken,
    InvalidCountyCode,
    InvalidTenantName,
    TenantArchived,
    TenantNotFound,
    TenantSuspended,
)
from tenants.hierarchy.service import create_root
from tenants.models import PLATFORM_TENANT_ID, Tenant, TenantStatus

# Province codes start at 11, so no county code starts with 0 (000000 is the platform).
COUNTY_CODE = re.compile(r"^[1-9][0-9]{5}$")
NAME_MAX_LENGTH = 64


def validate_county_code(county_code: str) -> str:
    code = county_code.strip()
    if not COUNTY_CODE.match(code):
        raise InvalidCountyCode(
            f"县（区）代码应为 6 位数字，收到的是“{county_code[:20]}”",
            field="countyCode",
        )
    return code


async def enter_tenant(session: AsyncSession, county_code: str) -> Tenant:
    """Bind this transaction to the county with `county_code`, if it is in service."""
    code = validate_county_code(county_code)
    tenant = await repository.enter_by_county_code(session, code)
    if tenant is None:
        raise TenantNotFound(f"未找到县（区）代码为 {code} 的县（区）")
    if tenant.status is TenantStatus.SUSPENDED:
        raise TenantSuspended(f"{tenant.name}已暂停使用本平台，请联系平台管理员")
    if tenant.status is TenantStatus.ARCHIVED:
        raise TenantArchived(f"{tenant.name}已停止使用本平台（已归档）")
    session.info["tenant_id"] = tenant.id
    return tenant


async def create_tenant(session: AsyncSession, *, county_code: str, name: str) -> Tenant:
    """A new county, active from now on."""
    code = validate_county_code(county_code)
    clean_name = name.strip()
    if not clean_name or len(clean_name) > NAME_MAX_LENGTH:
        raise InvalidTenantName(
            f"县（区）名称不能为空，且不超过 {NAME_MAX_LENGTH} 个字", field="name"
        )
    if await repository.county_code_exists(session, code):
        raise CountyCodeTaken(f"县（区）代码 {code} 已被使用", field="countyCode")
    tenant = Tenant(county_code=code, name=clean_name, status=TenantStatus.ACTIVE, settings={})
    session.add(tenant)
    await session.flush()
    # From here the transaction works in the new county: its root node comes with it.
    await bind_tenant(session, tenant.id)
    await create_root(session, tenant)
    return tenant


async def enter_platform(session: AsyncSession) -> None:
    """Bind this transaction to the platform's own realm (platform admins)."""
    await bind_tenant(session, PLATFORM_TENANT_ID)
