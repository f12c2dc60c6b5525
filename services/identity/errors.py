"""Errors of signing in, accounts, grants and API keys."""

from infra.errors import DomainError, InvalidInput, NotFound
from policies.errors import Forbidden


class InvalidCredentials(DomainError):
    code = "INVALID_CREDENTIALS"


class AccountLocked(DomainError):
    code = "ACCOUNT_LOCKED"


class AccountDisabled(DomainError):
    code = "ACCOUNT_DISABLED"


class UserNotFound(NotFound):
    code = "USER_NOT_FOUND"


class InvalidUsername(InvalidInput):
    code = "INVALID_USERNAME"


class WeakPassword(InvalidInput):
    code = "WEAK_PASSWORD"


class InvalidName(InvalidInput):
    code = "INVALID_NAME"


class UsernameTaken(DomainError):
    code = "USERNAME_TAKEN"


class InvalidRole(InvalidInput):
    code = "INVALID_ROLE"


class GrantExists(DomainError):
    code = "GRANT_EXISTS"


class GrantNotFound(NotFound):
    code = "GRANT_NOT_FOUND"


class GrantOutsideScope(Forbidden):
    """The node lies outside every subtree where the granter may grant this role."""

    code = "GRANT_OUTSIDE_SCOPE"


class RoleNotGrantable(Forbidden):
    """The granter may not grant this role anywhere (it is above their own)."""

    code = "ROLE_NOT_GRANTABLE"


class ApiKeyNotFound(NotFound):
    code = "API_KEY_NOT_FOUND"
