"""A county's rules: every bad input's exact message and field, the hours arithmetic, and
which stored version a day is judged by."""

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import select

from infra.clock import today
from infra.db import Database
from infra.pagination import Page
from policies.audit import AuditEntry
from policies.errors import Forbidden
from policies.principal import Grant, Principal, PrincipalKind
from tenants.hierarchy.models import Node, NodeKind
from tenants.rules import service
from tenants.rules.errors import InvalidRules
from tenants.rules.hours import round_hours, star_level
from tenants.rules.model import (
    ContributionKind,
    HourRules,
    MemberQuota,
    QuotaPeriod,
    RoundingMode,
    Rules,
)
from tenants.rules.models import RulesVersion
from tests.conftest import MakeTenant
from tests.factories import add_node, root_of


@pytest.mark.parametrize(
    ("data", "message", "field"),
    [
        (
            {"star_levels": [100, 300, 600, 1000]},
            "星级标准应依次给出一星到五星共 5 个时长门槛，收到的是 4 个",
            "starLevels",
        ),
        (
            {"star_levels": [0, 300, 600, 1000, 1500]},
            "一星的时长门槛应大于 0 小时",
            "starLevels[0]",
        ),
        (
            {"star_levels": [100, 300, 300, 1000, 1500]},
            "三星的时长门槛（300 小时）应高于二星（300 小时）",
            "starLevels[2]",
        ),
        (
            {"star_levels": [100, 300, 600, 1500, 1000]},
            "五星的时长门槛（1000 小时）应高于四星（1500 小时）",
            "starLevels[4]",
        ),
        ({"points": {"per_hour": "-1"}}, "每小时服务积分不能为负数", "points.perHour"),
        ({"points": {"per_hour": "0.125"}}, "每小时服务积分最多保留两位小数", "points.perHour"),
        (
            {"points": {"per_contribution": {"whistle_call": "-2"}}},
            "每次吹哨报到的积分不能为负数",
            "points.perContribution.whistleCall",
        ),
        (
            {"hours": {"rounding_minutes": 20}},
            "计时单位应为 1、15、30 或 60 分钟",
            "hours.roundingMinutes",
        ),
        (
            {"hours": {"cap_per_activity": "0"}},
            "每次活动最多计入的时长（小时）应大于 0",
            "hours.capPerActivity",
        ),
        (
            {"hours": {"cap_per_day": "-3"}},
            "每天最多计入的时长（小时）应大于 0",
            "hours.capPerDay",
        ),
        (
            {"hours": {"cap_per_day": "24.5"}},
            "每天最多计入的时长（小时）不能超过 24",
            "hours.capPerDay",
        ),
        (
            {"member_quotas": [{"period": "year"}, {"period": "quarter", "min_hours": "-1"}]},
            "第 2 项党员指标的最少服务时长不能为负数",
            "memberQuotas[1].minHours",
        ),
        (
            {"member_quotas": [{"period": "half_year", "min_times": -1}]},
            "第 1 项党员指标的最少服务次数不能为负数",
            "memberQuotas[0].minTimes",
        ),
        (
            {"member_quotas": [{"period": "year"}, {"period": "half_year"}, {"period": "year"}]},
            "第 3 项党员指标的考核周期“每年”与第 1 项重复：每种考核周期只能设一项指标",
            "memberQuotas[2].period",
        ),
        (
            {"unit_quotas": {"activities_per_quarter": -1}},
            "单位每季度集体服务活动次数不能为负数",
            "unitQuotas.activitiesPerQuarter",
        ),
        (
            {"unit_quotas": {"projects_per_year": -2}},
            "单位每年认领项目数不能为负数",
            "unitQuotas.projectsPerYear",
        ),
        ({"post_categories": []}, "至少要设一个志愿服务岗位类别", "postCategories"),
        (
            {"post_categories": ["党员先锋岗", "   "]},
            "第 2 个岗位类别的名称不能为空，且不超过 20 个字",
            "postCategories[1]",
        ),
        (
            {"post_categories": ["岗" * 21]},
            "第 1 个岗位类别的名称不能为空，且不超过 20 个字",
            "postCategories[0]",
        ),
        (
            {"post_categories": ["环境义务岗", "邻里互助岗", " 环境义务岗 "]},
            "岗位类别“环境义务岗”重复了",
            "postCategories[2]",
        ),
        ({"notice_days": 31}, "公示期应在 0 到 30 天之间", "noticeDays"),
        ({"notice_days": -1}, "公示期应在 0 到 30 天之间", "noticeDays"),
        (
            {"member_quotas": [{"period": "month"}]},
            "规则的格式不正确：memberQuotas[0].period",
            "memberQuotas[0].period",
        ),
    ],
)
def test_each_bad_rule_is_refused_with_a_message_a_clerk_reads(
    data: dict[str, Any], message: str, field: str
) -> None:
    with pytest.raises(InvalidRules) as refused:
        Rules.parse(data)
    assert (refused.value.code, refused.value.message, refused.value.field) == (
        "INVALID_RULES",
        message,
        field,
    )


