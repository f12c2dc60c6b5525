"""Alliances through GraphQL: 党建联盟 at a street, 大党委 at a community, member units,
part-time members, joint meetings, who may see and change them, and what is recorded."""

import asyncio
import base64
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import text

from infra.clock import today
from infra.db import Database
from infra.settings import Settings
from policies.principal import Grant, Principal, PrincipalKind
from services.alliances import units
from services.alliances.errors import AlreadyInAlliance
from services.registry.models import Member, RegistryStatus, Unit
from services.registry.numbers import credit_code_check_char
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import bearer, global_id, statements_during, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_member, add_node, add_unit, add_user, root_of

COUNTY = "130123"
FORBIDDEN = ("FORBIDDEN", "您没有在此范围内进行该操作的权限")
ERROR = "... on MutationError { code message field }"
TABLES = ("alliances", "alliance_units", "part_time_members", "joint_meetings", "events")
STREET = "城关镇党建联盟"

FORM = f"""mutation($i: AllianceInput!) {{ formAlliance(input: $i) {{
  ... on AllianceSuccess {{ alliance {{ id name kind status establishedOn node {{ name }} }} }}
  {ERROR} }} }}"""
DISSOLVE = f"""mutation($id: ID!, $r: String!, $on: Date) {{
  dissolveAlliance(id: $id, reason: $r, dissolvedOn: $on) {{
  ... on AllianceSuccess {{ alliance {{ status dissolvedOn dissolvedReason }} }} {ERROR} }} }}"""
ADD_UNIT = f"""mutation($a: ID!, $u: ID!, $on: Date, $role: String) {{
  addAllianceUnit(allianceId: $a, unitId: $u, joinedOn: $on, role: $role) {{
  ... on AllianceUnitSuccess {{ membership {{ unit {{ name }} role joinedOn leftOn }} }}
  {ERROR} }} }}"""
REMOVE_UNIT = f"""mutation($a: ID!, $u: ID!, $on: Date) {{
  removeAllianceUnit(allianceId: $a, unitId: $u, leftOn: $on) {{
  ... on AllianceUnitSuccess {{ membership {{ unit {{ name }} joinedOn leftOn }} }}
  {ERROR} }} }}"""
APPOINT = f"""mutation($a: ID!, $m: ID!, $post: String, $on: Date) {{
  appointPartTimeMember(allianceId: $a, memberId: $m, post: $post, fromOn: $on) {{
  ... on PartTimeMemberSuccess {{ partTimeMember {{ name post fromOn toOn unit {{ name }} }} }}
  {ERROR} }} }}"""
END = f"""mutation($a: ID!, $m: ID!, $on: Date) {{
  endPartTimeMember(allianceId: $a, memberId: $m, toOn: $on) {{
  ... on PartTimeMemberSuccess {{ partTimeMember {{ name fromOn toOn }} }} {ERROR} }} }}"""
MEET = f"""mutation($a: ID!, $i: JointMeetingInput!) {{
  recordJointMeeting(allianceId: $a, input: $i) {{ ... on JointMeetingSuccess {{ jointMeeting {{
  heldOn topic place resolutions recordedBy attendeeUnits {{ name }} attendeeMembers {{ name post }}
  }} }} {ERROR} }} }}"""
VIEW = """query($id: ID!, $past: Boolean = false) { alliance(id: $id) {
  name kind status node { name }
  units(includePast: $past) { unit { name } role joinedOn leftOn }
  partTimeMembers(includePast: $past) { name post fromOn toOn unit { name } member { mobile } }
  jointMeetings { edges { node { heldOn topic place resolutions recordedBy
    attendeeUnits { name } attendeeMembers { name post } } } } } }"""
LIST = """query($kind: AllianceKind, $within: ID, $s: AllianceStatus = ACTIVE) {
  alliances(kind: $kind, within: $within, status: $s) { edges { node { name } } } }"""
MEETINGS = """query($id: ID!, $first: Int!, $after: String) { alliance(id: $id) {
  jointMeetings(first: $first, after: $after) {
    edges { cursor node { heldOn topic } } pageInfo { hasNextPage endCursor } } } }"""


def credit_code(serial: int) -> str:
    first17 = f"91130123MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


def nid(node: Node) -> str:
    return global_id("HierarchyNode", node.id)


def uid(unit: Unit) -> str:
    return global_id("Unit", unit.id)


