"""Dashboards through GraphQL: a county sees its streets, a street its communities; the
figures equal the same figures computed from the base tables; members' names are masked
for a viewer who may not read members; scope is enforced; a fixed number of statements
whatever the node; the workbook holds the same numbers.

Records are written as the records' services write them and confirmed through the API;
their events are consumed by the scoring consumer as the workers would.
"""

import base64
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from infra.clock import today
from infra.db import Database
from infra.settings import Settings
from services.dashboards.service import parse_period
from services.records.totals import PeriodKind
from services.scoring.periods import containing, key
from tests import dashboard_baseline
from tests.api.graphql_client import bearer, global_id, statements_during, token_for
from tests.api.test_scores import drain
from tests.api.test_service_records import (
    CONFIRM,
    COUNTY,
    DECLINE,
    SET_RULES,
    County,
    at,
    make_county,
    rid,
)
from tests.api.test_whistle_calls import BLOW, RESPOND, call_input
from tests.conftest import ClonedDatabase, GraphQLCall, MakeTenant
from tests.factories import add_user

# Every record in one past month, so one period holds them whatever today is.
MONTH_START = (today() - timedelta(days=40)).replace(day=1)
PERIOD = key(containing(PeriodKind.YEAR, MONTH_START))
FIGURES = """members membersRegistered activeMembers hours records membersCompliant
  units unitsRegistered unitsCompliant activitiesHeld whistleCalls whistleAsked
  whistleAnswered responseRate stars membersEverActive"""
DASHBOARD = f"""query($n: ID!, $p: String) {{ dashboard(nodeId: $n, period: $p) {{
  node {{ name }} period {{ key label }}
  figures {{ {FIGURES} }} atNode {{ {FIGURES} }}
  children(sortBy: HOURS, descending: true) {{ node {{ name }} figures {{ {FIGURES} }} }}
  series {{ month activeMembers hours records }} }} }}"""
RANKING = """query($n: ID!, $p: String) { dashboard(nodeId: $n, period: $p) {
  memberRanking(first: 3) { rank name hours times } unitRanking { rank name hours } } }"""
WORKBOOK = """query($n: ID!, $p: String) { dashboard(nodeId: $n, period: $p) {
  workbook { filename contentType contentBase64 } } }"""


def day(n: int) -> date:
    return MONTH_START + timedelta(days=n)


def nid(node: Any) -> str:
    return global_id("HierarchyNode", node.id)


@pytest.fixture
async def county(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    test_database: ClonedDatabase,
) -> County:
    county = await make_county(graphql, make_tenant, db, settings, test_database)
    # Stars at 2, 4, 6 … hours; a member must serve 3 hours a year.
    rules = {
        "starLevels": [2, 4, 6, 8, 10],
        "memberQuotas": [{"period": "YEAR", "minHours": 3, "minTimes": 1}],
    }
    result = await county.call("admin", SET_RULES, rules=rules, **{"from": today().isoformat()})
    assert result == {"__typename": "RulesSuccess"}, result
    await add_user(
        db, settings, county.tenant_id, "audit", node=county.root, roles=[("auditor", county.root)]
    )
    county.tokens["audit"] = bearer(await token_for(graphql, "audit", county=COUNTY))
    # 张三 6 h in two records, 李四 2 h, 王五 4 h, 赵六 1 h; 陈七's record declined.
    served = [
        ("zhang", 0, (9, 12)),
        ("zhang", 1, (9, 12)),
        ("li", 0, (14, 16)),
        ("wang", 2, (8, 12)),
        ("zhao", 3, (10, 11)),
    ]
    for who, n, (start, end) in served:
        record = await county.add(who, at(day(n), start), at(day(n), end))
        assert (await county.saved("east", CONFIRM, id=rid(record)))["status"] == "CONFIRMED"
    declined = await county.add("chen", at(day(4), 9), at(day(4), 11))
    await county.saved("east", DECLINE, id=rid(declined), r="重复登记")
    await drain(county)
    # A whistle call in 东门社区, answered by 张三.
    blown = await county.call("east", BLOW, i=call_input(county.east, skills=[]))
    answered = await county.call("zhang", RESPOND, id=blown["call"]["id"], a=True, **{"as": None})
    assert "response" in answered, answered
    return county


async def dashboard(county: County, who: str, node: Any, period: str = PERIOD) -> dict[str, Any]:
    found: dict[str, Any] = await county.call(who, DASHBOARD, n=nid(node), p=period)
    return found


def stars(*counts: int) -> list[int]:
    return [*counts, *[0] * (5 - len(counts))]


