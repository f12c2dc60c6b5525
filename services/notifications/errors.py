"""Errors of notifications."""

from infra.errors import DomainError, InvalidInput, NotFound


class NoInbox(DomainError):
    """The caller is not a county user (an API key, a platform admin)."""

    code = "NO_INBOX"


class NotificationNotFound(NotFound):
    code = "NOTIFICATION_NOT_FOUND"


class InvalidPreferences(InvalidInput):
    code = "INVALID_NOTIFICATION_PREFERENCES"
