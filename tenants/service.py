"""Which county a request works in, and creating counties."""

import re
from datetime import UTC, datetime
from typing import Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bind_tenant
from infra.pagination import Page, PageOf
from policies import access, audit
from policies.principal import Principal
from tenants import repository
from tenants.errors import (
    CountyCodeTaken,
    InvalidCountyCode,
    InvalidTenantName,
    TenantArchived,
    TenantNotFound,
    TenantStatusRefused,
    TenantSuspended,
)
from tenants.hierarchy.service import create_root
from tenants.models import PLATFORM_TENANT_ID, Tenant, TenantStatus

# Province codes start at 11, so no county code starts with 0 (000000 is the platform).
COUNTY_CODE = re.compile(r"^[1-9][0-9]{5}$")
NAME_MAX_LENGTH = 64
REASON_MAX_LENGTH = 200
STATUS_NAMES = {
    TenantStatus.ACTIVE: "使用中",
    TenantStatus.SUSPENDED: "已暂停",
    TenantStatus.ARCHIVED: "已归档",
}
# Where each step may start from; archiving is final (the data stays in the database, and
# no request reaches it any more).
CHANGES_FROM = {
    "suspend": (TenantStatus.ACTIVE,),
    "resume": (TenantStatus.SUSPENDED,),
    "archive": (TenantStatus.ACTIVE, TenantStatus.SUSPENDED),
}
CHANGES_TO = {
    "suspend": TenantStatus.SUSPENDED,
    "resume": TenantStatus.ACTIVE,
    "archive": TenantStatus.ARCHIVED,
}
CHANGE_NAMES = {"suspend": "暂停", "resume": "恢复", "archive": "归档"}
CHANGE_ACTIONS = {
    "suspend": "tenant.suspended",
    "resume": "tenant.resumed",
    "archive": "tenant.archived",
}


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


async def record_in_platform(
    session: AsyncSession,
    *,
    action: str,
    actor: Principal | None,
    **particulars: Unpack[audit.Particulars],
) -> None:
    """Tell a county's lifecycle in the platform's own log, where platform admins read it
    whichever county the request named (a suspended county's own log cannot be opened);
    the transaction stays bound as it was."""
    bound = session.info.get("tenant_id")
    await enter_platform(session)
    await audit.record(session, action=action, actor=actor, **particulars)
    if bound is not None:
        await bind_tenant(session, bound)


async def list_tenants(
    session: AsyncSession,
    principal: Principal,
    page: Page,
    *,
    status: TenantStatus | None = None,
) -> PageOf[Tenant]:
    """The counties on the platform (not the platform's own realm), by county code."""
    access.require(session, principal, resource="tenant", action="read", node=None)
    return await repository.page(session, page, status=status)


async def find_tenant(session: AsyncSession, principal: Principal, county_code: str) -> Tenant:
    access.require(session, principal, resource="tenant", action="read", node=None)
    code = validate_county_code(county_code)
    tenant = await repository.by_county_code(session, code, for_update=False)
    if tenant is None:
        raise TenantNotFound(f"未找到县（区）代码为 {code} 的县（区）", field="countyCode")
    return tenant


async def change_status(
    session: AsyncSession,
    principal: Principal,
    county_code: str,
    change: str,
    *,
    reason: str | None = None,
) -> Tenant:
    """Suspend, resume or archive a county. Its data stays whole whatever its status;
    while it is not active every request to it is refused with the reason."""
    access.require(session, principal, resource="tenant", action=change, node=None)
    code = validate_county_code(county_code)
    tenant = await repository.by_county_code(session, code, for_update=True)
    if tenant is None:
        raise TenantNotFound(f"未找到县（区）代码为 {code} 的县（区）", field="countyCode")
    if tenant.status not in CHANGES_FROM[change]:
        raise TenantStatusRefused(
            f"{tenant.name}当前{STATUS_NAMES[tenant.status]}，不能{CHANGE_NAMES[change]}",
            field="countyCode",
        )
    cleaned = (reason or "").strip()
    if change != "resume" and not cleaned:
        raise TenantStatusRefused(f"{CHANGE_NAMES[change]}须说明原因", field="reason")
    if len(cleaned) > REASON_MAX_LENGTH:
        raise TenantStatusRefused(f"原因不超过 {REASON_MAX_LENGTH} 个字", field="reason")
    before = tenant.status
    tenant.status = CHANGES_TO[change]
    tenant.status_reason = cleaned or None
    tenant.status_changed_at = datetime.now(UTC)
    await session.flush()
    await record_in_platform(
        session,
        action=CHANGE_ACTIONS[change],
        actor=principal,
        object_type="tenant",
        object_id=tenant.county_code,
        detail={
            "name": tenant.name,
            "from": before.value,
            "to": tenant.status.value,
            "reason": cleaned or None,
        },
    )
    return tenant
