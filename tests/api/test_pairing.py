"""包保 and 结对帮扶 through GraphQL: a community makes units responsible for compounds and
buildings and sees which are covered; keeps its register of households in difficulty
(their people masked, clear reads audited); pairs them with registered members and units;
members log their visits, which become service records the community confirms and, once
overdue, are listed. Every refusal is exact and writes nothing."""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from infra.clock import CHINA, today
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import global_id, statements_during
from tests.api.test_activities import FORBIDDEN, County, county, local, mid, nid, refusal, uid
from tests.factories import add_node

__all__ = ["county"]  # the fixture, from test_activities.py

ERROR = "... on MutationError { code message field }"
TABLES = (
    "responsibility_areas",
    "households",
    "pairings",
    "visits",
    "member_posts",
    "service_records",
    "needs",
    "role_grants",
    "events",
)
AREA = """id status inForce startsOn endsOn visitEveryDays servicesPerYear duties
  node { name } community { name } unit { name } memberName pairings { id }"""
ASSIGN = f"""mutation($i: ResponsibilityAreaInput!) {{ assignResponsibilityArea(input: $i) {{
  ... on ResponsibilityAreaSuccess {{ area {{ {AREA} }} }} {ERROR} }} }}"""
END_AREA = f"""mutation($id: ID!, $r: String!) {{ endResponsibilityArea(id: $id, reason: $r) {{
  ... on ResponsibilityAreaSuccess {{ area {{ {AREA} endReason }} }} {ERROR} }} }}"""
COVERAGE = """query($n: ID!, $c: Boolean) { responsibilityCoverage(nodeId: $n) {
  compounds coveredCompounds buildings coveredBuildings
  places(first: 100, covered: $c) {
    edges { node { place { name } covered areas { unit { name } } } } }
} }"""
HOUSEHOLD = """id category categoryName people needs status
  contactName phone address members { name relation } maySeeClear
  place { name } community { name } pairings { id memberName unit { name } }"""
CLEAR = """query($id: ID!) { household(id: $id) { contactName(clear: true) phone(clear: true)
  address(clear: true) members(clear: true) { name relation } } }"""
REGISTER = f"""mutation($i: HouseholdInput!) {{ registerHousehold(input: $i) {{
  ... on HouseholdSuccess {{ household {{ {HOUSEHOLD} }} }} {ERROR} }} }}"""
CLOSE = f"""mutation($id: ID!, $r: String!) {{ closeHousehold(id: $id, reason: $r) {{
  ... on HouseholdSuccess {{ household {{ status closeReason pairings {{ id }} }} }}
  {ERROR} }} }}"""
HOUSEHOLDS = """query($w: ID, $p: Boolean) { households(first: 100, within: $w, paired: $p) {
  edges { node { id contactName place { name } } } } }"""
PAIRING = """id status inForce startsOn endsOn reason visitEveryDays lastVisitedOn
  nextVisitDueOn daysOverdue memberName unit { name } household { id category }"""
PAIR = f"""mutation($i: PairingInput!) {{ pairHousehold(input: $i) {{
  ... on PairingSuccess {{ pairing {{ {PAIRING} }} }} {ERROR} }} }}"""
END_PAIRING = f"""mutation($id: ID!, $r: String!) {{ endPairing(id: $id, reason: $r) {{
  ... on PairingSuccess {{ pairing {{ status endReason }} }} {ERROR} }} }}"""
OVERDUE = """query($w: ID) { overdueHouseholds(first: 100, within: $w) {
  edges { node { id daysOverdue nextVisitDueOn memberName household { id } } } } }"""
VISIT = """id visitedAt endedAt found done followUpNeeded followUp memberName
  household { id } pairing { id lastVisitedOn nextVisitDueOn }
  need { id description source status place { name } }
  serviceRecord { id source sourceName title status hours node { name } }"""
LOG = f"""mutation($i: VisitInput!) {{ logVisit(input: $i) {{
  ... on VisitSuccess {{ visit {{ {VISIT} }} }} {ERROR} }} }}"""
RAISE = f"""mutation($id: ID!, $n: VisitNeedInput!) {{ raiseNeedFromVisit(id: $id, need: $n) {{
  ... on VisitSuccess {{ visit {{ {VISIT} }} }} {ERROR} }} }}"""
CONFIRM = f"""mutation($id: ID!) {{ confirmServiceRecord(id: $id) {{
  ... on ServiceRecordSuccess {{ record {{ status }} }} {ERROR} }} }}"""


