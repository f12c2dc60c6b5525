"""志愿活动: a street, a community or a unit (谁组织谁记录) writes an activity, publishes it,
changes it until it starts, or cancels it; sign-up (signups.py), check-in (checkin.py) and
finishing (finishing.py) follow.

draft → published → finished; draft or published → cancelled. Every change of state is
made under the activity's row lock (SELECT … FOR UPDATE).
"""

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from policies import access
from policies.principal import Principal
from services.activities import drafts, inputs, repository
from services.activities.errors import ActivityClosed, ActivityNotFound, InvalidActivity
from services.activities.inputs import ActivityDraft, clean
from services.activities.models import (
    Activity,
    ActivitySignup,
    ActivityStatus,
    SignupStatus,
)
from services.events.service import record_step
from services.registry import fields
from tenants.hierarchy.models import Node
from tenants.hierarchy.service import ref

RESOURCE = "activity"
# How an activity's state reads in a refusal: 该活动已取消，不能报名.
STATE_PHRASES = {
    ActivityStatus.DRAFT: "尚未发布",
    ActivityStatus.PUBLISHED: "已发布",
    ActivityStatus.CANCELLED: "已取消",
    ActivityStatus.FINISHED: "已结束",
}


def here(activity: Activity) -> tuple[int, str]:
    return activity.node_id, activity.scope_path


def closed(activity: Activity, wanted: str, *, field: str = "id") -> ActivityClosed:
    return ActivityClosed(f"该活动{STATE_PHRASES[activity.status]}，不能{wanted}", field=field)


async def get_activity(
    session: AsyncSession, activity_id: int, *, lock: str | None = None, field: str = "id"
) -> Activity:
    found = await repository.get_activity(session, activity_id, lock=lock)
    if found is None:
        raise ActivityNotFound("未找到该活动", field=field)
    return found


def require_organiser(session: AsyncSession, principal: Principal, activity: Activity) -> None:
    """谁组织谁记录: a unit's activity only its admin manages; any other, the staff who
    manage activities at its node."""
    access.require_organiser(
        session,
        principal,
        resource=RESOURCE,
        action="manage",
        node=here(activity),
        organiser_unit_id=activity.organiser_unit_id,
        object_id=str(activity.id),
    )


def is_organiser(principal: Principal, activity: Activity) -> bool:
    if activity.organiser_unit_id is None:
        return access.may(principal, activity.scope_path, RESOURCE, "manage")
    return principal.unit_id == activity.organiser_unit_id and access.may_own(
        principal, RESOURCE, "manage"
    )


def described(activity: Activity) -> dict[str, Any]:
    """What every event and audit entry says of the activity."""
    return {
        "activity_id": activity.id,
        "title": activity.title,
        "node_id": activity.node_id,
        "community_id": activity.community_id,
        "organiser_unit_id": activity.organiser_unit_id,
        "project_id": activity.project_id,
        "collective": activity.collective,
        "status": activity.status.value,
    }


def terms(activity: Activity) -> dict[str, Any]:
    return {
        "post_category": activity.post_category,
        "audience": activity.audience.value,
        "audience_node_id": activity.audience_node_id,
        "capacity": activity.capacity,
        "starts_at": activity.starts_at.isoformat(),
        "ends_at": activity.ends_at.isoformat(),
        "signup_opens_at": activity.signup_opens_at.isoformat(),
        "signup_closes_at": activity.signup_closes_at.isoformat(),
    }


async def log(
    session: AsyncSession,
    principal: Principal | None,
    activity: Activity,
    type: str,
    *,
    object_type: str = RESOURCE,
    object_id: int | None = None,
    **detail: Any,
) -> None:
    """The event and audit entry of a step on the activity (or on a sign-up or an
    attendance of it): `activity.published`, `activity_signup.cancelled` …"""
    await record_step(
        session,
        principal,
        type=type,
        node=here(activity),
        object_type=object_type,
        object_id=activity.id if object_id is None else object_id,
        payload={**described(activity), **detail},
    )


# --- the activity's steps ------------------------------------------------------------


async def create_activity(
    session: AsyncSession, principal: Principal, draft: ActivityDraft
) -> Activity:
    """A draft, organised by the caller's unit when `organiser_unit_id` is given."""
    node = await drafts.place(session, draft.place_id)
    access.require_organiser(
        session,
        principal,
        resource=RESOURCE,
        action="manage",
        node=ref(node),
        organiser_unit_id=draft.organiser_unit_id,
    )
    activity = Activity(
        tenant_id=bound_tenant(session),
        status=ActivityStatus.DRAFT,
        code_secret=secrets.token_bytes(32),
        created_by=principal.account_id,
        created_by_name=principal.name,
    )
    await drafts.fill(session, principal, activity, node, draft)
    session.add(activity)
    await session.flush()
    await log(session, principal, activity, "activity.created", **terms(activity))
    return activity


