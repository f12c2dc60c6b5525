"""Errors of dual registration and co-building agreements."""

from infra.errors import DomainError, InvalidInput, NotFound


class RegistrationNotFound(NotFound):
    code = "REGISTRATION_NOT_FOUND"


class AgreementNotFound(NotFound):
    code = "AGREEMENT_NOT_FOUND"


class InvalidRegistration(InvalidInput):
    code = "INVALID_REGISTRATION"


class InvalidAgreement(InvalidInput):
    code = "INVALID_AGREEMENT"


class NotACommunity(InvalidInput):
    """Registering with a node that is not a community (or a compound outside it)."""

    code = "NOT_A_COMMUNITY"


class AlreadyRegistered(DomainError):
    """The unit or member already has a registration waiting or in force."""

    code = "ALREADY_REGISTERED"


class RegistrationClosed(DomainError):
    """Acting on a registration that was returned or has ended, or deciding twice."""

    code = "REGISTRATION_CLOSED"


class NotConfirmed(DomainError):
    """A step that needs a confirmed registration (an agreement, filing the receipt)."""

    code = "REGISTRATION_NOT_CONFIRMED"


class AgreementEnded(DomainError):
    code = "AGREEMENT_ENDED"


class AgreementExists(DomainError):
    code = "AGREEMENT_EXISTS"