def mid(member: Member) -> str:
    return global_id("Member", member.id)


def local_id(global_id_: str) -> int:
    return int(base64.b64decode(global_id_).decode().split(":")[1])


def refusal(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


@dataclass
class County:
    graphql: GraphQLCall
    db: Database
    settings: Settings
    root: Node
    township: Node
    east: Node
    west: Node
    compound: Node
    south: Node
    power: Unit
    school: Unit
    market: Unit
    closed: Unit
    zhang: Member
    li: Member
    tokens: dict[str, dict[str, str]]

    async def ask(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        return await self.graphql(query, variables, county=COUNTY, headers=self.tokens[who])

    async def mutate(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [result] = body["data"].values()
        return dict(result)

    async def names(self, who: str, **variables: Any) -> list[str]:
        body = await self.ask(who, LIST, **variables)
        assert "errors" not in body, body
        return sorted(edge["node"]["name"] for edge in body["data"]["alliances"]["edges"])

    async def view(self, who: str, alliance: str, *, past: bool = False) -> dict[str, Any]:
        body = await self.ask(who, VIEW, id=alliance, past=past)
        assert "errors" not in body, body
        return dict(body["data"]["alliance"])

    async def form(self, who: str, node: Node, name: str, kind: str, **more: Any) -> str:
        given = {"kind": kind, "nodeId": nid(node), "name": name, **more}
        result = await self.mutate(who, FORM, i=given)
        alliance_id: str = result["alliance"]["id"]
        return alliance_id

    async def street_alliance(self, *units: Unit) -> str:
        alliance = await self.form(
            "street", self.township, STREET, "STREET_ALLIANCE", establishedOn="2024-01-01"
        )
        for unit in units:
            added = await self.mutate("street", ADD_UNIT, a=alliance, u=uid(unit), on="2024-02-01")
            assert "membership" in added, added
        return alliance

    async def counts(self) -> dict[str, int]:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            return {
                table: int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
                for table in TABLES
            }

    async def only_meeting_id(self) -> int:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            return int(await session.scalar(text("SELECT id FROM joint_meetings")) or 0)

    async def events(self) -> list[tuple[str, dict[str, Any]]]:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            query = text("SELECT type, payload, scope_path FROM events ORDER BY id")
            rows = (await session.execute(query)).all()
        assert all(path == self.township.path for _, _, path in rows), rows
        return [(kind, payload) for kind, payload, _ in rows]


@pytest.fixture
async def county(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> County:
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    root = await root_of(db, tenant.id)
    township = await add_node(db, root, NodeKind.TOWNSHIP, "城关镇")
    east = await add_node(db, township, NodeKind.COMMUNITY, "东门社区")
    west = await add_node(db, township, NodeKind.COMMUNITY, "西门社区")
    compound = await add_node(db, east, NodeKind.COMPOUND, "阳光小区")
    south_town = await add_node(db, root, NodeKind.TOWNSHIP, "城南镇")
    south = await add_node(db, south_town, NodeKind.COMMUNITY, "南关社区")
    power = await add_unit(db, east, "供电公司", credit_code(1))
    school = await add_unit(db, west, "城关小学", credit_code(2))
    market = await add_unit(db, south, "南关市场", credit_code(3))
    closed = await add_unit(db, east, "旧厂", credit_code(4), status=RegistryStatus.RETIRED)
    zhang = await add_member(db, settings, compound, power, "张三", "13812345678")
    li = await add_member(db, settings, west, school, "李四", "13900000001")
    users: dict[str, tuple[list[tuple[str, Node]], Unit | None]] = {
        "admin": ([("county_admin", root)], None),
        "street": ([("township_admin", township)], None),
        "east": ([("community_admin", east)], None),
        "auditor": ([("auditor", root)], None),
        "power": ([("org_admin", east)], power),
        "school": ([("org_admin", west)], school),
    }
    tokens = {}
    for username, (roles, unit) in users.items():
        await add_user(
            db, settings, tenant.id, username, roles=roles, unit_id=unit.id if unit else None
        )
        tokens[username] = bearer(await token_for(graphql, username, county=COUNTY))
    return County(
        graphql,
        db,
        settings,
        root,
        township,
        east,
        west,
        compound,
        south,
        power,
        school,
        market,
        closed,
        zhang,
        li,
        tokens,
    )


async def test_a_street_admin_forms_an_alliance_with_units_a_part_time_member_and_a_meeting(
    county: County,
) -> None:
    given = {"kind": "STREET_ALLIANCE", "nodeId": nid(county.township), "name": f" {STREET} "}
    formed = await county.mutate("street", FORM, i={**given, "establishedOn": "2024-01-01"})
    alliance = formed["alliance"].pop("id")
    assert formed == {
        "alliance": {
            "name": STREET,
            "kind": "STREET_ALLIANCE",
            "status": "ACTIVE",
            "establishedOn": "2024-01-01",
            "node": {"name": "城关镇"},
        }
    }
    joined = await county.mutate(
        "street", ADD_UNIT, a=alliance, u=uid(county.power), on="2024-02-01", role="牵头单位"
    )
    assert joined == {
        "membership": {
            "unit": {"name": "供电公司"},
            "role": "牵头单位",
            "joinedOn": "2024-02-01",
            "leftOn": None,
        }
    }
    await county.mutate("street", ADD_UNIT, a=alliance, u=uid(county.school), on="2024-02-01")
    appointed = await county.mutate("street", APPOINT, a=alliance, m=mid(county.zhang))
    assert appointed == {
        "partTimeMember": {
            "name": "张三",
            "post": "兼职委员",
            "fromOn": today().isoformat(),
            "toOn": None,
            "unit": {"name": "供电公司"},
        }
    }
    meeting = {
        "heldOn": today().isoformat(),
        "topic": "老旧小区加装电梯",
        "place": "城关镇党群服务中心",
        "attendeeUnitIds": [uid(county.power), uid(county.school)],
        "attendeeMemberIds": [mid(county.zhang)],
        "resolutions": ["供电公司负责线路改造", " ", "城关小学开放操场作为临时停车场"],
    }
    recorded = await county.mutate("street", MEET, a=alliance, i=meeting)
    held = {
        "heldOn": today().isoformat(),
        "topic": "老旧小区加装电梯",
        "place": "城关镇党群服务中心",
        "resolutions": ["供电公司负责线路改造", "城关小学开放操场作为临时停车场"],
        "recordedBy": "street同志",
        "attendeeUnits": [{"name": "供电公司"}, {"name": "城关小学"}],
        "attendeeMembers": [{"name": "张三", "post": "兼职委员"}],
    }
    assert recorded == {"jointMeeting": held}
    assert await county.view("street", alliance) == {
        "name": STREET,
        "kind": "STREET_ALLIANCE",
        "status": "ACTIVE",
        "node": {"name": "城关镇"},
        "units": [
            {
                "unit": {"name": "供电公司"},
                "role": "牵头单位",
                "joinedOn": "2024-02-01",
                "leftOn": None,
            },
            {"unit": {"name": "城关小学"}, "role": None, "joinedOn": "2024-02-01", "leftOn": None},
        ],
        "partTimeMembers": [
            {
                "name": "张三",
                "post": "兼职委员",
                "fromOn": today().isoformat(),
                "toOn": None,
                "unit": {"name": "供电公司"},
                "member": {"mobile": "138****5678"},
            }
        ],
        "jointMeetings": {"edges": [{"node": held}]},
    }
    ids = {"alliance_id": local_id(alliance), "alliance_name": STREET}
    assert await county.events() == [
        (
            "alliance.formed",
            {
                **ids,
                "kind": "street_alliance",
                "node_id": county.township.id,
                "node_name": "城关镇",
                "established_on": "2024-01-01",
            },
        ),
        (
            "alliance.unit_joined",
            {
                **ids,
                "unit_id": county.power.id,
                "unit_name": "供电公司",
                "role": "牵头单位",
                "joined_on": "2024-02-01",
            },
        ),
        (
            "alliance.unit_joined",
            {
                **ids,
                "unit_id": county.school.id,
                "unit_name": "城关小学",
                "role": None,
                "joined_on": "2024-02-01",
            },
        ),
        (
            "alliance.part_time_member_appointed",
            {
                **ids,
                "member_id": county.zhang.id,
                "member_name": "张三",
                "unit_id": county.power.id,
                "unit_name": "供电公司",
                "post": "兼职委员",
                "from_on": today().isoformat(),
            },
        ),
        (
            "alliance.joint_meeting_recorded",
            {
                **ids,
                "joint_meeting_id": await county.only_meeting_id(),
                "held_on": today().isoformat(),
                "topic": "老旧小区加装电梯",
                "unit_ids": [county.power.id, county.school.id],
                "member_ids": [county.zhang.id],
                "resolutions": 2,
            },
        ),
    ]
    for _, payload in await county.events():
        assert "13812345678" not in str(payload)
    async with county.db.tenant_session(county.root.tenant_id) as session:
        query = text("SELECT action, actor_name FROM audit_log WHERE action LIKE 'alliance.%'")
        audited = [tuple(row) for row in (await session.execute(query)).all()]
    assert [action for action, _ in audited] == [kind for kind, _ in await county.events()]
    assert {name for _, name in audited} == {"street同志"}


async def test_a_community_admin_forms_a_big_party_committee_at_its_own_community_only(
    county: County,
) -> None:
    formed = await county.mutate(
        "east",
        FORM,
        i={"kind": "COMMUNITY_COMMITTEE", "nodeId": nid(county.east), "name": "东门社区大党委"},
    )
    assert formed["alliance"]["kind"] == "COMMUNITY_COMMITTEE"
    assert formed["alliance"]["establishedOn"] == today().isoformat()
    before = await county.counts()
    elsewhere = {
        "kind": "COMMUNITY_COMMITTEE",
        "nodeId": nid(county.west),
        "name": "西门社区大党委",
    }
    assert await county.mutate("east", FORM, i=elsewhere) == refusal(*FORBIDDEN)
    above = {"kind": "STREET_ALLIANCE", "nodeId": nid(county.township), "name": STREET}
    assert await county.mutate("east", FORM, i=above) == refusal(*FORBIDDEN)
    assert await county.mutate("auditor", FORM, i=elsewhere) == refusal(*FORBIDDEN)
    assert await county.counts() == before
    assert await county.names("east") == ["东门社区大党委"]
    assert await county.names("street") == ["东门社区大党委"]


async def test_an_alliance_is_formed_only_at_its_level_of_the_hierarchy_with_a_name_and_a_past_date(
    county: County,
) -> None:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    refused: list[tuple[dict[str, Any], str, str]] = [
        (
            {"kind": "COMMUNITY_COMMITTEE", "nodeId": nid(county.township)},
            "「所在区划」大党委应建在社区（村），而“城关镇”是乡镇（街道）",
            "nodeId",
        ),
        (
            {"kind": "COMMUNITY_COMMITTEE", "nodeId": nid(county.compound)},
            "「所在区划」大党委应建在社区（村），而“阳光小区”是小区",
            "nodeId",
        ),
        (
            {"kind": "STREET_ALLIANCE", "nodeId": nid(county.east)},
            "「所在区划」党建联盟（大工委）应建在乡镇（街道），而“东门社区”是社区（村）",
            "nodeId",
        ),
        ({"name": "  "}, "「联盟名称」不能为空", "name"),
        ({"establishedOn": tomorrow}, "「成立日期」不能晚于今天", "establishedOn"),
    ]
    for changes, message, field in refused:
        given = {"kind": "STREET_ALLIANCE", "nodeId": nid(county.township), "name": STREET}
        result = await county.mutate("admin", FORM, i={**given, **changes})
        assert result == refusal("INVALID_ALLIANCE", message, field), changes
    assert await county.counts() == dict.fromkeys(TABLES, 0)


async def test_a_unit_outside_the_alliance_off_the_register_or_already_in_it_cannot_join(
    county: County,
) -> None:
    alliance = await county.street_alliance(county.power)
    before = await county.counts()
    refused = [
        (
            county.market,
            {},
            "UNIT_NOT_IN_ALLIANCE_SCOPE",
            f"“南关市场”不在“城关镇”范围内，不能加入“{STREET}”",
            "unitId",
        ),
        (
            county.closed,
            {},
            "INVALID_ALLIANCE_UNIT",
            "“旧厂”已退出单位名册，不能加入联盟",
            "unitId",
        ),
        (
            county.power,
            {},
            "ALREADY_IN_ALLIANCE",
            f"“供电公司”已是“{STREET}”的成员单位",
            "unitId",
        ),
        (
            county.school,
            {"on": "2023-12-31"},
            "INVALID_ALLIANCE_UNIT",
            "「加入日期」不能早于联盟成立日期（2024-01-01）",
            "joinedOn",
        ),
        (
            county.school,
            {"role": "牵" * 65},
            "INVALID_ALLIANCE_UNIT",
            "「联盟职责」不能超过 64 个字",
            "role",
        ),
    ]
    for unit, more, code, message, field in refused:
        result = await county.mutate("street", ADD_UNIT, a=alliance, u=uid(unit), **more)
        assert result == refusal(code, message, field), unit.name
    missing = await county.mutate("street", ADD_UNIT, a=alliance, u=global_id("Unit", 999999))
    assert missing == refusal("UNIT_NOT_FOUND", "未找到该单位党组织", "unitId")
    gone = await county.mutate(
        "street", ADD_UNIT, a=global_id("Alliance", 999999), u=uid(county.school)
    )
    assert gone == refusal("ALLIANCE_NOT_FOUND", "未找到该党建联盟（大党委）", "allianceId")
    assert await county.mutate("east", ADD_UNIT, a=alliance, u=uid(county.school)) == refusal(
        *FORBIDDEN
    )
    assert await county.counts() == before


async def test_a_part_time_member_must_work_in_a_current_member_unit(county: County) -> None:
    alliance = await county.street_alliance(county.power)
    await county.mutate("street", APPOINT, a=alliance, m=mid(county.zhang), on="2024-03-01")
    before = await county.counts()
    refused = [
        (
            county.li,
            "NOT_AN_ALLIANCE_UNIT",
            "党员“李四”所在单位“城关小学”不是该联盟的成员单位",
        ),
        (county.zhang, "ALREADY_PART_TIME_MEMBER", f"党员“张三”已是“{STREET}”的兼职委员"),
    ]
    for member, code, message in refused:
        result = await county.mutate("street", APPOINT, a=alliance, m=mid(member))
        assert result == refusal(code, message, "memberId"), member.name
    retired = await add_member(
        county.db,
        county.settings,
        county.east,
        county.power,
        "赵六",
        "13900000002",
        status=RegistryStatus.RETIRED,
    )
    assert await county.mutate("street", APPOINT, a=alliance, m=mid(retired)) == refusal(
        "INVALID_PART_TIME_MEMBER", "党员“赵六”已退出党员名册", "memberId"
    )
    assert await county.counts() == before
    await county.mutate("street", ADD_UNIT, a=alliance, u=uid(county.school), on="2024-05-01")
    early = await county.mutate("street", APPOINT, a=alliance, m=mid(county.li), on="2024-04-30")
    assert early == refusal(
        "INVALID_PART_TIME_MEMBER",
        "「任职日期」不能早于“城关小学”加入联盟的日期（2024-05-01）",
        "fromOn",
    )
    assert (await county.counts())["part_time_members"] == before["part_time_members"]


async def test_a_unit_leaves_only_once_its_part_time_members_are_ended_and_both_stay_on_record(
    county: County,
) -> None:
    alliance = await county.street_alliance(county.power, county.school)
    await county.mutate("street", APPOINT, a=alliance, m=mid(county.zhang), on="2024-03-01")
    before = await county.counts()
    assert await county.mutate("street", REMOVE_UNIT, a=alliance, u=uid(county.power)) == refusal(
        "UNIT_HAS_PART_TIME_MEMBERS",
        "“供电公司”还有 1 名兼职委员在任，请先免去其职务再退出联盟",
        "unitId",
    )
    assert await county.mutate(
        "street", END, a=alliance, m=mid(county.zhang), on="2024-02-28"
    ) == refusal("INVALID_PART_TIME_MEMBER", "「免职日期」不能早于任职日期（2024-03-01）", "toOn")
    assert await county.counts() == before
    ended = await county.mutate("street", END, a=alliance, m=mid(county.zhang), on="2024-06-30")
    assert ended == {
        "partTimeMember": {"name": "张三", "fromOn": "2024-03-01", "toOn": "2024-06-30"}
    }
    assert await county.mutate("street", END, a=alliance, m=mid(county.zhang)) == refusal(
        "NOT_A_PART_TIME_MEMBER", f"党员“张三”不是“{STREET}”的现任兼职委员", "memberId"
    )
    left = await county.mutate(
        "street", REMOVE_UNIT, a=alliance, u=uid(county.power), on="2024-07-01"
    )
    assert left == {
        "membership": {
            "unit": {"name": "供电公司"},
            "joinedOn": "2024-02-01",
            "leftOn": "2024-07-01",
        }
    }
    assert await county.mutate("street", REMOVE_UNIT, a=alliance, u=uid(county.power)) == refusal(
        "NOT_AN_ALLIANCE_UNIT", f"“供电公司”不是“{STREET}”的成员单位", "unitId"
    )
    assert await county.mutate("street", APPOINT, a=alliance, m=mid(county.zhang)) == refusal(
        "NOT_AN_ALLIANCE_UNIT", "党员“张三”所在单位“供电公司”不是该联盟的成员单位", "memberId"
    )
    current = await county.view("street", alliance)
    assert [u["unit"]["name"] for u in current["units"]] == ["城关小学"]
    assert current["partTimeMembers"] == []
    history = await county.view("street", alliance, past=True)
    assert [(u["unit"]["name"], u["leftOn"]) for u in history["units"]] == [
        ("供电公司", "2024-07-01"),
        ("城关小学", None),
    ]
    assert [(m["name"], m["toOn"]) for m in history["partTimeMembers"]] == [("张三", "2024-06-30")]
    # It may come back: a new membership, the old one kept.
    await county.mutate("street", ADD_UNIT, a=alliance, u=uid(county.power), on="2024-08-01")
    again = await county.view("street", alliance, past=True)
    assert [(u["unit"]["name"], u["leftOn"]) for u in again["units"]] == [
        ("供电公司", "2024-07-01"),
        ("城关小学", None),
        ("供电公司", None),
    ]
    assert [kind for kind, _ in await county.events()][-3:] == [
        "alliance.part_time_member_ended",
        "alliance.unit_left",
        "alliance.unit_joined",
    ]


async def test_a_joint_meeting_needs_a_topic_a_past_date_and_attendees_who_belonged_that_day(
    county: County,
) -> None:
    alliance = await county.street_alliance(county.power)
    await county.mutate("street", APPOINT, a=alliance, m=mid(county.zhang), on="2024-03-01")
    await county.mutate("street", ADD_UNIT, a=alliance, u=uid(county.school), on="2024-05-01")
    before = await county.counts()
    tomorrow = (today() + timedelta(days=1)).isoformat()
    meeting = {
        "heldOn": "2024-04-01",
        "topic": "春季环境整治",
        "attendeeUnitIds": [uid(county.power)],
    }
    refused: list[tuple[dict[str, Any], str, str, str]] = [
        ({"heldOn": tomorrow}, "INVALID_JOINT_MEETING", "「会议日期」不能晚于今天", "heldOn"),
        (
            {"heldOn": "2023-12-31"},
            "INVALID_JOINT_MEETING",
            "「会议日期」不能早于联盟成立日期（2024-01-01）",
            "heldOn",
        ),
        ({"topic": " "}, "INVALID_JOINT_MEETING", "「会议议题」不能为空", "topic"),
        (
            {"attendeeUnitIds": []},
            "INVALID_JOINT_MEETING",
            "「参会成员单位」至少要有一个",
            "attendeeUnitIds",
        ),
        (
            {"attendeeUnitIds": [uid(county.power), uid(county.school)]},
            "NOT_AN_ALLIANCE_UNIT",
            f"“城关小学”在会议当日（2024-04-01）不是“{STREET}”的成员单位",
            "attendeeUnitIds",
        ),
        (
            {"attendeeUnitIds": [uid(county.market)]},
            "NOT_AN_ALLIANCE_UNIT",
            f"“南关市场”在会议当日（2024-04-01）不是“{STREET}”的成员单位",
            "attendeeUnitIds",
        ),
        (
            {"heldOn": "2024-02-15", "attendeeMemberIds": [mid(county.zhang)]},
            "NOT_A_PART_TIME_MEMBER",
            f"党员“张三”在会议当日（2024-02-15）不是“{STREET}”的兼职委员",
            "attendeeMemberIds",
        ),
    ]
    for changes, code, message, field in refused:
        result = await county.mutate("street", MEET, a=alliance, i={**meeting, **changes})
        assert result == refusal(code, message, field), changes
    assert await county.mutate("power", MEET, a=alliance, i=meeting) == refusal(*FORBIDDEN)
    assert await county.counts() == before
    recorded = await county.mutate("street", MEET, a=alliance, i=meeting)
    assert recorded["jointMeeting"]["attendeeUnits"] == [{"name": "供电公司"}]


async def test_joint_meetings_are_listed_newest_first_a_page_at_a_time(county: County) -> None:
    alliance = await county.street_alliance(county.power)
    for held_on in ("2024-03-01", "2024-05-01", "2024-04-01"):
        meeting = {
            "heldOn": held_on,
            "topic": f"{held_on} 例会",
            "attendeeUnitIds": [uid(county.power)],
        }
        await county.mutate("street", MEET, a=alliance, i=meeting)
    first = (await county.ask("street", MEETINGS, id=alliance, first=2))["data"]["alliance"]
    meetings = first["jointMeetings"]
    assert [e["node"]["heldOn"] for e in meetings["edges"]] == ["2024-05-01", "2024-04-01"]
    assert meetings["pageInfo"]["hasNextPage"] is True
    after = meetings["pageInfo"]["endCursor"]
    rest = (await county.ask("street", MEETINGS, id=alliance, first=2, after=after))["data"]
    assert [e["node"]["heldOn"] for e in rest["alliance"]["jointMeetings"]["edges"]] == [
        "2024-03-01"
    ]
    assert rest["alliance"]["jointMeetings"]["pageInfo"]["hasNextPage"] is False


async def test_a_dissolved_alliance_is_kept_with_its_reason_and_accepts_no_more_changes(
    county: County,
) -> None:
    alliance = await county.street_alliance(county.power)
    await county.mutate("street", APPOINT, a=alliance, m=mid(county.zhang), on="2024-03-01")
    assert await county.mutate(
        "street", DISSOLVE, id=alliance, r="整合", on="2024-02-15"
    ) == refusal(
        "INVALID_ALLIANCE",
        "「撤销日期」不能早于成员单位加入或兼职委员任职的最近日期（2024-03-01）",
        "dissolvedOn",
    )
    assert await county.mutate("street", DISSOLVE, id=alliance, r=" ") == refusal(
        "INVALID_ALLIANCE", "「撤销原因」不能为空", "reason"
    )
    dissolved = await county.mutate(
        "street", DISSOLVE, id=alliance, r="并入城关镇大工委", on="2024-06-01"
    )
    assert dissolved == {
        "alliance": {
            "status": "DISSOLVED",
            "dissolvedOn": "2024-06-01",
            "dissolvedReason": "并入城关镇大工委",
        }
    }
    before = await county.counts()
    closed = refusal(
        "ALLIANCE_DISSOLVED", f"“{STREET}”已于 2024-06-01 撤销，不能再变更", "allianceId"
    )
    assert await county.mutate("street", ADD_UNIT, a=alliance, u=uid(county.school)) == closed
    assert await county.mutate("street", APPOINT, a=alliance, m=mid(county.zhang)) == closed
    meeting = {"heldOn": "2024-05-01", "topic": "补记", "attendeeUnitIds": [uid(county.power)]}
    assert await county.mutate("street", MEET, a=alliance, i=meeting) == closed
    assert await county.mutate("street", DISSOLVE, id=alliance, r="再次") == {
        **closed,
        "field": "id",
    }
    assert await county.counts() == before
    assert await county.names("street") == []
    assert await county.names("street", s="DISSOLVED") == [STREET]
    history = await county.view("street", alliance, past=True)
    assert [(u["unit"]["name"], u["leftOn"]) for u in history["units"]] == [
        ("供电公司", "2024-06-01")
    ]
    assert [(m["name"], m["toOn"]) for m in history["partTimeMembers"]] == [("张三", "2024-06-01")]
    kind, payload = (await county.events())[-1]
    assert (kind, payload["units_left"], payload["part_time_members_ended"]) == (
        "alliance.dissolved",
        1,
        1,
    )


async def test_an_org_admin_sees_the_alliances_its_unit_is_in_and_no_others(
    county: County,
) -> None:
    alliance = await county.street_alliance(county.power)
    other = await county.form("admin", county.west, "西门社区大党委", "COMMUNITY_COMMITTEE")
    await county.mutate("admin", ADD_UNIT, a=other, u=uid(county.school))
    await county.mutate("street", APPOINT, a=alliance, m=mid(county.zhang), on="2024-03-01")
    meeting = {
        "heldOn": "2024-04-01",
        "topic": "春季环境整治",
        "attendeeUnitIds": [uid(county.power)],
    }
    await county.mutate("street", MEET, a=alliance, i=meeting)
    assert await county.names("power") == [STREET]
    assert await county.names("school") == ["西门社区大党委"]
    assert await county.names("admin") == sorted([STREET, "西门社区大党委"])
    seen = await county.view("power", alliance)
    assert [m["heldOn"] for m in (e["node"] for e in seen["jointMeetings"]["edges"])] == [
        "2024-04-01"
    ]
    # Part-time members by name only: their register entry is not the unit admin's to read.
    assert [(m["name"], m["member"]) for m in seen["partTimeMembers"]] == [("张三", None)]
    [error] = (await county.ask("power", VIEW, id=other))["errors"]
    assert (error["extensions"]["code"], error["message"]) == FORBIDDEN
    assert await county.mutate("power", ADD_UNIT, a=alliance, u=uid(county.school)) == refusal(
        *FORBIDDEN
    )
    # Once the unit has left, the alliance is no longer its own.
    await county.mutate("street", END, a=alliance, m=mid(county.zhang))
    await county.mutate("street", REMOVE_UNIT, a=alliance, u=uid(county.power))
    assert await county.names("power") == []
    [error] = (await county.ask("power", VIEW, id=alliance))["errors"]
    assert (error["extensions"]["code"], error["message"]) == FORBIDDEN


async def test_the_alliance_list_filters_by_place_kind_and_status(county: County) -> None:
    await county.street_alliance()
    await county.form("admin", county.east, "东门社区大党委", "COMMUNITY_COMMITTEE")
    await county.form("admin", county.south, "南关社区大党委", "COMMUNITY_COMMITTEE")
    everything = sorted([STREET, "东门社区大党委", "南关社区大党委"])
    assert await county.names("admin") == everything
    assert await county.names("auditor") == everything
    assert await county.names("admin", kind="STREET_ALLIANCE") == [STREET]
    assert await county.names("admin", within=nid(county.township)) == sorted(
        [STREET, "东门社区大党委"]
    )
    assert await county.names("street") == sorted([STREET, "东门社区大党委"])
    assert await county.names("east") == ["东门社区大党委"]
    assert await county.names("street", within=nid(county.south)) == []


async def test_two_clerks_adding_the_same_unit_at_once_make_one_membership(county: County) -> None:
    """The second waits on the first's lock of the alliance, then sees its membership."""
    alliance_id = local_id(await county.street_alliance())
    tenant_id = county.root.tenant_id
    grant = Grant("county_admin", county.root.id, county.root.path)
    clerk = Principal(PrincipalKind.USER, uuid4(), tenant_id, "办事员", grants=(grant,))
    added, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with county.db.tenant_session(tenant_id) as session:
            await units.add_unit(session, clerk, alliance_id, county.power.id)
            added.set()
            await release.wait()

    async def second() -> None:
        await added.wait()
        async with county.db.tenant_session(tenant_id) as session:
            await units.add_unit(session, clerk, alliance_id, county.power.id)

    first_clerk, second_clerk = asyncio.create_task(first()), asyncio.create_task(second())
    await added.wait()
    await asyncio.sleep(0.2)
    assert not second_clerk.done()
    release.set()
    await asyncio.wait_for(first_clerk, 10)
    with pytest.raises(AlreadyInAlliance) as refused:
        await asyncio.wait_for(second_clerk, 10)
    assert refused.value.message == f"“供电公司”已是“{STREET}”的成员单位"
    assert (await county.counts())["alliance_units"] == 1


async def test_listing_alliances_with_their_units_members_and_meetings_takes_fixed_queries(
    county: County,
) -> None:
    query = """{ alliances { edges { node { name node { name }
      units { unit { name location { name } } } partTimeMembers { name unit { name } }
      jointMeetings { edges { node { topic attendeeUnits { name } attendeeMembers { name } } } }
    } } } }"""

    async def statements() -> int:
        return await statements_during(county.db, county.ask("street", query))

    async def alliance_with_everything(node: Node, name: str, unit: Unit, member: Member) -> None:
        alliance = await county.form("street", node, name, "COMMUNITY_COMMITTEE")
        await county.mutate("street", ADD_UNIT, a=alliance, u=uid(unit))
        await county.mutate("street", APPOINT, a=alliance, m=mid(member))
        meeting = {
            "heldOn": today().isoformat(),
            "topic": "例会",
            "attendeeUnitIds": [uid(unit)],
            "attendeeMemberIds": [mid(member)],
        }
        await county.mutate("street", MEET, a=alliance, i=meeting)

    await alliance_with_everything(county.east, "东门社区大党委", county.power, county.zhang)
    one = await statements()
    await alliance_with_everything(county.west, "西门社区大党委", county.school, county.li)
    assert await statements() == one