@dataclass
class Places:
    north: Node
    building: Node
    grid: Node
    west_compound: Node


@pytest.fixture
async def places(county: County) -> Places:
    """More of 东门社区: a second compound, a building and a grid; and a compound of 西门社区."""
    return Places(
        north=await add_node(county.db, county.east, NodeKind.COMPOUND, "北苑小区"),
        building=await add_node(county.db, county.garden, NodeKind.BUILDING, "东园1号楼"),
        grid=await add_node(county.db, county.east, NodeKind.GRID, "东门第一网格"),
        west_compound=await add_node(county.db, county.west, NodeKind.COMPOUND, "西园小区"),
    )


def hid(household: dict[str, Any]) -> str:
    return str(household["id"])


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def at(day_offset: int, hour: int, minute: int = 0) -> str:
    moment = datetime.combine(today() + timedelta(days=day_offset), datetime.min.time())
    return moment.replace(hour=hour, minute=minute, tzinfo=CHINA).isoformat()


def household_input(place: Node, **changes: Any) -> dict[str, Any]:
    return {
        "placeId": nid(place),
        "category": "ELDERLY_ALONE",
        "contactName": "王秀英",
        "phone": "13912345678",
        "address": "东园小区1号楼2单元301",
        "members": [{"name": "李建国", "relation": "儿子"}],
        "needs": "腿脚不便，需要代购生活用品、定期探望",
        **changes,
    }


async def snapshot(county: County) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for table in TABLES:
        query = f"""SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text),
            '[]'::jsonb) FROM {table} t"""
        rows[table] = (await county.sql(query))[0][0]
    done = "SELECT action FROM audit_log WHERE outcome = 'succeeded' ORDER BY id"
    rows["audit_log"] = [row[0] for row in await county.sql(done)]
    return rows


async def registered(county: County, place: Node, **changes: Any) -> dict[str, Any]:
    result = await county.call("east", REGISTER, i=household_input(place, **changes))
    assert "household" in result, result
    household: dict[str, Any] = result["household"]
    return household


async def paired(county: County, household: dict[str, Any], **changes: Any) -> dict[str, Any]:
    given = {"householdId": hid(household), "reason": "独居老人，需定期探望", **changes}
    result = await county.call("east", PAIR, i=given)
    assert "pairing" in result, result
    pairing: dict[str, Any] = result["pairing"]
    return pairing


def visit_input(household: dict[str, Any], day_offset: int = -1, **changes: Any) -> dict[str, Any]:
    return {
        "householdId": hid(household),
        "visitedAt": at(day_offset, 9),
        "endedAt": at(day_offset, 10),
        "found": "老人身体尚可，家中灯泡坏了",
        "done": "更换了灯泡，陪老人聊天",
        **changes,
    }


async def event_payloads(county: County, type_: str) -> list[dict[str, Any]]:
    rows = await county.sql("SELECT payload FROM events WHERE type = :t ORDER BY id", t=type_)
    return [row[0] for row in rows]


# --- responsibility areas and coverage -------------------------------------------------


async def test_a_community_makes_a_unit_responsible_for_a_compound_and_sees_coverage(
    county: County, places: Places
) -> None:
    made = await county.call(
        "east",
        ASSIGN,
        i={
            "nodeId": nid(county.garden),
            "unitId": uid(county.units["power"]),
            "endsOn": days(365),
            "visitEveryDays": 30,
            "servicesPerYear": 4,
            "duties": "环境整治、矛盾调解、走访慰问",
        },
    )
    area = made["area"]
    assert {k: v for k, v in area.items() if k != "id"} == {
        "status": "ACTIVE",
        "inForce": True,
        "startsOn": today().isoformat(),
        "endsOn": days(365),
        "visitEveryDays": 30,
        "servicesPerYear": 4,
        "duties": "环境整治、矛盾调解、走访慰问",
        "node": {"name": "东园小区"},
        "community": {"name": "东门社区"},
        "unit": {"name": "供电公司"},
        "memberName": None,
        "pairings": [],
    }
    coverage = await county.call("east", COVERAGE, n=nid(county.east))
    assert {k: v for k, v in coverage.items() if k != "places"} == {
        "compounds": 2,
        "coveredCompounds": 1,
        "buildings": 1,
        "coveredBuildings": 0,
    }
    listed = [
        (e["node"]["place"]["name"], e["node"]["covered"], e["node"]["areas"])
        for e in coverage["places"]["edges"]
    ]
    assert listed == [
        ("东园小区", True, [{"unit": {"name": "供电公司"}}]),
        ("东园1号楼", False, []),
        ("北苑小区", False, []),
    ]
    uncovered = await county.call("street", COVERAGE, n=nid(county.street), c=False)
    names = [e["node"]["place"]["name"] for e in uncovered["places"]["edges"]]
    assert names == ["东园1号楼", "北苑小区", "西园小区"]
    [payload] = await event_payloads(county, "responsibility_area.assigned")
    assert (payload["unit_id"], payload["node_id"], payload["household_ids"]) == (
        county.units["power"].id,
        county.garden.id,
        [],
    )

    ended = await county.call("east", END_AREA, id=area["id"], r="单位搬迁")
    assert (ended["area"]["status"], ended["area"]["endReason"]) == ("ENDED", "单位搬迁")
    coverage = await county.call("east", COVERAGE, n=nid(county.east))
    assert coverage["coveredCompounds"] == 0
    assert await county.call("east", END_AREA, id=area["id"], r="再次") == refusal(
        "COMMITMENT_ENDED", "该包保责任已结束", "id"
    )


