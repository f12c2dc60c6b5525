"""Platform admins open counties and suspend, resume or archive them."""

from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.results import MutationError, attempt
from api.types.identity import UserType
from api.types.tenant import TenantStatusType, TenantType
from services.onboarding.counties import FirstAdmin, open_county
from tenants import service
from tenants.models import TenantStatus


@strawberry.input(description="县（区）的第一位县级管理员")
class FirstAdminInput:
    username: str = strawberry.field(description="账号")
    name: str = strawberry.field(description="姓名")
    password: str = strawberry.field(description="初始密码")


@strawberry.type(description="县（区）已开通，县级管理员账号已建立")
class OpenCountySuccess:
    tenant: TenantType
    admin: UserType


@strawberry.type(description="县（区）状态已变更")
class TenantSuccess:
    tenant: TenantType


OpenCountyResult = Annotated[
    OpenCountySuccess | MutationError, strawberry.union("OpenCountyResult")
]
TenantResult = Annotated[TenantSuccess | MutationError, strawberry.union("TenantResult")]


@strawberry.type
class TenantQuery:
    @strawberry.field(description="平台上的县（区），按代码排列（平台管理员）")
    async def tenants(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        status: TenantStatusType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[TenantType]:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        result = await service.list_tenants(
            session,
            principal,
            page(first, after),
            status=None if status is None else TenantStatus(status),
        )
        return connection(result, TenantType.from_model, lambda t: (t.county_code,))


async def _change(
    info: Info[Context, None], county_code: str, change: str, reason: str | None
) -> TenantResult:
    async def work() -> TenantSuccess:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        tenant = await service.change_status(session, principal, county_code, change, reason=reason)
        return TenantSuccess(tenant=TenantType.from_model(tenant))

    return await attempt(info, work)


@strawberry.type
class TenantMutation:
    @strawberry.mutation(
        description="开通一个县（区）：建立县级根节点和第一位县级管理员（平台管理员）"
    )
    async def open_county(
        self, info: Info[Context, None], county_code: str, name: str, admin: FirstAdminInput
    ) -> OpenCountyResult:
        async def work() -> OpenCountySuccess:
            principal = await info.context.principal()
            opened = await open_county(
                await info.context.uow.session(),
                principal,
                info.context.identity,
                county_code=county_code,
                name=name,
                admin=FirstAdmin(username=admin.username, name=admin.name, password=admin.password),
            )
            return OpenCountySuccess(
                tenant=TenantType.from_model(opened.tenant),
                admin=UserType.from_model(opened.admin),
            )

        return await attempt(info, work)

    @strawberry.mutation(description="暂停一个县（区）：其所有请求被拒绝，数据完整保留")
    async def suspend_tenant(
        self, info: Info[Context, None], county_code: str, reason: str
    ) -> TenantResult:
        return await _change(info, county_code, "suspend", reason)

    @strawberry.mutation(description="恢复一个已暂停的县（区）")
    async def resume_tenant(self, info: Info[Context, None], county_code: str) -> TenantResult:
        return await _change(info, county_code, "resume", None)

    @strawberry.mutation(description="归档一个县（区）：停止使用，数据保留，不可恢复")
    async def archive_tenant(
        self, info: Info[Context, None], county_code: str, reason: str
    ) -> TenantResult:
        return await _change(info, county_code, "archive", reason)
