"""Errors of whistles."""

from infra.errors import DomainError, InvalidInput, NotFound


class WhistleCallNotFound(NotFound):
    code = "WHISTLE_CALL_NOT_FOUND"


class InvalidWhistleCall(InvalidInput):
    """Blowing, closing or cancelling a call: an input out of bounds or out of order."""

    code = "INVALID_WHISTLE_CALL"


class InvalidWhistleResponse(InvalidInput):
    """An answer that does not say who answers (a unit admin who was also asked in person)."""

    code = "INVALID_WHISTLE_RESPONSE"


class WhistleCallClosed(DomainError):
    """A step the call's state does not allow: answering a closed call, closing it twice …"""

    code = "WHISTLE_CALL_CLOSED"


class WhistleDeadlinePassed(DomainError):
    """Answering after the call's response deadline."""

    code = "WHISTLE_DEADLINE_PASSED"