async def test_bad_assignments_are_refused_exactly_and_write_nothing(
    county: County, places: Places
) -> None:
    good = {"nodeId": nid(county.garden), "unitId": uid(county.units["power"])}
    await county.call("east", ASSIGN, i=good)
    before = await snapshot(county)
    wrong: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            "east",
            {"nodeId": nid(places.west_compound)},
            refusal(
                "ASSIGNMENT_OUTSIDE_SCOPE",
                "“西园小区”不在您管辖的范围内，不能分配包保责任",
                "nodeId",
            ),
        ),
        ("zhang", {}, FORBIDDEN),
        ("power", {}, FORBIDDEN),
        (
            "east",
            {"nodeId": nid(county.east)},
            refusal(
                "INVALID_RESPONSIBILITY_AREA",
                "「包保区域」应为小区、楼栋，而“东门社区”是社区（村）",
                "nodeId",
            ),
        ),
        (
            "east",
            {"unitId": uid(county.units["school"])},
            refusal(
                "NOT_REGISTERED_IN_COMMUNITY",
                "“城关小学”未在“东门社区”报到，不能包保“东园小区”",
                "unitId",
            ),
        ),
        (
            "east",
            {},
            refusal(
                "RESPONSIBILITY_AREA_EXISTS",
                f"供电公司已包保“东园小区”（{today().month}月{today().day}日起），不能重复分配",
                "unitId",
            ),
        ),
        (
            "east",
            {"nodeId": nid(places.building), "startsOn": days(10), "endsOn": days(5)},
            refusal("INVALID_RESPONSIBILITY_AREA", "「结束日期」不能早于「开始日期」", "endsOn"),
        ),
        (
            "east",
            {"nodeId": nid(places.building), "visitEveryDays": 0},
            refusal(
                "INVALID_RESPONSIBILITY_AREA",
                "「走访周期（天）」应在 1 到 365 之间（不要求时不填）",
                "visitEveryDays",
            ),
        ),
        (
            "east",
            {"unitId": global_id("Unit", 999999)},
            refusal("UNIT_NOT_FOUND", "未找到该单位", "unitId"),
        ),
        (
            "east",
            {"nodeId": global_id("HierarchyNode", 999999)},
            refusal("NODE_NOT_FOUND", "未找到该区划或网格节点", "nodeId"),
        ),
        (
            "east",
            {"memberId": mid(county.members["zhang"])},
            refusal("INVALID_RESPONSIBILITY_AREA", "「单位」和「党员」应填且只填一项", "unitId"),
        ),
    ]
    for who, change, expected in wrong:
        assert await county.call(who, ASSIGN, i=good | change) == expected, change
    assert await snapshot(county) == before


