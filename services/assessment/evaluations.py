"""评价表: each community evaluates the units registered with it during the year — scored
from the records by the county's weights (measures.py), the agreement's commitments found
met or not by the community — signs them off, and reopens one only with a reason."""

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from policies import access
from policies.principal import Principal
from services.assessment import measures, repository
from services.assessment.common import (
    EVALUATION,
    changed,
    check_year,
    clean_comment,
    clean_reason,
    community,
    year_rules,
)
from services.assessment.errors import (
    AssessmentConflict,
    AssessmentNotReady,
    AssessmentSignedOff,
    InvalidAssessment,
    UnitEvaluationNotFound,
)
from services.assessment.generation import Generated
from services.assessment.models import (
    EVALUATION_STATUS_NAMES,
    ChangeKind,
    EvaluationStatus,
    UnitEvaluation,
)
from services.assessment.unit_figures import unit_figures
from services.assessment.windows import unit_windows
from services.events.service import record_step
from tenants.hierarchy.service import ref


def here(evaluation: UnitEvaluation) -> tuple[int, str]:
    return evaluation.community_id, evaluation.scope_path


def described(evaluation: UnitEvaluation) -> dict[str, Any]:
    return {
        "evaluation_id": evaluation.id,
        "unit_id": evaluation.unit_id,
        "community_id": evaluation.community_id,
        "year": evaluation.year,
        "score": str(evaluation.score),
    }


async def get_evaluation(
    session: AsyncSession, evaluation_id: int, *, lock: bool = False
) -> UnitEvaluation:
    found = await repository.get_evaluation(session, evaluation_id, lock=lock)
    if found is None:
        raise UnitEvaluationNotFound("未找到该评价表", field="id")
    return found


def _draft(evaluation: UnitEvaluation) -> None:
    if evaluation.status is not EvaluationStatus.DRAFT:
        raise AssessmentSignedOff(
            f"该评价表{EVALUATION_STATUS_NAMES[evaluation.status]}，不能再修改；如需修改，"
            "请社区书记先撤回签发并说明原因",
            field="id",
        )


async def evaluate_units(
    session: AsyncSession, principal: Principal, *, community_id: int, year: int
) -> Generated:
    """An evaluation of each unit registered with the community during the year, scored
    from the records; drafts are rescored (keeping the commitments found met), those
    signed off kept."""
    check_year(year)
    node = await community(session, community_id)
    access.require(session, principal, resource=EVALUATION, action="evaluate", node=ref(node))
    windows = await unit_windows(session, node.id, year)
    existing = {
        e.registration_id: e
        for e in await repository.community_evaluations(session, node.id, year, lock=True)
    }
    rules = await year_rules(session, year)
    figures = await unit_figures(session, windows, rules, year)
    at = now()
    made: list[UnitEvaluation] = []
    refreshed: list[UnitEvaluation] = []
    kept: list[UnitEvaluation] = []
    for window in windows:
        evaluation = existing.get(window.registration_id)
        if evaluation is not None and evaluation.status is not EvaluationStatus.DRAFT:
            kept.append(evaluation)
            continue
        if evaluation is None:
            evaluation = UnitEvaluation(
                tenant_id=bound_tenant(session),
                year=year,
                community_id=node.id,
                scope_path=node.path,
                unit_id=window.subject_id,
                registration_id=window.registration_id,
                status=EvaluationStatus.DRAFT,
                commitments=[],
            )
            session.add(evaluation)
            made.append(evaluation)
        else:
            refreshed.append(evaluation)
        found = figures[window.registration_id]
        evaluation.covers_from, evaluation.covers_to = window.covers_from, window.covers_to
        evaluation.agreement_id = None if found.agreement is None else found.agreement.id
        evaluation.commitments = measures.commitments_of(found, evaluation.commitments)
        evaluation.measures = measures.measures(
            found, evaluation.commitments, rules, window.covers_from, window.covers_to
        )
        evaluation.score = measures.score(evaluation.measures)
        evaluation.figures_at = at
    try:
        await session.flush()
    except IntegrityError as error:
        raise AssessmentConflict(
            "该社区的评价表正在由他人生成，请稍后刷新再试", field="communityId"
        ) from error
    for evaluation in made:
        changed(session, principal, ChangeKind.GENERATED, evaluation=evaluation)
    for evaluation in refreshed:
        changed(session, principal, ChangeKind.REFRESHED, evaluation=evaluation)
    done = made + refreshed
    if done:
        await session.flush()
        await record_step(
            session,
            principal,
            type="unit_evaluation.generated",
            node=ref(node),
            object_type="community",
            object_id=node.id,
            payload={
                "community_id": node.id,
                "year": year,
                "evaluation_ids": [e.id for e in done],
                "unit_ids": [e.unit_id for e in done],
                "created": len(made),
                "refreshed": len(refreshed),
                "kept": len(kept),
            },
        )
    rows = sorted(done + kept, key=lambda e: e.id)
    return Generated(rows, len(made), len(refreshed), len(kept), [e.id for e in done])


