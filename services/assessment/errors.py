"""Errors of the year-end feedback and the unit evaluations."""

from infra.errors import DomainError, InvalidInput, NotFound


class FeedbackFormNotFound(NotFound):
    code = "FEEDBACK_FORM_NOT_FOUND"


class UnitEvaluationNotFound(NotFound):
    code = "UNIT_EVALUATION_NOT_FOUND"


class InvalidAssessment(InvalidInput):
    """An input out of bounds: the year, a comment too long, a reason left out …"""

    code = "INVALID_ASSESSMENT"


class GradeNotAllowed(DomainError):
    """A grade the county's rules forbid for this member; the message says why."""

    code = "GRADE_NOT_ALLOWED"


class AssessmentSignedOff(DomainError):
    """A change to a form or evaluation already signed off: the secretary reopens it first."""

    code = "ASSESSMENT_SIGNED_OFF"


class AssessmentNotReady(DomainError):
    """A step the form's or evaluation's state does not allow yet: signing off ungraded
    forms, delivering a form not signed off, acknowledging one not delivered …"""

    code = "ASSESSMENT_NOT_READY"


class NotMembersUnit(DomainError):
    """Delivering a form to a unit that is not the member's unit at the year's end."""

    code = "NOT_MEMBERS_UNIT"


class NotRegisteredThere(DomainError):
    """A form asked for a member never registered with that community during the year."""

    code = "NOT_REGISTERED_THERE"


class AssessmentConflict(DomainError):
    """Two people generating the same forms at once: one of them tries again."""

    code = "ASSESSMENT_CONFLICT"
