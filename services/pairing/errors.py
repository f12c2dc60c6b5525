"""Errors of pairing, visits, posts and recognition."""

from infra.errors import DomainError, InvalidInput, NotFound


class ResponsibilityAreaNotFound(NotFound):
    code = "RESPONSIBILITY_AREA_NOT_FOUND"


class InvalidResponsibilityArea(InvalidInput):
    code = "INVALID_RESPONSIBILITY_AREA"


class AssignmentOutsideScope(DomainError):
    """An area assigned at a place outside the subtree where the caller assigns areas."""

    code = "ASSIGNMENT_OUTSIDE_SCOPE"


class AreaExists(DomainError):
    """The unit (or member) already has an area in force at that place."""

    code = "RESPONSIBILITY_AREA_EXISTS"


class HouseholdNotFound(NotFound):
    code = "HOUSEHOLD_NOT_FOUND"


class InvalidHousehold(InvalidInput):
    code = "INVALID_HOUSEHOLD"


class HouseholdClosed(DomainError):
    """A household taken off the register: nothing more is done with it."""

    code = "HOUSEHOLD_CLOSED"


class PairingNotFound(NotFound):
    code = "PAIRING_NOT_FOUND"


class InvalidPairing(InvalidInput):
    code = "INVALID_PAIRING"


class PairingExists(DomainError):
    """The household is already paired with that member (or unit)."""

    code = "PAIRING_EXISTS"


class PairingEnded(DomainError):
    code = "PAIRING_ENDED"


class NotRegisteredInCommunity(DomainError):
    """A unit or member not registered (confirmed) in the community concerned."""

    code = "NOT_REGISTERED_IN_COMMUNITY"


class VisitNotFound(NotFound):
    code = "VISIT_NOT_FOUND"


class InvalidVisit(InvalidInput):
    code = "INVALID_VISIT"


class VisitNotPaired(DomainError):
    """A visit logged for a household the member is not paired with (on that day)."""

    code = "VISIT_NOT_PAIRED"


class NeedAlreadyRaised(DomainError):
    code = "VISIT_NEED_ALREADY_RAISED"


class MemberPostNotFound(NotFound):
    code = "MEMBER_POST_NOT_FOUND"


class InvalidMemberPost(InvalidInput):
    code = "INVALID_MEMBER_POST"


class MemberPostExists(DomainError):
    code = "MEMBER_POST_EXISTS"


class CommitmentEnded(DomainError):
    """Ending an area or a post already ended."""

    code = "COMMITMENT_ENDED"


class CampaignNotFound(NotFound):
    code = "RECOGNITION_CAMPAIGN_NOT_FOUND"


class InvalidCampaign(InvalidInput):
    code = "INVALID_RECOGNITION_CAMPAIGN"


class CampaignClosed(DomainError):
    """A step the campaign's state does not allow (deciding after publication …)."""

    code = "RECOGNITION_CAMPAIGN_CLOSED"


class NominationNotFound(NotFound):
    code = "NOMINATION_NOT_FOUND"


class InvalidNomination(InvalidInput):
    code = "INVALID_NOMINATION"


class NominationClosed(DomainError):
    """A nomination outside the campaign's nomination window."""

    code = "NOMINATION_CLOSED"


class AlreadyNominated(DomainError):
    code = "ALREADY_NOMINATED"


class NomineeOutsideCampaign(DomainError):
    """A member not registered in a community within the campaign's place."""

    code = "NOMINEE_OUTSIDE_CAMPAIGN"