async def test_a_member_is_made_responsible_for_households_as_pairings(
    county: County, places: Places
) -> None:
    first = await registered(county, county.garden)
    second = await registered(county, places.building, category="DISABLED", contactName="赵大明")
    elsewhere = await registered(county, places.north)
    area_input = {
        "nodeId": nid(county.garden),
        "memberId": mid(county.members["zhang"]),
        "householdIds": [hid(first), hid(second)],
        "visitEveryDays": 7,
    }
    made = (await county.call("east", ASSIGN, i=area_input))["area"]
    assert (made["memberName"], made["unit"], len(made["pairings"])) == ("张三", None, 2)
    rows = await county.sql("SELECT area_id, visit_every_days, reason FROM pairings ORDER BY id")
    assert [tuple(r) for r in rows] == [(local(made["id"]), 7, "包保到户：东园小区")] * 2

    before = await snapshot(county)
    outside = area_input | {"nodeId": nid(places.building), "householdIds": [hid(elsewhere)]}
    assert await county.call("east", ASSIGN, i=outside) == refusal(
        "INVALID_RESPONSIBILITY_AREA",
        f"住户（编号 {local(elsewhere['id'])}）不在“东园1号楼”范围内",
        "householdIds",
    )
    again = area_input | {"nodeId": nid(places.building), "householdIds": [hid(second)]}
    assert await county.call("east", ASSIGN, i=again) == refusal(
        "PAIRING_EXISTS",
        f"党员张三已与该户结对（{today().month}月{today().day}日起），不能重复结对",
        "householdIds",
    )
    assert await county.call("east", ASSIGN, i=area_input | {"householdIds": []}) == refusal(
        "INVALID_RESPONSIBILITY_AREA", "「包保住户」不能为空", "householdIds"
    )
    not_there = area_input | {"memberId": mid(county.members["wang"])}
    assert await county.call("east", ASSIGN, i=not_there) == refusal(
        "NOT_REGISTERED_IN_COMMUNITY", "党员王五未在“东门社区”报到，不能包保“东园小区”", "memberId"
    )
    assert await snapshot(county) == before

    # Ending the area ends its pairings.
    await county.call("east", END_AREA, id=made["id"], r="党员搬家")
    rows = await county.sql("SELECT status, end_reason FROM pairings ORDER BY id")
    assert [tuple(r) for r in rows] == [("ended", "党员搬家")] * 2


# --- households ------------------------------------------------------------------------


async def test_a_household_is_registered_with_its_people_masked_and_read_in_clear_audited(
    county: County, places: Places
) -> None:
    household = await registered(county, places.building)
    assert {k: v for k, v in household.items() if k != "id"} == {
        "category": "ELDERLY_ALONE",
        "categoryName": "独居老人",
        "people": 2,
        "needs": "腿脚不便，需要代购生活用品、定期探望",
        "status": "ACTIVE",
        "contactName": "王**",
        "phone": "139****5678",
        "address": "东园小区****",
        "members": [{"name": "李**", "relation": "儿子"}],
        "maySeeClear": True,
        "place": {"name": "东园1号楼"},
        "community": {"name": "东门社区"},
        "pairings": [],
    }
    # Sealed at rest; the event says nothing of who they are.
    [(sealed,)] = await county.sql("SELECT contact_name_sealed FROM households")
    assert "王秀英".encode() not in bytes(sealed)
    [payload] = await event_payloads(county, "household.registered")
    assert payload == {
        "household_id": local(household["id"]),
        "node_id": places.building.id,
        "community_id": county.east.id,
        "category": "elderly_alone",
        "people": 2,
        "status": "active",
    }
    clear = await county.call("east", CLEAR, id=household["id"])
    assert clear == {
        "contactName": "王秀英",
        "phone": "13912345678",
        "address": "东园小区1号楼2单元301",
        "members": [{"name": "李建国", "relation": "儿子"}],
    }
    reads = await county.sql(
        "SELECT action FROM audit_log WHERE action LIKE 'household.%.read' ORDER BY id"
    )
    assert [r[0] for r in reads] == [
        "household.contact_name.read",
        "household.phone.read",
        "household.address.read",
        "household.members.read",
    ]
    # The compound's leader reads the household, masked only; a member not paired with it
    # does not read it at all.
    leader = await county.ask("leader", CLEAR, id=household["id"])
    assert leader["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stranger = await county.ask(
        "zhang", "query($id: ID!) { household(id: $id) { id } }", id=household["id"]
    )
    assert stranger["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await county.call("zhang", HOUSEHOLDS) == {"edges": []}

    # Paired, 张三 reads it, and its people in clear (audited as anyone's).
    await paired(county, household, memberId=mid(county.members["zhang"]))
    mine = await county.call("zhang", HOUSEHOLDS)
    assert [e["node"]["contactName"] for e in mine["edges"]] == ["王**"]
    assert (await county.call("zhang", CLEAR, id=household["id"]))["contactName"] == "王秀英"

    before = await snapshot(county)
    wrong: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            "street",
            {"placeId": nid(county.street)},
            refusal(
                "INVALID_HOUSEHOLD",
                "「住户所在地」应为社区（村）、小区、楼栋、网格，而“城关街道”是乡镇（街道）",
                "placeId",
            ),
        ),
        ("west", {}, FORBIDDEN),
        ("zhang", {}, FORBIDDEN),
        (
            "east",
            {"contactName": " "},
            refusal("INVALID_HOUSEHOLD", "「户主（联系人）姓名」不能为空", "contactName"),
        ),
        ("east", {"needs": ""}, refusal("INVALID_HOUSEHOLD", "「帮扶需求」不能为空", "needs")),
        (
            "east",
            {"people": 0},
            refusal("INVALID_HOUSEHOLD", "「家庭人口」应在 1 到 30 之间", "people"),
        ),
        (
            "east",
            {"members": [{"name": "李建国", "relation": ""}]},
            refusal("INVALID_HOUSEHOLD", "「与户主关系」不能为空", "members.relation"),
        ),
    ]
    for who, change, expected in wrong:
        answer = await county.call(who, REGISTER, i=household_input(county.garden, **change))
        assert answer == expected, change
    phone = await county.call("east", REGISTER, i=household_input(county.garden, phone="12"))
    assert (phone["code"], phone["field"]) == ("INVALID_HOUSEHOLD", "phone")
    assert await snapshot(county) == before

    # 销号 ends its pairings.
    closed = await county.call("east", CLOSE, id=household["id"], r="已搬离本社区")
    assert closed["household"] == {
        "status": "CLOSED",
        "closeReason": "已搬离本社区",
        "pairings": [],
    }
    rows = await county.sql("SELECT status, end_reason FROM pairings")
    assert [tuple(r) for r in rows] == [("ended", "住户销号：已搬离本社区")]
    assert await county.call("east", CLOSE, id=household["id"], r="再次") == refusal(
        "HOUSEHOLD_CLOSED", "该住户已销号", "id"
    )


