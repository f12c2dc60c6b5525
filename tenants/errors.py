"""Errors of tenant resolution and management."""

from infra.errors import DomainError, InvalidInput, NotFound


class TenantNotFound(NotFound):
    code = "TENANT_NOT_FOUND"


class TenantSuspended(DomainError):
    code = "TENANT_SUSPENDED"


class TenantArchived(DomainError):
    code = "TENANT_ARCHIVED"


class InvalidCountyCode(InvalidInput):
    code = "INVALID_COUNTY_CODE"


class InvalidTenantName(InvalidInput):
    code = "INVALID_TENANT_NAME"


class CountyCodeTaken(DomainError):
    code = "COUNTY_CODE_TAKEN"


class TenantStatusRefused(DomainError):
    code = "TENANT_STATUS_REFUSED"
