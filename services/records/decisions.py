"""Deciding and correcting records, by their organiser only (谁记录谁证明): confirming
after the public notice, declining with a reason (also during the notice: an objection),
and correcting times or hours as a new version that says who, when and why.

Each step locks the record first, so of two confirmations of one record exactly one
succeeds and the other finds it closed."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now, today
from policies import access
from policies.principal import Principal
from services.records import repository
from services.records.errors import (
    InvalidServiceRecord,
    NoticeNotOver,
    RecordClosed,
    ServiceRecordNotFound,
)
from services.records.models import RecordChange, RecordStatus, ServiceRecord
from services.records.origins import in_china
from services.records.recording import (
    RESOURCE,
    add_version,
    credit,
    lock_member,
    log,
)
from services.records.sources import checked_hours
from services.registry import fields

MAX_BATCH = 200
REASON_MAX_LENGTH = 200
LABELS = {"note": "确认说明", "reason": "不予确认的理由"}
CORRECTION_LABELS = {"reason": "更正原因"}
clean = fields.Cleaner(InvalidServiceRecord, LABELS)
clean_correction = fields.Cleaner(InvalidServiceRecord, CORRECTION_LABELS)

# How a record's state reads in a refusal: 该服务记录已确认，不能再确认.
STATE_PHRASES = {
    RecordStatus.PENDING: "待确认",
    RecordStatus.CONFIRMED: "已确认",
    RecordStatus.DECLINED: "已不予确认",
}


def _day(on: date) -> str:
    return f"{on.month} 月 {on.day} 日"


def _which(record: ServiceRecord, field: str) -> str:
    """The record as a refusal names it: itself alone, or which of a batch."""
    if field == "id":
        return "该服务记录"
    return f"服务记录“{record.title}”（{record.service_on.month}月{record.service_on.day}日）"


async def _locked(
    session: AsyncSession, record_ids: Sequence[int], field: str
) -> list[ServiceRecord]:
    if not record_ids:
        raise InvalidServiceRecord("至少选择一条服务记录", field=field)
    if len(set(record_ids)) > MAX_BATCH:
        raise InvalidServiceRecord(f"一次最多确认 {MAX_BATCH} 条服务记录", field=field)
    found = await repository.records_for_update(session, record_ids)
    if any(i not in found for i in record_ids):
        raise ServiceRecordNotFound("未找到该服务记录", field=field)
    return [found[i] for i in dict.fromkeys(record_ids)]


def _require_organiser(session: AsyncSession, principal: Principal, record: ServiceRecord) -> None:
    access.require_organiser(
        session,
        principal,
        resource=RESOURCE,
        action="decide",
        node=(record.node_id, record.scope_path),
        organiser_unit_id=record.organiser_unit_id,
        object_id=str(record.id),
    )


def _require_pending(record: ServiceRecord, wanted: str, field: str) -> None:
    if record.status is not RecordStatus.PENDING:
        raise RecordClosed(
            f"{_which(record, field)}{STATE_PHRASES[record.status]}，不能再{wanted}", field=field
        )


def _decided(principal: Principal, record: ServiceRecord, status: RecordStatus) -> None:
    record.status = status
    record.decided_by, record.decided_at = principal.account_id, now()
    record.version += 1


async def confirm_records(
    session: AsyncSession,
    principal: Principal,
    record_ids: Sequence[int],
    *,
    note: str | None = None,
    field: str = "ids",
) -> list[ServiceRecord]:
    """Confirm pending records whose notice is over: all of them, or none."""
    records = await _locked(session, record_ids, field)
    for record in records:
        _require_organiser(session, principal, record)
        _require_pending(record, "确认", field)
        if record.notice_until is not None and today() <= record.notice_until:
            name = "" if field == "id" else _which(record, field)
            raise NoticeNotOver(
                f"{name}公示期至 {_day(record.notice_until)}，期满后方可确认", field=field
            )
    cleaned = clean("note", lambda v: fields.optional_text(v, REASON_MAX_LENGTH), note)
    for record in records:
        _decided(principal, record, RecordStatus.CONFIRMED)
    await session.flush()
    for record in records:
        add_version(session, principal, record, RecordChange.CONFIRMED, cleaned)
    await session.flush()
    for record in records:
        await log(session, principal, record, "confirmed", note=cleaned)
    return records


async def confirm_record(
    session: AsyncSession, principal: Principal, record_id: int, *, note: str | None = None
) -> ServiceRecord:
    (record,) = await confirm_records(session, principal, [record_id], note=note, field="id")
    return record


async def decline_record(
    session: AsyncSession, principal: Principal, record_id: int, *, reason: str
) -> ServiceRecord:
    """Not confirmed, with the reason the member reads; allowed during the notice."""
    (record,) = await _locked(session, [record_id], "id")
    _require_organiser(session, principal, record)
    _require_pending(record, "标记为不予确认", "id")
    cleaned = clean("reason", lambda v: fields.required_text(v, REASON_MAX_LENGTH), reason)
    _decided(principal, record, RecordStatus.DECLINED)
    record.decline_reason = cleaned
    await session.flush()
    add_version(session, principal, record, RecordChange.DECLINED, cleaned)
    await session.flush()
    await log(session, principal, record, "declined", reason=cleaned)
    return record


def _stands(record: ServiceRecord) -> dict[str, Any]:
    return {
        "started_at": record.started_at.isoformat(),
        "ended_at": record.ended_at.isoformat(),
        "minutes": record.minutes,
        "hours": str(record.hours),
    }


async def correct_record(
    session: AsyncSession,
    principal: Principal,
    record_id: int,
    *,
    reason: str,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    hours: Decimal | None = None,
) -> ServiceRecord:
    """New times or hours for a pending or confirmed record, checked as a new record's
    are (caps, time served, overlaps), kept as its next version; its status stays. Times
    left out stay; hours left out are what the rules credit for the times."""
    (record,) = await _locked(session, [record_id], "id")
    _require_organiser(session, principal, record)
    if record.status is RecordStatus.DECLINED:
        raise RecordClosed("该服务记录已不予确认，不能更正；如确有服务，请重新记录", field="id")
    cleaned = clean_correction(
        "reason", lambda v: fields.required_text(v, REASON_MAX_LENGTH), reason
    )
    started = in_china(started_at) or record.started_at
    ended = in_china(ended_at) or record.ended_at
    given = checked_hours(hours)
    await lock_member(session, record.member_id)
    earned = await credit(session, record.member_id, started, ended, given, leaving_out=record.id)
    unchanged = (started, ended, earned.hours) == (
        record.started_at,
        record.ended_at,
        record.hours,
    )
    if unchanged:
        raise InvalidServiceRecord(
            "更正后的服务时间和时长与原记录相同，无需更正", field="startedAt"
        )
    before = _stands(record)
    record.started_at, record.ended_at = started, ended
    record.service_on, record.minutes, record.hours = (
        earned.service_on,
        earned.minutes,
        earned.hours,
    )
    record.version += 1
    await session.flush()
    add_version(session, principal, record, RecordChange.CORRECTED, cleaned)
    await session.flush()
    await log(
        session,
        principal,
        record,
        "corrected",
        reason=cleaned,
        before=before,
        after=_stands(record),
    )
    return record
