"""Writing a service record: the hours the county's rules credit, no overlap with the
member's other records, version 1, and the event. Every source of records (attendance,
claims, wishes, whistle responses, the organiser's own entry) comes through `add_record`;
corrections check their hours with `credit` the same way.

The member's register row is locked first, so two records of one member are written one
after the other: the cap per day and the overlap check see each other's hours.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, today
from infra.db import bound_tenant
from policies.principal import Principal
from services.events.service import SCHEDULER, record_step
from services.records import repository
from services.records.errors import HoursAboveCap, InvalidServiceRecord, RecordOverlaps
from services.records.models import (
    RecordChange,
    RecordSource,
    RecordStatus,
    ServiceRecord,
    ServiceRecordVersion,
)
from services.registration.repository import members_for_update
from tenants.rules.hours import CENT, MINUTES_PER_HOUR, round_hours
from tenants.rules.service import rules_on

RESOURCE = "service_record"
# One record covers at most a day of service: longer is surely a typing slip.
MAX_MINUTES = 24 * MINUTES_PER_HOUR


@dataclass(frozen=True)
class Service:
    """What a new record says; `hours` None: what the duration earns under the rules."""

    member_id: int
    source: RecordSource
    # The organiser: its node (id, path), and the unit when a unit organised it.
    node: tuple[int, str]
    organiser_unit_id: int | None
    title: str
    post_category: str | None
    started_at: datetime
    ended_at: datetime
    hours: Decimal | None = None
    note: str | None = None
    activity_id: int | None = None
    project_claim_id: int | None = None
    wish_id: int | None = None
    whistle_recipient_id: int | None = None
    visit_id: int | None = None


@dataclass(frozen=True)
class Credit:
    service_on: date
    minutes: int
    hours: Decimal


def _day(moment: datetime) -> str:
    local = moment.astimezone(CHINA)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _hours_text(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


async def credit(
    session: AsyncSession,
    member_id: int,
    started_at: datetime,
    ended_at: datetime,
    hours: Decimal | None,
    *,
    leaving_out: int | None = None,
) -> Credit:
    """The hours a service of the member earns, checked against the county's rules of its
    day and the member's other records (`leaving_out` the record being corrected). Call
    with the member locked (`lock_member`)."""
    if ended_at <= started_at:
        raise InvalidServiceRecord("「结束时间」应晚于「开始时间」", field="endedAt")
    minutes = int((ended_at - started_at).total_seconds() // 60)
    if minutes > MAX_MINUTES:
        raise InvalidServiceRecord("一条服务记录不能超过 24 小时，请分天记录", field="endedAt")
    if ended_at.astimezone(CHINA) > datetime.now(CHINA) + timedelta(minutes=5):
        raise InvalidServiceRecord("服务尚未结束，不能记录", field="endedAt")
    service_on = started_at.astimezone(CHINA).date()
    overlapping = await repository.first_overlapping(
        session, member_id, started_at, ended_at, leaving_out=leaving_out
    )
    if overlapping is not None:
        raise RecordOverlaps(
            f"该党员 {_day(overlapping.started_at)} 至 {_day(overlapping.ended_at)} "
            f"已有服务记录「{overlapping.title}」，时间重叠，不能重复记录",
            field="startedAt",
        )
    rules = await rules_on(session, service_on)
    credited = await repository.credited_on(session, member_id, service_on, leaving_out=leaving_out)
    if hours is None:
        earned = round_hours(minutes, rules, credited_that_day=credited)
        # The caps are whole or half hours: stored and sent as hundredths, like any hours.
        return Credit(service_on, minutes, earned.quantize(CENT, ROUND_HALF_UP))
    given = hours.quantize(CENT, ROUND_HALF_UP)
    if given < 0:
        raise InvalidServiceRecord("「服务时长」不能为负数", field="hours")
    served = (Decimal(minutes) / MINUTES_PER_HOUR).quantize(CENT, ROUND_HALF_UP)
    if given > served:
        raise HoursAboveCap(
            f"服务时长 {_hours_text(given)} 小时超过了实际服务时间（{_hours_text(served)} 小时）",
            field="hours",
        )
    cap = rules.hours.cap_per_activity
    if given > cap:
        raise HoursAboveCap(f"本县（区）规定每次服务最多记 {_hours_text(cap)} 小时", field="hours")
    left = max(Decimal(0), rules.hours.cap_per_day - credited)
    if given > left:
        raise HoursAboveCap(
            f"本县（区）规定每人每天最多记 {_hours_text(rules.hours.cap_per_day)} 小时，"
            f"该党员 {service_on.month}月{service_on.day}日已记 {_hours_text(credited)} 小时，"
            f"最多还能记 {_hours_text(left)} 小时",
            field="hours",
        )
    return Credit(service_on, minutes, given)


async def lock_member(session: AsyncSession, member_id: int) -> None:
    """Records of one member are written one at a time (see the module's docstring)."""
    await members_for_update(session, [member_id])


def changed_by_name(principal: Principal | None) -> str:
    return principal.name if principal is not None else SCHEDULER


def add_version(
    session: AsyncSession,
    principal: Principal | None,
    record: ServiceRecord,
    change: RecordChange,
    reason: str | None,
) -> ServiceRecordVersion:
    """The record as it now stands, kept as its next version (call after changing it)."""
    version = ServiceRecordVersion(
        tenant_id=record.tenant_id,
        service_record_id=record.id,
        version=record.version,
        change=change,
        status=record.status,
        started_at=record.started_at,
        ended_at=record.ended_at,
        minutes=record.minutes,
        hours=record.hours,
        reason=reason,
        changed_by=principal.account_id if principal is not None else None,
        changed_by_name=changed_by_name(principal),
    )
    session.add(version)
    return version


def payload(record: ServiceRecord) -> dict[str, Any]:
    """What an event of a record says (what scoring and partners need; no names)."""
    return {
        "service_record_id": record.id,
        "member_id": record.member_id,
        "source": record.source.value,
        "status": record.status.value,
        "version": record.version,
        "node_id": record.node_id,
        "organiser_unit_id": record.organiser_unit_id,
        "activity_id": record.activity_id,
        "service_on": record.service_on.isoformat(),
        "started_at": record.started_at.isoformat(),
        "ended_at": record.ended_at.isoformat(),
        "minutes": record.minutes,
        "hours": str(record.hours),
    }


async def log(
    session: AsyncSession,
    principal: Principal | None,
    record: ServiceRecord,
    step: str,
    **detail: Any,
) -> None:
    await record_step(
        session,
        principal,
        type=f"service_record.{step}",
        node=(record.node_id, record.scope_path),
        object_type=RESOURCE,
        object_id=record.id,
        payload={**payload(record), **detail},
    )


async def add_record(
    session: AsyncSession, principal: Principal | None, service: Service
) -> ServiceRecord:
    """A pending record of `service` (its version 1 and its event), after the checks."""
    await lock_member(session, service.member_id)
    earned = await credit(
        session, service.member_id, service.started_at, service.ended_at, service.hours
    )
    rules = await rules_on(session, today())
    notice_until = (
        today() + timedelta(days=rules.notice_days - 1) if rules.notice_days > 0 else None
    )
    record = ServiceRecord(
        tenant_id=bound_tenant(session),
        member_id=service.member_id,
        source=service.source,
        activity_id=service.activity_id,
        project_claim_id=service.project_claim_id,
        wish_id=service.wish_id,
        whistle_recipient_id=service.whistle_recipient_id,
        visit_id=service.visit_id,
        node_id=service.node[0],
        scope_path=service.node[1],
        organiser_unit_id=service.organiser_unit_id,
        title=service.title,
        post_category=service.post_category,
        started_at=service.started_at,
        ended_at=service.ended_at,
        service_on=earned.service_on,
        minutes=earned.minutes,
        hours=earned.hours,
        status=RecordStatus.PENDING,
        version=1,
        notice_until=notice_until,
        note=service.note,
        created_by=principal.account_id if principal is not None else None,
    )
    session.add(record)
    await session.flush()
    add_version(session, principal, record, RecordChange.CREATED, service.note)
    await session.flush()
    await log(session, principal, record, "created")
    return record
