"""Every query of activities, sign-ups and attendance."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.activities.models import (
    Activity,
    ActivitySignup,
    ActivityStatus,
    Attendance,
    Audience,
    SignupStatus,
)
from services.registration.models import MemberRegistration
from services.registration.standing import registered_members_within

LIVE_SIGNUP = ActivitySignup.status != SignupStatus.CANCELLED


def _locked(query: Any, lock: str | None) -> Any:
    """`lock` 'update' or 'share'; re-read under the lock, so a step taken meanwhile is
    seen rather than the session's copy."""
    if lock is None:
        return query
    return query.with_for_update(read=lock == "share").execution_options(populate_existing=True)


# --- activities ----------------------------------------------------------------------


async def get_activity(
    session: AsyncSession, activity_id: int, *, lock: str | None = None, for_update: bool = False
) -> Activity | None:
    """`lock` 'update' for a change of the activity or its sign-ups, 'share' for a
    check-in (many at once, none while it is being finished); `for_update` = 'update'."""
    query = _locked(
        select(Activity).where(Activity.id == activity_id),
        lock or ("update" if for_update else None),
    )
    found: Activity | None = await session.scalar(query)
    return found


async def activities_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Activity]:
    query = select(Activity).where(Activity.id.in_(list(ids)))
    return {row.id: row for row in await session.scalars(query)}


@dataclass(frozen=True)
class Viewer:
    """The caller as a unit admin or a member, for the activities open to it: the paths
    of the communities where its unit (`unit_paths`) or it as a member (`member_paths`)
    is registered, each with the paths of the nodes above (a street's activity open to
    the street reaches them)."""

    unit_id: int | None = None
    unit_paths: tuple[str, ...] = ()
    member_id: int | None = None
    # The member's work unit on the register (activities for a unit's own members).
    member_unit_id: int | None = None
    member_paths: tuple[str, ...] = ()


def open_to_member(viewer: Viewer) -> ColumnElement[bool]:
    """Published activities the viewer as a member may join by its audience."""
    if viewer.member_id is None:
        return false()
    reaches: list[ColumnElement[bool]] = []
    if viewer.member_paths:
        reaches.append(Activity.audience_path.in_(viewer.member_paths))
    if viewer.member_unit_id is not None:
        reaches.append(
            and_(
                Activity.audience == Audience.UNIT,
                Activity.organiser_unit_id == viewer.member_unit_id,
            )
        )
    if not reaches:
        return false()
    return and_(Activity.status == ActivityStatus.PUBLISHED, or_(*reaches))


def joined_by(member_id: int | None) -> ColumnElement[bool]:
    """Activities the member has a live sign-up for, or attended."""
    if member_id is None:
        return false()
    signed = select(ActivitySignup.activity_id).where(
        ActivitySignup.member_id == member_id, LIVE_SIGNUP
    )
    attended = select(Attendance.activity_id).where(Attendance.member_id == member_id)
    return or_(Activity.id.in_(signed), Activity.id.in_(attended))


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """What a unit admin or a member sees besides staff scope: the unit's own activities
    and those published in communities where it is registered; a member's open ones and
    those joined."""
    seen: list[ColumnElement[bool]] = []
    if viewer.unit_id is not None:
        seen.append(Activity.organiser_unit_id == viewer.unit_id)
        if viewer.unit_paths:
            seen.append(
                and_(
                    Activity.status == ActivityStatus.PUBLISHED,
                    Activity.audience_path.in_(viewer.unit_paths),
                )
            )
    if viewer.member_id is not None:
        seen += [open_to_member(viewer), joined_by(viewer.member_id)]
    return or_(*seen) if seen else false()


def joinable(viewer: Viewer, at: datetime) -> ColumnElement[bool]:
    """Open to the viewer as a member, taking sign-ups at `at`, not yet joined."""
    if viewer.member_id is None:
        return false()
    mine = select(ActivitySignup.activity_id).where(
        ActivitySignup.member_id == viewer.member_id, LIVE_SIGNUP
    )
    return and_(
        open_to_member(viewer),
        Activity.signup_opens_at <= at,
        Activity.signup_closes_at > at,
        Activity.id.not_in(mine),
    )


