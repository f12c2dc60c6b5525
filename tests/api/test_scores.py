"""Scores through GraphQL: records confirmed and corrected move a member's and a unit's
totals for every period (points by the county's rules of the day, star levels with an
event), who is short of a quota's pace shows in the at-risk lists for whoever may read
it, reminders go out once before a period ends, and the nightly recompute re-attributes.

Records are written by the records' services (the county of test_service_records.py) and
their events consumed by the scoring consumer as the workers would. "Today" for quotas is
a day in a past quarter (ANCHOR), so the periods, and the records in them, are settled.
"""

import asyncio
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, today
from infra.consumers import consume
from infra.db import Database
from infra.settings import Settings
from services.activities.models import ActivityStatus
from services.projects.models import (
    ClaimantKind,
    ClaimOrigin,
    ClaimStatus,
    Project,
    ProjectClaim,
    ProjectClaimMode,
    ProjectStatus,
)
from services.records.totals import Period, PeriodKind
from services.scoring import schedule
from services.scoring.consumers import SCORING
from services.scoring.periods import containing, key, month_of
from tests.api.graphql_client import global_id, statements_during
from tests.api.test_service_records import (
    CONFIRM,
    CONFIRM_MANY,
    CORRECT,
    DECLINE,
    County,
    at,
    make_county,
    refusal,
    rid,
)
from tests.conftest import ClonedDatabase, GraphQLCall, MakeTenant

_QUARTER = containing(PeriodKind.QUARTER, today() - timedelta(days=150))
# "Today" for quotas: the 61st day of a past quarter.
ANCHOR = _QUARTER.first + timedelta(days=60)
YEAR = containing(PeriodKind.YEAR, ANCHOR)
LONG_AGO = date(2020, 1, 1)

MEMBER_SCORE = """query($m: ID!, $y: Int) { memberScore(memberId: $m, year: $y) {
  year starLevel nextStarHours member { name }
  allTime { key kind hours times points }
  periods { key kind period { label } hours times points }
  quotas { quotaPeriod atRisk met daysPassed daysInPeriod daysLeft
    measures { measure minimum done pace shortOfPace left behind met } } } }"""
UNIT_SCORE = """query($u: ID!) { unitScore(unitId: $u) { year unit { name }
  allTime { hours times points collectiveActivities }
  periods { key collectiveActivities hours }
  quotas { quotaPeriod atRisk measures { measure minimum done behind } } } }"""
AT_RISK = """query($w: ID, $f: Int = 20, $a: String) {
  atRiskMembers(within: $w, first: $f, after: $a) {
    edges { node { member { name } quotas { quotaPeriod atRisk
      measures { measure minimum done pace shortOfPace left behind } } } }
    pageInfo { hasNextPage endCursor } } }"""
AT_RISK_UNITS = """query { atRiskUnits { edges { node { unit { name }
  quotas { quotaPeriod measures { measure done behind } } } } } }"""
MINE = "query { myQuotaStanding { atRisk member { name } quotas { quotaPeriod atRisk } } }"
FINISH = """mutation($id: ID!) { finishActivity(id: $id) { __typename } }"""


