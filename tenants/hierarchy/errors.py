"""Errors of the hierarchy."""

from infra.errors import DomainError, InvalidInput, NotFound


class NodeNotFound(NotFound):
    code = "NODE_NOT_FOUND"


class InvalidNode(InvalidInput):
    code = "INVALID_NODE"


class NodeCodeTaken(DomainError):
    code = "NODE_CODE_TAKEN"


class NodeMoveRefused(DomainError):
    code = "NODE_MOVE_REFUSED"
