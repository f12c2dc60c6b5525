"""表现反馈表, the community's side: generated in batch (generation.py), graded within the
county's rules, signed off by the community secretary, and reopened only by the
secretary with a reason on record. Delivery to the units is in delivery.py.

draft → signed_off → delivered → acknowledged; any but draft → draft by a reopening.
Every change is made under the forms' row locks.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from policies import access
from policies.principal import Principal
from services.assessment import repository
from services.assessment.common import (
    FORM,
    changed,
    check_batch,
    check_year,
    clean_comment,
    clean_reason,
    community,
    year_rules,
)
from services.assessment.errors import (
    AssessmentNotReady,
    AssessmentSignedOff,
    FeedbackFormNotFound,
    GradeNotAllowed,
)
from services.assessment.grading import check_grade
from services.assessment.models import FORM_STATUS_NAMES, ChangeKind, FeedbackForm, FormStatus
from services.events.service import record_step
from services.registry import repository as registry
from tenants.hierarchy.service import ref
from tenants.rules.model import GRADE_ORDER, Grade, Rules

# How many names a refusal lists before "等".
NAMES_SHOWN = 5


def here(form: FeedbackForm) -> tuple[int, str]:
    return form.community_id, form.scope_path


def described(form: FeedbackForm) -> dict[str, Any]:
    """What every event of one form says of it."""
    return {
        "form_id": form.id,
        "member_id": form.member_id,
        "unit_id": form.unit_id,
        "community_id": form.community_id,
        "year": form.year,
    }


def names(members: dict[int, Any], ids: Sequence[int]) -> str:
    shown = [members[i].name for i in ids[:NAMES_SHOWN] if i in members]
    return "、".join(shown) + ("等" if len(ids) > NAMES_SHOWN else "")


def signed_off(form: FeedbackForm) -> AssessmentSignedOff:
    return AssessmentSignedOff(
        f"该反馈表{FORM_STATUS_NAMES[form.status]}，不能再修改；如需修改，"
        "请社区书记先撤回签发并说明原因",
        field="id",
    )


async def get_form(session: AsyncSession, form_id: int, *, lock: bool = False) -> FeedbackForm:
    form = await repository.get_form(session, form_id, lock=lock)
    if form is None:
        raise FeedbackFormNotFound("未找到该反馈表", field="id")
    return form


async def locked_forms(session: AsyncSession, form_ids: list[int]) -> list[FeedbackForm]:
    """The forms named, locked in id order; every one must exist."""
    ids = check_batch(form_ids)
    found = await repository.forms_by_id(session, ids, lock=True)
    if any(i not in found for i in ids):
        raise FeedbackFormNotFound("未找到所选的反馈表，请刷新后再选", field="ids")
    return [found[i] for i in sorted(ids)]


# --- grading, sign-off, reopening ------------------------------------------------------


async def grade_form(
    session: AsyncSession,
    principal: Principal,
    form_id: int,
    *,
    grade: Grade,
    comment: str | None,
) -> FeedbackForm:
    """The community's grade and comment, within the county's rules for the year."""
    form = await get_form(session, form_id, lock=True)
    access.require(
        session, principal, resource=FORM, action="grade", node=here(form), object_id=str(form.id)
    )
    if form.status is not FormStatus.DRAFT:
        raise signed_off(form)
    cleaned = clean_comment(comment)
    member = await registry.get_member(session, form.member_id)
    assert member is not None  # a form's member is never deleted (foreign key)
    check_grade(form, await year_rules(session, form.year), grade, cleaned, member.name)
    form.grade, form.comment = grade, cleaned
    form.graded_by, form.graded_by_name, form.graded_at = (
        principal.account_id,
        principal.name,
        now(),
    )
    changed(session, principal, ChangeKind.GRADED, form=form, grade=grade, note=cleaned)
    await session.flush()
    await record_step(
        session,
        principal,
        type="feedback_form.graded",
        node=here(form),
        object_type=FORM,
        object_id=form.id,
        payload={**described(form), "grade": grade.value},
    )
    return form


def _not_allowed(forms: list[FeedbackForm], rules: Rules, members: dict[int, Any]) -> None:
    """Grades given before the figures were refreshed may no longer be allowed."""
    for form in forms:
        assert form.grade is not None
        member = members[form.member_id]
        try:
            check_grade(form, rules, form.grade, form.comment, member.name)
        except GradeNotAllowed as refused:
            raise GradeNotAllowed(
                f"{refused.message}。请重新评定后再签发", field="communityId"
            ) from None


def grade_counts(forms: list[FeedbackForm]) -> dict[str, int]:
    return {g.value: sum(1 for f in forms if f.grade is g) for g in GRADE_ORDER}


async def sign_off_forms(
    session: AsyncSession, principal: Principal, *, community_id: int, year: int
) -> list[FeedbackForm]:
    """The community secretary signs off every draft of the year at once; each must be
    graded, within the rules."""
    check_year(year)
    node = await community(session, community_id)
    access.require(session, principal, resource=FORM, action="sign_off", node=ref(node))
    forms = [
        f
        for f in await repository.community_forms(session, node.id, year, lock=True)
        if f.status is FormStatus.DRAFT
    ]
    if not forms:
        raise AssessmentNotReady(f"“{node.name}”{year}年没有待签发的反馈表", field="communityId")
    members = await registry.members_by_id(session, [f.member_id for f in forms])
    ungraded = [f.member_id for f in forms if f.grade is None]
    if ungraded:
        raise AssessmentNotReady(
            f"还有 {len(ungraded)} 份反馈表未评定等次（{names(members, ungraded)}），"
            "请评定后再签发",
            field="communityId",
        )
    _not_allowed(forms, await year_rules(session, year), members)
    at = now()
    for form in forms:
        form.status = FormStatus.SIGNED_OFF
        form.signed_off_by, form.signed_off_by_name = principal.account_id, principal.name
        form.signed_off_at = at
        changed(session, principal, ChangeKind.SIGNED_OFF, form=form, grade=form.grade)
    await session.flush()
    await record_step(
        session,
        principal,
        type="feedback_form.signed_off",
        node=ref(node),
        object_type="community",
        object_id=node.id,
        payload={
            "community_id": node.id,
            "year": year,
            "form_ids": [f.id for f in forms],
            "grades": grade_counts(forms),
        },
    )
    return forms


async def reopen_form(
    session: AsyncSession, principal: Principal, form_id: int, *, reason: str
) -> FeedbackForm:
    """The secretary takes a signed-off form back to a draft, with the reason on record;
    a delivery or acknowledgement it had goes with it (the form is delivered again)."""
    form = await get_form(session, form_id, lock=True)
    access.require(
        session, principal, resource=FORM, action="reopen", node=here(form), object_id=str(form.id)
    )
    cleaned = clean_reason(reason)
    if form.status is FormStatus.DRAFT:
        raise AssessmentNotReady("该反馈表尚未签发，可直接修改", field="id")
    was = form.status
    form.status = FormStatus.DRAFT
    form.signed_off_by = form.signed_off_by_name = form.signed_off_at = None
    form.delivered_by = form.delivered_at = None
    form.acknowledged_by = form.acknowledged_by_name = form.acknowledged_at = None
    form.reopened_count += 1
    changed(session, principal, ChangeKind.REOPENED, form=form, grade=form.grade, note=cleaned)
    await session.flush()
    await record_step(
        session,
        principal,
        type="feedback_form.reopened",
        node=here(form),
        object_type=FORM,
        object_id=form.id,
        payload={**described(form), "reason": cleaned, "was": was.value},
    )
    return form
