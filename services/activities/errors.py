"""Errors of activities, sign-up and check-in."""

from infra.errors import DomainError, InvalidInput, NotFound


class ActivityNotFound(NotFound):
    code = "ACTIVITY_NOT_FOUND"


class InvalidActivity(InvalidInput):
    """Creating or changing an activity: an input out of bounds or out of order."""

    code = "INVALID_ACTIVITY"


class ActivityClosed(DomainError):
    """A step the activity's state does not allow: publishing it twice, joining a draft …"""

    code = "ACTIVITY_CLOSED"


class SignupClosed(DomainError):
    """Signing up or cancelling outside the sign-up window."""

    code = "SIGNUP_CLOSED"


class NotEligible(DomainError):
    """A member the activity is not open to (not registered there, not of the unit …)."""

    code = "NOT_ELIGIBLE"


class AlreadySignedUp(DomainError):
    code = "ALREADY_SIGNED_UP"


class NotSignedUp(DomainError):
    code = "NOT_SIGNED_UP"


class CheckInCodeExpired(DomainError):
    """A code that was right a while ago: the member must scan the code now shown."""

    code = "CHECK_IN_CODE_EXPIRED"


class CheckInCodeWrong(DomainError):
    code = "CHECK_IN_CODE_WRONG"


class CheckInClosed(DomainError):
    """Checking in or out outside the activity's time."""

    code = "CHECK_IN_CLOSED"


class AlreadyCheckedIn(DomainError):
    """A second check-in (or check-out) of one member at one activity."""

    code = "ALREADY_CHECKED_IN"


class NotCheckedIn(DomainError):
    """Checking out without having checked in."""

    code = "NOT_CHECKED_IN"


class SignupNotFound(NotFound):
    code = "ACTIVITY_SIGNUP_NOT_FOUND"


class InvalidAttendance(InvalidInput):
    """Attendance marked by the organiser: times out of order or in the future."""

    code = "INVALID_ATTENDANCE"
