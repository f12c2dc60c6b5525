"""Errors of needs, resources, their matching and 12345 work orders."""

from infra.errors import DomainError, InvalidInput, NotFound


class NeedNotFound(NotFound):
    code = "NEED_NOT_FOUND"


class ResourceNotFound(NotFound):
    code = "RESOURCE_NOT_FOUND"


class WorkOrderNotFound(NotFound):
    code = "WORK_ORDER_NOT_FOUND"


class InvalidNeed(InvalidInput):
    """Raising a need or changing its status: a text, a place, a satisfaction missing."""

    code = "INVALID_NEED"


class InvalidResource(InvalidInput):
    code = "INVALID_RESOURCE"


class InvalidWorkOrder(InvalidInput):
    """A malformed work order: missing id or text, a past deadline, an unknown community."""

    code = "INVALID_WORK_ORDER"


class NeedStatusRefused(DomainError):
    """A step the need's current status does not allow (the status is named)."""

    code = "NEED_STATUS_REFUSED"


class ResourceWithdrawn(DomainError):
    code = "RESOURCE_WITHDRAWN"


class ResourceNotInCommunity(DomainError):
    """Matching a need with a resource offered to another community."""

    code = "RESOURCE_NOT_IN_COMMUNITY"


class ResourceInUse(DomainError):
    """Withdrawing a resource matched with a need that is not yet done."""

    code = "RESOURCE_IN_USE"


class OffererNotRegistered(DomainError):
    """A unit or member offering into a community where it is not registered (confirmed)."""

    code = "OFFERER_NOT_REGISTERED"
