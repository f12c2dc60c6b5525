"""Errors of the unit and member registers."""

from infra.errors import DomainError, InvalidInput, NotFound


class UnitNotFound(NotFound):
    code = "UNIT_NOT_FOUND"


class MemberNotFound(NotFound):
    code = "MEMBER_NOT_FOUND"


class InvalidUnit(InvalidInput):
    code = "INVALID_UNIT"


class InvalidMember(InvalidInput):
    code = "INVALID_MEMBER"


class CreditCodeTaken(DomainError):
    code = "CREDIT_CODE_TAKEN"


class MobileTaken(DomainError):
    code = "MOBILE_TAKEN"


class IdCardTaken(DomainError):
    code = "ID_CARD_TAKEN"


class UnitStillHasMembers(DomainError):
    code = "UNIT_STILL_HAS_MEMBERS"
