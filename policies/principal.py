"""Who is calling: a signed-in user, a platform admin, or a partner's API key."""

import enum
from dataclasses import dataclass
from uuid import UUID


class PrincipalKind(enum.StrEnum):
    USER = "user"
    PLATFORM_ADMIN = "platform_admin"
    API_KEY = "api_key"


@dataclass(frozen=True)
class Grant:
    """A role held at a node, and so everywhere below it."""

    role: str
    node_id: int
    path: str


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: UUID
    # The realm the principal belongs to: its county, or the platform for platform admins.
    tenant_id: UUID
    name: str
    grants: tuple[Grant, ...] = ()
    # The access token's session, for signing out.
    session_id: UUID | None = None
    # What the account acts for besides its grants: the unit whose Party organisation
    # it administers, and the member it is (policy actions ending in `:own`).
    unit_id: int | None = None
    member_id: int | None = None

    @property
    def subject(self) -> str:
        """The principal as casbin names it."""
        return f"{self.kind}:{self.id}"

    @property
    def account_id(self) -> UUID | None:
        """The account acting, for a record's who-did-it columns; None for an API key
        (the audit log names the key)."""
        return None if self.kind is PrincipalKind.API_KEY else self.id

    @property
    def is_platform_admin(self) -> bool:
        return self.kind is PrincipalKind.PLATFORM_ADMIN