# --- pairings --------------------------------------------------------------------------


async def test_a_household_is_paired_once_with_a_member_and_with_a_unit(
    county: County, places: Places
) -> None:
    household = await registered(county, county.garden)
    pairing = await paired(
        county, household, memberId=mid(county.members["zhang"]), visitEveryDays=7, endsOn=days(180)
    )
    assert {k: v for k, v in pairing.items() if k not in ("id", "household")} == {
        "status": "ACTIVE",
        "inForce": True,
        "startsOn": today().isoformat(),
        "endsOn": days(180),
        "reason": "独居老人，需定期探望",
        "visitEveryDays": 7,
        "lastVisitedOn": None,
        "nextVisitDueOn": days(7),
        "daysOverdue": None,
        "memberName": "张三",
        "unit": None,
    }
    by_unit = await paired(county, household, unitId=uid(county.units["power"]))
    assert (by_unit["memberName"], by_unit["unit"]) == (None, {"name": "供电公司"})

    before = await snapshot(county)
    base = {
        "householdId": hid(household),
        "reason": "再次结对",
        "memberId": mid(county.members["zhang"]),
    }
    wrong: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            "east",
            {},
            refusal(
                "PAIRING_EXISTS",
                f"党员张三已与该户结对（{today().month}月{today().day}日起），不能重复结对",
                "memberId",
            ),
        ),
        (
            "east",
            {"memberId": None, "unitId": uid(county.units["power"])},
            refusal(
                "PAIRING_EXISTS",
                f"“供电公司”已与该户结对（{today().month}月{today().day}日起），不能重复结对",
                "unitId",
            ),
        ),
        (
            "east",
            {"memberId": mid(county.members["wang"])},
            refusal(
                "NOT_REGISTERED_IN_COMMUNITY",
                "党员王五未在“东门社区”报到，不能与该户结对",
                "memberId",
            ),
        ),
        (
            "east",
            {"memberId": mid(county.members["li"]), "startsOn": days(3), "endsOn": days(1)},
            refusal("INVALID_PAIRING", "「结束日期」不能早于「开始日期」", "endsOn"),
        ),
        (
            "east",
            {"memberId": mid(county.members["li"]), "reason": " "},
            refusal("INVALID_PAIRING", "「结对原因」不能为空", "reason"),
        ),
        (
            "east",
            {"memberId": None},
            refusal("INVALID_PAIRING", "「党员」和「单位」应填且只填一项", "memberId"),
        ),
        (
            "east",
            {"householdId": global_id("Household", 999999)},
            refusal("HOUSEHOLD_NOT_FOUND", "未找到该住户", "householdId"),
        ),
        (
            "east",
            {"householdId": global_id("Pairing", 1)},
            refusal(
                "NOT_FOUND",
                f"编号 {global_id('Pairing', 1)} 不是有效的Household编号",
                "householdId",
            ),
        ),
        ("west", {"memberId": mid(county.members["li"])}, FORBIDDEN),
        ("zhang", {"memberId": mid(county.members["li"])}, FORBIDDEN),
    ]
    for who, change, expected in wrong:
        assert await county.call(who, PAIR, i=base | change) == expected, change
    assert await snapshot(county) == before

    ended = await county.call("east", END_PAIRING, id=pairing["id"], r="党员工作调动")
    assert ended["pairing"] == {"status": "ENDED", "endReason": "党员工作调动"}
    again = await paired(county, household, memberId=mid(county.members["zhang"]))
    assert again["status"] == "ACTIVE"
    types = [t for t in await county.event_types() if t.startswith("pairing.")]
    assert types == ["pairing.started", "pairing.started", "pairing.ended", "pairing.started"]


