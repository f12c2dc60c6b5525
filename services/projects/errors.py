"""Errors of projects and posts, their claims, and tasks."""

from infra.errors import DomainError, InvalidInput, NotFound


class ProjectNotFound(NotFound):
    code = "PROJECT_NOT_FOUND"


class ClaimNotFound(NotFound):
    code = "CLAIM_NOT_FOUND"


class TaskNotFound(NotFound):
    code = "TASK_NOT_FOUND"


class InvalidProject(InvalidInput):
    """A project as typed in: title, category outside the county's rules, capacity,
    period, or a node that is neither a community nor a township."""

    code = "INVALID_PROJECT"


class InvalidClaim(InvalidInput):
    """A claim's inputs: which claimant, a reason or note too long or missing."""

    code = "INVALID_CLAIM"


class InvalidTask(InvalidInput):
    code = "INVALID_TASK"


class ProjectNotOpen(DomainError):
    """A step the project's status (draft, closed, cancelled) or period does not allow."""

    code = "PROJECT_NOT_OPEN"


class ProjectFull(DomainError):
    code = "PROJECT_FULL"


class AlreadyClaimed(DomainError):
    """The claimant already holds a place on the project."""

    code = "ALREADY_CLAIMED"


class ClaimModeNotAllowed(DomainError):
    """Claiming oneself on an assigned-only project, or assigning on a self-only one."""

    code = "CLAIM_MODE_NOT_ALLOWED"


class ClaimantKindNotAllowed(DomainError):
    """A unit on a project for members only, or a member on one for units only."""

    code = "CLAIMANT_KIND_NOT_ALLOWED"


class NotRegisteredHere(DomainError):
    """The unit or member is not registered (confirmed) with a community in the area."""

    code = "NOT_REGISTERED_HERE"


class ClaimStepRefused(DomainError):
    """A step the claim's status does not allow (start twice, complete before start …)."""

    code = "CLAIM_STEP_REFUSED"


class TaskClosed(DomainError):
    """A step on a task already completed or cancelled."""

    code = "TASK_CLOSED"
