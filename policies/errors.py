"""Errors of authentication and authorization."""

from infra.errors import DomainError


class Unauthenticated(DomainError):
    """No valid credentials: a forged, expired or revoked token, or none at all (401)."""

    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"
