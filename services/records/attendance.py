"""Service records from an activity's attendance, written when the activity finishes."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from policies.principal import Principal
from services.activities.models import Activity, Attendance
from services.records.errors import InvalidServiceRecord, RecordOverlaps
from services.records.models import RecordSource, ServiceRecord
from services.records.recording import Service, add_record


@dataclass(frozen=True)
class Refusal:
    """An attendance that made no record, and why (the organiser sees it)."""

    member_id: int
    message: str


@dataclass(frozen=True)
class AttendanceRecords:
    records: list[ServiceRecord]
    refused: list[Refusal]


async def record_attendance(
    session: AsyncSession,
    principal: Principal | None,
    activity: Activity,
    attendances: Sequence[Attendance],
) -> AttendanceRecords:
    """A pending record for each attendance, for the time within the activity's hours
    (a check-in before the start counts from the start). An attendance that would overlap
    another record of the member, or run past a day, makes none and says so; the others
    are written."""
    records: list[ServiceRecord] = []
    refused: list[Refusal] = []
    for attendance in sorted(attendances, key=lambda a: a.member_id):
        started = max(attendance.checked_in_at, activity.starts_at)
        ended = min(attendance.checked_out_at or activity.ends_at, activity.ends_at)
        if ended <= started:
            refused.append(Refusal(attendance.member_id, "签到与签退之间没有服务时间"))
            continue
        service = Service(
            member_id=attendance.member_id,
            source=RecordSource.ACTIVITY,
            node=(activity.node_id, activity.scope_path),
            organiser_unit_id=activity.organiser_unit_id,
            title=activity.title,
            post_category=activity.post_category,
            started_at=started,
            ended_at=ended,
            activity_id=activity.id,
        )
        try:
            records.append(await add_record(session, principal, service))
        except (RecordOverlaps, InvalidServiceRecord) as error:
            refused.append(Refusal(attendance.member_id, error.message))
    return AttendanceRecords(records=records, refused=refused)
