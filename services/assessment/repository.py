"""Every query of feedback forms, unit evaluations and their history."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.assessment.models import (
    AssessmentChange,
    EvaluationStatus,
    FeedbackForm,
    FormStatus,
    UnitEvaluation,
)
from tenants.rules.model import Grade

# A workbook holds at most this many forms (a unit's members in one county, one year).
WORKBOOK_MAX_ROWS = 10_000


def _locked(query: Select[Any], lock: bool) -> Select[Any]:
    """Locked for a change, re-read under the lock so a step taken meanwhile is seen."""
    if not lock:
        return query
    return query.with_for_update().execution_options(populate_existing=True)


# --- forms ------------------------------------------------------------------------------


async def get_form(
    session: AsyncSession, form_id: int, *, lock: bool = False
) -> FeedbackForm | None:
    found: FeedbackForm | None = await session.scalar(
        _locked(select(FeedbackForm).where(FeedbackForm.id == form_id), lock)
    )
    return found


async def forms_by_id(
    session: AsyncSession, ids: Collection[int], *, lock: bool = False
) -> dict[int, FeedbackForm]:
    query = select(FeedbackForm).where(FeedbackForm.id.in_(list(ids))).order_by(FeedbackForm.id)
    return {form.id: form for form in await session.scalars(_locked(query, lock))}


async def community_forms(
    session: AsyncSession, community_id: int, year: int, *, lock: bool = False
) -> list[FeedbackForm]:
    """The community's forms of the year, in the order they were made."""
    query = (
        select(FeedbackForm)
        .where(FeedbackForm.community_id == community_id, FeedbackForm.year == year)
        .order_by(FeedbackForm.id)
    )
    return list(await session.scalars(_locked(query, lock)))


@dataclass(frozen=True)
class FormFilter:
    year: int | None = None
    within: str | None = None
    community_id: int | None = None
    unit_id: int | None = None
    member_id: int | None = None
    status: FormStatus | None = None
    grade: Grade | None = None


def _forms(scope: ColumnElement[bool], where: FormFilter) -> Select[Any]:
    query = select(FeedbackForm).where(scope, *in_subtree(FeedbackForm.scope_path, where.within))
    wanted = (
        (FeedbackForm.year, where.year),
        (FeedbackForm.community_id, where.community_id),
        (FeedbackForm.unit_id, where.unit_id),
        (FeedbackForm.member_id, where.member_id),
        (FeedbackForm.status, where.status),
        (FeedbackForm.grade, where.grade),
    )
    for column, value in wanted:
        if value is not None:
            query = query.where(column == value)
    return query


async def forms_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: FormFilter
) -> PageOf[FeedbackForm]:
    return await fetch_page(session, _forms(scope, where), [FeedbackForm.id], page)


async def all_forms(
    session: AsyncSession, scope: ColumnElement[bool], where: FormFilter
) -> list[FeedbackForm]:
    """Every form of `where` the scope lets through (a workbook's rows), in order."""
    query = _forms(scope, where).order_by(FeedbackForm.id).limit(WORKBOOK_MAX_ROWS)
    return list(await session.scalars(query))


async def form_counts(
    session: AsyncSession, community_id: int, year: int
) -> dict[FormStatus, tuple[int, int]]:
    """The community's forms of the year by status: (how many, how many graded)."""
    query = (
        select(FeedbackForm.status, func.count(), func.count(FeedbackForm.grade))
        .where(FeedbackForm.community_id == community_id, FeedbackForm.year == year)
        .group_by(FeedbackForm.status)
    )
    return {
        FormStatus(status): (int(count), int(graded))
        for status, count, graded in await session.execute(query)
    }


async def is_among(session: AsyncSession, form_id: int, rows: ColumnElement[bool]) -> bool:
    query = select(func.count()).where(FeedbackForm.id == form_id, rows)
    return bool(await session.scalar(query))


# --- evaluations ------------------------------------------------------------------------


async def get_evaluation(
    session: AsyncSession, evaluation_id: int, *, lock: bool = False
) -> UnitEvaluation | None:
    found: UnitEvaluation | None = await session.scalar(
        _locked(select(UnitEvaluation).where(UnitEvaluation.id == evaluation_id), lock)
    )
    return found


async def community_evaluations(
    session: AsyncSession, community_id: int, year: int, *, lock: bool = False
) -> list[UnitEvaluation]:
    query = (
        select(UnitEvaluation)
        .where(UnitEvaluation.community_id == community_id, UnitEvaluation.year == year)
        .order_by(UnitEvaluation.id)
    )
    return list(await session.scalars(_locked(query, lock)))


@dataclass(frozen=True)
class EvaluationFilter:
    year: int
    within: str | None = None
    community_id: int | None = None
    unit_id: int | None = None
    status: EvaluationStatus | None = None


async def evaluations_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: EvaluationFilter
) -> PageOf[UnitEvaluation]:
    """The ranking: best score first (the newer of two equal scores first)."""
    query = select(UnitEvaluation).where(
        scope,
        UnitEvaluation.year == where.year,
        *in_subtree(UnitEvaluation.scope_path, where.within),
    )
    wanted = (
        (UnitEvaluation.community_id, where.community_id),
        (UnitEvaluation.unit_id, where.unit_id),
        (UnitEvaluation.status, where.status),
    )
    for column, value in wanted:
        if value is not None:
            query = query.where(column == value)
    order = [UnitEvaluation.score, UnitEvaluation.id]
    return await fetch_page(session, query, order, page, descending=True)


# --- history ----------------------------------------------------------------------------


async def form_history(
    session: AsyncSession, form_ids: Collection[int]
) -> dict[int, list[AssessmentChange]]:
    query = (
        select(AssessmentChange)
        .where(AssessmentChange.form_id.in_(list(form_ids)))
        .order_by(AssessmentChange.id)
    )
    found: dict[int, list[AssessmentChange]] = {}
    for change in await session.scalars(query):
        assert change.form_id is not None
        found.setdefault(change.form_id, []).append(change)
    return found


async def evaluation_history(
    session: AsyncSession, evaluation_ids: Collection[int]
) -> dict[int, list[AssessmentChange]]:
    query = (
        select(AssessmentChange)
        .where(AssessmentChange.evaluation_id.in_(list(evaluation_ids)))
        .order_by(AssessmentChange.id)
    )
    found: dict[int, list[AssessmentChange]] = {}
    for change in await session.scalars(query):
        assert change.evaluation_id is not None
        found.setdefault(change.evaluation_id, []).append(change)
    return found
