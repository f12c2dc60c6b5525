"""Creating counties and binding a transaction to one."""

import pytest
from sqlalchemy import func, select, update

from infra.db import Database
from infra.errors import DomainError
from tenants.errors import (
    CountyCodeTaken,
    InvalidCountyCode,
    InvalidTenantName,
    TenantArchived,
    TenantNotFound,
    TenantSuspended,
)
from tenants.models import PLATFORM_TENANT_ID, Tenant, TenantStatus
from tenants.service import create_tenant, enter_tenant
from tests.conftest import MakeTenant


async def test_a_new_county_is_active_with_empty_settings(db: Database) -> None:
    async with db.unit_of_work() as uow:
        tenant = await create_tenant(await uow.session(), county_code=" 130123 ", name=" 正定县 ")
    assert (tenant.county_code, tenant.name, tenant.status, tenant.settings) == (
        "130123",
        "正定县",
        TenantStatus.ACTIVE,
        {},
    )


@pytest.mark.parametrize(
    ("county_code", "name", "error", "message"),
    [
        ("13012", "正定县", InvalidCountyCode, "县（区）代码应为 6 位数字，收到的是“13012”"),
        ("13012x", "正定县", InvalidCountyCode, "县（区）代码应为 6 位数字，收到的是“13012x”"),
        ("130123", "  ", InvalidTenantName, "县（区）名称不能为空，且不超过 64 个字"),
        ("130123", "县" * 65, InvalidTenantName, "县（区）名称不能为空，且不超过 64 个字"),
    ],
)
async def test_a_county_with_bad_details_is_refused_and_nothing_is_written(
    db: Database, county_code: str, name: str, error: type[DomainError], message: str
) -> None:
    with pytest.raises(error) as raised:
        async with db.unit_of_work() as uow:
            await create_tenant(await uow.session(), county_code=county_code, name=name)
    assert raised.value.message == message
    async with db.unit_of_work() as uow:
        counties = select(func.count()).select_from(Tenant).where(Tenant.id != PLATFORM_TENANT_ID)
        assert await (await uow.session()).scalar(counties) == 0


async def test_a_county_code_is_used_once(db: Database, make_tenant: MakeTenant) -> None:
    await make_tenant(county_code="130123")
    with pytest.raises(CountyCodeTaken) as raised:
        await make_tenant(county_code="130123")
    assert raised.value.message == "县（区）代码 130123 已被使用"


async def test_entering_a_county_binds_the_transaction(
    db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    async with db.unit_of_work() as uow:
        session = await uow.session()
        entered = await enter_tenant(session, "130123")
        setting = await session.scalar(select(func.current_setting("app.tenant_id")))
    assert entered.id == tenant.id
    assert setting == str(tenant.id)


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (TenantStatus.SUSPENDED, TenantSuspended, "正定县已暂停使用本平台，请联系平台管理员"),
        (TenantStatus.ARCHIVED, TenantArchived, "正定县已停止使用本平台（已归档）"),
    ],
)
async def test_a_county_out_of_service_cannot_be_entered(
    db: Database,
    make_tenant: MakeTenant,
    status: TenantStatus,
    error: type[DomainError],
    message: str,
) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    async with db.unit_of_work() as uow:
        session = await uow.session()
        await session.execute(update(Tenant).where(Tenant.id == tenant.id).values(status=status))
    with pytest.raises(error) as raised:
        async with db.unit_of_work() as uow:
            await enter_tenant(await uow.session(), "130123")
    assert raised.value.message == message


async def test_an_unknown_county_is_not_found(db: Database) -> None:
    with pytest.raises(TenantNotFound) as raised:
        async with db.unit_of_work() as uow:
            await enter_tenant(await uow.session(), "990000")
    assert raised.value.message == "未找到县（区）代码为 990000 的县（区）"
