"""Opening a county: the tenant, its root node and its first county admin, at once."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from infra.errors import DomainError
from policies import access
from policies.principal import Principal
from policies.roles import Role
from services.identity.credentials import IdentityConfig
from services.identity.grants import grant_role
from services.identity.models import User
from services.identity.service import create_user
from tenants.hierarchy.service import root
from tenants.models import Tenant
from tenants.service import create_tenant, record_in_platform


@dataclass(frozen=True)
class FirstAdmin:
    username: str
    name: str
    password: str


@dataclass(frozen=True)
class OpenedCounty:
    tenant: Tenant
    admin: User


async def open_county(
    session: AsyncSession,
    principal: Principal,
    config: IdentityConfig,
    *,
    county_code: str,
    name: str,
    admin: FirstAdmin,
) -> OpenedCounty:
    """A platform admin opens a county with the account of its first county admin. The
    session starts in the platform's realm and ends bound to the new county."""
    access.require(session, principal, resource="tenant", action="create", node=None)
    tenant = await create_tenant(session, county_code=county_code, name=name)
    try:
        county = await root(session)
        user = await create_user(
            session,
            principal,
            config,
            username=admin.username,
            name=admin.name,
            password=admin.password,
            node_id=county.id,
        )
        await grant_role(
            session, principal, user_id=user.id, role=Role.COUNTY_ADMIN, node_id=county.id
        )
    except DomainError as error:
        if error.field:
            error.field = f"admin.{error.field}"
        raise
    await record_in_platform(
        session,
        action="tenant.created",
        actor=principal,
        object_type="tenant",
        object_id=tenant.county_code,
        detail={"name": tenant.name, "admin": user.username},
    )
    return OpenedCounty(tenant=tenant, admin=user)
