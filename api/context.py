"""The typed per-request context: settings, the unit of work, the county, the caller."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from api.loaders import Loaders
from infra.db import UnitOfWork
from infra.observability import tag_tenant
from infra.personal_data import PersonalData
from infra.settings import Settings
from policies.errors import Unauthenticated
from policies.principal import Principal
from services.identity.api_keys import authenticate_api_key, is_api_key
from services.identity.credentials import IdentityConfig
from services.identity.service import authenticate, read_access_token
from tenants.errors import TenantNotFound
from tenants.models import PLATFORM_TENANT_ID, Tenant
from tenants.service import enter_platform, enter_tenant

COUNTY_HEADER = "x-county-code"
SIGN_IN_FIRST = "请先登录"


@dataclass
class Context:
    request: HTTPConnection
    settings: Settings
    identity: IdentityConfig
    personal: PersonalData
    uow: UnitOfWork
    county_code: str | None
    loaders: Loaders = field(init=False)
    _tenant: Tenant | None = field(default=None, init=False)
    _principal: Principal | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.uow, self.principal)

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

    async def tenant_named(self, county_code: str) -> Tenant | None:
        """The county an argument names (a certificate's verification code), for a query
        anyone may ask without X-County-Code: the request then works in it. None when the
        request works in another county, or already in the platform's realm, so one
        request never works in two counties."""
        if not self.county_code:
            if self.uow.started:
                return None
            self.county_code = county_code
        if self.county_code.strip() != county_code:
            return None
        return await self.tenant()

    async def session(self) -> AsyncSession:
        """The request's session, bound to its county."""
        await self.tenant()
        return await self.uow.session()

    async def realm_session(self) -> AsyncSession:
        """Bound to the county named, or to the platform's realm when none is (signing in)."""
        if self.county_code:
            return await self.session()
        session = await self.uow.session()
        await enter_platform(session)
        return session

    def bearer_token(self) -> str | None:
        scheme, _, token = self.request.headers.get("authorization", "").partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    async def principal(self) -> Principal:
        """Who is calling, from the access token or API key; roles read from the database.
        The transaction is left bound to the county named (if any)."""
        if self._principal is not None:
            return self._principal
        token = self.bearer_token()
        if token is None:
            raise Unauthenticated(SIGN_IN_FIRST)
        if is_api_key(token):
            principal = await authenticate_api_key(await self.session(), token)
        else:
            claims = read_access_token(self.identity, token)
            if claims.tenant_id == PLATFORM_TENANT_ID:
                # A platform admin: found in the platform's realm, then working in the
                # county named, if any.
                session = await self.uow.session()
                await enter_platform(session)
                principal = await authenticate(session, claims)
                if self.county_code:
                    self._tenant = await enter_tenant(session, self.county_code)
                    tag_tenant(self._tenant.county_code)
            else:
                tenant = await self.tenant()
                if tenant.id != claims.tenant_id:
                    raise Unauthenticated("登录凭证不属于该县（区），请重新登录")
                principal = await authenticate(await self.uow.session(), claims)
        self._principal = principal
        return principal