def _met(commitments: list[dict[str, Any]], numbers: list[int]) -> list[dict[str, Any]]:
    """The commitments with those numbered (from 1) marked met, the others not."""
    total = len(commitments)
    for number in numbers:
        if not 1 <= number <= total:
            raise InvalidAssessment(
                f"「已履行的承诺」中的第 {number} 项不存在：协议共有 {total} 项承诺",
                field="commitmentsMet",
            )
    chosen = set(numbers)
    return [{**c, "met": i in chosen} for i, c in enumerate(commitments, start=1)]


async def assess_evaluation(
    session: AsyncSession,
    principal: Principal,
    evaluation_id: int,
    *,
    commitments_met: list[int],
    comment: str | None,
) -> UnitEvaluation:
    """The community finds which of the agreement's commitments were met, and comments;
    the score follows."""
    evaluation = await get_evaluation(session, evaluation_id, lock=True)
    access.require(
        session,
        principal,
        resource=EVALUATION,
        action="evaluate",
        node=here(evaluation),
        object_id=str(evaluation.id),
    )
    _draft(evaluation)
    cleaned = clean_comment(comment)
    evaluation.commitments = _met(evaluation.commitments, commitments_met)
    weight = (await year_rules(session, evaluation.year)).assessment.unit_weights.commitments
    agreed = measures.commitments_measure(
        evaluation.commitments, evaluation.agreement_id is not None, weight
    )
    evaluation.measures = [
        agreed if m["measure"] == "commitments" else m for m in evaluation.measures
    ]
    evaluation.score = measures.score(evaluation.measures)
    evaluation.comment = cleaned
    met = sum(1 for c in evaluation.commitments if c["met"])
    changed(
        session,
        principal,
        ChangeKind.ASSESSED,
        evaluation=evaluation,
        note=f"认定已履行承诺 {met} 项" + (f"；{cleaned}" if cleaned else ""),
    )
    await session.flush()
    await record_step(
        session,
        principal,
        type="unit_evaluation.assessed",
        node=here(evaluation),
        object_type=EVALUATION,
        object_id=evaluation.id,
        payload={
            **described(evaluation),
            "commitments": len(evaluation.commitments),
            "commitments_met": met,
        },
    )
    return evaluation


async def sign_off_evaluations(
    session: AsyncSession, principal: Principal, *, community_id: int, year: int
) -> list[UnitEvaluation]:
    """The community secretary signs off every draft evaluation of the year."""
    check_year(year)
    node = await community(session, community_id)
    access.require(session, principal, resource=EVALUATION, action="sign_off", node=ref(node))
    drafts = [
        e
        for e in await repository.community_evaluations(session, node.id, year, lock=True)
        if e.status is EvaluationStatus.DRAFT
    ]
    if not drafts:
        raise AssessmentNotReady(f"“{node.name}”{year}年没有待签发的评价表", field="communityId")
    at = now()
    for evaluation in drafts:
        evaluation.status = EvaluationStatus.SIGNED_OFF
        evaluation.signed_off_by = principal.account_id
        evaluation.signed_off_by_name, evaluation.signed_off_at = principal.name, at
        changed(session, principal, ChangeKind.SIGNED_OFF, evaluation=evaluation)
    await session.flush()
    await record_step(
        session,
        principal,
        type="unit_evaluation.signed_off",
        node=ref(node),
        object_type="community",
        object_id=node.id,
        payload={
            "community_id": node.id,
            "year": year,
            "evaluation_ids": [e.id for e in drafts],
            "unit_ids": [e.unit_id for e in drafts],
        },
    )
    return drafts


async def reopen_evaluation(
    session: AsyncSession, principal: Principal, evaluation_id: int, *, reason: str
) -> UnitEvaluation:
    evaluation = await get_evaluation(session, evaluation_id, lock=True)
    access.require(
        session,
        principal,
        resource=EVALUATION,
        action="reopen",
        node=here(evaluation),
        object_id=str(evaluation.id),
    )
    cleaned = clean_reason(reason)
    if evaluation.status is EvaluationStatus.DRAFT:
        raise AssessmentNotReady("该评价表尚未签发，可直接修改", field="id")
    evaluation.status = EvaluationStatus.DRAFT
    evaluation.signed_off_by = evaluation.signed_off_by_name = evaluation.signed_off_at = None
    evaluation.reopened_count += 1
    changed(session, principal, ChangeKind.REOPENED, evaluation=evaluation, note=cleaned)
    await session.flush()
    await record_step(
        session,
        principal,
        type="unit_evaluation.reopened",
        node=here(evaluation),
        object_type=EVALUATION,
        object_id=evaluation.id,
        payload={**described(evaluation), "reason": cleaned},
    )
    return evaluation
