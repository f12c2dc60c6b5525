"""`gongjian import`, `gongjian template`, `gongjian demo`: onboarding from the command line."""

import io
from collections.abc import Sequence
from pathlib import Path
from typing import IO
from uuid import UUID

from infra.db import Database
from infra.errors import DomainError
from infra.personal_data import PersonalData, reseal_tenant
from infra.settings import Settings
from policies.principal import Principal, PrincipalKind
from services.identity.credentials import IdentityConfig
from services.onboarding import demo
from services.onboarding.counties import FirstAdmin, open_county
from services.onboarding.report import ImportReport
from services.onboarding.service import import_workbook
from tenants import repository as tenants
from tenants.models import PLATFORM_TENANT_ID
from tenants.service import enter_platform, enter_tenant

# Whoever runs the command line holds the deployment: they act as a platform admin,
# named so in the audit log.
COMMAND_LINE = Principal(
    kind=PrincipalKind.PLATFORM_ADMIN, id=UUID(int=0), tenant_id=PLATFORM_TENANT_ID, name="命令行"
)


async def import_files(
    database: Database,
    settings: Settings,
    county_code: str,
    files: Sequence[tuple[str, IO[bytes]]],
    *,
    dry_run: bool,
) -> ImportReport:
    """Import into a county; committed only if the report says it was applied."""
    async with database.unit_of_work() as uow:
        session = await uow.session()
        await enter_tenant(session, county_code)
        report = await import_workbook(
            session,
            COMMAND_LINE,
            PersonalData.from_settings(settings),
            IdentityConfig.from_settings(settings),
            files,
            dry_run=dry_run,
        )
        uow.rollback_only = not report.applied
    return report


async def import_paths(
    database: Database, settings: Settings, county_code: str, paths: list[Path], *, dry_run: bool
) -> ImportReport:
    handles = [path.open("rb") for path in paths]
    try:
        named = [(path.name, handle) for path, handle in zip(paths, handles, strict=True)]
        return await import_files(database, settings, county_code, named, dry_run=dry_run)
    finally:
        for handle in handles:
            handle.close()


def print_report(report: ImportReport) -> None:
    print(report.summary(), flush=True)
    for problem in report.problems:
        print(f"  {problem}", flush=True)
    if report.problem_count > len(report.problems):
        print(f"  ……另有 {report.problem_count - len(report.problems)} 处问题未列出", flush=True)


async def seed_demo(database: Database, settings: Settings, *, only_if_missing: bool) -> str:
    """The demo county, opened and imported if it is not there (or imported again, which
    changes nothing, unless `only_if_missing`); the sign-in details to print."""
    async with database.unit_of_work() as uow:
        session = await uow.session()
        exists = await tenants.county_code_exists(session, demo.COUNTY_CODE)
        if not exists:
            await enter_platform(session)
            await open_county(
                session,
                COMMAND_LINE,
                IdentityConfig.from_settings(settings),
                county_code=demo.COUNTY_CODE,
                name=demo.COUNTY_NAME,
                admin=FirstAdmin(*demo.ADMIN, password=demo.PASSWORD),
            )
    summary = "演示县已存在，未重新导入"
    workbook, accounts = demo.demo_workbook()
    if not exists or not only_if_missing:
        report = await import_files(
            database,
            settings,
            demo.COUNTY_CODE,
            [("演示县.xlsx", io.BytesIO(workbook))],
            dry_run=False,
        )
        if not report.applied:
            raise DomainError("演示数据导入失败：" + "；".join(map(str, report.problems[:5])))
        summary = report.summary()
    lines = [
        f"演示县：{demo.COUNTY_NAME}（请求头 X-County-Code: {demo.COUNTY_CODE}）",
        summary,
        f"各级账号（密码均为 {demo.PASSWORD}）：",
        f"  {demo.ADMIN[0]:<10} 县（区）管理员  {demo.ADMIN[1]}",
        *(f"  {a.username:<10} {a.role}  {a.name}" for a in accounts),
    ]
    return "\n".join(lines)


async def reseal_personal_data(database: Database, settings: Settings) -> str:
    """Every county's personal data sealed again with the newest key, county by county
    (each in its own transaction); a line per county."""
    personal = PersonalData.from_settings(settings)
    async with database.unit_of_work() as uow:
        realms = await tenants.all_ids(await uow.session())
    lines = []
    for name, tenant_id in realms:
        async with database.tenant_session(tenant_id) as session:
            count = await reseal_tenant(session, personal)
        lines.append(f"{name}：重新加密 {count} 项")
    return "\n".join(lines)
