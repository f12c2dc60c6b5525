"""签到、签退: a member signed up checks in and out with the rotating code the organiser
shows on the spot (codes.py), from 30 minutes before the start to the end; the organiser
marks who came without the code (walk-ins, a phone that died) and a check-out forgotten.

Check-ins hold the activity in share mode, so many go on side by side while finishing
(which takes it for update) waits for them; one check-in per member and activity is kept
by the unique index, so two at once give one check-in and a clean refusal.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, now
from infra.db import bound_tenant
from policies.principal import Principal
from services.activities import codes, repository
from services.activities.audience import may_join, who_may_join
from services.activities.codes import CheckInCode, Verdict
from services.activities.errors import (
    AlreadyCheckedIn,
    CheckInClosed,
    CheckInCodeExpired,
    CheckInCodeWrong,
    InvalidAttendance,
    NotCheckedIn,
    NotEligible,
    NotSignedUp,
)
from services.activities.inputs import LABELS, aware, shown
from services.activities.models import (
    Activity,
    ActivityStatus,
    Attendance,
    AttendanceMethod,
    SignupStatus,
)
from services.activities.service import closed, get_activity, log, require_organiser
from services.activities.signups import joining_member
from services.registry import repository as registry
from services.registry.errors import MemberNotFound
from services.registry.models import Member

# Check-in opens this long before the start (people arrive early to help set up).
EARLY = timedelta(minutes=30)


def opens_at(activity: Activity) -> datetime:
    return activity.starts_at - EARLY


def _clock(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%H:%M")


def _in_time(activity: Activity, at: datetime, wanted: str) -> None:
    if at < opens_at(activity):
        raise CheckInClosed(
            f"活动签到将于 {shown(opens_at(activity))} 开始（开始前 30 分钟），现在还不能{wanted}",
            field="id",
        )
    if at > activity.ends_at:
        raise CheckInClosed(f"活动已于 {shown(activity.ends_at)} 结束，不能再{wanted}", field="id")


def _verify(activity: Activity, code: str, at: datetime) -> None:
    verdict = codes.verify(activity.code_secret, activity.id, code, at)
    if verdict is Verdict.EXPIRED:
        raise CheckInCodeExpired("签到码已过期，请扫描现场最新的二维码", field="code")
    if verdict is Verdict.WRONG:
        raise CheckInCodeWrong("签到码不正确，请扫描现场的二维码", field="code")


def _open(activity: Activity, wanted: str, *, field: str = "id") -> None:
    if activity.status is not ActivityStatus.PUBLISHED:
        raise closed(activity, wanted, field=field)


def _payload(attendance: Attendance, **more: Any) -> dict[str, Any]:
    return {
        "attendance_id": attendance.id,
        "member_id": attendance.member_id,
        "checked_in_at": attendance.checked_in_at.isoformat(),
        "check_in_method": attendance.check_in_method.value,
        "checked_out_at": None
        if attendance.checked_out_at is None
        else attendance.checked_out_at.isoformat(),
        "check_out_method": None
        if attendance.check_out_method is None
        else attendance.check_out_method.value,
        **more,
    }


async def record(
    session: AsyncSession,
    principal: Principal | None,
    activity: Activity,
    attendance: Attendance,
    step: str,
    **more: Any,
) -> None:
    """`attendance.checked_in` or `attendance.checked_out`, however it was taken."""
    await log(
        session,
        principal,
        activity,
        f"attendance.{step}",
        object_type="attendance",
        object_id=attendance.id,
        **_payload(attendance, **more),
    )


async def check_in_code(
    session: AsyncSession, principal: Principal, activity_id: int, at: datetime | None = None
) -> tuple[Activity, CheckInCode]:
    """The code to show now, for the organiser, while check-in is open."""
    activity = await get_activity(session, activity_id)
    require_organiser(session, principal, activity)
    _open(activity, "签到")
    moment = at or now()
    _in_time(activity, moment, "签到")
    return activity, codes.current_code(activity.code_secret, activity.id, moment)


async def check_in(
    session: AsyncSession, principal: Principal, activity_id: int, code: str
) -> tuple[Activity, Attendance]:
    activity = await get_activity(session, activity_id, lock="share")
    member = await joining_member(session, principal, activity)
    _open(activity, "签到")
    at = now()
    _in_time(activity, at, "签到")
    _verify(activity, code, at)
    signup = await repository.live_signup(session, activity.id, member.id)
    if signup is None:
        raise NotSignedUp("您没有报名该活动，请联系组织方登记签到", field="id")
    if signup.status is SignupStatus.WAITLISTED:
        raise NotSignedUp("您在候补名单中，尚未获得名额，不能签到", field="id")
    attendance = await repository.add_attendance(
        session,
        {
            "tenant_id": bound_tenant(session),
            "activity_id": activity.id,
            "member_id": member.id,
            "checked_in_at": at,
            "check_in_method": AttendanceMethod.CODE,
        },
    )
    if attendance is None:
        earlier = await repository.attendance_of(session, activity.id, member.id)
        assert earlier is not None
        raise AlreadyCheckedIn(f"您已于 {_clock(earlier.checked_in_at)} 签到", field="id")
    await record(session, principal, activity, attendance, "checked_in")
    return activity, attendance


async def check_out(
    session: AsyncSession, principal: Principal, activity_id: int, code: str
) -> tuple[Activity, Attendance]:
    activity = await get_activity(session, activity_id, lock="share")
    member = await joining_member(session, principal, activity)
    _open(activity, "签退")
    at = now()
    _in_time(activity, at, "签退")
    _verify(activity, code, at)
    attendance = await repository.attendance_of(session, activity.id, member.id, lock="update")
    if attendance is None:
        raise NotCheckedIn("您尚未签到，不能签退", field="id")
    if attendance.checked_out_at is not None:
        raise AlreadyCheckedIn(f"您已于 {_clock(attendance.checked_out_at)} 签退", field="id")
    attendance.checked_out_at, attendance.check_out_method = at, AttendanceMethod.CODE
    await session.flush()
    await record(session, principal, activity, attendance, "checked_out")
    return activity, attendance


# --- marked by the organiser ---------------------------------------------------------


async def _member(session: AsyncSession, member_id: int) -> Member:
    member = await registry.get_member(session, member_id)
    if member is None:
        raise MemberNotFound("未找到该党员", field="memberId")
    return member


def _moment(activity: Activity, value: datetime, field: str, at: datetime) -> datetime:
    """A time the organiser gives: within check-in time, and not ahead of now."""
    moment = aware(value)
    if not opens_at(activity) <= moment <= activity.ends_at:
        raise CheckInClosed(
            f"「{LABELS[field]}」应在 {shown(opens_at(activity))} 至 "
            f"{shown(activity.ends_at)} 之间（活动开始前 30 分钟至活动结束）",
            field=field,
        )
    if moment > at:
        raise InvalidAttendance(f"「{LABELS[field]}」不能晚于现在", field=field)
    return moment


def _after(checked_in_at: datetime, checked_out_at: datetime) -> None:
    if checked_out_at <= checked_in_at:
        raise InvalidAttendance(
            f"「签退时间」应晚于签到时间（{_clock(checked_in_at)}）", field="checkedOutAt"
        )


async def mark_attendance(
    session: AsyncSession,
    principal: Principal,
    activity_id: int,
    member_id: int,
    *,
    checked_in_at: datetime,
    checked_out_at: datetime | None = None,
) -> tuple[Activity, Attendance]:
    """The organiser marks a member of the audience present, signed up or not."""
    activity = await get_activity(session, activity_id, lock="share")
    require_organiser(session, principal, activity)
    _open(activity, "登记签到")
    member = await _member(session, member_id)
    if not await may_join(session, activity, member):
        reason = await who_may_join(session, activity)
        raise NotEligible(f"“{member.name}”不在本活动的参加对象之内：{reason}", field="memberId")
    at = now()
    came = _moment(activity, checked_in_at, "checkedInAt", at)
    left = None if checked_out_at is None else _moment(activity, checked_out_at, "checkedOutAt", at)
    if left is not None:
        _after(came, left)
    attendance = await repository.add_attendance(
        session,
        {
            "tenant_id": bound_tenant(session),
            "activity_id": activity.id,
            "member_id": member.id,
            "checked_in_at": came,
            "check_in_method": AttendanceMethod.ORGANISER,
            "checked_out_at": left,
            "check_out_method": None if left is None else AttendanceMethod.ORGANISER,
            "marked_by": principal.account_id,
        },
    )
    if attendance is None:
        earlier = await repository.attendance_of(session, activity.id, member.id)
        assert earlier is not None
        raise AlreadyCheckedIn(
            f"“{member.name}”已于 {_clock(earlier.checked_in_at)} 签到，不能重复登记",
            field="memberId",
        )
    await record(session, principal, activity, attendance, "checked_in")
    if left is not None:
        await record(session, principal, activity, attendance, "checked_out")
    return activity, attendance


async def mark_check_out(
    session: AsyncSession,
    principal: Principal,
    activity_id: int,
    member_id: int,
    *,
    checked_out_at: datetime,
) -> tuple[Activity, Attendance]:
    """The organiser sets the check-out of one who forgot, or corrects one; the event
    keeps the time it replaced."""
    activity = await get_activity(session, activity_id, lock="share")
    require_organiser(session, principal, activity)
    _open(activity, "登记签退")
    member = await _member(session, member_id)
    attendance = await repository.attendance_of(session, activity.id, member.id, lock="update")
    if attendance is None:
        raise NotCheckedIn(f"“{member.name}”尚未签到，不能登记签退", field="memberId")
    left = _moment(activity, checked_out_at, "checkedOutAt", now())
    _after(attendance.checked_in_at, left)
    replaced = attendance.checked_out_at
    attendance.checked_out_at, attendance.check_out_method = left, AttendanceMethod.ORGANISER
    attendance.marked_by = principal.account_id
    await session.flush()
    await record(
        session,
        principal,
        activity,
        attendance,
        "checked_out",
        replaced_checked_out_at=None if replaced is None else replaced.isoformat(),
    )
    return activity, attendance