def test_the_defaults_are_the_programme_s_usual_rules() -> None:
    rules = Rules()
    assert rules.star_levels == (100, 300, 600, 1000, 1500)
    assert rules.points.per_hour == 1
    assert set(rules.points.per_contribution) == set(ContributionKind)
    assert all(points >= 0 for points in rules.points.per_contribution.values())
    assert rules.hours == HourRules(
        rounding_minutes=30,
        rounding_mode=RoundingMode.DOWN,
        cap_per_activity=Decimal(8),
        cap_per_day=Decimal(12),
    )
    assert rules.member_quotas == (
        MemberQuota(period=QuotaPeriod.YEAR, min_hours=Decimal(10), min_times=0),
    )
    assert (rules.unit_quotas.activities_per_quarter, rules.unit_quotas.projects_per_year) == (1, 2)
    assert rules.post_categories == (
        "党员先锋岗",
        "环境义务岗",
        "邻里互助岗",
        "政策宣传岗",
        "法律咨询岗",
        "纠纷调解岗",
    )
    assert rules.notice_days == 0


def test_stored_rules_read_back_exactly() -> None:
    rules = Rules.parse(
        {
            "star_levels": [50, 150, 300, 500, 800],
            "points": {"per_hour": "1.5", "per_contribution": {"wish": "0.25", "visit": 0}},
            "hours": {"rounding_minutes": 15, "rounding_mode": "nearest", "cap_per_day": "10.0"},
            "member_quotas": [
                {"period": "half_year", "min_hours": "20", "min_times": 4},
                {"period": "year", "min_hours": "40", "min_times": 8},
            ],
            "unit_quotas": {"activities_per_quarter": 2, "projects_per_year": 3},
            "post_categories": [" 党员先锋岗 ", "文明劝导岗"],
            "notice_days": 7,
        }
    )
    stored = rules.to_stored()
    assert Rules.from_stored(stored) == rules
    # One spelling per number, and names as shown.
    assert stored["hours"]["cap_per_day"] == "10"
    assert stored["points"]["per_contribution"]["wish"] == "0.25"
    assert stored["post_categories"] == ["党员先锋岗", "文明劝导岗"]


def test_a_stored_version_lacking_a_newer_key_takes_its_default() -> None:
    old = Rules().to_stored()
    del old["notice_days"]
    del old["hours"]["cap_per_day"]
    del old["points"]["per_contribution"]["visit"]
    old["star_levels"] = [10, 20, 30, 40, 50]
    rules = Rules.from_stored(old)
    assert rules.star_levels == (10, 20, 30, 40, 50)
    assert rules.notice_days == 0
    assert rules.hours.cap_per_day == 12
    assert rules.points.per_contribution[ContributionKind.VISIT] == Decimal(1)


def test_a_stored_version_is_read_even_if_a_check_was_tightened_since() -> None:
    stored = Rules().to_stored() | {"notice_days": 45}
    assert Rules.from_stored(stored).notice_days == 45


def rules_with(**hours: Any) -> Rules:
    return Rules.parse({"hours": hours})


@pytest.mark.parametrize(
    ("minutes", "unit", "mode", "hours"),
    [
        (0, 30, "down", "0"),
        (89, 30, "down", "1.00"),
        (90, 30, "down", "1.50"),
        (74, 30, "nearest", "1.00"),
        (75, 30, "nearest", "1.50"),
        (61, 30, "up", "1.50"),
        (60, 30, "up", "1.00"),
        (7, 15, "nearest", "0"),
        (8, 15, "nearest", "0.25"),
        (100, 1, "down", "1.67"),
        (119, 60, "down", "1.00"),
        (61, 60, "up", "2.00"),
    ],
)
def test_durations_are_rounded_to_the_county_s_unit(
    minutes: int, unit: int, mode: str, hours: str
) -> None:
    rules = rules_with(rounding_minutes=unit, rounding_mode=mode)
    assert round_hours(minutes, rules) == Decimal(hours)


