"""Domain errors: expected failures with a stable code and a message a county clerk reads."""

from typing import ClassVar


class DomainError(Exception):
    """An expected failure. The API shows `message` (zh-CN) and `code`; nothing is masked."""

    code: ClassVar[str] = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "NOT_FOUND"


class InvalidInput(DomainError):
    code = "INVALID_INPUT"
