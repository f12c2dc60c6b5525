"""Granting and revoking roles at nodes."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from policies import access, audit
from policies import repository as grants
from policies.audit import AuditOutcome
from policies.enforcer import PLATFORM_ADMIN, default_permissions
from policies.listener import announce_grants_changed
from policies.models import RoleGrant
from policies.principal import Principal
from policies.roles import Role
from services.identity import repository
from services.identity.errors import (
    GrantExists,
    GrantNotFound,
    GrantOutsideScope,
    InvalidRole,
    RoleNotGrantable,
    UserNotFound,
)
from tenants.hierarchy.service import get_node, ref

PARTNER = Role.PARTNER.value
# Roles a person can hold at a node of a county (platform admins and partner keys are
# made otherwise).
GRANTABLE_ROLES = [
    role for role in default_permissions().roles if role not in (PLATFORM_ADMIN, PARTNER)
]


def _check_may_grant(
    session: AsyncSession, principal: Principal, role: str, node: tuple[int, str], object_id: str
) -> None:
    action = f"grant:{role}"
    if access.may(principal, node[1], "role_grant", action):
        return
    anywhere = access.allowed_subtrees(principal, "role_grant", action)
    error: GrantOutsideScope | RoleNotGrantable = (
        GrantOutsideScope("该节点不在您可以授予此角色的范围内")
        if anywhere is None or anywhere
        else RoleNotGrantable("您不能授予此角色（不能授予高于本人的角色）")
    )
    audit.record_refusal(
        session,
        action=f"role_grant.{action}",
        outcome=AuditOutcome.DENIED,
        actor=principal,
        node=node,
        object_type="user",
        object_id=object_id,
        detail={"role": role, "code": error.code},
    )
    raise error


async def grant_role(
    session: AsyncSession, principal: Principal, *, user_id: UUID, role: str, node_id: int
) -> RoleGrant:
    if role not in GRANTABLE_ROLES:
        raise InvalidRole(f"没有名为 {role} 的可授予角色", field="role")
    node = ref(await get_node(session, node_id))
    user = await repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound("未找到该用户", field="userId")
    _check_may_grant(session, principal, role, node, str(user.id))
    if await grants.find(session, user.id, role, node[0]) is not None:
        raise GrantExists("该用户已在此节点拥有该角色", field="role")
    grant = RoleGrant(
        tenant_id=bound_tenant(session),
        user_id=user.id,
        role=role,
        node_id=node[0],
        scope_path=node[1],
        granted_by=principal.id if not principal.is_platform_admin else None,
    )
    session.add(grant)
    await session.flush()
    await audit.record(
        session,
        action="role_grant.created",
        actor=principal,
        node=node,
        object_type="user",
        object_id=str(user.id),
        detail={"role": role, "grant_id": grant.id},
    )
    await announce_grants_changed(session, grant.tenant_id, f"user:{user.id}")
    return grant


async def revoke_role(session: AsyncSession, principal: Principal, grant_id: int) -> RoleGrant:
    grant = await grants.get(session, grant_id)
    if grant is None:
        raise GrantNotFound("未找到该授权", field="grantId")
    node = (grant.node_id, grant.scope_path)
    _check_may_grant(session, principal, grant.role, node, str(grant.user_id))
    await session.delete(grant)
    await session.flush()
    await audit.record(
        session,
        action="role_grant.revoked",
        actor=principal,
        node=node,
        object_type="user",
        object_id=str(grant.user_id),
        detail={"role": grant.role, "grant_id": grant.id},
    )
    await announce_grants_changed(session, grant.tenant_id, f"user:{grant.user_id}")
    return grant


async def list_grants(session: AsyncSession, principal: Principal, page: Page) -> PageOf[RoleGrant]:
    scope = access.scope(principal, "role_grant", "read", RoleGrant.scope_path)
    return await grants.page(session, scope, page)
