"""The unit and member registers through GraphQL: checked numbers, masks, clear reads, scope."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, text

from infra.db import Database
from infra.settings import Settings
from policies.audit import AuditEntry
from services.registry.models import Member, RegistryStatus, Unit, UnitKind
from services.registry.numbers import credit_code_check_char, id_card_check_char
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import bearer, global_id, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_member, add_node, add_unit, add_user, root_of

COUNTY = "130123"
FORBIDDEN = ("FORBIDDEN", "您没有在此范围内进行该操作的权限")
MOBILE = "13812345678"
UNIT_KEYS = ["name", "kind", "creditCode", "partyOrgType", "contactName", "contactPhone", "status"]
MEMBER_KEYS = ["name", "gender", "mobile", "idCard", "joinedPartyOn", "skills", "status"]
ERROR = "... on MutationError { code message field }"
UNIT = "fragment U on Unit { " + " ".join(UNIT_KEYS) + " location { name } }"
MEMBER = "fragment M on Member { " + " ".join(MEMBER_KEYS) + " maySeeClear residence { name } }"
ADD_UNIT = f"""mutation($i: UnitInput!) {{
  addUnit(input: $i) {{ ... on UnitSuccess {{ unit {{ ...U }} }} {ERROR} }} }} {UNIT}"""
CORRECT_UNIT = f"""mutation($id: ID!, $i: UnitInput!) {{ correctUnit(id: $id, input: $i) {{
  ... on UnitSuccess {{ unit {{ ...U }} }} {ERROR} }} }} {UNIT}"""
RETIRE_UNIT = f"""mutation($id: ID!, $r: String!) {{ retireUnit(id: $id, reason: $r) {{
  ... on UnitSuccess {{ unit {{ status retiredReason }} }} {ERROR} }} }}"""
UNITS = """query($kind: UnitKind, $within: ID, $q: String, $s: RegistryStatus = ACTIVE) {
  units(kind: $kind, within: $within, query: $q, status: $s) { edges { node { name } } } }"""
ADD_MEMBER = f"""mutation($i: MemberInput!) {{
  addMember(input: $i) {{ ... on MemberSuccess {{ member {{ ...M }} }} {ERROR} }} }} {MEMBER}"""
CORRECT_MEMBER = f"""mutation($id: ID!, $i: MemberInput!) {{ correctMember(id: $id, input: $i) {{
  ... on MemberSuccess {{ member {{ ...M }} }} {ERROR} }} }} {MEMBER}"""
RETIRE_MEMBER = f"""mutation($id: ID!, $r: String!) {{ retireMember(id: $id, reason: $r) {{
  ... on MemberSuccess {{ member {{ status retiredReason }} }} {ERROR} }} }}"""
MEMBERS = """query($n: String, $s: RegistryStatus = ACTIVE) {
  members(number: $n, status: $s) { edges { node { name } } } }"""
CLEAR = "query($id: ID!) { member(id: $id) { name mobile(clear: true) idCard(clear: true) } }"
ONE = "query($id: ID!) { member(id: $id) { name mobile maySeeClear } }"


def credit_code(serial: int) -> str:
    first17 = f"91130123MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


def id_card(serial: int = 123, birth: str = "19900307") -> str:
    first17 = f"130123{birth}{serial:03d}"
    return first17 + id_card_check_char(first17)


def nid(node: Node) -> str:
    return global_id("HierarchyNode", node.id)


def unit_view(*values: Any, location: str = "东门社区") -> dict[str, Any]:
    return {"unit": {**dict(zip(UNIT_KEYS, values, strict=True)), "location": {"name": location}}}


def member_view(*values: Any, residence: str, clear: bool = True) -> dict[str, Any]:
    view = dict(zip(MEMBER_KEYS, values, strict=True))
    return {"member": {**view, "maySeeClear": clear, "residence": {"name": residence}}}


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
    compound: Node
    west: Node
    tokens: dict[str, dict[str, str]]

    async def ask(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        return await self.graphql(query, variables, county=COUNTY, headers=self.tokens[who])

    async def mutate(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [result] = body["data"].values()
        return dict(result)

    async def names(self, who: str, query: str, **variables: Any) -> list[str]:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [connection] = body["data"].values()
        return sorted(edge["node"]["name"] for edge in connection["edges"])

    async def unit(self, community: Node, name: str, serial: int, **kw: Any) -> Unit:
        return await add_unit(self.db, community, name, credit_code(serial), **kw)

    async def member(self, where: Node, unit: Unit, name: str, mobile: str, **kw: Any) -> Member:
        return await add_member(self.db, self.settings, where, unit, name, mobile, **kw)

    async def audit(self, *columns: Any, **where: str) -> list[Any]:
        conditions = [getattr(AuditEntry, k) == v for k, v in where.items()]
        query = select(*columns).where(*conditions).order_by(AuditEntry.id)
        async with self.db.tenant_session(self.root.tenant_id) as session:
            return list((await session.execute(query)).all())


@pytest.fixture
async def county(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> County:
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    root = await root_of(db, tenant.id)
    township = await add_node(db, root, NodeKind.TOWNSHIP, "城关镇")
    east = await add_node(db, township, NodeKind.COMMUNITY, "东门社区")
    compound = await add_node(db, east, NodeKind.COMPOUND, "阳光小区")
    west = await add_node(db, township, NodeKind.COMMUNITY, "西门社区")
    users = {"admin": ("county_admin", root), "east": ("community_admin", east)}
    users["auditor"] = ("auditor", root)
    tokens = {}
    for username, grant in users.items():
        await add_user(db, settings, tenant.id, username, roles=[grant])
        tokens[username] = bearer(await token_for(graphql, username, county=COUNTY))
    return County(graphql, db, settings, root, township, east, compound, west, tokens)


def unit_input(county: County, **changes: Any) -> dict[str, Any]:
    return {
        **{"name": " 正定县供电公司 ", "kind": "STATE_ENTERPRISE", "partyOrgType": "BRANCH"},
        **{"creditCode": "91350100m000100-y43", "locationId": nid(county.east)},
        **{"contactName": "李主任", "contactPhone": "0311-88001234", **changes},
    }


async def test_a_unit_is_registered_in_a_community_with_a_checked_credit_code(
    county: County,
) -> None:
    added = await county.mutate("admin", ADD_UNIT, i=unit_input(county))
    code = "91350100M000100Y43"
    values = ("正定县供电公司", "STATE_ENTERPRISE", code, "BRANCH", "李主任", "0311-88001234")
    assert added == unit_view(*values, "ACTIVE")
    taken = await county.mutate("admin", ADD_UNIT, i=unit_input(county, name="另一单位"))
    message = f"统一社会信用代码 {code} 已登记为“正定县供电公司”"
    assert taken == refusal("CREDIT_CODE_TAKEN", message, "creditCode")
    chars = "含有不允许的字符（只能是数字和除 I、O、S、V、Z 以外的大写字母）"
    not_community = "「所在社区」应为社区（村），而“{}”不是社区"
    phone = "「联系电话」应为手机号码或带区号的固定电话（如 0311-88001234）"
    refused: list[tuple[dict[str, Any], str]] = [
        ({"creditCode": code[:-1] + "4"}, "「统一社会信用代码」校验位错误"),
        ({"creditCode": "9135010"}, "「统一社会信用代码」应为 18 位，收到 7 位"),
        ({"creditCode": "91350100M000100YO3"}, f"「统一社会信用代码」{chars}"),
        ({"name": "  ", "creditCode": credit_code(1)}, "「单位名称」不能为空"),
        ({"kind": None, "creditCode": credit_code(1)}, "「单位类型」不能为空"),
        ({"contactPhone": "88001234", "creditCode": credit_code(1)}, phone),
        ({"locationId": nid(county.township)}, not_community.format("城关镇")),
        ({"locationId": nid(county.compound)}, not_community.format("阳光小区")),
        ({"locationId": None}, "「所在社区」不能为空"),
    ]
    for changes, message in refused:
        result = await county.mutate("admin", ADD_UNIT, i=unit_input(county, **changes))
        field = next(iter(changes))
        assert result == refusal("INVALID_UNIT", message, field), changes
    elsewhere = unit_input(county, locationId=nid(county.west), creditCode=credit_code(2))
    assert await county.mutate("east", ADD_UNIT, i=elsewhere) == refusal(*FORBIDDEN)
    assert await county.mutate("auditor", ADD_UNIT, i=elsewhere) == refusal(*FORBIDDEN)


async def test_correcting_a_unit_changes_only_the_fields_given_and_audits_before_and_after(
    county: County,
) -> None:
    uid = global_id("Unit", (await county.unit(county.east, "供电公司", 1)).id)
    changes = {"name": "国网正定供电公司", "contactPhone": "139 1234 5678"}
    corrected = await county.mutate("admin", CORRECT_UNIT, id=uid, i=changes)
    values = ("国网正定供电公司", "STATE_ENTERPRISE", credit_code(1), "BRANCH", None)
    assert corrected == unit_view(*values, "13912345678", "ACTIVE")
    [(detail,)] = await county.audit(AuditEntry.detail, action="unit.corrected")
    assert detail == {
        "before": {"name": "供电公司", "contact_phone": None},
        "after": {"name": "国网正定供电公司", "contact_phone": "13912345678"},
    }
    moved = {"locationId": nid(county.west)}
    assert await county.mutate("east", CORRECT_UNIT, id=uid, i=moved) == refusal(*FORBIDDEN)


async def test_correcting_a_unit_to_a_credit_code_already_registered_is_refused_as_taken(
    county: County,
) -> None:
    await county.unit(county.east, "供电公司", 1)
    uid = global_id("Unit", (await county.unit(county.east, "自来水公司", 2)).id)
    taken = await county.mutate("admin", CORRECT_UNIT, id=uid, i={"creditCode": credit_code(1)})
    message = f"统一社会信用代码 {credit_code(1)} 已登记为“供电公司”"
    assert taken == refusal("CREDIT_CODE_TAKEN", message, "creditCode")


async def test_a_unit_retires_only_once_its_members_have_left(county: County) -> None:
    unit = await county.unit(county.east, "供电公司", 1)
    mid = global_id("Member", (await county.member(county.east, unit, "张三", MOBILE)).id)
    uid = global_id("Unit", unit.id)
    assert await county.mutate("admin", RETIRE_UNIT, id=uid, r="单位撤销") == refusal(
        "UNIT_STILL_HAS_MEMBERS", "“供电公司”还有 1 名在册党员，请先调整他们的工作单位", "id"
    )
    assert await county.mutate("admin", RETIRE_UNIT, id=uid, r=" ") == refusal(
        "INVALID_UNIT", "「退出原因」不能为空", "reason"
    )
    left = await county.mutate("admin", RETIRE_MEMBER, id=mid, r="调出本县")
    assert left == {"member": {"status": "RETIRED", "retiredReason": "调出本县"}}
    retired = await county.mutate("admin", RETIRE_UNIT, id=uid, r="单位撤销")
    assert retired == {"unit": {"status": "RETIRED", "retiredReason": "单位撤销"}}
    again = await county.mutate("admin", RETIRE_UNIT, id=uid, r="单位撤销")
    assert again == refusal("INVALID_UNIT", "“供电公司”已退出", "id")


async def test_the_unit_list_filters_and_shows_a_community_admin_only_their_community(
    county: County,
) -> None:
    await county.unit(county.east, "正定县供电公司", 1)
    await county.unit(county.east, "城关镇政府", 2, kind=UnitKind.GOVERNMENT)
    await county.unit(county.west, "西门超市", 3)
    await county.unit(county.west, "旧厂", 4, status=RegistryStatus.RETIRED)
    everything = ["城关镇政府", "正定县供电公司", "西门超市"]
    assert await county.names("admin", UNITS) == everything
    assert await county.names("auditor", UNITS) == everything
    assert await county.names("admin", UNITS, kind="GOVERNMENT") == ["城关镇政府"]
    assert await county.names("admin", UNITS, within=nid(county.west)) == ["西门超市"]
    assert await county.names("admin", UNITS, q="供电") == ["正定县供电公司"]
    assert await county.names("admin", UNITS, q=credit_code(3).lower()) == ["西门超市"]
    assert await county.names("admin", UNITS, s="RETIRED") == ["旧厂"]
    assert await county.names("admin", UNITS, s=None) == sorted([*everything, "旧厂"])
    assert await county.names("east", UNITS) == ["城关镇政府", "正定县供电公司"]
    assert await county.names("east", UNITS, within=nid(county.west)) == []


def member_input(county: County, unit: Unit, **changes: Any) -> dict[str, Any]:
    return {
        **{"name": "张三", "gender": "MALE", "mobile": "+86 138 1234 5678", "idCard": id_card()},
        **{"unitId": global_id("Unit", unit.id), "residenceId": nid(county.compound)},
        **{"joinedPartyOn": "2010-07-01", "skills": ["法律咨询", "水电维修"], **changes},
    }


async def test_a_member_is_registered_with_masked_numbers_and_no_clear_number_at_rest(
    county: County,
) -> None:
    unit = await county.unit(county.east, "供电公司", 1)
    added = await county.mutate("admin", ADD_MEMBER, i=member_input(county, unit))
    masked_card = f"130123********{id_card()[-4:]}"
    values = ("张三", "MALE", "138****5678", masked_card, "2010-07-01", ["法律咨询", "水电维修"])
    assert added == member_view(*values, "ACTIVE", residence="阳光小区")
    async with county.db.tenant_session(county.root.tenant_id) as session:
        rows = [
            row
            for table in ("members", "audit_log", "events")
            for row in (await session.execute(text(f"SELECT t::text FROM {table} t"))).scalars()
        ]
        [sealed] = (
            await session.execute(select(Member.mobile_sealed, Member.id_card_sealed))
        ).all()
    assert len(rows) >= 2
    for number in (MOBILE, id_card()):
        assert not any(number in row or number.encode().hex() in row for row in rows)
        assert not any(number.encode() in value for value in sealed)


async def test_a_bad_or_taken_member_number_or_residence_is_refused_with_the_field_named(
    county: County,
) -> None:
    unit = await county.unit(county.east, "供电公司", 1)
    await county.member(county.east, unit, "张三", MOBILE, id_card=id_card())
    closed = await county.unit(county.east, "旧厂", 2, status=RegistryStatus.RETIRED)
    bad_check = id_card()[:-1] + ("0" if id_card()[-1] != "0" else "1")
    refused = [
        ("idCard", bad_check, "「身份证号」校验位错误"),
        ("idCard", "13012319900231123X", "「身份证号」出生日期部分不是有效日期"),
        ("idCard", "1301231990", "「身份证号」应为 18 位，收到 10 位"),
        ("mobile", "1381234567", "「手机号」应为 11 位手机号码（1 开头）"),
        ("mobile", "", "「手机号」不能为空"),
        ("name", " ", "「姓名」不能为空"),
        ("joinedPartyOn", "2999-01-01", "「入党日期」应在 1921-07-01 与今天之间"),
        ("residenceId", nid(county.township), "「居住地」应为社区（村）或小区，而“城关镇”不是"),
        ("unitId", None, "「工作单位」不能为空"),
        ("unitId", global_id("Unit", closed.id), "「工作单位」“旧厂”已退出"),
    ]
    for field, value, message in refused:
        changes = {"mobile": "13900000001", "idCard": id_card(5), field: value}
        result = await county.mutate("admin", ADD_MEMBER, i=member_input(county, unit, **changes))
        assert result == refusal("INVALID_MEMBER", message, field), value
    taken = member_input(county, unit, mobile="138-1234-5678", idCard=None)
    assert await county.mutate("admin", ADD_MEMBER, i=taken) == refusal(
        "MOBILE_TAKEN", "该手机号已登记为党员“张三”的号码", "mobile"
    )
    taken = member_input(county, unit, mobile="13900000001", idCard=id_card().lower())
    assert await county.mutate("admin", ADD_MEMBER, i=taken) == refusal(
        "ID_CARD_TAKEN", "该身份证号已登记为党员“张三”", "idCard"
    )


async def test_members_are_found_by_their_full_mobile_or_id_card_number_only(
    county: County,
) -> None:
    unit = await county.unit(county.east, "供电公司", 1)
    card = "11010119850101005X"
    await county.member(county.east, unit, "张三", MOBILE, id_card=card)
    await county.member(county.compound, unit, "李四", "13900000001")
    await county.member(county.east, unit, "赵六", "13900000002", status=RegistryStatus.RETIRED)
    assert await county.names("admin", MEMBERS) == ["张三", "李四"]
    assert await county.names("admin", MEMBERS, s=None) == ["张三", "李四", "赵六"]
    assert await county.names("admin", MEMBERS, s="RETIRED") == ["赵六"]
    for number in (MOBILE, f" {MOBILE} ", card, card.lower()):
        assert await county.names("admin", MEMBERS, n=number) == ["张三"], number
    assert await county.names("admin", MEMBERS, n="13900000099") == []
    for number in ("138****5678", "1381234", card[:-1]):
        [error] = (await county.ask("admin", MEMBERS, n=number))["errors"]
        assert (error["extensions"], error["message"]) == (
            {"code": "INVALID_MEMBER", "field": "number"},
            "请输入完整的 11 位手机号或 18 位身份证号",
        ), number


async def test_a_number_search_accepts_the_formats_registration_accepts(county: County) -> None:
    unit = await county.unit(county.east, "供电公司", 1)
    await county.member(county.east, unit, "张三", MOBILE)
    for number in ("+86 138 1234 5678", "138-1234-5678"):
        assert await county.names("admin", MEMBERS, n=number) == ["张三"], number


async def test_clear_numbers_go_only_to_roles_that_may_see_them_and_every_read_is_audited(
    county: County,
) -> None:
    unit = await county.unit(county.east, "供电公司", 1)
    member = await county.member(county.compound, unit, "张三", MOBILE, id_card=id_card())
    mid = global_id("Member", member.id)
    shown = await county.ask("admin", CLEAR, id=mid)
    assert shown == {"data": {"member": {"name": "张三", "mobile": MOBILE, "idCard": id_card()}}}
    by_community = await county.ask("east", CLEAR, id=mid)
    assert by_community["data"]["member"]["mobile"] == MOBILE
    refused = await county.ask("auditor", CLEAR, id=mid)
    assert refused["data"] == {"member": {"name": "张三", "mobile": None, "idCard": None}}
    assert {(e["extensions"]["code"], e["message"]) for e in refused["errors"]} == {FORBIDDEN}
    assert MOBILE not in str(refused)
    assert id_card() not in str(refused)
    masked = await county.ask("auditor", ONE, id=mid)
    assert masked["data"] == {
        "member": {"name": "张三", "mobile": "138****5678", "maySeeClear": False}
    }
    columns = (AuditEntry.action, AuditEntry.actor_name, AuditEntry.outcome, AuditEntry.object_id)
    reads = await county.audit(*columns, object_type="member")
    assert [(a, n, o.value, i) for a, n, o, i in reads] == [
        ("member.mobile.read", "admin同志", "succeeded", str(member.id)),
        ("member.id_card.read", "admin同志", "succeeded", str(member.id)),
        ("member.mobile.read", "east同志", "succeeded", str(member.id)),
        ("member.id_card.read", "east同志", "succeeded", str(member.id)),
        ("member.read_personal", "auditor同志", "denied", str(member.id)),
        ("member.read_personal", "auditor同志", "denied", str(member.id)),
    ]


async def test_a_corrected_mobile_is_sealed_anew_and_the_old_number_no_longer_finds_them(
    county: County,
) -> None:
    unit = await county.unit(county.east, "供电公司", 1)
    member = await county.member(county.east, unit, "张三", MOBILE, id_card=id_card())
    changes = {"mobile": "139 8765 4321", "idCard": "", "skills": ["理发"]}
    mid = global_id("Member", member.id)
    corrected = await county.mutate("admin", CORRECT_MEMBER, id=mid, i=changes)
    values = ("张三", "MALE", "139****4321", None, None, ["理发"], "ACTIVE")
    assert corrected == member_view(*values, residence="东门社区")
    assert await county.names("admin", MEMBERS, n=MOBILE) == []
    assert await county.names("admin", MEMBERS, n=id_card()) == []
    assert await county.names("admin", MEMBERS, n="13987654321") == ["张三"]
    [(detail,)] = await county.audit(AuditEntry.detail, action="member.corrected")
    changed = {"before": {"skills": []}, "after": {"skills": ["理发"]}}
    assert detail == {**changed, "numbers_changed": ["mobile", "id_card"]}


async def test_correcting_a_member_to_a_mobile_already_registered_is_refused_as_taken(
    county: County,
) -> None:
    unit = await county.unit(county.east, "供电公司", 1)
    await county.member(county.east, unit, "张三", MOBILE)
    other = await county.member(county.east, unit, "李四", "13900000001")
    mid = global_id("Member", other.id)
    assert await county.mutate("admin", CORRECT_MEMBER, id=mid, i={"mobile": MOBILE}) == refusal(
        "MOBILE_TAKEN", "该手机号已登记为党员“张三”的号码", "mobile"
    )


async def test_a_retired_member_leaves_the_default_list_but_stays_on_record(
    county: County,
) -> None:
    unit = await county.unit(county.east, "供电公司", 1)
    member = await county.member(county.east, unit, "张三", MOBILE)
    await county.member(county.east, unit, "李四", "13900000001")
    mid = global_id("Member", member.id)
    retired = await county.mutate("east", RETIRE_MEMBER, id=mid, r="调出本县")
    assert retired == {"member": {"status": "RETIRED", "retiredReason": "调出本县"}}
    assert await county.names("admin", MEMBERS) == ["李四"]
    assert await county.names("admin", MEMBERS, s=None) == ["张三", "李四"]
    assert await county.mutate("admin", RETIRE_MEMBER, id=mid, r="调出本县") == refusal(
        "INVALID_MEMBER", "党员“张三”已退出", "id"
    )


async def test_a_community_admin_sees_and_changes_only_members_living_in_their_community(
    county: County,
) -> None:
    unit = await county.unit(county.west, "西门超市", 1)
    await county.member(county.compound, unit, "张三", MOBILE)
    stranger = await county.member(county.west, unit, "王五", "13900000009")
    sid = global_id("Member", stranger.id)
    assert await county.names("east", MEMBERS) == ["张三"]
    assert await county.names("east", MEMBERS, n="13900000009") == []
    [error] = (await county.ask("east", ONE, id=sid))["errors"]
    assert (error["extensions"]["code"], error["message"]) == FORBIDDEN
    # An id that exists nowhere answers differently from one outside the admin's scope.
    [error] = (await county.ask("east", ONE, id=global_id("Member", 999999)))["errors"]
    assert (error["extensions"]["code"], error["message"]) == ("MEMBER_NOT_FOUND", "未找到该党员")
    renamed = await county.mutate("east", CORRECT_MEMBER, id=sid, i={"name": "王六"})
    assert renamed == refusal(*FORBIDDEN)
    assert await county.mutate("east", RETIRE_MEMBER, id=sid, r="调出") == refusal(*FORBIDDEN)
    # Registering a number already held says so, but not whose it is: they live elsewhere.
    mine = member_input(county, unit, mobile="13900000009", idCard=None)
    assert await county.mutate("east", ADD_MEMBER, i=mine) == refusal(
        "MOBILE_TAKEN", "该手机号已登记为另一名党员的号码", "mobile"
    )
