"""Recording a member's service from where it came from: a completed project claim, a
confirmed micro-wish, an accepted whistle response, a finished activity the member took
part in without checking in, or the organiser's own entry (services/records/origins.py
reads each source); and a visit to a paired household, recorded as it is logged
(`record_visit`: services/pairing checks the visit, the community confirms the record).

Every check is made before anything is written, and the member's register row is locked
before the source is looked up for a record already made, so two requests for one source
write one record."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from policies.principal import Principal
from services.records import repository
from services.records.errors import AlreadyRecorded, InvalidServiceRecord
from services.records.models import RECORD_STATUS_NAMES, RecordSource, ServiceRecord
from services.records.origins import (
    NOTE_MAX_LENGTH,
    RESOLVERS,
    Origin,
    RecordRequest,
    clean,
    in_china,
    shown,
)
from services.records.recording import Service, add_record, lock_member
from services.registry import fields


def _times(request: RecordRequest, origin: Origin) -> tuple[datetime, datetime]:
    started = in_china(request.started_at) or origin.started_at
    ended = in_china(request.ended_at) or origin.ended_at
    if started is None:
        raise InvalidServiceRecord("「开始时间」不能为空", field="startedAt")
    if ended is None:
        raise InvalidServiceRecord("「结束时间」不能为空", field="endedAt")
    if origin.window is not None:
        opens, closes = origin.window
        span = f"{shown(opens)} 至 {shown(closes)}"
        if started < opens:
            raise InvalidServiceRecord(f"服务时间应在活动时间（{span}）之内", field="startedAt")
        if ended > closes:
            raise InvalidServiceRecord(f"服务时间应在活动时间（{span}）之内", field="endedAt")
    return started, ended


def checked_hours(hours: Decimal | None) -> Decimal | None:
    """Hours as typed: a finite number (the caps and rounding are `credit`'s)."""
    if hours is not None and not hours.is_finite():
        raise InvalidServiceRecord("「服务时长」应为小时数，如 2.5", field="hours")
    return hours


async def record_service(
    session: AsyncSession, principal: Principal, request: RecordRequest
) -> ServiceRecord:
    """A pending record of the service `request` names, by its organiser."""
    origin = await RESOLVERS[request.source](session, principal, request)
    started, ended = _times(request, origin)
    hours = checked_hours(request.hours)
    note = clean("note", lambda v: fields.optional_text(v, NOTE_MAX_LENGTH), request.note)
    await lock_member(session, origin.member_id)
    if origin.named is not None:
        held = await repository.live_record_of(
            session,
            project_claim_id=origin.project_claim_id,
            wish_id=origin.wish_id,
            whistle_recipient_id=origin.whistle_recipient_id,
            activity_id=origin.activity_id,
            member_id=origin.member_id,
        )
        if held is not None:
            raise AlreadyRecorded(
                f"{origin.named}已有服务记录（{RECORD_STATUS_NAMES[held.status]}），"
                "不能重复记录；如需修改请更正原记录",
                field=request.field,
            )
    service = Service(
        member_id=origin.member_id,
        source=request.source,
        node=origin.node,
        organiser_unit_id=origin.organiser_unit_id,
        title=origin.title,
        post_category=origin.post_category,
        started_at=started,
        ended_at=ended,
        hours=hours,
        note=note,
        activity_id=origin.activity_id,
        project_claim_id=origin.project_claim_id,
        wish_id=origin.wish_id,
        whistle_recipient_id=origin.whistle_recipient_id,
    )
    return await add_record(session, principal, service)


async def record_visit(
    session: AsyncSession,
    principal: Principal,
    *,
    visit_id: int,
    member_id: int,
    community: tuple[int, str],
    title: str,
    started_at: datetime,
    ended_at: datetime,
) -> ServiceRecord:
    """A pending record of a visit just logged (走访帮扶), organised by the household's
    community, whose staff confirm it; hours as the county's rules credit the visit's
    time. The visit is new, so no record of it exists yet."""
    service = Service(
        member_id=member_id,
        source=RecordSource.VISIT,
        node=community,
        organiser_unit_id=None,
        title=title,
        post_category=None,
        started_at=started_at,
        ended_at=ended_at,
        visit_id=visit_id,
    )
    return await add_record(session, principal, service)
