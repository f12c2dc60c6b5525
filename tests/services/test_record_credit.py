"""The hours a service earns (`recording.credit`), as recording and correcting ask for
them: rounded by the rules in force on the day of service, held to the caps per service
and per day counting the member's live records (leaving out the one being corrected),
never overlapping another record, never more than the time served."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text

from infra.clock import CHINA, now, today
from infra.db import Database
from infra.errors import DomainError
from infra.settings import Settings
from services.records.errors import HoursAboveCap, InvalidServiceRecord, RecordOverlaps
from services.records.models import RecordSource
from services.records.recording import Credit, Service, add_record, credit
from services.registry.numbers import credit_code_check_char
from tenants.hierarchy.models import NodeKind
from tenants.rules.model import HourRules, RoundingMode, Rules
from tenants.rules.models import RulesVersion
from tests.conftest import MakeTenant
from tests.factories import add_member, add_node, add_unit, root_of


def ago(days: int) -> date:
    return today() - timedelta(days=days)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA)


@dataclass
class Member:
    db: Database
    tenant_id: UUID
    id: int
    node: tuple[int, str]

    async def rules(self, since: date, **hours: Any) -> None:
        """A version of the county's rules in force from `since` (written as it was then)."""
        body = Rules(hours=HourRules(**hours)).to_stored()
        async with self.db.tenant_session(self.tenant_id) as session:
            session.add(
                RulesVersion(
                    tenant_id=self.tenant_id, effective_from=since, body=body, created_by="测试"
                )
            )

    async def credit(
        self,
        started: datetime,
        ended: datetime,
        hours: str | None = None,
        *,
        leaving_out: int | None = None,
    ) -> Credit:
        async with self.db.tenant_session(self.tenant_id) as session:
            given = None if hours is None else Decimal(hours)
            return await credit(session, self.id, started, ended, given, leaving_out=leaving_out)

    async def refused(self, started: datetime, ended: datetime, hours: str | None = None) -> Any:
        with pytest.raises(DomainError) as caught:
            await self.credit(started, ended, hours)
        return type(caught.value), caught.value.message, caught.value.field

    async def add(self, started: datetime, ended: datetime, title: str = "社区服务") -> int:
        service = Service(
            member_id=self.id,
            source=RecordSource.ENTERED,
            node=self.node,
            organiser_unit_id=None,
            title=title,
            post_category=None,
            started_at=started,
            ended_at=ended,
        )
        async with self.db.tenant_session(self.tenant_id) as session:
            return (await add_record(session, None, service)).id

    async def decline(self, record_id: int) -> None:
        async with self.db.tenant_session(self.tenant_id) as session:
            await session.execute(
                text("UPDATE service_records SET status = 'declined' WHERE id = :id"),
                {"id": record_id},
            )


@pytest.fixture
async def member(make_tenant: MakeTenant, db: Database, settings: Settings) -> Member:
    tenant = await make_tenant(county_code="130123", name="正定县")
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道")
    east = await add_node(db, street, NodeKind.COMMUNITY, "东门社区")
    first17 = "91130123MA0000001"
    unit = await add_unit(db, east, "供电公司", first17 + credit_code_check_char(first17))
    row = await add_member(db, settings, east, unit, "张三", "13800000001")
    return Member(db, tenant.id, row.id, (east.id, east.path))


async def test_hours_are_rounded_by_the_rules_in_force_on_the_day_of_service(
    member: Member,
) -> None:
    await member.rules(ago(100), rounding_minutes=30, rounding_mode=RoundingMode.DOWN)
    await member.rules(ago(10), rounding_minutes=15, rounding_mode=RoundingMode.UP)
    await member.rules(ago(5), rounding_minutes=60, rounding_mode=RoundingMode.NEAREST)
    # 50 minutes: one 30-minute unit down; four 15-minute units up; one hour to the nearest.
    assert (await member.credit(at(ago(20), 9), at(ago(20), 9, 50))).hours == Decimal("0.5")
    assert (await member.credit(at(ago(8), 9), at(ago(8), 9, 50))).hours == Decimal("1")
    near = await member.credit(at(ago(2), 9), at(ago(2), 9, 50))
    assert (near.service_on, near.minutes, near.hours) == (ago(2), 50, Decimal("1"))
    # Under half the unit rounds to nothing; a half rounds up (四舍五入).
    assert (await member.credit(at(ago(2), 9), at(ago(2), 9, 29))).hours == 0
    assert (await member.credit(at(ago(2), 9), at(ago(2), 9, 30))).hours == Decimal("1")
    # The day of service is China's: 23:30 to 00:30 there counts on the first day.
    late = await member.credit(at(ago(3), 23, 30), at(ago(2), 0, 30))
    assert (late.service_on, late.minutes) == (ago(3), 60)


