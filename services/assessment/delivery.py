"""表现反馈表, the units' side: the community delivers signed-off forms to each member's
work unit at the year's end (never to another), and the unit acknowledges them."""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from policies import access
from policies.principal import Principal
from services.assessment.common import FORM, changed
from services.assessment.errors import AssessmentNotReady, NotMembersUnit
from services.assessment.forms import here, locked_forms, names
from services.assessment.models import FORM_STATUS_NAMES, ChangeKind, FeedbackForm, FormStatus
from services.events.service import record_step
from services.registry import repository as registry
from services.registry.units import get_unit
from tenants.hierarchy import repository as hierarchy


def _in_state(
    forms: list[FeedbackForm], wanted: FormStatus, members: dict[int, Any], doing: str
) -> None:
    """Refuse when any form is not in the state the step asks for, naming them."""
    for status in FormStatus:
        if status is wanted:
            continue
        off = [f.member_id for f in forms if f.status is status]
        if off:
            raise AssessmentNotReady(
                f"{names(members, off)}的反馈表{FORM_STATUS_NAMES[status]}，不能{doing}",
                field="ids",
            )


def _grouped(
    forms: list[FeedbackForm], key: Callable[[FeedbackForm], tuple[int, ...]]
) -> dict[tuple[int, ...], list[FeedbackForm]]:
    groups: dict[tuple[int, ...], list[FeedbackForm]] = defaultdict(list)
    for form in forms:
        groups[key(form)].append(form)
    return groups


async def deliver_forms(
    session: AsyncSession, principal: Principal, *, form_ids: list[int], unit_id: int
) -> list[FeedbackForm]:
    """Deliver signed-off forms to the unit; each must be of a member whose unit at the
    year's end it is."""
    unit = await get_unit(session, unit_id, field="unitId")
    forms = await locked_forms(session, form_ids)
    for form in forms:
        access.require(
            session,
            principal,
            resource=FORM,
            action="deliver",
            node=here(form),
            object_id=str(form.id),
        )
    members = await registry.members_by_id(session, [f.member_id for f in forms])
    _in_state(forms, FormStatus.SIGNED_OFF, members, "送达")
    elsewhere = [f for f in forms if f.unit_id != unit.id]
    if elsewhere:
        units = await registry.units_by_id(session, {f.unit_id for f in elsewhere})
        said = "；".join(
            f"{members[f.member_id].name}{f.year}年末所在单位为“{units[f.unit_id].name}”"
            for f in elsewhere
        )
        raise NotMembersUnit(
            f"{said}，不能送达“{unit.name}”：反馈表只能送达党员年末所在单位", field="unitId"
        )
    at = now()
    for form in forms:
        form.status = FormStatus.DELIVERED
        form.delivered_by, form.delivered_at = principal.account_id, at
        changed(session, principal, ChangeKind.DELIVERED, form=form)
    await session.flush()
    groups = _grouped(forms, lambda f: (f.community_id, f.year))
    places = await hierarchy.get_many(session, [community_id for community_id, _ in groups])
    for (community_id, year), delivered in groups.items():
        node = places[community_id]
        await record_step(
            session,
            principal,
            type="feedback_form.delivered",
            node=(node.id, node.path),
            object_type="unit",
            object_id=unit.id,
            payload={
                "community_id": node.id,
                "community_name": node.name,
                "year": year,
                "unit_id": unit.id,
                "unit_name": unit.name,
                "form_ids": [f.id for f in delivered],
            },
        )
    return forms


async def acknowledge_forms(
    session: AsyncSession, principal: Principal, *, form_ids: list[int]
) -> list[FeedbackForm]:
    """The unit acknowledges the forms delivered to it (its Party organisation's admin)."""
    forms = await locked_forms(session, form_ids)
    for form in forms:
        access.require(
            session,
            principal,
            resource=FORM,
            action="acknowledge",
            node=here(form),
            object_id=str(form.id),
            owned=principal.unit_id == form.unit_id,
        )
    members = await registry.members_by_id(session, [f.member_id for f in forms])
    _in_state(forms, FormStatus.DELIVERED, members, "签收")
    at = now()
    for form in forms:
        form.status = FormStatus.ACKNOWLEDGED
        form.acknowledged_by, form.acknowledged_at = principal.account_id, at
        form.acknowledged_by_name = principal.name
        changed(session, principal, ChangeKind.ACKNOWLEDGED, form=form)
    await session.flush()
    for (unit_id, community_id, year), done in _grouped(
        forms, lambda f: (f.unit_id, f.community_id, f.year)
    ).items():
        await record_step(
            session,
            principal,
            type="feedback_form.acknowledged",
            node=here(done[0]),
            object_type="unit",
            object_id=unit_id,
            payload={
                "community_id": community_id,
                "year": year,
                "unit_id": unit_id,
                "form_ids": [f.id for f in done],
            },
        )
    return forms
