"""Who reads which activities: staff those in their area; a unit admin its unit's own and
those published where the unit is registered; a member the published ones open to them
and those they joined. The list and a single read ask the same SQL predicate."""

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.activities import repository
from services.activities.audience import viewer_of
from services.activities.models import (
    Activity,
    ActivitySignup,
    Attendance,
    SignupStatus,
)
from services.activities.repository import ActivityFilter, Viewer, visible_to
from services.activities.service import RESOURCE, get_activity, here, is_organiser


async def _viewer(session: AsyncSession, principal: Principal) -> Viewer:
    if principal.unit_id is None and principal.member_id is None:
        return Viewer()
    return await viewer_of(session, principal)


async def read_activity(session: AsyncSession, principal: Principal, activity_id: int) -> Activity:
    activity = await get_activity(session, activity_id)
    owned = False
    if not access.may(principal, activity.scope_path, RESOURCE, "read") and access.may_own(
        principal, RESOURCE, "read"
    ):
        seen = visible_to(await _viewer(session, principal))
        owned = await repository.is_among(session, activity.id, seen)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=here(activity),
        object_id=str(activity.id),
        owned=owned,
    )
    return activity


async def list_activities(
    session: AsyncSession, principal: Principal, page: Page, where: ActivityFilter
) -> PageOf[Activity]:
    """The activities the caller may read, narrowed by `where`, in one query."""
    viewer = await _viewer(session, principal)
    scope = access.scope_or_own(
        principal, RESOURCE, "read", Activity.scope_path, visible_to(viewer)
    )
    return await repository.activities_page(
        session, scope, page, replace(where, viewer=viewer, at=now())
    )


def may_oversee(principal: Principal, activity: Activity) -> bool:
    """Who sees the sign-up and attendance lists: the organiser, and staff who may read
    activities where it is held."""
    return is_organiser(principal, activity) or access.may(
        principal, activity.scope_path, RESOURCE, "read"
    )


async def signups(
    session: AsyncSession,
    principal: Principal,
    activity: Activity,
    page: Page,
    status: SignupStatus | None,
) -> PageOf[ActivitySignup] | None:
    """The sign-ups in the order they came; None for those who may not see them."""
    if not may_oversee(principal, activity):
        return None
    return await repository.signups_page(session, activity.id, page, status)


async def attendances(
    session: AsyncSession, principal: Principal, activity: Activity, page: Page
) -> PageOf[Attendance] | None:
    """Who checked in and out; None for those who may not see it."""
    if not may_oversee(principal, activity):
        return None
    return await repository.attendances_page(session, activity.id, page)