def test_an_activity_earns_no_more_than_the_cap_per_activity_or_what_the_day_leaves() -> None:
    rules = rules_with(cap_per_activity="8", cap_per_day="10")
    assert round_hours(11 * 60, rules) == 8
    assert round_hours(5 * 60, rules, credited_that_day=Decimal(7)) == 3
    assert round_hours(5 * 60, rules, credited_that_day=Decimal(12)) == 0
    with pytest.raises(ValueError, match="negative"):
        round_hours(-1, rules)


@pytest.mark.parametrize(
    ("hours", "level"),
    [(0, 0), (Decimal("99.5"), 0), (100, 1), (299, 1), (300, 2), (999, 3), (1000, 4), (9999, 5)],
)
def test_star_level_counts_the_thresholds_reached(hours: Decimal | int, level: int) -> None:
    assert star_level(hours, Rules()) == level


def admin_of(node: Node, role: str = "county_admin") -> Principal:
    return Principal(
        kind=PrincipalKind.USER,
        id=uuid4(),
        tenant_id=node.tenant_id,
        name="王书记",
        grants=(Grant(role=role, node_id=node.id, path=node.path),),
    )


async def test_a_day_is_judged_by_the_latest_version_in_force_then(
    db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()
    root = await root_of(db, tenant.id)
    admin = admin_of(root)
    start = today()
    stricter = Rules.parse({"notice_days": 5})
    async with db.tenant_session(tenant.id) as session:
        assert await service.rules_on(session, start) == Rules()
        await service.set_rules(
            session, admin, effective_from=start + timedelta(days=30), rules=stricter
        )
        # Two versions for one day: the one set last holds.
        first = Rules.parse({"notice_days": 3})
        for rules in (first, Rules.parse({"notice_days": 7})):
            await service.set_rules(
                session, admin, effective_from=start + timedelta(days=10), rules=rules, note="改"
            )
    async with db.tenant_session(tenant.id) as session:
        days = [0, 9, 10, 29, 30, 400]
        found = [
            (await service.rules_on(session, start + timedelta(days=d))).notice_days for d in days
        ]
        assert found == [0, 0, 7, 7, 5, 5]
        assert await service.current_rules(session) == Rules()
        page = await service.history(session, admin, Page(first=2))
        assert [v.body["notice_days"] for v in page.rows] == [7, 3]
        assert page.has_next


async def test_setting_rules_is_audited_with_what_changed(
    db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()
    root = await root_of(db, tenant.id)
    rules = Rules.parse({"hours": {"cap_per_day": 10}, "star_levels": [50, 300, 600, 1000, 1500]})
    async with db.tenant_session(tenant.id) as session:
        version = await service.set_rules(
            session, admin_of(root), effective_from=today(), rules=rules, note=" 县委文件 "
        )
    async with db.tenant_session(tenant.id) as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "rules.set"))
    assert entry is not None
    assert (entry.actor_name, entry.node_id, entry.object_id) == (
        "王书记",
        root.id,
        str(version.id),
    )
    assert entry.detail == {
        "effective_from": today().isoformat(),
        "note": "县委文件",
        "changes": {
            "hours.cap_per_day": {"before": "12", "after": "10"},
            "star_levels": {
                "before": [100, 300, 600, 1000, 1500],
                "after": [50, 300, 600, 1000, 1500],
            },
        },
    }


async def test_rules_are_set_at_the_county_only_and_never_for_a_past_day(
    db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道")
    async with db.tenant_session(tenant.id) as session:
        with pytest.raises(Forbidden):
            await service.set_rules(
                session, admin_of(street, "township_admin"), effective_from=today(), rules=Rules()
            )
        with pytest.raises(InvalidRules) as refused:
            await service.set_rules(
                session, admin_of(root), effective_from=today() - timedelta(days=1), rules=Rules()
            )
        assert (refused.value.message, refused.value.field) == (
            f"生效日期不能早于今天（{today().isoformat()}）：已过去的时段仍按当时的规则评定",
            "effectiveFrom",
        )
        with pytest.raises(InvalidRules) as long_note:
            await service.set_rules(
                session, admin_of(root), effective_from=today(), rules=Rules(), note="说" * 201
            )
        assert (long_note.value.message, long_note.value.field) == (
            "修改说明不超过 200 个字",
            "note",
        )


async def test_one_county_never_sees_another_s_rules(db: Database, make_tenant: MakeTenant) -> None:
    here, there = await make_tenant(), await make_tenant()
    async with db.tenant_session(there.id) as session:
        await service.set_rules(
            session,
            admin_of(await root_of(db, there.id)),
            effective_from=today(),
            rules=Rules.parse({"notice_days": 9}),
        )
    async with db.tenant_session(here.id) as session:
        assert await service.rules_on(session, today() + timedelta(days=1)) == Rules()
        assert (await session.scalars(select(RulesVersion))).all() == []
