"""What happens to a claim after it is made: work starts (staff or the claimant mark it),
the community confirms it completed; a claimant leaves before starting at once, after
starting only with the community's approval. Who may read which claims."""

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.projects import inputs, repository
from services.projects.claims import described
from services.projects.errors import ClaimNotFound, ClaimStepRefused
from services.projects.inputs import CLAIM_PHRASES, clean_claim, clean_refusal
from services.projects.models import ClaimStatus, Project, ProjectClaim
from services.projects.projects import RESOURCE, get_project, here, record
from services.projects.repository import ClaimFilter
from services.registry.models import Member

CLAIM = "project_claim"


def is_claimant(principal: Principal, claim: ProjectClaim) -> bool:
    """The claim is the caller's unit's, or the caller's own as a member."""
    return (claim.unit_id is not None and claim.unit_id == principal.unit_id) or (
        claim.member_id is not None and claim.member_id == principal.member_id
    )


def may_see_member(principal: Principal, member: Member) -> bool:
    """Whether the caller may open the claimant's register entry: staff who may read it
    there, the member themself, or the org admin of the member's unit."""
    return (
        principal.member_id == member.id
        or access.may(principal, member.scope_path, "member", "read")
        or (principal.unit_id == member.unit_id and access.may_own(principal, "member", "read"))
    )


async def get_claim(
    session: AsyncSession, claim_id: int, *, for_update: bool = False
) -> ProjectClaim:
    found = await repository.claim(session, claim_id, for_update=for_update)
    if found is None:
        raise ClaimNotFound("未找到该认领记录", field="id")
    return found


async def _open(
    session: AsyncSession,
    principal: Principal,
    claim_id: int,
    *,
    claimant_may: bool,
    staff_may: bool = True,
) -> tuple[ProjectClaim, Project]:
    """The claim, locked, once the caller may take the step: staff who manage the project
    (`staff_may`), or the claimant itself (`claimant_may`)."""
    claim = await get_claim(session, claim_id, for_update=True)
    project = await get_project(session, claim.project_id)
    staff = staff_may and access.may(principal, project.scope_path, RESOURCE, "manage")
    if not staff:
        access.require(
            session,
            principal,
            resource=RESOURCE,
            action="claim" if claimant_may else "manage",
            node=here(project),
            object_id=str(claim.id),
            owned=claimant_may and is_claimant(principal, claim),
        )
    return claim, project


def _refused(claim: ProjectClaim, wanted: str, hint: str = "") -> ClaimStepRefused:
    return ClaimStepRefused(f"该认领{CLAIM_PHRASES[claim.status]}，不能{wanted}{hint}", field="id")


async def _log(
    session: AsyncSession,
    principal: Principal,
    project: Project,
    claim: ProjectClaim,
    step: str,
    **more: object,
) -> None:
    await record(
        session,
        principal,
        project,
        f"claim.{step}",
        object_type=CLAIM,
        object_id=claim.id,
        **described(claim, **more),
    )


async def start_claim(
    session: AsyncSession, principal: Principal, claim_id: int
) -> tuple[ProjectClaim, Project]:
    """Work on the claim has started (marked by staff or by the claimant)."""
    claim, project = await _open(session, principal, claim_id, claimant_may=True)
    if claim.status is not ClaimStatus.CLAIMED:
        raise _refused(claim, "再标记开始")
    claim.status, claim.started_at = ClaimStatus.STARTED, now()
    await session.flush()
    await _log(session, principal, project, claim, "started")
    return claim, project


