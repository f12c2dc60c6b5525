"""报名: a member of an activity's audience signs up while sign-up is open; within its
places they are signed up, past them on the waiting list (候补). A place given up before
the start, or taken away by the organiser, goes to the head of the waiting list.

Every sign-up change holds the activity's row lock, so the places counted are the places
there are, however many sign up at once, and the waiting list keeps the order they came.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from policies import access
from policies.principal import Principal
from services.activities import repository
from services.activities.audience import may_join, who_may_join
from services.activities.errors import (
    AlreadySignedUp,
    NotEligible,
    NotSignedUp,
    SignupClosed,
    SignupNotFound,
)
from services.activities.inputs import shown
from services.activities.models import Activity, ActivitySignup, ActivityStatus, SignupStatus
from services.activities.service import (
    RESOURCE,
    closed,
    get_activity,
    here,
    log,
    promote_waiting,
    require_organiser,
)
from services.registry import repository as registry
from services.registry.models import Member


async def joining_member(session: AsyncSession, principal: Principal, activity: Activity) -> Member:
    """The caller as a member taking part in the activity (`activity join:own`)."""
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="join",
        node=here(activity),
        object_id=str(activity.id),
        owned=principal.member_id is not None,
    )
    assert principal.member_id is not None
    member = await registry.get_member(session, principal.member_id)
    assert member is not None
    return member


async def sign_up(
    session: AsyncSession, principal: Principal, activity_id: int
) -> tuple[Activity, ActivitySignup]:
    activity = await get_activity(session, activity_id, lock="update")
    member = await joining_member(session, principal, activity)
    if not await may_join(session, activity, member):
        reason = await who_may_join(session, activity)
        raise NotEligible(f"您不在本活动的参加对象之内：{reason}", field="id")
    if activity.status is not ActivityStatus.PUBLISHED:
        raise closed(activity, "报名")
    at = now()
    if at < activity.signup_opens_at:
        raise SignupClosed(f"报名将于 {shown(activity.signup_opens_at)} 开始", field="id")
    if at >= activity.signup_closes_at:
        raise SignupClosed(f"报名已于 {shown(activity.signup_closes_at)} 截止", field="id")
    existing = await repository.live_signup(session, activity.id, member.id)
    if existing is not None:
        raise AlreadySignedUp(
            "您已报名该活动"
            if existing.status is SignupStatus.SIGNED_UP
            else "您已在该活动的候补名单中",
            field="id",
        )
    taken = await repository.signed_up_count(session, activity.id)
    room = activity.capacity is None or taken < activity.capacity
    signup = ActivitySignup(
        tenant_id=bound_tenant(session),
        activity_id=activity.id,
        member_id=member.id,
        status=SignupStatus.SIGNED_UP if room else SignupStatus.WAITLISTED,
        signed_up_at=at,
    )
    session.add(signup)
    await session.flush()
    await log(
        session,
        principal,
        activity,
        f"activity_signup.{signup.status.value}",
        object_type="activity_signup",
        object_id=signup.id,
        signup_id=signup.id,
        member_id=member.id,
    )
    return activity, signup


async def _cancel(
    session: AsyncSession,
    principal: Principal,
    activity: Activity,
    signup: ActivitySignup,
    step: str,
) -> None:
    """End a sign-up; a place it held goes to the head of the waiting list."""
    held_place = signup.status is SignupStatus.SIGNED_UP
    before = signup.status
    signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now()
    signup.cancelled_by = principal.account_id
    await session.flush()
    await log(
        session,
        principal,
        activity,
        step,
        object_type="activity_signup",
        object_id=signup.id,
        signup_id=signup.id,
        member_id=signup.member_id,
        previous_status=before.value,
    )
    if held_place:
        await promote_waiting(session, principal, activity)


async def cancel_signup(
    session: AsyncSession, principal: Principal, activity_id: int
) -> tuple[Activity, ActivitySignup]:
    """The member gives up their place (or their turn on the waiting list) before the
    activity starts."""
    activity = await get_activity(session, activity_id, lock="update")
    member = await joining_member(session, principal, activity)
    if activity.status is not ActivityStatus.PUBLISHED:
        raise closed(activity, "取消报名")
    signup = await repository.live_signup(session, activity.id, member.id, lock="update")
    if signup is None:
        raise NotSignedUp("您没有报名该活动", field="id")
    if now() >= activity.starts_at:
        raise SignupClosed("活动已开始，不能取消报名", field="id")
    await _cancel(session, principal, activity, signup, "activity_signup.cancelled")
    return activity, signup


async def remove_signup(
    session: AsyncSession, principal: Principal, signup_id: int
) -> tuple[Activity, ActivitySignup]:
    """The organiser takes a sign-up off the list (the same moving up follows)."""
    found = await repository.get_signup(session, signup_id)
    if found is None:
        raise SignupNotFound("未找到该报名", field="signupId")
    activity = await get_activity(session, found.activity_id, lock="update")
    require_organiser(session, principal, activity)
    signup = await repository.get_signup(session, signup_id, lock="update")
    assert signup is not None
    if activity.status is not ActivityStatus.PUBLISHED:
        raise closed(activity, "移除报名", field="signupId")
    if signup.status is SignupStatus.CANCELLED:
        raise NotSignedUp("该报名已取消", field="signupId")
    await _cancel(session, principal, activity, signup, "activity_signup.removed")
    return activity, signup
