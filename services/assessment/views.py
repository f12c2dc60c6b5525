"""Who reads which forms and evaluations: staff those of the communities in their scope;
a unit's admin the forms delivered to its unit and its unit's signed-off evaluations; a
member their own forms once delivered. A list and a single read ask the same SQL."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.assessment import repository
from services.assessment.common import EVALUATION, FORM, check_year, community, deadline, year_rules
from services.assessment.evaluations import get_evaluation
from services.assessment.forms import get_form
from services.assessment.models import (
    DELIVERED_STATUSES,
    EvaluationStatus,
    FeedbackForm,
    FormStatus,
    UnitEvaluation,
)
from services.assessment.repository import EvaluationFilter, FormFilter
from services.assessment.windows import member_windows
from services.registry.models import Unit
from services.registry.units import get_unit
from tenants.hierarchy.service import ref


def own_forms(principal: Principal) -> ColumnElement[bool]:
    """Forms delivered to the caller's unit, or of the caller as a member."""
    mine: list[ColumnElement[bool]] = []
    if principal.unit_id is not None:
        mine.append(FeedbackForm.unit_id == principal.unit_id)
    if principal.member_id is not None:
        mine.append(FeedbackForm.member_id == principal.member_id)
    if not mine:
        return false()
    return and_(FeedbackForm.status.in_(DELIVERED_STATUSES), or_(*mine))


def own_evaluations(principal: Principal) -> ColumnElement[bool]:
    if principal.unit_id is None:
        return false()
    return and_(
        UnitEvaluation.unit_id == principal.unit_id,
        UnitEvaluation.status == EvaluationStatus.SIGNED_OFF,
    )


def _form_scope(principal: Principal) -> ColumnElement[bool]:
    return access.scope_or_own(
        principal, FORM, "read", FeedbackForm.scope_path, own_forms(principal)
    )


async def read_form(session: AsyncSession, principal: Principal, form_id: int) -> FeedbackForm:
    form = await get_form(session, form_id)
    owned = False
    if not access.may(principal, form.scope_path, FORM, "read"):
        owned = await repository.is_among(session, form.id, own_forms(principal))
    access.require(
        session,
        principal,
        resource=FORM,
        action="read",
        node=(form.community_id, form.scope_path),
        object_id=str(form.id),
        owned=owned,
    )
    return form


async def list_forms(
    session: AsyncSession, principal: Principal, page: Page, where: FormFilter
) -> PageOf[FeedbackForm]:
    return await repository.forms_page(session, _form_scope(principal), page, where)


async def unit_forms(
    session: AsyncSession, principal: Principal, unit_id: int, year: int
) -> tuple[Unit, list[FeedbackForm]]:
    """Every form of the unit's members for the year the caller may read (a workbook)."""
    check_year(year)
    unit = await get_unit(session, unit_id, field="unitId")
    mine = principal.unit_id == unit.id and access.may_own(principal, FORM, "read")
    if not mine and access.allowed_subtrees(principal, FORM, "read") == []:
        access.require(
            session,
            principal,
            resource=FORM,
            action="read",
            node=(unit.node_id, unit.scope_path),
            object_id=str(unit.id),
        )
    rows = await repository.all_forms(
        session, _form_scope(principal), FormFilter(year=year, unit_id=unit.id)
    )
    return unit, rows


async def read_evaluation(
    session: AsyncSession, principal: Principal, evaluation_id: int
) -> UnitEvaluation:
    evaluation = await get_evaluation(session, evaluation_id)
    owned = (
        principal.unit_id == evaluation.unit_id and evaluation.status is EvaluationStatus.SIGNED_OFF
    )
    access.require(
        session,
        principal,
        resource=EVALUATION,
        action="read",
        node=(evaluation.community_id, evaluation.scope_path),
        object_id=str(evaluation.id),
        owned=owned,
    )
    return evaluation


async def list_evaluations(
    session: AsyncSession, principal: Principal, page: Page, where: EvaluationFilter
) -> PageOf[UnitEvaluation]:
    """The ranking the caller may read: best score first."""
    check_year(where.year)
    scope = access.scope_or_own(
        principal, EVALUATION, "read", UnitEvaluation.scope_path, own_evaluations(principal)
    )
    return await repository.evaluations_page(session, scope, page, where)


@dataclass(frozen=True)
class Progress:
    """Where a community's forms of a year stand, against the deadline."""

    year: int
    community_id: int
    registered: int
    by_status: dict[FormStatus, int]
    graded: int
    deadline: date

    @property
    def generated(self) -> int:
        return sum(self.by_status.values())

    @property
    def outstanding(self) -> int:
        """Registrations without a form signed off (none made yet, or still a draft)."""
        signed = self.generated - self.by_status.get(FormStatus.DRAFT, 0)
        return max(0, self.registered - signed)

    @property
    def days_left(self) -> int:
        return (self.deadline - today()).days


async def progress(
    session: AsyncSession, principal: Principal, *, community_id: int, year: int
) -> Progress:
    check_year(year)
    node = await community(session, community_id)
    access.require(session, principal, resource=FORM, action="read", node=ref(node))
    registered = len(await member_windows(session, node.id, year))
    counts = await repository.form_counts(session, node.id, year)
    by_status = {status: count for status, (count, _) in counts.items()}
    graded = sum(with_grade for _, with_grade in counts.values())
    rules = await year_rules(session, year)
    return Progress(year, node.id, registered, by_status, graded, deadline(year, rules))