async def withdraw_claim(
    session: AsyncSession, principal: Principal, claim_id: int, *, reason: str | None = None
) -> tuple[ProjectClaim, Project]:
    """Leave before work started: at once, and the place is free again."""
    claim, project = await _open(session, principal, claim_id, claimant_may=True)
    if claim.status in (ClaimStatus.STARTED, ClaimStatus.WITHDRAW_REQUESTED):
        hint = (
            ""
            if claim.status is ClaimStatus.WITHDRAW_REQUESTED
            else "；如需退出，请提出退出申请，由社区审批"
        )
        raise _refused(claim, "直接退出", hint)
    if claim.status is not ClaimStatus.CLAIMED:
        raise _refused(claim, "退出")
    cleaned = clean_claim("reason", inputs.note, reason)
    claim.status, claim.withdrawn_at, claim.withdrawal_reason = (
        ClaimStatus.WITHDRAWN,
        now(),
        cleaned,
    )
    await session.flush()
    await _log(session, principal, project, claim, "withdrawn", reason=cleaned)
    return claim, project


async def request_withdrawal(
    session: AsyncSession, principal: Principal, claim_id: int, *, reason: str
) -> tuple[ProjectClaim, Project]:
    """Ask to leave after work started; the community approves or refuses."""
    claim, project = await _open(session, principal, claim_id, claimant_may=True, staff_may=False)
    if claim.status is ClaimStatus.CLAIMED:
        raise _refused(claim, "申请退出", "；可直接退出认领")
    if claim.status is not ClaimStatus.STARTED:
        raise _refused(claim, "申请退出")
    cleaned = clean_claim("reason", inputs.required_note, reason)
    claim.status, claim.withdrawal_requested_at, claim.withdrawal_reason = (
        ClaimStatus.WITHDRAW_REQUESTED,
        now(),
        cleaned,
    )
    await session.flush()
    await _log(session, principal, project, claim, "withdrawal_requested", reason=cleaned)
    return claim, project


async def _decide(
    session: AsyncSession, principal: Principal, claim_id: int
) -> tuple[ProjectClaim, Project]:
    claim, project = await _open(session, principal, claim_id, claimant_may=False)
    if claim.status is not ClaimStatus.WITHDRAW_REQUESTED:
        raise _refused(claim, "审批退出申请")
    return claim, project


async def approve_withdrawal(
    session: AsyncSession, principal: Principal, claim_id: int
) -> tuple[ProjectClaim, Project]:
    claim, project = await _decide(session, principal, claim_id)
    claim.status, claim.withdrawn_at = ClaimStatus.WITHDRAWN, now()
    await session.flush()
    await _log(session, principal, project, claim, "withdrawn", reason=claim.withdrawal_reason)
    return claim, project


async def refuse_withdrawal(
    session: AsyncSession, principal: Principal, claim_id: int, *, reason: str
) -> tuple[ProjectClaim, Project]:
    """Keep the claimant on: the claim is back to work started, with the community's why."""
    claim, project = await _decide(session, principal, claim_id)
    cleaned = clean_refusal("reason", inputs.required_note, reason)
    claim.status, claim.withdrawal_refusal = ClaimStatus.STARTED, cleaned
    await session.flush()
    await _log(session, principal, project, claim, "withdrawal_refused", reason=cleaned)
    return claim, project


async def complete_claim(
    session: AsyncSession, principal: Principal, claim_id: int, *, note: str | None = None
) -> tuple[ProjectClaim, Project]:
    """The community confirms the work was done."""
    claim, project = await _open(session, principal, claim_id, claimant_may=False)
    if claim.status is ClaimStatus.WITHDRAW_REQUESTED:
        raise _refused(claim, "确认完成", "；请先审批退出申请")
    if claim.status is not ClaimStatus.STARTED:
        raise _refused(claim, "确认完成")
    cleaned = clean_claim("note", inputs.note, note)
    claim.status, claim.completed_at, claim.completion_note = ClaimStatus.COMPLETED, now(), cleaned
    await session.flush()
    await _log(session, principal, project, claim, "completed", note=cleaned)
    return claim, project


async def list_claims(
    session: AsyncSession, principal: Principal, page: Page, where: ClaimFilter
) -> PageOf[ProjectClaim]:
    """Staff see the claims on projects in their area; a unit or member its own."""
    own = repository.claims_of(principal.unit_id, principal.member_id)
    scope = access.scope_or_own(principal, RESOURCE, "read", ProjectClaim.scope_path, own)
    return await repository.claims_page(session, scope, page, where)