async def is_among(session: AsyncSession, activity_id: int, rows: ColumnElement[bool]) -> bool:
    """Whether the activity is one of `rows` (a single read asks what the list asks)."""
    query = select(exists().where(Activity.id == activity_id, rows))
    return bool(await session.scalar(query))


@dataclass(frozen=True)
class ActivityFilter:
    within: str | None = None
    status: ActivityStatus | None = None
    organiser_unit_id: int | None = None
    collective: bool | None = None
    # Taking sign-ups now and open to the caller (soonest first), or not.
    joinable: bool | None = None
    joined: bool | None = None
    at: datetime | None = None
    viewer: Viewer = field(default_factory=Viewer)


async def activities_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: ActivityFilter
) -> PageOf[Activity]:
    """Latest start first; joinable ones soonest first."""
    query = select(Activity).where(scope, *in_subtree(Activity.scope_path, where.within))
    if where.status is not None:
        query = query.where(Activity.status == where.status)
    if where.organiser_unit_id is not None:
        query = query.where(Activity.organiser_unit_id == where.organiser_unit_id)
    if where.collective is not None:
        query = query.where(Activity.collective.is_(where.collective))
    if where.joinable is not None:
        assert where.at is not None
        open_now = joinable(where.viewer, where.at)
        query = query.where(open_now if where.joinable else ~open_now)
    if where.joined is not None:
        joined = joined_by(where.viewer.member_id)
        query = query.where(joined if where.joined else ~joined)
    order = [Activity.starts_at, Activity.id]
    return await fetch_page(session, query, order, page, descending=not where.joinable)


