"""casbin: the model and default policy, and the per-tenant enforcers built on them.

casbin is the source of truth for the model, the policy and the role links. Asked one
request at a time it evaluates the matcher against every policy line and every link,
which costs milliseconds in a county with 100,000 members. So the enforcers here take
from casbin, once per process, what each role may do, and answer a check from the
caller's own grants (held at nodes, so each a path): a role permits the action, and the
requested path lies within the grant's. tests/policies checks the two agree.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from uuid import UUID

import casbin

from policies.paths import is_within
from policies.principal import Grant
from policies.roles import Role

POLICY_DIR = Path(__file__).resolve().parent
MODEL_FILE = POLICY_DIR / "model.conf"
POLICY_FILE = POLICY_DIR / "policy.csv"

PLATFORM_ADMIN = Role.PLATFORM_ADMIN.value


def within(request_domain: str, grant_domain: str) -> bool:
    """casbin's domain matching: a link made at a node holds at and below it."""
    return is_within(request_domain, grant_domain)


def casbin_enforcer(links: Iterable[tuple[str, str, str]] = ()) -> casbin.Enforcer:
    """A plain casbin enforcer on the model and default policy, with role links
    `(subject, role, path)`."""
    enforcer = casbin.Enforcer(str(MODEL_FILE), str(POLICY_FILE))
    enforcer.add_named_domain_matching_func("g", within)
    rules = [list(link) for link in links]
    if rules:
        enforcer.add_grouping_policies(rules)
    return enforcer


class Permissions:
    """What each role may do, as casbin decides it from the model and the policy."""

    def __init__(self, enforcer: casbin.Enforcer) -> None:
        rules = [tuple(rule) for rule in enforcer.get_policy()]
        self.roles = list(dict.fromkeys(rule[0] for rule in rules))
        self.resources = list(dict.fromkeys(rule[1] for rule in rules))
        self.actions: dict[str, list[str]] = {}
        for _, resource, action in rules:
            actions = self.actions.setdefault(resource, [])
            if action not in actions:
                actions.append(action)
        # Each role asked on its own (a role is its own subject in casbin) at any path.
        self._allowed = {
            role: frozenset(
                (resource, action)
                for resource, actions in self.actions.items()
                for action in actions
                if enforcer.enforce(role, "0.", resource, action)
            )
            for role in self.roles
        }

    def allows(self, role: str, resource: str, action: str) -> bool:
        allowed = self._allowed.get(role)
        return allowed is not None and (resource, action) in allowed

    def roles_allowing(self, resource: str, action: str) -> list[str]:
        return [role for role in self.roles if self.allows(role, resource, action)]


@cache
def default_permissions() -> Permissions:
    return Permissions(casbin_enforcer())


def permits(
    permissions: Permissions,
    grants: Iterable[Grant],
    path: str,
    resource: str,
    action: str,
) -> bool:
    """Whether some grant covers `path` with a role that may do `action` on `resource`."""
    return any(
        is_within(path, grant.path) and permissions.allows(grant.role, resource, action)
        for grant in grants
    )


@dataclass
class TenantEnforcer:
    """One county's enforcer: its users' grants, loaded as they are needed."""

    permissions: Permissions
    grants: dict[str, tuple[Grant, ...]] = field(default_factory=dict)
    # Bumped by every invalidation; a load begun before one is not kept.
    generation: int = 0

    def enforce(self, subject: str, path: str, resource: str, action: str) -> bool:
        """casbin's `enforce(sub, dom, obj, act)` for a subject whose grants are loaded."""
        return permits(self.permissions, self.grants.get(subject, ()), path, resource, action)

    def remember(self, subject: str, grants: tuple[Grant, ...], generation: int) -> None:
        if generation == self.generation:
            self.grants[subject] = grants

    def load(self, grants_by_subject: Mapping[str, tuple[Grant, ...]]) -> None:
        """Hold every subject's grants at once (a warm start)."""
        self.grants.update(grants_by_subject)


class EnforcerCache:
    """The process's enforcers, one per tenant, dropped when grants change.

    Changes made in this process drop their entries when their transaction commits;
    changes made elsewhere arrive by LISTEN/NOTIFY (policies/listener.py).
    """

    def __init__(self, permissions: Permissions | None = None) -> None:
        self._permissions = permissions
        self._tenants: dict[UUID, TenantEnforcer] = {}

    def tenant(self, tenant_id: UUID) -> TenantEnforcer:
        enforcer = self._tenants.get(tenant_id)
        if enforcer is None:
            enforcer = TenantEnforcer(self._permissions or default_permissions())
            self._tenants[tenant_id] = enforcer
        return enforcer

    def invalidate(self, tenant_id: UUID, subject: str | None = None) -> None:
        enforcer = self._tenants.get(tenant_id)
        if enforcer is None:
            return
        enforcer.generation += 1
        if subject is None:
            enforcer.grants.clear()
        else:
            enforcer.grants.pop(subject, None)

    def invalidate_all(self) -> None:
        for tenant_id in list(self._tenants):
            self.invalidate(tenant_id)


enforcers = EnforcerCache()