async def test_two_pairings_of_one_household_with_one_member_at_once_make_one(
    county: County, places: Places
) -> None:
    household = await registered(county, county.garden)
    given = {
        "householdId": hid(household),
        "reason": "独居老人",
        "memberId": mid(county.members["zhang"]),
    }
    answers = await asyncio.gather(
        county.call("east", PAIR, i=given), county.call("street", PAIR, i=given)
    )
    assert sorted("pairing" in a for a in answers) == [False, True]
    [refused] = [a for a in answers if "pairing" not in a]
    assert refused["code"] == "PAIRING_EXISTS"
    assert (await county.sql("SELECT count(*) FROM pairings"))[0][0] == 1


# --- visits ----------------------------------------------------------------------------


async def test_a_visit_becomes_a_service_record_the_community_confirms(
    county: County, places: Places
) -> None:
    household = await registered(county, places.building)
    await paired(
        county,
        household,
        memberId=mid(county.members["zhang"]),
        visitEveryDays=7,
        startsOn=days(-3),
    )
    logged = (await county.call("zhang", LOG, i=visit_input(household, -1)))["visit"]
    record = logged["serviceRecord"]
    assert {k: record[k] for k in ("source", "sourceName", "title", "status", "hours")} == {
        "source": "VISIT",
        "sourceName": "走访帮扶",
        "title": "入户走访（独居老人）",
        "status": "PENDING",
        "hours": "1.00",
    }
    assert record["node"] == {"name": "东门社区"}
    assert (logged["memberName"], logged["followUpNeeded"], logged["need"]) == ("张三", False, None)
    visited_on = (today() - timedelta(days=1)).isoformat()
    assert logged["pairing"]["lastVisitedOn"] == visited_on
    assert logged["pairing"]["nextVisitDueOn"] == days(6)
    [payload] = await event_payloads(county, "visit.logged")
    assert payload["service_record_id"] == local(record["id"])
    assert payload["member_id"] == county.members["zhang"].id

    # The member may not confirm it; the community does, as any record.
    assert await county.call("zhang", CONFIRM, id=record["id"]) == FORBIDDEN
    assert (await county.call("east", CONFIRM, id=record["id"]))["record"]["status"] == "CONFIRMED"
    # Scoring counts it as a visit.
    from infra.consumers import consume
    from services.scoring.consumers import SCORING

    events = await county.sql(
        "SELECT id FROM events WHERE type LIKE 'service_record.%' ORDER BY id"
    )
    for row in events:
        await consume(county.db, SCORING, county.root.tenant_id, [row.id])
    [(points,)] = await county.sql("SELECT points FROM member_scores")
    # 1 hour × the default 1 point an hour + the default 1 point of a visit.
    assert points == 2