async def due_to_finish(session: AsyncSession, ended_before: datetime) -> list[Activity]:
    """Published activities that ended before `ended_before`, locked, leaving those
    another run or an organiser holds (SKIP LOCKED)."""
    query = (
        select(Activity)
        .where(Activity.status == ActivityStatus.PUBLISHED, Activity.ends_at <= ended_before)
        .order_by(Activity.id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list(await session.scalars(query))


async def member_registered_within(session: AsyncSession, member_id: int, path: str) -> bool:
    query = registered_members_within(path).where(MemberRegistration.member_id == member_id)
    return bool(await session.scalar(select(exists(query))))


# --- sign-ups ------------------------------------------------------------------------


async def get_signup(
    session: AsyncSession, signup_id: int, *, lock: str | None = None
) -> ActivitySignup | None:
    found: ActivitySignup | None = await session.scalar(
        _locked(select(ActivitySignup).where(ActivitySignup.id == signup_id), lock)
    )
    return found


async def live_signup(
    session: AsyncSession, activity_id: int, member_id: int, *, lock: str | None = None
) -> ActivitySignup | None:
    query = select(ActivitySignup).where(
        ActivitySignup.activity_id == activity_id,
        ActivitySignup.member_id == member_id,
        LIVE_SIGNUP,
    )
    found: ActivitySignup | None = await session.scalar(_locked(query, lock))
    return found


async def signed_up_count(session: AsyncSession, activity_id: int) -> int:
    query = select(func.count()).where(
        ActivitySignup.activity_id == activity_id, ActivitySignup.status == SignupStatus.SIGNED_UP
    )
    return int(await session.scalar(query) or 0)


async def waitlisted_first(
    session: AsyncSession, activity_id: int, limit: int | None
) -> list[ActivitySignup]:
    """The waiting list from its head (first come, first moved up), locked; `limit` None
    for all of it."""
    query = (
        select(ActivitySignup)
        .where(
            ActivitySignup.activity_id == activity_id,
            ActivitySignup.status == SignupStatus.WAITLISTED,
        )
        .order_by(ActivitySignup.id)
        .limit(limit)
    )
    return list(await session.scalars(_locked(query, "update")))


async def live_signups(session: AsyncSession, activity_id: int) -> list[ActivitySignup]:
    """The activity's live sign-ups, locked in id order."""
    query = (
        select(ActivitySignup)
        .where(ActivitySignup.activity_id == activity_id, LIVE_SIGNUP)
        .order_by(ActivitySignup.id)
    )
    return list(await session.scalars(_locked(query, "update")))


async def waitlist_positions(session: AsyncSession, ids: Collection[int]) -> dict[int, int]:
    """Each waitlisted sign-up's place on its waiting list (1 is next to move up)."""
    ahead = aliased(ActivitySignup)
    position = (
        select(func.count())
        .where(
            ahead.activity_id == ActivitySignup.activity_id,
            ahead.status == SignupStatus.WAITLISTED,
            ahead.id <= ActivitySignup.id,
        )
        .scalar_subquery()
    )
    query = select(ActivitySignup.id, position).where(
        ActivitySignup.id.in_(list(ids)), ActivitySignup.status == SignupStatus.WAITLISTED
    )
    return {row[0]: int(row[1]) for row in await session.execute(query)}


async def signups_page(
    session: AsyncSession, activity_id: int, page: Page, status: SignupStatus | None
) -> PageOf[ActivitySignup]:
    """In the order they came (the waiting list's order)."""
    query = select(ActivitySignup).where(ActivitySignup.activity_id == activity_id)
    if status is not None:
        query = query.where(ActivitySignup.status == status)
    return await fetch_page(session, query, [ActivitySignup.id], page)


async def signups_of(
    session: AsyncSession, activity_ids: Collection[int], member_id: int
) -> list[ActivitySignup]:
    """The member's sign-ups on these activities, oldest first."""
    query = (
        select(ActivitySignup)
        .where(
            ActivitySignup.activity_id.in_(list(activity_ids)),
            ActivitySignup.member_id == member_id,
        )
        .order_by(ActivitySignup.id)
    )
    return list(await session.scalars(query))


@dataclass(frozen=True)
class Counts:
    signed_up: int = 0
    waitlisted: int = 0
    checked_in: int = 0
    checked_out: int = 0


async def counts(session: AsyncSession, activity_ids: Collection[int]) -> dict[int, Counts]:
    """Each activity's sign-ups and attendance, in two aggregate queries."""
    ids = list(activity_ids)
    signups = await session.execute(
        select(
            ActivitySignup.activity_id,
            func.count().filter(ActivitySignup.status == SignupStatus.SIGNED_UP),
            func.count().filter(ActivitySignup.status == SignupStatus.WAITLISTED),
        )
        .where(ActivitySignup.activity_id.in_(ids))
        .group_by(ActivitySignup.activity_id)
    )
    attended = await session.execute(
        select(
            Attendance.activity_id,
            func.count(),
            func.count(Attendance.checked_out_at),
        )
        .where(Attendance.activity_id.in_(ids))
        .group_by(Attendance.activity_id)
    )
    by_signups = {row[0]: (row[1], row[2]) for row in signups}
    by_attendance = {row[0]: (row[1], row[2]) for row in attended}
    return {
        i: Counts(*by_signups.get(i, (0, 0)), *by_attendance.get(i, (0, 0)))
        for i in ids
        if i in by_signups or i in by_attendance
    }


# --- attendance ----------------------------------------------------------------------


async def attendance_of(
    session: AsyncSession, activity_id: int, member_id: int, *, lock: str | None = None
) -> Attendance | None:
    query = select(Attendance).where(
        Attendance.activity_id == activity_id, Attendance.member_id == member_id
    )
    found: Attendance | None = await session.scalar(_locked(query, lock))
    return found


async def add_attendance(session: AsyncSession, values: dict[str, Any]) -> Attendance | None:
    """A new attendance, or None when the member already has one at the activity (also
    when another transaction wrote it a moment ago: the unique index decides)."""
    statement = (
        insert(Attendance)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "activity_id", "member_id"])
        .returning(Attendance)
        .execution_options(populate_existing=True)
    )
    found: Attendance | None = (await session.scalars(statement)).one_or_none()
    return found


async def attendances(session: AsyncSession, activity_id: int) -> list[Attendance]:
    """Every attendance of the activity, locked in member order."""
    query = (
        select(Attendance)
        .where(Attendance.activity_id == activity_id)
        .order_by(Attendance.member_id)
    )
    return list(await session.scalars(_locked(query, "update")))


async def attendances_page(
    session: AsyncSession, activity_id: int, page: Page
) -> PageOf[Attendance]:
    query = select(Attendance).where(Attendance.activity_id == activity_id)
    return await fetch_page(session, query, [Attendance.id], page)


async def attendances_of(
    session: AsyncSession, activity_ids: Sequence[int], member_id: int
) -> list[Attendance]:
    query = select(Attendance).where(
        Attendance.activity_id.in_(list(activity_ids)), Attendance.member_id == member_id
    )
    return list(await session.scalars(query))
