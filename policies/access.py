"""Asking whether a principal may act: at one node, or over a list in one SQL predicate."""

from typing import Any, NoReturn

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from policies import audit
from policies.audit import AuditOutcome
from policies.enforcer import PLATFORM_ADMIN, Permissions, default_permissions, permits
from policies.errors import Forbidden
from policies.paths import in_subtree, outermost
from policies.principal import Principal

# The suffix of policy actions a role may take only on its own unit or its own record.
OWN = ":own"

# What people read when refused; the audit log keeps the particulars.
FORBIDDEN_MESSAGE = "您没有在此范围内进行该操作的权限"


def may(
    principal: Principal,
    path: str,
    resource: str,
    action: str,
    permissions: Permissions | None = None,
) -> bool:
    permissions = permissions or default_permissions()
    if principal.is_platform_admin:
        return permissions.allows(PLATFORM_ADMIN, resource, action)
    return permits(permissions, principal.grants, path, resource, action)


def allowed_subtrees(
    principal: Principal,
    resource: str,
    action: str,
    permissions: Permissions | None = None,
) -> list[str] | None:
    """The paths under which the principal may act, without overlap; None means anywhere."""
    permissions = permissions or default_permissions()
    if principal.is_platform_admin:
        return None if permissions.allows(PLATFORM_ADMIN, resource, action) else []
    return outermost(
        [
            grant.path
            for grant in principal.grants
            if permissions.allows(grant.role, resource, action)
        ]
    )


def scope(
    principal: Principal,
    resource: str,
    action: str,
    path: ColumnElement[Any] | InstrumentedAttribute[Any],
    permissions: Permissions | None = None,
) -> ColumnElement[bool]:
    """The rows whose `path` lies where the principal may do `action` on `resource`.

    Ranges on a `COLLATE "C"` path, one per subtree: leakproof comparisons, so the
    `(tenant_id, path)` B-tree serves them under row-level security.
    """
    subtrees = allowed_subtrees(principal, resource, action, permissions)
    if subtrees is None:
        return true()
    if not subtrees:
        return false()
    return or_(*(and_(*in_subtree(path, start)) for start in subtrees))


def may_own(
    principal: Principal, resource: str, action: str, permissions: Permissions | None = None
) -> bool:
    """Whether a role of the principal lets it do `action` on what is its own: its unit's
    or, for a member, its own (`action:own` in the policy). Services decide what is own."""
    permissions = permissions or default_permissions()
    own = f"{action}{OWN}"
    return any(permissions.allows(grant.role, resource, own) for grant in principal.grants)


def scope_or_own(
    principal: Principal,
    resource: str,
    action: str,
    path: ColumnElement[Any] | InstrumentedAttribute[Any],
    own: ColumnElement[bool],
) -> ColumnElement[bool]:
    """`scope`, widened by the rows that are the principal's own (`own`) when a role of
    the principal may act on its own."""
    within = scope(principal, resource, action, path)
    return or_(within, own) if may_own(principal, resource, action) else within


def require(
    session: AsyncSession,
    principal: Principal,
    *,
    resource: str,
    action: str,
    node: tuple[int, str] | None,
    object_id: str | None = None,
    owned: bool = False,
) -> None:
    """Refuse (and audit the refusal) unless the principal may act at `node` (id, path),
    or the object is `owned` by the principal and a role of it may act on its own.
    No node means the platform itself (counties): only platform admins act there."""
    if may(principal, node[1] if node else "", resource, action):
        return
    if owned and may_own(principal, resource, action):
        return
    _refuse(session, principal, resource, action, node, object_id)


def require_organiser(
    session: AsyncSession,
    principal: Principal,
    *,
    resource: str,
    action: str,
    node: tuple[int, str],
    organiser_unit_id: int | None,
    object_id: str | None = None,
) -> None:
    """谁组织谁记录: what a unit organised, only that unit acts on (its admin, through
    `action:own`; staff grants at the node do not count); anything else, the staff who
    may act at its node."""
    if organiser_unit_id is None:
        require(
            session, principal, resource=resource, action=action, node=node, object_id=object_id
        )
    elif not (principal.unit_id == organiser_unit_id and may_own(principal, resource, action)):
        _refuse(session, principal, resource, action, node, object_id)


def _refuse(
    session: AsyncSession,
    principal: Principal,
    resource: str,
    action: str,
    node: tuple[int, str] | None,
    object_id: str | None,
) -> NoReturn:
    audit.record_refusal(
        session,
        action=f"{resource}.{action}",
        outcome=AuditOutcome.DENIED,
        actor=principal,
        node=node,
        object_type=resource,
        object_id=object_id,
    )
    raise Forbidden(FORBIDDEN_MESSAGE)
