"""What every step of the assessment shares: the year and its rules, the community, the
history row and the event with its audit entry."""

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.db import bound_tenant
from policies.principal import Principal
from services.assessment.errors import InvalidAssessment
from services.assessment.models import AssessmentChange, ChangeKind, FeedbackForm, UnitEvaluation
from services.events.service import SCHEDULER
from services.registration.places import community as registration_community
from tenants.hierarchy.models import Node
from tenants.rules.model import Grade, Rules
from tenants.rules.service import rules_on

FORM = "feedback_form"
EVALUATION = "unit_evaluation"
FIRST_YEAR = 2000
COMMENT_MAX_LENGTH = 500
REASON_MAX_LENGTH = 200
MAX_BATCH = 500


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= today().year:
        raise InvalidAssessment(f"「年份」应在 {FIRST_YEAR} 到 {today().year} 之间", field="year")


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


async def year_rules(session: AsyncSession, year: int) -> Rules:
    """The rules a year is judged by: those in force on its last day (today, for the
    current year), as the records' totals judge it."""
    return await rules_on(session, min(date(year, 12, 31), today()))


def deadline(year: int, rules: Rules) -> date:
    """The day the forms of `year` are to be signed off by."""
    return date(year, 12, 31) + timedelta(days=rules.assessment.feedback_deadline_days)


async def community(session: AsyncSession, community_id: int) -> Node:
    """A community in service (a township or a retired one is refused)."""
    return await registration_community(session, community_id, field="communityId")


def clean_comment(comment: str | None) -> str | None:
    cleaned = (comment or "").strip()
    if len(cleaned) > COMMENT_MAX_LENGTH:
        raise InvalidAssessment(f"「评语」不超过 {COMMENT_MAX_LENGTH} 个字", field="comment")
    return cleaned or None


def clean_reason(reason: str) -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise InvalidAssessment("请说明「原因」", field="reason")
    if len(cleaned) > REASON_MAX_LENGTH:
        raise InvalidAssessment(f"「原因」不超过 {REASON_MAX_LENGTH} 个字", field="reason")
    return cleaned


def check_batch(ids: list[int], *, field: str = "ids") -> list[int]:
    if not ids:
        raise InvalidAssessment("请至少选择一份", field=field)
    if len(set(ids)) > MAX_BATCH:
        raise InvalidAssessment(f"一次最多 {MAX_BATCH} 份，请分批办理", field=field)
    return list(dict.fromkeys(ids))


def changed(
    session: AsyncSession,
    principal: Principal | None,
    kind: ChangeKind,
    *,
    form: FeedbackForm | None = None,
    evaluation: UnitEvaluation | None = None,
    grade: Grade | None = None,
    note: str | None = None,
) -> None:
    """A row of the history (written with the step's next flush)."""
    session.add(
        AssessmentChange(
            tenant_id=bound_tenant(session),
            form_id=None if form is None else form.id,
            evaluation_id=None if evaluation is None else evaluation.id,
            change=kind,
            grade=grade,
            note=note,
            changed_by=None if principal is None else principal.account_id,
            changed_by_name=SCHEDULER if principal is None else principal.name,
        )
    )
