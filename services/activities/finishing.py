"""结束活动: once an activity has ended, its organiser finishes it (or the schedule does, two
hours after the end, `finish_due`): whoever has not checked out is checked out at the
end, and each attendance becomes a pending service record for the time within the
activity's hours, under the county's rules (谁组织谁记录: the organiser then confirms them).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from policies.principal import Principal
from services.activities import repository
from services.activities.checkin import record
from services.activities.errors import ActivityClosed
from services.activities.inputs import shown
from services.activities.models import Activity, ActivityStatus, AttendanceMethod
from services.activities.service import closed, for_change, log
from services.records.attendance import Refusal, record_attendance
from services.records.models import ServiceRecord

# The schedule leaves organisers this long after the end to mark forgotten check-outs.
GRACE = timedelta(hours=2)


@dataclass(frozen=True)
class Finished:
    activity: Activity
    records: list[ServiceRecord]
    refused: list[Refusal]


async def _finish(
    session: AsyncSession, principal: Principal | None, activity: Activity, at: datetime
) -> Finished:
    """Close open attendance at the end, mark the activity finished, write the records.
    Call with the activity locked for update."""
    present = await repository.attendances(session, activity.id)
    still_in = [a for a in present if a.checked_out_at is None]
    for attendance in still_in:
        attendance.checked_out_at = activity.ends_at
        attendance.check_out_method = AttendanceMethod.CLOSED_AT_END
    activity.status, activity.finished_at = ActivityStatus.FINISHED, at
    await session.flush()
    for attendance in still_in:
        await record(session, principal, activity, attendance, "checked_out")
    # An attendance a record cannot hold (overlapping another, longer than a day) is
    # refused with the reason, and the organiser enters it by hand.
    written = await record_attendance(session, principal, activity, present)
    refused = written.refused
    await log(
        session,
        principal,
        activity,
        "activity.finished",
        attended=len(present),
        closed_at_end=len(still_in),
        records=len(written.records),
        refused=len(refused),
    )
    return Finished(activity, written.records, refused)


async def finish_activity(
    session: AsyncSession, principal: Principal, activity_id: int
) -> Finished:
    """The organiser finishes the activity once it has ended."""
    activity = await for_change(session, principal, activity_id)
    if activity.status is ActivityStatus.FINISHED:
        raise ActivityClosed("该活动已办结，不能重复办结", field="id")
    if activity.status is not ActivityStatus.PUBLISHED:
        raise closed(activity, "办结")
    at = now()
    if at < activity.ends_at:
        raise ActivityClosed(f"活动将于 {shown(activity.ends_at)} 结束，结束后才能办结", field="id")
    return await _finish(session, principal, activity, at)


async def finish_due(session: AsyncSession, at: datetime) -> list[Finished]:
    """For the schedule: finish every published activity that ended `GRACE` before `at`
    (those an organiser is finishing at the moment are left to them)."""
    due = await repository.due_to_finish(session, at - GRACE)
    return [await _finish(session, None, activity, at) for activity in due]