@pytest.fixture
async def county(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    test_database: ClonedDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> County:
    monkeypatch.setattr("services.scoring.quotas.today", lambda: ANCHOR)
    monkeypatch.setattr("services.scoring.views.today", lambda: ANCHOR)
    return await make_county(graphql, make_tenant, db, settings, test_database)


def day(n: int) -> date:
    """The n-th day (from 0) of the anchor's quarter."""
    return _QUARTER.first + timedelta(days=n)


async def drain(county: County) -> None:
    """Consume every event scoring takes, as the relay and workers would (again is no-op)."""
    rows = await county.sql(
        "SELECT id FROM events WHERE type LIKE 'service_record.%' OR type = 'activity.finished' "
        "ORDER BY id"
    )
    for row in rows:
        await consume(county.db, SCORING, county.tenant_id, [row.id])


async def confirmed(county: County, who: str, on: date, hours: tuple[int, int]) -> int:
    record_id = await county.add(who, at(on, hours[0]), at(on, hours[1]))
    assert (await county.saved("east", CONFIRM, id=rid(record_id)))["status"] == "CONFIRMED"
    return record_id


async def in_session(county: County, work: Any) -> Any:
    async with county.db.tenant_session(county.tenant_id) as session:
        return await work(session)


def behind(done: Decimal, minimum: Decimal, period: Period, on: date = ANCHOR) -> bool:
    passed, days = (on - period.first).days + 1, (period.last - period.first).days + 1
    return done * days < minimum * passed


async def star_events(county: County) -> list[Any]:
    rows = await county.sql(
        "SELECT payload FROM events WHERE type = 'member.star_reached' ORDER BY id"
    )
    return [row.payload for row in rows]


async def test_confirmed_and_corrected_records_score_in_every_period_with_points_and_stars(
    county: County,
) -> None:
    rules = {"starLevels": [2, 4, 6, 8, 10], "points": {"perHour": 2, "perContribution": {}}}
    await county.set_rules(rules, since=LONG_AGO)
    record = await confirmed(county, "zhang", day(40), (9, 12))
    declined = await county.add("li", at(day(40), 9), at(day(40), 12))
    await county.saved("east", DECLINE, id=rid(declined), r="未到场")
    await drain(county)
    score = await county.call("zhang", MEMBER_SCORE, m=county.mid("zhang"))
    # 3 hours × 2 points, and 1 point for an activity (entered by the organiser).
    assert score["allTime"] == {
        "key": "all",
        "kind": "ALL_TIME",
        "hours": "3.00",
        "times": 1,
        "points": "7.00",
    }
    assert (score["starLevel"], score["nextStarHours"], score["year"]) == (1, 4, YEAR.year)
    counted = {p["key"]: (p["hours"], p["points"]) for p in score["periods"] if p["times"]}
    month = containing(PeriodKind.MONTH, day(40))
    assert counted == {key(containing(kind, day(40))): ("3.00", "7.00") for kind in PeriodKind}, (
        counted
    )
    assert len(score["periods"]) == 1 + 2 + 4 + 12
    assert await star_events(county) == [
        {"member_id": county.members["zhang"].id, "star_level": 1, "hours": "3.00"}
    ]

    # Corrected to another month and 5 hours: the hours move, the old month's row goes.
    moved = await county.saved(
        "east",
        CORRECT,
        id=rid(record),
        r="日期记错了",
        s=at(day(5), 9).isoformat(),
        e=at(day(5), 14).isoformat(),
    )
    assert moved["hours"] == "5.00"
    await drain(county)
    score = await county.call("power", MEMBER_SCORE, m=county.mid("zhang"), y=YEAR.year)
    assert (score["allTime"]["hours"], score["allTime"]["points"]) == ("5.00", "11.00")
    assert score["starLevel"] == 2
    periods = {p["key"]: p["hours"] for p in score["periods"] if p["times"]}
    assert key(month) not in periods
    assert periods[key(containing(PeriodKind.MONTH, day(5)))] == "5.00"
    held = await county.sql("SELECT months, month_hours FROM member_scores")
    assert [tuple(r) for r in held] == [([month_of(day(5))], [Decimal("5.00")])]
    assert [e["star_level"] for e in await star_events(county)] == [1, 2]
    unit = await county.call("power", UNIT_SCORE, u=global_id("Unit", county.units["power"].id))
    assert unit["allTime"] == {
        "hours": "5.00",
        "times": 1,
        "points": "11.00",
        "collectiveActivities": 0,
    }
    assert unit["unit"] == {"name": "供电公司"}


async def test_scores_are_read_only_by_who_may_read_the_quotas(county: County) -> None:
    zhang, power = county.mid("zhang"), global_id("Unit", county.units["power"].id)
    forbidden = {"code": "FORBIDDEN", "message": "您没有在此范围内进行该操作的权限"}
    for who in ("li", "west", "school"):
        assert await county.refused_query(who, MEMBER_SCORE, m=zhang) == forbidden, who
    for who in ("zhang", "east", "street", "admin", "power"):
        assert (await county.call(who, MEMBER_SCORE, m=zhang))["member"] == {"name": "张三"}
    assert await county.refused_query("school", UNIT_SCORE, u=power) == forbidden
    assert await county.refused_query("zhang", UNIT_SCORE, u=power) == forbidden
    assert (await county.call("east", UNIT_SCORE, u=power))["unit"] == {"name": "供电公司"}
    assert await county.refused_query("admin", MEMBER_SCORE, m=zhang, y=1999) == {
        "code": "INVALID_INPUT",
        "message": f"「年份」应在 2000 到 {ANCHOR.year} 之间",
    }
    assert await county.refused_query("admin", MEMBER_SCORE, m=power) == {
        "code": "NOT_FOUND",
        "message": f"编号 {power} 不是有效的Member编号",
    }
    assert await county.refused_query("admin", MEMBER_SCORE, m=global_id("Member", 99999)) == {
        "code": "MEMBER_NOT_FOUND",
        "message": "未找到该党员",
    }
    assert await county.refused_query("east", MINE) == {
        "code": "INVALID_INPUT",
        "message": "本账号不是党员本人，没有个人考核指标",
    }


async def test_members_short_of_pace_are_at_risk_for_whoever_may_read_them(
    county: County,
) -> None:
    quotas = [
        {"period": "QUARTER", "minHours": 9},
        {"period": "YEAR", "minTimes": 2},
    ]
    await county.set_rules({"memberQuotas": quotas}, since=LONG_AGO)
    await confirmed(county, "zhang", day(10), (9, 12))
    await confirmed(county, "zhang", day(20), (9, 13))
    await confirmed(county, "li", day(30), (9, 12))
    await drain(county)

    def at_risk(hours: int, times: int) -> bool:
        return behind(Decimal(hours), Decimal(9), _QUARTER) or behind(
            Decimal(times), Decimal(2), YEAR
        )

    # 61 days of the quarter passed: 7 hours is on the pace of 9 a quarter, 3 is not.
    assert (at_risk(7, 2), at_risk(3, 1), at_risk(0, 0)) == (False, True, True)

    async def names(who: str, **variables: Any) -> list[str]:
        found = await county.call(who, AT_RISK, **variables)
        return [edge["node"]["member"]["name"] for edge in found["edges"]]

    assert await names("admin") == ["李四", "赵六", "王五", "陈七"]
    assert await names("admin", w=global_id("HierarchyNode", county.west.id)) == ["王五"]
    assert await names("street") == ["李四", "王五", "陈七"]
    assert await names("east") == ["李四", "陈七"]
    assert await names("power") == ["李四", "赵六"]
    assert await names("school") == ["王五", "陈七"]
    assert await names("li") == ["李四"]
    assert await names("zhang") == []

    page = await county.call("admin", AT_RISK, f=2)
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await county.call("admin", AT_RISK, f=2, a=page["pageInfo"]["endCursor"])
    assert [e["node"]["member"]["name"] for e in rest["edges"]] == ["王五", "陈七"]

    li = page["edges"][0]["node"]
    quarter = next(q for q in li["quotas"] if q["quotaPeriod"] == "QUARTER")
    days = (_QUARTER.last - _QUARTER.first).days + 1
    exact = Decimal(9) * 61 / days
    assert quarter["measures"] == [
        {
            "measure": "HOURS",
            "minimum": "9.00",
            "done": "3.00",
            "pace": str(exact.quantize(Decimal("0.01"))),
            "shortOfPace": str((exact - 3).quantize(Decimal("0.01"), ROUND_CEILING)),
            "left": "6.00",
            "behind": True,
        }
    ]
    assert await county.call("li", MINE) == {
        "atRisk": True,
        "member": {"name": "李四"},
        "quotas": [
            {"quotaPeriod": "QUARTER", "atRisk": True},
            {"quotaPeriod": "YEAR", "atRisk": behind(Decimal(1), Decimal(2), YEAR)},
        ],
    }
    mine = await county.call("zhang", MINE)
    assert (mine["atRisk"], [q["atRisk"] for q in mine["quotas"]]) == (False, [False, False])
    score = await county.call("zhang", MEMBER_SCORE, m=county.mid("zhang"))
    assert [(q["daysPassed"], q["met"]) for q in score["quotas"]] == [
        (61, False),
        ((ANCHOR - YEAR.first).days + 1, True),
    ]

    # The list's statements do not grow with its rows.
    one = await statements_during(county.db, county.ask("admin", AT_RISK, f=1))
    four = await statements_during(county.db, county.ask("admin", AT_RISK, f=4))
    assert one == four


async def test_units_short_of_collective_activities_or_projects_are_at_risk(
    county: County,
) -> None:
    await county.set_rules(
        {"unitQuotas": {"activitiesPerQuarter": 2, "projectsPerYear": 1}}, since=LONG_AGO
    )
    # 供电公司 finishes one collective activity (its event consumed); 城关小学 has two
    # written as finished (the nightly recompute counts them) and has claimed a project.
    power_activity = await county.activity(
        unit="power", collective=True, day=day(3), status=ActivityStatus.PUBLISHED
    )
    finished = await county.call("power", FINISH, id=global_id("Activity", power_activity.id))
    assert finished == {"__typename": "FinishActivitySuccess"}
    await drain(county)
    power_row = await county.sql(
        "SELECT collective_activities, months, month_activities FROM unit_scores "
        "WHERE unit_id = :u",
        u=county.units["power"].id,
    )
    assert [tuple(r) for r in power_row] == [(1, [month_of(day(3))], [1])]
    for n in (4, 5):
        await county.activity(unit="school", collective=True, day=day(n))
    await add_claim(county, "school", datetime.combine(day(6), time(10), tzinfo=CHINA))
    await in_session(county, lambda s: schedule.nightly_recompute(s, datetime.now(CHINA)))

    found = await county.call("admin", AT_RISK_UNITS)
    assert [e["node"]["unit"]["name"] for e in found["edges"]] == ["供电公司"]
    measures = {q["quotaPeriod"]: q["measures"][0] for q in found["edges"][0]["node"]["quotas"]}
    assert measures == {
        "QUARTER": {"measure": "COLLECTIVE_ACTIVITIES", "done": "1.00", "behind": True},
        "YEAR": {"measure": "PROJECTS", "done": "0.00", "behind": True},
    }
    assert len((await county.call("power", AT_RISK_UNITS))["edges"]) == 1
    for who in ("school", "west", "zhang"):
        assert (await county.call(who, AT_RISK_UNITS))["edges"] == [], who
    school = await county.call("school", UNIT_SCORE, u=global_id("Unit", county.units["school"].id))
    assert school["allTime"]["collectiveActivities"] == 2
    assert [q["atRisk"] for q in school["quotas"]] == [False, False]


async def add_claim(county: County, unit: str, claimed_at: datetime) -> None:
    """A unit's claim of a project, as the projects' steps leave it (a factory)."""

    async def write(session: AsyncSession) -> None:
        project = Project(
            tenant_id=county.tenant_id,
            node_id=county.west.id,
            scope_path=county.west.path,
            title="助老服务",
            category="党员先锋岗",
            claimant_kind=ClaimantKind.UNITS,
            capacity=3,
            starts_on=claimed_at.date(),
            ends_on=claimed_at.date() + timedelta(days=30),
            claim_mode=ProjectClaimMode.SELF,
            status=ProjectStatus.PUBLISHED,
            created_by_name="西门社区",
        )
        session.add(project)
        await session.flush()
        for status in (ClaimStatus.STARTED, ClaimStatus.WITHDRAWN):
            session.add(
                ProjectClaim(
                    tenant_id=county.tenant_id,
                    project_id=project.id,
                    scope_path=project.scope_path,
                    unit_id=county.units[unit].id,
                    origin=ClaimOrigin.SELF,
                    status=status,
                    claimed_at=claimed_at,
                )
            )

    await in_session(county, write)


async def test_reminders_go_once_per_member_period_and_reminder_before_the_end(
    county: County,
) -> None:
    await county.set_rules({"memberQuotas": [{"period": "QUARTER", "minHours": 9}]}, since=LONG_AGO)
    await confirmed(county, "zhang", day(10), (8, 16))
    await confirmed(county, "zhang", day(11), (8, 9))
    await confirmed(county, "li", day(12), (9, 12))
    await drain(county)

    async def remind(before_end: int) -> list[Any]:
        on = _QUARTER.last - timedelta(days=before_end)
        await in_session(county, lambda s: schedule.remind(s, on))
        rows = await county.sql(
            "SELECT payload FROM events WHERE type = 'member_quota.reminder' ORDER BY id"
        )
        return [row.payload for row in rows]

    assert await remind(20) == []
    first = await remind(14)
    ids = {county.members[w].id: w for w in county.members}
    assert sorted(ids[p["member_id"]] for p in first) == ["chen", "li", "wang", "zhao"]
    li = next(p for p in first if p["member_id"] == county.members["li"].id)
    assert li == {
        "member_id": county.members["li"].id,
        "quota_period": "quarter",
        "period": key(_QUARTER),
        "period_name": _QUARTER.label,
        "period_ends_on": _QUARTER.last.isoformat(),
        "days_left": 14,
        "reminder_days_before": 14,
        "min_hours": "9",
        "min_times": 0,
        "hours": "3.00",
        "times": 1,
    }
    assert await remind(14) == first
    assert await remind(10) == first
    await county.update("UPDATE members SET status = 'retired' WHERE id = :m", m=li["member_id"])
    last = await remind(3)
    assert [p["reminder_days_before"] for p in last[len(first) :]] == [3, 3, 3]
    assert await remind(0) == last
    assert len(await county.sql("SELECT * FROM quota_reminders")) == 7


async def test_the_nightly_recompute_re_attributes_and_announces_stars_after_its_first_run(
    county: County,
) -> None:
    await confirmed(county, "zhao", day(10), (9, 12))
    await drain(county)
    power, school = county.units["power"].id, county.units["school"].id

    async def unit_hours() -> dict[int, str]:
        rows = await county.sql("SELECT unit_id, hours FROM unit_scores")
        return {row.unit_id: str(row.hours) for row in rows}

    assert await unit_hours() == {power: "3.00"}
    due = datetime.now(CHINA)
    # Nothing changed since the rules were last scored: no recompute.
    assert await in_session(county, lambda s: schedule.recompute_on_new_rules(s, due)) is None
    baseline = await in_session(county, lambda s: schedule.nightly_recompute(s, due))
    assert (baseline.stars_reached, await star_events(county)) == (0, [])

    # 赵六 moves to 城关小学, and the county lowers its star thresholds.
    await county.update(
        "UPDATE members SET unit_id = :u WHERE id = :m", u=school, m=county.members["zhao"].id
    )
    await county.set_rules({"starLevels": [1, 2, 3, 4, 5]})
    done = await in_session(county, lambda s: schedule.recompute_on_new_rules(s, due))
    assert (done.member_rows, done.stars_reached) == (1, 1)
    assert await unit_hours() == {school: "3.00"}
    assert await star_events(county) == [
        {"member_id": county.members["zhao"].id, "star_level": 3, "hours": "3.00"}
    ]
    assert await in_session(county, lambda s: schedule.recompute_on_new_rules(s, due)) is None


async def test_events_of_one_member_consumed_at_once_sum_exactly(county: County) -> None:
    await county.set_rules({"starLevels": [2, 4, 6, 8, 10]}, since=LONG_AGO)
    ids = [await county.add("zhang", at(day(n), 9), at(day(n), 11)) for n in range(1, 11)]
    result = await county.call("east", CONFIRM_MANY, ids=[rid(i) for i in ids])
    assert len(result["records"]) == 10
    rows = await county.sql("SELECT id FROM events WHERE type LIKE 'service_record.%'")
    await asyncio.gather(*(consume(county.db, SCORING, county.tenant_id, [r.id]) for r in rows))
    totals = await county.sql("SELECT hours, times, star_level FROM member_scores")
    assert [tuple(r) for r in totals] == [(Decimal("20.00"), 10, 5)]
    assert [e["star_level"] for e in await star_events(county)] == [1, 2, 3, 4, 5]
    refusal_of_again = await county.call("east", CONFIRM, id=rid(ids[0]))
    assert refusal_of_again == refusal("RECORD_CLOSED", "该服务记录已确认，不能再确认", "id")
