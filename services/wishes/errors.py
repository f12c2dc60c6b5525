"""Errors of wishes."""

from infra.errors import DomainError, InvalidInput, NotFound


class WishNotFound(NotFound):
    code = "WISH_NOT_FOUND"


class InvalidWish(InvalidInput):
    """Posting, fulfilling, confirming or cancelling: an input out of bounds."""

    code = "INVALID_WISH"


class WishAlreadyClaimed(DomainError):
    """Another member holds the claim (or took it a moment ago)."""

    code = "WISH_ALREADY_CLAIMED"


class WishClosed(DomainError):
    """A step the wish's state does not allow: fulfilling an open wish, confirming one
    not yet fulfilled, cancelling one already confirmed …"""

    code = "WISH_CLOSED"


class WishDeadlinePassed(DomainError):
    """Claiming a wish whose deadline has passed, or fulfilling after the claim lapsed."""

    code = "WISH_DEADLINE_PASSED"


class WishMemberNotRegistered(DomainError):
    """A member without a confirmed registration where they live claims a wish."""

    code = "WISH_MEMBER_NOT_REGISTERED"