async def test_a_county_sees_its_streets_and_the_figures_add_up(county: County) -> None:
    found = await dashboard(county, "admin", county.root)
    assert found["period"] == {"key": PERIOD, "label": f"{PERIOD}年"}
    whole = found["figures"]
    assert {k: whole[k] for k in ("members", "membersRegistered", "activeMembers")} == {
        "members": 5,
        "membersRegistered": 5,
        "activeMembers": 4,
    }
    assert (whole["hours"], whole["records"], whole["membersCompliant"]) == ("13.00", 5, 2)
    assert whole["stars"] == stars(1, 1, 1)  # 李四 one, 王五 two, 张三 three
    assert (whole["units"], whole["unitsRegistered"]) == (2, 2)
    assert (whole["whistleCalls"], whole["whistleAsked"], whole["whistleAnswered"]) == (1, 4, 1)
    assert whole["responseRate"] == "25.0"
    # The streets, most hours first: 城关街道 (东门, 西门) and 南关街道.
    children = [(c["node"]["name"], c["figures"]) for c in found["children"]]
    assert [(name, f["activeMembers"], f["hours"]) for name, f in children] == [
        ("城关街道", 3, "12.00"),
        ("南关街道", 1, "1.00"),
    ]
    assert found["atNode"]["activeMembers"] == 0
    # The month of the records in the series.
    month = {m["month"]: m for m in found["series"]}[MONTH_START.strftime("%Y-%m")]
    assert (month["activeMembers"], month["hours"], month["records"]) == (4, "13.00", 5)
    # A community: its compound holds 张三 and 李四 (and 陈七, declined).
    east = await dashboard(county, "east", county.east)
    assert [(c["node"]["name"], c["figures"]["activeMembers"]) for c in east["children"]] == [
        ("东园小区", 2)
    ]


async def test_every_figure_equals_the_base_tables(county: County) -> None:
    periods = [
        PERIOD,
        key(containing(PeriodKind.QUARTER, MONTH_START)),
        MONTH_START.strftime("%Y-%m"),
    ]
    for node in (county.root, county.street, county.east, county.garden, county.south):
        for period in periods:
            found = await dashboard(county, "admin", node, period)
            async with county.db.tenant_session(county.tenant_id) as session:
                base = await dashboard_baseline.overview(session, node, parse_period(period))
                base_series = await dashboard_baseline.series(session, node, parse_period(period))
            assert found["figures"]["activeMembers"] == base.figures.active_members
            assert Decimal(found["figures"]["hours"]) == base.figures.hours
            assert found["figures"]["records"] == base.figures.records
            assert found["figures"]["membersCompliant"] == base.figures.members_compliant
            assert found["figures"]["stars"] == list(base.figures.stars)
            assert found["atNode"]["activeMembers"] == base.at_node.active_members
            by_name = {c.node.name: c.figures for c in base.children}
            for child in found["children"]:
                expected = by_name[child["node"]["name"]]
                assert child["figures"]["activeMembers"] == expected.active_members
                assert Decimal(child["figures"]["hours"]) == expected.hours
            assert [
                (m["month"], m["activeMembers"], Decimal(m["hours"]), m["records"])
                for m in found["series"]
            ] == [(m.key, m.active_members, m.hours, m.records) for m in base_series]


async def test_names_are_masked_for_a_viewer_who_may_not_read_members(county: County) -> None:
    staff = await county.call("admin", RANKING, n=nid(county.root), p=PERIOD)
    assert [(r["name"], r["hours"]) for r in staff["memberRanking"]] == [
        ("张三", "6.00"),
        ("王五", "4.00"),
        ("李四", "2.00"),
    ]
    assert [(r["name"], r["hours"]) for r in staff["unitRanking"]] == [
        ("供电公司", "9.00"),  # 张三, 李四 and 赵六
        ("城关小学", "4.00"),
    ]
    audited = await county.call("audit", RANKING, n=nid(county.root), p=PERIOD)
    assert [r["name"] for r in audited["memberRanking"]] == ["张*", "王*", "李*"]


async def test_a_viewer_sees_only_nodes_within_their_grants(county: County) -> None:
    for who, node in (("west", county.east), ("zhang", county.root), ("power", county.east)):
        refused = await county.refused_query(who, DASHBOARD, n=nid(node), p=PERIOD)
        assert refused == {"code": "FORBIDDEN", "message": "您没有在此范围内进行该操作的权限"}
    wrong = await county.refused_query("admin", DASHBOARD, n=nid(county.root), p="2026年")
    assert wrong["code"] == "INVALID_INPUT"
    assert wrong["message"].startswith("「时段」应写作 2026（全年）")


async def test_a_dashboard_takes_the_same_statements_for_a_county_and_a_compound(
    county: County,
) -> None:
    async def statements(node: Any) -> int:
        return await statements_during(
            county.db, county.ask("admin", DASHBOARD, n=nid(node), p=PERIOD)
        )

    await statements(county.root)  # grants cached from the first request on
    assert await statements(county.root) == await statements(county.garden)


async def test_the_workbook_holds_the_dashboards_numbers(county: County) -> None:
    found = await county.call("admin", WORKBOOK, n=nid(county.root), p=PERIOD)
    document = found["workbook"]
    assert document["filename"] == f"正定县-{PERIOD}-工作情况.xlsx"
    book = load_workbook(BytesIO(base64.b64decode(document["contentBase64"])))
    assert book.sheetnames == ["概览", "下级", "月度", "单位排行", "党员排行"]
    overview = {row[0]: row[1] for row in book["概览"].iter_rows(min_row=2, values_only=True)}
    assert overview["活跃党员（本期有确认服务）"] == 4
    assert overview["确认服务时长（小时）"] == 13
    assert overview["吹哨召集人次"] == 4
    children = list(book["下级"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in children] == ["城关街道", "南关街道", "正定县本级", "合计"]
    members = [row[1:3] for row in book["党员排行"].iter_rows(min_row=2, values_only=True)]
    assert members[0] == ("张三", 6)
