"""Errors of alliances, their member units, part-time members and joint meetings."""

from infra.errors import DomainError, InvalidInput, NotFound


class AllianceNotFound(NotFound):
    code = "ALLIANCE_NOT_FOUND"


class InvalidAlliance(InvalidInput):
    """Forming or dissolving: a name, a date, or the wrong level of the hierarchy."""

    code = "INVALID_ALLIANCE"


class AllianceDissolved(DomainError):
    code = "ALLIANCE_DISSOLVED"


class InvalidAllianceUnit(InvalidInput):
    """A unit joining or leaving: a unit off the register, or a date out of order."""

    code = "INVALID_ALLIANCE_UNIT"


class UnitNotInAllianceScope(DomainError):
    code = "UNIT_NOT_IN_ALLIANCE_SCOPE"


class AlreadyInAlliance(DomainError):
    code = "ALREADY_IN_ALLIANCE"


class NotAnAllianceUnit(DomainError):
    code = "NOT_AN_ALLIANCE_UNIT"


class UnitHasPartTimeMembers(DomainError):
    code = "UNIT_HAS_PART_TIME_MEMBERS"


class InvalidPartTimeMember(InvalidInput):
    code = "INVALID_PART_TIME_MEMBER"


class AlreadyPartTimeMember(DomainError):
    code = "ALREADY_PART_TIME_MEMBER"


class NotAPartTimeMember(DomainError):
    code = "NOT_A_PART_TIME_MEMBER"


class InvalidJointMeeting(InvalidInput):
    code = "INVALID_JOINT_MEETING"