async def for_change(session: AsyncSession, principal: Principal, activity_id: int) -> Activity:
    """The activity locked for a change, once the caller is known to organise it."""
    activity = await get_activity(session, activity_id, lock="update")
    require_organiser(session, principal, activity)
    return activity


def _keep(activity: Activity, draft: ActivityDraft, node: Node) -> None:
    """What those signed up joined for holds once the activity is published."""
    kept = (
        ("placeId", node.id != activity.node_id),
        ("audience", draft.audience is not activity.audience),
        ("audienceScopeId", draft.audience_scope_id not in (None, activity.audience_node_id)),
    )
    for field, changed in kept:
        if changed:
            raise InvalidActivity(
                f"活动已发布，「{inputs.LABELS[field]}」不能修改（已报名的党员按原设定报名）",
                field=field,
            )


async def update_activity(
    session: AsyncSession, principal: Principal, activity_id: int, draft: ActivityDraft
) -> Activity:
    """Change a draft, or a published activity before it starts (its place and audience
    then hold, and its places never fall below those already signed up)."""
    activity = await for_change(session, principal, activity_id)
    if activity.status is ActivityStatus.PUBLISHED and activity.starts_at <= now():
        raise ActivityClosed("该活动已开始，不能再修改", field="id")
    if activity.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise closed(activity, "修改")
    if draft.organiser_unit_id != activity.organiser_unit_id:
        raise InvalidActivity("「组织单位」不能修改", field="organiserUnitId")
    node = await drafts.place(session, draft.place_id)
    if node.id != activity.node_id:
        access.require_organiser(
            session,
            principal,
            resource=RESOURCE,
            action="manage",
            node=ref(node),
            organiser_unit_id=activity.organiser_unit_id,
        )
    published = activity.status is ActivityStatus.PUBLISHED
    if published:
        _keep(activity, draft, node)
        taken = await repository.signed_up_count(session, activity.id)
        if draft.capacity is not None and draft.capacity < taken:
            raise InvalidActivity(f"「招募人数」不能少于已报名的 {taken} 人", field="capacity")
    await drafts.fill(session, principal, activity, node, draft)
    await session.flush()
    await log(session, principal, activity, "activity.updated", **terms(activity))
    if published:
        await promote_waiting(session, principal, activity)
    return activity


async def promote_waiting(
    session: AsyncSession, principal: Principal | None, activity: Activity
) -> list[ActivitySignup]:
    """Move the head of the waiting list up into the places free (first come, first
    moved up), each with its event. Call with the activity locked."""
    if activity.capacity is None:
        free = None
    else:
        free = activity.capacity - await repository.signed_up_count(session, activity.id)
        if free <= 0:
            return []
    moved = await repository.waitlisted_first(session, activity.id, free)
    at = now()
    for signup in moved:
        signup.status, signup.promoted_at = SignupStatus.SIGNED_UP, at
    await session.flush()
    for signup in moved:
        await log(
            session,
            principal,
            activity,
            "activity_signup.promoted",
            object_type="activity_signup",
            object_id=signup.id,
            signup_id=signup.id,
            member_id=signup.member_id,
        )
    return moved


async def publish_activity(
    session: AsyncSession, principal: Principal, activity_id: int
) -> Activity:
    """Publish a draft whose start is still ahead; its category is checked again against
    the rules of its day."""
    activity = await for_change(session, principal, activity_id)
    if activity.status is not ActivityStatus.DRAFT:
        raise closed(activity, "再发布")
    if activity.starts_at <= now():
        raise ActivityClosed(
            f"活动开始时间（{inputs.shown(activity.starts_at)}）已过，请修改时间后再发布",
            field="id",
        )
    activity.post_category = await drafts.category(
        session, activity.post_category, activity.starts_at
    )
    activity.status, activity.published_at = ActivityStatus.PUBLISHED, now()
    await session.flush()
    await log(session, principal, activity, "activity.published", **terms(activity))
    return activity


async def cancel_activity(
    session: AsyncSession, principal: Principal, activity_id: int, *, reason: str
) -> Activity:
    """Call it off with a reason; every live sign-up ends with it."""
    activity = await for_change(session, principal, activity_id)
    cleaned = clean("reason", lambda v: fields.required_text(v, inputs.REASON_MAX_LENGTH), reason)
    if activity.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise closed(activity, "取消")
    at = now()
    live = await repository.live_signups(session, activity.id)
    signed_up = sum(1 for s in live if s.status is SignupStatus.SIGNED_UP)
    for signup in live:
        signup.status, signup.cancelled_at = SignupStatus.CANCELLED, at
        signup.cancelled_by = principal.account_id
    activity.status, activity.cancelled_at, activity.cancel_reason = (
        ActivityStatus.CANCELLED,
        at,
        cleaned,
    )
    await session.flush()
    await log(
        session,
        principal,
        activity,
        "activity.cancelled",
        reason=cleaned,
        signed_up=signed_up,
        waitlisted=len(live) - signed_up,
    )
    return activity