async def test_bad_visits_are_refused_exactly_and_write_nothing(
    county: County, places: Places
) -> None:
    household = await registered(county, places.building)
    await paired(county, household, memberId=mid(county.members["zhang"]), startsOn=days(-3))
    before = await snapshot(county)
    base = visit_input(household)
    three_days_ago, five_days_ago = today() - timedelta(days=3), today() - timedelta(days=5)
    wrong: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            "li",
            {},
            refusal(
                "VISIT_NOT_PAIRED", "党员李四（及其单位）未与该户结对，不能登记走访", "householdId"
            ),
        ),
        (
            "zhang",
            {"visitedAt": at(-5, 9), "endedAt": at(-5, 10)},
            refusal(
                "VISIT_NOT_PAIRED",
                f"该户的结对期限为{three_days_ago.month}月{three_days_ago.day}日起，"
                f"走访日期{five_days_ago.month}月{five_days_ago.day}日不在其内",
                "visitedAt",
            ),
        ),
        (
            "zhang",
            {"endedAt": at(-1, 8)},
            refusal("INVALID_VISIT", "「走访结束时间」应晚于「走访开始时间」", "endedAt"),
        ),
        (
            "zhang",
            {"visitedAt": at(1, 9), "endedAt": at(1, 10)},
            refusal("INVALID_VISIT", "走访尚未结束，不能登记", "endedAt"),
        ),
        ("zhang", {"found": ""}, refusal("INVALID_VISIT", "「走访发现」不能为空", "found")),
        (
            "zhang",
            {"need": {"category": "FACILITY_REPAIR", "description": "楼道灯坏了"}},
            refusal(
                "INVALID_VISIT",
                "走访发现只能由社区工作人员转为需求：请勾选“需要跟进”，由社区处理",
                "need",
            ),
        ),
        ("east", {}, refusal("INVALID_VISIT", "「党员」不能为空", "memberId")),
        ("west", {"memberId": mid(county.members["zhang"])}, FORBIDDEN),
        ("li", {"memberId": mid(county.members["zhang"])}, FORBIDDEN),
        (
            "zhang",
            {"householdId": global_id("Household", 999999)},
            refusal("HOUSEHOLD_NOT_FOUND", "未找到该住户", "householdId"),
        ),
    ]
    for who, change, expected in wrong:
        assert await county.call(who, LOG, i=base | change) == expected, (who, change)
    assert await snapshot(county) == before


async def test_a_finding_becomes_a_need_raised_as_raise_need_raises_one(
    county: County, places: Places
) -> None:
    household = await registered(county, places.building)
    await paired(county, household, memberId=mid(county.members["zhang"]), startsOn=days(-3))
    # Staff log a visit and put its finding on the needs list at once.
    need = {
        "category": "FACILITY_REPAIR",
        "description": "东园1号楼楼道灯损坏",
        "urgency": "PRESSING",
    }
    by_staff = await county.call(
        "east", LOG, i=visit_input(household, -2, memberId=mid(county.members["zhang"]), need=need)
    )
    assert by_staff["visit"]["need"] == {
        "id": by_staff["visit"]["need"]["id"],
        "description": "东园1号楼楼道灯损坏",
        "source": "HOME_VISIT",
        "status": "OPEN",
        "place": {"name": "东园小区"},
    }
    # The member logs one needing follow-up; the community raises its need afterwards, once.
    mine = await county.call(
        "zhang", LOG, i=visit_input(household, -1, followUpNeeded=True, followUp="需申请助餐")
    )
    visit_id = mine["visit"]["id"]
    request = {"category": "ELDERLY_DISABLED", "description": "独居老人申请助餐服务"}
    assert await county.call("zhang", RAISE, id=visit_id, n=request) == FORBIDDEN
    raised = await county.call("east", RAISE, id=visit_id, n=request)
    assert raised["visit"]["need"]["description"] == "独居老人申请助餐服务"
    assert await county.call("east", RAISE, id=visit_id, n=request) == refusal(
        "VISIT_NEED_ALREADY_RAISED", "该走访发现已转为需求，不能重复提出", "id"
    )
    types = [t for t in await county.event_types() if t.split(".")[0] in ("need", "visit")]
    assert types == [
        "need.raised",
        "visit.logged",
        "visit.logged",
        "need.raised",
        "visit.need_raised",
    ]
    rows = await county.sql("SELECT source, category FROM needs ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("home_visit", "facility_repair"),
        ("home_visit", "elderly_disabled"),
    ]


