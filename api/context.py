"""The typed per-request context: settings, the request's unit of work, its county."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from infra.db import UnitOfWork
from infra.observability import tag_tenant
from infra.settings import Settings
from tenants.errors import TenantNotFound
from tenants.models import Tenant
from tenants.service import enter_tenant

COUNTY_HEADER = "x-county-code"


@dataclass
class Context:
    request: HTTPConnection
    settings: Settings
    uow: UnitOfWork
    county_code: str | None
    _tenant: Tenant | None = field(default=None, init=False)

    async def tenant(self) -> Tenant:
        """The county this request works in (`X-County-Code`), its transaction bound to it."""
        if self._tenant is None:
            if not self.county_code:
                raise TenantNotFound(
                    "请求未指明县（区）：请在请求头 X-County-Code 中给出县（区）代码"
                )
            session = await self.uow.session()
            self._tenant = await enter_tenant(session, self.county_code)
            tag_tenant(self._tenant.county_code)
        return self._tenant

    async def session(self) -> AsyncSession:
        """The request's session, bound to its county."""
        await self.tenant()
        return await self.uow.session()
