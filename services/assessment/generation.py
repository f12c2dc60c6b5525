"""表现反馈表 in batch: a form for each member registered with the community during the
year (or each of those named), pre-filled from the records (figures.py); drafts made
before are refreshed, forms signed off kept as they are. Two generations at once make
each form once (a unique index; the later one is told to try again)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from policies import access
from policies.principal import Principal
from services.assessment import repository
from services.assessment.common import FORM, changed, check_batch, check_year, community, year_rules
from services.assessment.errors import AssessmentConflict, NotRegisteredThere
from services.assessment.figures import Figures, member_figures, month_totals, quota_checks
from services.assessment.forms import names
from services.assessment.models import ChangeKind, FeedbackForm, FormStatus
from services.assessment.windows import Window, member_windows
from services.events.service import record_step
from services.registry import repository as registry
from services.registry.errors import MemberNotFound
from tenants.hierarchy.models import Node
from tenants.hierarchy.service import ref


@dataclass(frozen=True)
class Generated:
    """The forms (or evaluations) of a community's batch: made now, refreshed from the
    records, and kept as signed off."""

    rows: list[Any]
    created: int = 0
    refreshed: int = 0
    kept: int = 0
    changed_ids: list[int] = field(default_factory=list)


def _fill(
    form: FeedbackForm,
    window: Window,
    figures: Figures,
    checks: list[dict[str, Any]],
    unit_id: int,
    at: datetime,
) -> None:
    form.unit_id = unit_id
    form.registered_on = window.registered_on
    form.covers_from, form.covers_to = window.covers_from, window.covers_to
    form.activities_joined = figures.activities_joined
    form.service_times = figures.service_times
    form.service_hours = figures.service_hours
    form.claims, form.claims_completed = figures.claims, figures.claims_completed
    form.wishes_fulfilled = figures.wishes_fulfilled
    form.whistle_responses = figures.whistle_responses
    form.quota_checks = checks
    form.quota_met = all(check["met"] for check in checks)
    form.figures_at = at


async def _check_named(
    session: AsyncSession, node: Node, year: int, member_ids: list[int], windows: list[Window]
) -> None:
    """Every member named was registered with the community during the year."""
    members = await registry.members_by_id(session, member_ids)
    if any(i not in members for i in member_ids):
        raise MemberNotFound("「党员」中有未找到的党员，请刷新后再选", field="memberIds")
    covered = {w.subject_id for w in windows}
    outside = [i for i in member_ids if i not in covered]
    if outside:
        raise NotRegisteredThere(
            f"{names(members, outside)}{year}年未在“{node.name}”报到，不能由该社区填写反馈表",
            field="memberIds",
        )


async def generate_forms(
    session: AsyncSession,
    principal: Principal,
    *,
    community_id: int,
    year: int,
    member_ids: list[int] | None = None,
) -> Generated:
    """A form for each member registered with the community during the year (or each of
    those named), pre-filled from the records; drafts made before are refreshed, forms
    signed off are kept as they are."""
    check_year(year)
    node = await community(session, community_id)
    access.require(session, principal, resource=FORM, action="generate", node=ref(node))
    named = None if member_ids is None else check_batch(member_ids, field="memberIds")
    windows = await member_windows(session, node.id, year, named)
    if named is not None:
        await _check_named(session, node, year, named, windows)
    existing = {
        f.registration_id: f
        for f in await repository.community_forms(session, node.id, year, lock=True)
    }
    rules = await year_rules(session, year)
    figures = await member_figures(session, windows)
    member_ids_seen = list({w.subject_id for w in windows})
    months = await month_totals(session, member_ids_seen, year)
    members = await registry.members_by_id(session, member_ids_seen)
    at = now()
    made: list[FeedbackForm] = []
    refreshed: list[FeedbackForm] = []
    kept: list[FeedbackForm] = []
    for window in windows:
        form = existing.get(window.registration_id)
        if form is not None and form.status is not FormStatus.DRAFT:
            kept.append(form)
            continue
        if form is None:
            form = FeedbackForm(
                tenant_id=bound_tenant(session),
                year=year,
                community_id=node.id,
                scope_path=node.path,
                member_id=window.subject_id,
                registration_id=window.registration_id,
                status=FormStatus.DRAFT,
            )
            session.add(form)
            made.append(form)
        else:
            refreshed.append(form)
        checks = quota_checks(
            rules, year, months.get(window.subject_id, {}), window.covers_from, window.covers_to
        )
        member_unit = members[window.subject_id].unit_id
        _fill(form, window, figures[window.registration_id], checks, member_unit, at)
    try:
        await session.flush()
    except IntegrityError as error:
        raise AssessmentConflict(
            "该社区的反馈表正在由他人生成，请稍后刷新再试", field="communityId"
        ) from error
    for form in made:
        changed(session, principal, ChangeKind.GENERATED, form=form)
    for form in refreshed:
        changed(session, principal, ChangeKind.REFRESHED, form=form)
    done = made + refreshed
    if done:
        await session.flush()
        await record_step(
            session,
            principal,
            type="feedback_form.generated",
            node=ref(node),
            object_type="community",
            object_id=node.id,
            payload={
                "community_id": node.id,
                "year": year,
                "form_ids": [f.id for f in done],
                "created": len(made),
                "refreshed": len(refreshed),
                "kept": len(kept),
            },
        )
    rows = sorted(done + kept, key=lambda f: f.id)
    return Generated(rows, len(made), len(refreshed), len(kept), [f.id for f in done])