async def test_the_caps_count_the_members_live_records_of_the_day(member: Member) -> None:
    await member.rules(ago(100), cap_per_activity=Decimal(3), cap_per_day=Decimal(4))
    day = ago(2)
    first = await member.add(at(day, 8), at(day, 10))
    await member.add(at(day, 12), at(day, 13, 30))
    # 3.5 hours credited that day: half an hour is left, computed or given.
    assert (await member.credit(at(day, 14), at(day, 16))).hours == Decimal("0.5")
    assert await member.refused(at(day, 14), at(day, 16), "1") == (
        HoursAboveCap,
        f"本县（区）规定每人每天最多记 4 小时，该党员 {day.month}月{day.day}日已记 3.5 小时，"
        "最多还能记 0.5 小时",
        "hours",
    )
    assert await member.refused(at(day, 14), at(day, 18), "3.5") == (
        HoursAboveCap,
        "本县（区）规定每次服务最多记 3 小时",
        "hours",
    )
    # Correcting the first record: its own hours are not counted against it.
    corrected = await member.credit(at(day, 8), at(day, 11), leaving_out=first)
    assert corrected.hours == Decimal("2.5")
    # Another day is another day; a declined record counts for nothing.
    assert (await member.credit(at(ago(1), 14), at(ago(1), 18))).hours == Decimal("3")
    await member.decline(first)
    assert (await member.credit(at(day, 14), at(day, 16))).hours == Decimal("2")


async def test_a_service_may_not_overlap_another_record_of_the_member(member: Member) -> None:
    day = ago(2)
    first = await member.add(at(day, 9), at(day, 11), title="义务理发")
    shown = f"{day.month}月{day.day}日"
    assert await member.refused(at(day, 10), at(day, 12)) == (
        RecordOverlaps,
        f"该党员 {shown} 09:00 至 {shown} 11:00 已有服务记录「义务理发」，时间重叠，不能重复记录",
        "startedAt",
    )
    # One that ends as the next begins does not overlap; nor does the record with itself.
    assert (await member.credit(at(day, 11), at(day, 12))).hours == Decimal("1")
    assert (await member.credit(at(day, 10), at(day, 12), leaving_out=first)).minutes == 120
    await member.decline(first)
    assert (await member.credit(at(day, 10), at(day, 12))).hours == Decimal("2")


async def test_times_and_hours_out_of_bounds_are_refused(member: Member) -> None:
    day = ago(2)
    assert await member.refused(at(day, 10), at(day, 9)) == (
        InvalidServiceRecord,
        "「结束时间」应晚于「开始时间」",
        "endedAt",
    )
    assert await member.refused(at(ago(3), 9), at(day, 9, 1)) == (
        InvalidServiceRecord,
        "一条服务记录不能超过 24 小时，请分天记录",
        "endedAt",
    )
    assert await member.refused(now() - timedelta(hours=1), now() + timedelta(hours=1)) == (
        InvalidServiceRecord,
        "服务尚未结束，不能记录",
        "endedAt",
    )
    assert await member.refused(at(day, 9), at(day, 10), "-0.5") == (
        InvalidServiceRecord,
        "「服务时长」不能为负数",
        "hours",
    )
    assert await member.refused(at(day, 9), at(day, 10), "1.5") == (
        HoursAboveCap,
        "服务时长 1.5 小时超过了实际服务时间（1 小时）",
        "hours",
    )
    # Given hours are kept to hundredths; less than served is the organiser's to give.
    assert (await member.credit(at(day, 9), at(day, 10), "0.755")).hours == Decimal("0.76")