async def test_households_overdue_for_a_visit_are_listed_and_reminded_once_a_day(
    county: County, places: Places
) -> None:
    from services.pairing.schedule import remind_overdue

    late = await registered(county, county.garden)
    on_time = await registered(county, places.building, contactName="赵大明")
    zhang = mid(county.members["zhang"])
    await paired(county, late, memberId=zhang, visitEveryDays=7, startsOn=days(-10))
    await paired(county, on_time, memberId=zhang, visitEveryDays=7, startsOn=days(-10))
    await paired(
        county, on_time, unitId=uid(county.units["power"]), visitEveryDays=30, startsOn=days(-40)
    )
    overdue = await county.call("east", OVERDUE, w=nid(county.east))
    assert [(e["node"]["household"]["id"], e["node"]["daysOverdue"]) for e in overdue["edges"]] == [
        (on_time["id"], 10),
        (late["id"], 3),
        (on_time["id"], 3),
    ]
    await county.call("zhang", LOG, i=visit_input(on_time, -1))
    overdue = await county.call("zhang", OVERDUE)
    assert [(e["node"]["household"]["id"], e["node"]["memberName"]) for e in overdue["edges"]] == [
        (late["id"], "张三")
    ]

    async def remind() -> int:
        async with county.db.tenant_session(county.root.tenant_id) as session:
            return await remind_overdue(session, today())

    assert await remind() == 2
    assert await remind() == 0
    [mine] = await event_payloads(county, "pairing.visit_overdue")
    assert mine == {
        "member_id": county.members["zhang"].id,
        "households": [local(late["id"])],
        "pairings": [mine["pairings"][0]],
        "overdue_since": days(-2),
        "remind_on": today().isoformat(),
    }
    [units] = await event_payloads(county, "pairing.unit_visit_overdue")
    assert (units["unit_id"], units["households"], units["overdue_since"]) == (
        county.units["power"].id,
        [local(on_time["id"])],
        days(-9),
    )


async def test_the_pairings_list_takes_the_same_statements_whatever_its_length(
    county: County, places: Places
) -> None:
    query = """{ pairings(first: 100) { edges { node { id memberName unit { name }
      household { id contactName place { name } pairings { id } } area { id } } } } }"""

    async def statements() -> int:
        return await statements_during(county.db, county.ask("east", query))

    household = await registered(county, county.garden)
    await paired(county, household, unitId=uid(county.units["power"]))
    area = {
        "nodeId": nid(county.garden),
        "memberId": mid(county.members["zhang"]),
        "householdIds": [hid(household)],
    }
    assert "area" in await county.call("east", ASSIGN, i=area)
    await statements()  # the caller's grants are cached from the first request on
    one = await statements()
    for name, where in (("赵大明", places.building), ("钱小红", places.north)):
        more = await registered(county, where, contactName=name)
        await paired(county, more, unitId=uid(county.units["power"]))
        member_area = area | {"nodeId": nid(where), "householdIds": [hid(more)]}
        assert "area" in await county.call("east", ASSIGN, i=member_area)
    assert await statements() == one


async def test_each_reader_lists_what_is_theirs_or_in_their_scope(
    county: County, places: Places
) -> None:
    household = await registered(county, county.garden)
    other = await registered(county, places.north, contactName="赵大明")
    await paired(county, household, memberId=mid(county.members["zhang"]), startsOn=days(-3))
    await paired(county, other, memberId=mid(county.members["zhou"]), startsOn=days(-3))
    await county.call(
        "east", ASSIGN, i={"nodeId": nid(county.garden), "unitId": uid(county.units["power"])}
    )
    await county.call("zhang", LOG, i=visit_input(household, -1))
    await county.call("zhou", LOG, i=visit_input(other, -1))
    lists = """{ visits(first: 100) { edges { node { memberName } } }
      pairings(first: 100) { edges { node { memberName } } }
      responsibilityAreas(first: 100) { edges { node { unit { name } } } }
      households(first: 100) { edges { node { contactName } } } }"""

    async def seen(who: str) -> dict[str, list[Any]]:
        found = (await county.ask(who, lists))["data"]
        return {
            "visits": [e["node"]["memberName"] for e in found["visits"]["edges"]],
            "pairings": [e["node"]["memberName"] for e in found["pairings"]["edges"]],
            "areas": [e["node"]["unit"]["name"] for e in found["responsibilityAreas"]["edges"]],
            "households": [e["node"]["contactName"] for e in found["households"]["edges"]],
        }

    # Visits newest first (the same hour: the later logged first).
    assert await seen("east") == {
        "visits": ["周九", "张三"],
        "pairings": ["张三", "周九"],
        "areas": ["供电公司"],
        "households": ["王**", "赵**"],
    }
    assert await seen("auditor") == await seen("east")
    # 张三 his own; 供电公司's admin its unit's area and its members' pairings and visits
    # (周九 is 城关小学's); 西门社区 nothing.
    assert await seen("zhang") == {
        "visits": ["张三"],
        "pairings": ["张三"],
        "areas": [],
        "households": ["王**"],
    }
    assert await seen("power") == {
        "visits": ["张三"],
        "pairings": ["张三"],
        "areas": ["供电公司"],
        "households": [],
    }
    assert await seen("west") == {"visits": [], "pairings": [], "areas": [], "households": []}
