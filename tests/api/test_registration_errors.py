"""Every bad input of 双报到 through GraphQL, sent by the user who would send it: the exact
code, message and field of the refusal, and that nothing was written — no registration,
agreement or version row, no event, no number taken, no member moved."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from infra.clock import CHINA, today
from infra.db import Database
from infra.settings import Settings
from services.registry.models import Member, RegistryStatus, Unit
from services.registry.numbers import credit_code_check_char
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import bearer, global_id, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_member, add_node, add_unit, add_user, root_of

COUNTY = "130123"
YEAR = today().year
FORBIDDEN = ("FORBIDDEN", "您没有在此范围内进行该操作的权限")
ERROR = "... on MutationError { code message field }"
# Everything dual registration writes, compared whole before and after a refusal.
TABLES = (
    "unit_registrations",
    "agreements",
    "agreement_versions",
    "member_registrations",
    "document_counters",
    "events",
    "members",
)

UNIT_REGISTRATION = (
    "... on UnitRegistrationSuccess { registration { id status community { name } } }"
)
SUBMIT = f"""mutation($u: ID!, $c: ID, $s: String) {{
  submitUnitRegistration(unitId: $u, communityId: $c, statement: $s) {{
  {UNIT_REGISTRATION} {ERROR} }} }}"""
CONFIRM_UNIT = f"""mutation($id: ID!) {{ confirmUnitRegistration(id: $id) {{
  {UNIT_REGISTRATION} {ERROR} }} }}"""
RETURN_UNIT = f"""mutation($id: ID!, $r: String!) {{ returnUnitRegistration(id: $id, reason: $r) {{
  {UNIT_REGISTRATION} {ERROR} }} }}"""
END_UNIT = f"""mutation($id: ID!, $r: String!) {{ endUnitRegistration(id: $id, reason: $r) {{
  {UNIT_REGISTRATION} {ERROR} }} }}"""

AGREEMENT = "... on AgreementSuccess { agreement { id number status version startsOn endsOn } }"
SIGN = f"""mutation($r: ID!, $t: AgreementTermsInput!) {{
  signAgreement(registrationId: $r, terms: $t) {{ {AGREEMENT} {ERROR} }} }}"""
AMEND = f"""mutation($id: ID!, $t: AgreementTermsInput!, $r: String!) {{
  amendAgreement(id: $id, terms: $t, reason: $r) {{ {AGREEMENT} {ERROR} }} }}"""
RENEW = f"""mutation($id: ID!, $t: AgreementTermsInput!, $r: String) {{
  renewAgreement(id: $id, terms: $t, reason: $r) {{ {AGREEMENT} {ERROR} }} }}"""
END_AGREEMENT = f"""mutation($id: ID!, $r: String!) {{ endAgreement(id: $id, reason: $r) {{
  {AGREEMENT} {ERROR} }} }}"""

SLIP = "id slipNumber status receiptNumber member { name } community { name }"
SLIPS_MADE = f"... on MemberRegistrationsSuccess {{ registrations {{ {SLIP} }} }}"
SLIP_MADE = f"... on MemberRegistrationSuccess {{ registration {{ {SLIP} }} }}"
BATCH = f"""mutation($u: ID!, $m: [ID!]!) {{ registerUnitMembers(unitId: $u, memberIds: $m) {{
  {SLIPS_MADE} {ERROR} }} }}"""
REGISTER = f"""mutation($m: ID!, $c: ID, $r: ID) {{
  registerMember(memberId: $m, communityId: $c, residenceId: $r) {{ {SLIP_MADE} {ERROR} }} }}"""
CONFIRM_SLIPS = f"""mutation($ids: [ID!]!) {{ confirmMemberRegistrations(ids: $ids) {{
  {SLIPS_MADE} {ERROR} }} }}"""
RETURN_SLIP = f"""mutation($id: ID!, $r: String!) {{
  returnMemberRegistration(id: $id, reason: $r) {{ {SLIP_MADE} {ERROR} }} }}"""
FILE = f"""mutation($ids: [ID!]!) {{ fileReceipts(ids: $ids) {{ {SLIPS_MADE} {ERROR} }} }}"""
END_SLIP = f"""mutation($id: ID!, $r: String!) {{
  endMemberRegistration(id: $id, reason: $r) {{ {SLIP_MADE} {ERROR} }} }}"""
MOVE = f"""mutation($m: ID!, $c: ID!, $res: ID, $r: String) {{
  moveMember(memberId: $m, communityId: $c, residenceId: $res, reason: $r) {{
  {SLIP_MADE} {ERROR} }} }}"""

SLIPS = """query($unit: ID) { memberRegistrations(first: 100, unitId: $unit) {
  edges { node { slipNumber member { name } } } } }"""
ONE_SLIP = "query($id: ID!) { memberRegistration(id: $id) { slipNumber } }"
UNIT_REGISTRATIONS = """query { unitRegistrations(first: 100) {
  edges { node { unit { name } community { name } } } } }"""
ROSTER = """query($u: ID!) { unitRoster(unitId: $u, first: 100) { edges { node { name } } } }"""
COUNTS = """query($c: ID!) { communityRegistrationCounts(communityId: $c) {
  place { name } residents registered pending unreported } }"""
UNREPORTED = """query($w: ID!) { unreportedMembers(within: $w, first: 100) {
  edges { node { name } } } }"""
LINK = f"""mutation($user: ID!, $u: ID, $m: ID) {{
  linkAccount(userId: $user, unitId: $u, memberId: $m) {{
  ... on UserSuccess {{ user {{ username }} }} {ERROR} }} }}"""


def credit_code(serial: int) -> str:
    first17 = f"91130123MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


def nid(node: Node) -> str:
    return global_id("HierarchyNode", node.id)


def uid(unit: Unit) -> str:
    return global_id("Unit", unit.id)


def mid(member: Member) -> str:
    return global_id("Member", member.id)


def refusal(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


def without_field(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "field"}


def slip(serial: int) -> str:
    return f"BD{YEAR}-{serial:06d}"


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def terms(**changes: Any) -> dict[str, Any]:
    contact = {"name": "李主任", "side": "unit", "title": "党委书记", "phone": "0311-88001234"}
    return {
        "responsibilities": ["共建文明社区", "结对帮扶困难党员"],
        "resources": ["会议室"],
        "projects": ["老旧小区改造"],
        "contacts": [contact],
        "startsOn": days(0),
        "endsOn": days(365),
        **changes,
    }


@dataclass
class County:
    graphql: GraphQLCall
    db: Database
    settings: Settings
    root: Node
    township: Node
    east: Node
    sun: Node
    west: Node
    garden: Node
    power: Unit
    school: Unit
    water: Unit
    closed: Unit
    zhang: Member
    wang: Member
    li: Member
    chen: Member
    zhao: Member
    tokens: dict[str, dict[str, str]]

    async def ask(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        return await self.graphql(query, variables, county=COUNTY, headers=self.tokens[who])

    async def mutate(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [result] = body["data"].values()
        return dict(result)

    async def refused_query(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        """The one top-level error of a refused query: its message and extensions."""
        body = await self.ask(who, query, **variables)
        [error] = body["errors"]
        return {"message": error["message"], **error.get("extensions", {})}

    async def edges(self, who: str, query: str, **variables: Any) -> list[dict[str, Any]]:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [connection] = body["data"].values()
        return [edge["node"] for edge in connection["edges"]]

    # --- the successful steps the refusals are tried against ---

    async def submit(self, who: str, unit: Unit, community: Node | None = None) -> str:
        community_id = None if community is None else nid(community)
        result = await self.mutate(who, SUBMIT, u=uid(unit), c=community_id)
        assert result.get("registration", {}).get("status") == "SUBMITTED", result
        registration_id: str = result["registration"]["id"]
        return registration_id

    async def step(self, who: str, query: str, key: str, **variables: Any) -> Any:
        """The saved record (or list of records) under `key` of a mutation that succeeded."""
        result = await self.mutate(who, query, **variables)
        assert key in result, result
        return result[key]

    async def confirmed_unit(self, unit: Unit | None = None) -> str:
        registration = await self.submit("admin", unit or self.power)
        await self.step("admin", CONFIRM_UNIT, "registration", id=registration)
        return registration

    async def sign(self, registration: str, **changes: Any) -> dict[str, Any]:
        signed: dict[str, Any] = await self.step(
            "power", SIGN, "agreement", r=registration, t=terms(**changes)
        )
        return signed

    async def register(self, who: str, member: Member, **variables: Any) -> dict[str, Any]:
        made: dict[str, Any] = await self.step(
            who, REGISTER, "registration", m=mid(member), **variables
        )
        return made

    async def confirm(self, *slips: dict[str, Any]) -> list[dict[str, Any]]:
        ids = [s["id"] for s in slips]
        confirmed: list[dict[str, Any]] = await self.step(
            "admin", CONFIRM_SLIPS, "registrations", ids=ids
        )
        return confirmed

    # --- what is in the database ---

    async def snapshot(self) -> dict[str, Any]:
        """Every row dual registration writes, and the actions audited as done."""
        rows: dict[str, Any] = {}
        async with self.db.tenant_session(self.root.tenant_id) as session:
            for table in TABLES:
                query = f"""SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text),
                    '[]'::jsonb) FROM {table} t"""
                rows[table] = await session.scalar(text(query))
            done = "SELECT action FROM audit_log WHERE outcome = 'succeeded' ORDER BY id"
            rows["audit_log"] = list((await session.scalars(text(done))).all())
        return rows

    async def event_types(self) -> list[str]:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            query = text("SELECT type FROM events ORDER BY id")
            return list((await session.scalars(query)).all())

    async def unchanged(self, before: dict[str, Any], *event_types: str) -> None:
        """Nothing was written since `before`; in particular no event of these types."""
        after = await self.snapshot()
        types = await self.event_types()
        for event_type in event_types:
            earlier = [e for e in before["events"] if e["type"] == event_type]
            assert types.count(event_type) == len(earlier), (event_type, types)
        for table, rows in before.items():
            assert after[table] == rows, table

    async def denials(self, action: str) -> int:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            query = "SELECT count(*) FROM audit_log WHERE outcome = 'denied' AND action = :a"
            return int(await session.scalar(text(query), {"a": action}) or 0)


@pytest.fixture
async def county(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> County:
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    root = await root_of(db, tenant.id)
    township = await add_node(db, root, NodeKind.TOWNSHIP, "城关镇")
    east = await add_node(db, township, NodeKind.COMMUNITY, "东门社区")
    sun = await add_node(db, east, NodeKind.COMPOUND, "阳光小区")
    west = await add_node(db, township, NodeKind.COMMUNITY, "西门社区")
    garden = await add_node(db, west, NodeKind.COMPOUND, "西苑小区")
    power = await add_unit(db, east, "供电公司", credit_code(1))
    school = await add_unit(db, west, "城关小学", credit_code(2))
    water = await add_unit(db, east, "自来水公司", credit_code(3))
    closed = await add_unit(db, east, "旧厂", credit_code(4), status=RegistryStatus.RETIRED)
    zhang = await add_member(db, settings, sun, power, "张三", "13800000001")
    wang = await add_member(db, settings, garden, power, "王五", "13800000002")
    li = await add_member(db, settings, sun, school, "李四", "13800000003")
    chen = await add_member(db, settings, garden, water, "陈七", "13800000004")
    zhao = await add_member(
        db, settings, sun, power, "赵六", "13800000005", status=RegistryStatus.RETIRED
    )
    accounts: dict[str, tuple[tuple[str, Node], Unit | None, Member | None]] = {
        "admin": (("county_admin", root), None, None),
        "street": (("township_admin", township), None, None),
        "east": (("community_admin", east), None, None),
        "west": (("community_admin", west), None, None),
        "power": (("org_admin", east), power, None),
        "school": (("org_admin", west), school, None),
        "water": (("org_admin", east), water, None),
        "zhang": (("member", sun), None, zhang),
        "li": (("member", sun), None, li),
    }
    tokens = {}
    for username, (grant, unit, member) in accounts.items():
        await add_user(
            db,
            settings,
            tenant.id,
            username,
            node=grant[1],
            roles=[grant],
            unit_id=unit.id if unit else None,
            member_id=member.id if member else None,
        )
        tokens[username] = bearer(await token_for(graphql, username, county=COUNTY))
    return County(
        graphql,
        db,
        settings,
        root,
        township,
        east,
        sun,
        west,
        garden,
        power,
        school,
        water,
        closed,
        zhang,
        wang,
        li,
        chen,
        zhao,
        tokens,
    )


# --- 1-6: unit registrations ----------------------------------------------------------


async def test_a_unit_cannot_register_again_while_its_registration_waits_or_is_in_force(
    county: County,
) -> None:
    first = await county.submit("power", county.power)
    before = await county.snapshot()
    # The snapshot sees what was written (under the tenant's row-level security).
    assert [row["status"] for row in before["unit_registrations"]] == ["submitted"]
    assert [event["type"] for event in before["events"]] == ["unit_registration.submitted"]
    assert before["audit_log"][-1] == "unit_registration.submitted"
    waiting = refusal(
        "ALREADY_REGISTERED",
        "“供电公司”已提交报到（尚待社区确认），不能重复报到；如需改到其他社区，请先结束原报到",
        "unitId",
    )
    assert await county.mutate("power", SUBMIT, u=uid(county.power)) == waiting
    # Nor may the street assign it elsewhere meanwhile.
    elsewhere = await county.mutate("street", SUBMIT, u=uid(county.power), c=nid(county.west))
    assert elsewhere == waiting
    await county.unchanged(before, "unit_registration.submitted")

    await county.step("east", CONFIRM_UNIT, "registration", id=first)
    before = await county.snapshot()
    in_force = refusal(
        "ALREADY_REGISTERED",
        "“供电公司”已提交报到（已经社区确认），不能重复报到；如需改到其他社区，请先结束原报到",
        "unitId",
    )
    assert await county.mutate("power", SUBMIT, u=uid(county.power)) == in_force
    await county.unchanged(before, "unit_registration.submitted")


async def test_a_unit_registers_only_with_a_community_in_service_and_only_while_on_the_register(
    county: County,
) -> None:
    before = await county.snapshot()
    not_community = "「报到社区」应为社区（村），而“{}”不是社区，请选择所在的社区"
    for who, node in [
        ("street", county.sun),
        ("street", county.township),
        ("power", county.sun),
        ("admin", county.root),
    ]:
        result = await county.mutate(who, SUBMIT, u=uid(county.power), c=nid(node))
        assert result == refusal(
            "NOT_A_COMMUNITY", not_community.format(node.name), "communityId"
        ), (who, node.name)
    retired = await county.mutate("admin", SUBMIT, u=uid(county.closed))
    assert retired == refusal("INVALID_REGISTRATION", "“旧厂”已退出名册，不能报到", "unitId")
    long = await county.mutate("power", SUBMIT, u=uid(county.power), s="说" * 2001)
    assert long == refusal("INVALID_REGISTRATION", "「报到说明」不能超过 2000 个字", "statement")
    await county.unchanged(before, "unit_registration.submitted")


async def test_only_a_street_or_county_may_register_a_unit_with_a_community_other_than_its_own(
    county: County,
) -> None:
    before = await county.snapshot()
    for who, community in [
        ("power", county.west),  # its own admin, elsewhere: only the street assigns
        ("east", county.west),  # the community where the unit sits
        ("west", county.west),  # the community it would go to
        ("school", county.east),  # another unit's admin, at the unit's own community
        ("zhang", county.east),  # one of its members
    ]:
        result = await county.mutate(who, SUBMIT, u=uid(county.power), c=nid(community))
        assert result == refusal(*FORBIDDEN), who
    assert await county.mutate("school", SUBMIT, u=uid(county.power)) == refusal(*FORBIDDEN)
    await county.unchanged(before, "unit_registration.submitted")
    assert await county.denials("unit_registration.assign") == 3
    assigned = await county.mutate("street", SUBMIT, u=uid(county.power), c=nid(county.west))
    assert assigned["registration"]["community"] == {"name": "西门社区"}, assigned


async def test_only_the_community_registered_with_decides_a_unit_registration(
    county: County,
) -> None:
    registration = await county.submit("power", county.power)
    before = await county.snapshot()
    for who in ("west", "power", "school", "zhang"):
        confirmed = await county.mutate(who, CONFIRM_UNIT, id=registration)
        assert confirmed == refusal(*FORBIDDEN), who
        returned = await county.mutate(who, RETURN_UNIT, id=registration, r="材料不全")
        assert returned == refusal(*FORBIDDEN), who
    ended = await county.mutate("west", END_UNIT, id=registration, r="单位搬迁")
    assert ended == refusal(*FORBIDDEN)
    ended = await county.mutate("school", END_UNIT, id=registration, r="单位搬迁")
    assert ended == refusal(*FORBIDDEN)
    await county.unchanged(
        before,
        "unit_registration.confirmed",
        "unit_registration.returned",
        "unit_registration.ended",
    )


async def test_a_unit_registration_decided_returned_or_ended_is_closed_to_further_decisions(
    county: County,
) -> None:
    confirmed = await county.submit("power", county.power)
    await county.step("east", CONFIRM_UNIT, "registration", id=confirmed)
    returned = await county.submit("admin", county.water)
    await county.step("east", RETURN_UNIT, "registration", id=returned, r="材料不全")
    before = await county.snapshot()
    decided = "该报到已经社区确认，不能再确认或退回"
    assert await county.mutate("east", CONFIRM_UNIT, id=confirmed) == refusal(
        "REGISTRATION_CLOSED", decided, "id"
    )
    assert await county.mutate("east", RETURN_UNIT, id=confirmed, r="重复") == refusal(
        "REGISTRATION_CLOSED", decided, "id"
    )
    assert await county.mutate("east", CONFIRM_UNIT, id=returned) == refusal(
        "REGISTRATION_CLOSED", "该报到已被退回，不能再确认或退回", "id"
    )
    assert await county.mutate("east", END_UNIT, id=returned, r="撤回") == refusal(
        "REGISTRATION_CLOSED", "该报到已被退回，不能再结束", "id"
    )
    await county.unchanged(
        before,
        "unit_registration.confirmed",
        "unit_registration.returned",
        "unit_registration.ended",
    )

    await county.step("power", END_UNIT, "registration", id=confirmed, r="单位搬迁")
    before = await county.snapshot()
    assert await county.mutate("power", END_UNIT, id=confirmed, r="单位搬迁") == refusal(
        "REGISTRATION_CLOSED", "该报到已结束，不能再结束", "id"
    )
    assert await county.mutate("east", CONFIRM_UNIT, id=confirmed) == refusal(
        "REGISTRATION_CLOSED", "该报到已结束，不能再确认或退回", "id"
    )
    await county.unchanged(before, "unit_registration.confirmed", "unit_registration.ended")


async def test_returning_or_ending_a_unit_registration_needs_a_reason(county: County) -> None:
    registration = await county.submit("power", county.power)
    before = await county.snapshot()
    empty = refusal("INVALID_REGISTRATION", "「原因」不能为空", "reason")
    too_long = refusal("INVALID_REGISTRATION", "「原因」不能超过 200 个字", "reason")
    for reason, expected in [("", empty), ("  \n ", empty), ("因" * 201, too_long)]:
        returned = await county.mutate("east", RETURN_UNIT, id=registration, r=reason)
        assert returned == expected, reason
        ended = await county.mutate("power", END_UNIT, id=registration, r=reason)
        assert ended == expected, reason
    await county.unchanged(before, "unit_registration.returned", "unit_registration.ended")


# --- 7: co-building agreements --------------------------------------------------------


async def test_an_agreement_is_signed_once_and_only_on_a_confirmed_registration(
    county: County,
) -> None:
    registration = await county.submit("power", county.power)
    returned = await county.submit("admin", county.water)
    await county.step("east", RETURN_UNIT, "registration", id=returned, r="材料不全")
    before = await county.snapshot()
    not_confirmed = refusal(
        "REGISTRATION_NOT_CONFIRMED", "报到经社区确认后才能签订共驻共建协议", "registrationId"
    )
    assert await county.mutate("power", SIGN, r=registration, t=terms()) == not_confirmed
    assert await county.mutate("east", SIGN, r=registration, t=terms()) == not_confirmed
    assert await county.mutate("east", SIGN, r=returned, t=terms()) == not_confirmed
    await county.unchanged(before, "agreement.signed")

    await county.step("east", CONFIRM_UNIT, "registration", id=registration)
    signed = await county.sign(registration)
    assert signed["number"] == f"XY{YEAR}-000001"
    before = await county.snapshot()
    exists = refusal(
        "AGREEMENT_EXISTS",
        "该报到已有生效的共驻共建协议；如需变更请修订或续签",
        "registrationId",
    )
    assert await county.mutate("power", SIGN, r=registration, t=terms()) == exists
    assert await county.mutate("east", SIGN, r=registration, t=terms()) == exists
    await county.unchanged(before, "agreement.signed")


async def test_an_agreement_is_signed_only_by_the_unit_or_the_community_it_binds(
    county: County,
) -> None:
    registration = await county.confirmed_unit()
    before = await county.snapshot()
    for who in ("west", "school", "zhang"):
        assert await county.mutate(who, SIGN, r=registration, t=terms()) == refusal(*FORBIDDEN)
    await county.unchanged(before, "agreement.signed")
    agreement = (await county.sign(registration))["id"]
    before = await county.snapshot()
    # 自来水公司's admin sits in 东门社区 too: the agreement is not its unit's.
    for who in ("west", "school", "water", "zhang"):
        amended = await county.mutate(who, AMEND, id=agreement, t={}, r="调整联系人")
        assert amended == refusal(*FORBIDDEN), who
        ended = await county.mutate(who, END_AGREEMENT, id=agreement, r="到期")
        assert ended == refusal(*FORBIDDEN), who
    await county.unchanged(before, "agreement.amended", "agreement.ended")
    # The unit may end its own agreement (`agreement, end:own`).
    ended = await county.step("power", END_AGREEMENT, "agreement", id=agreement, r="到期")
    assert (ended["id"], ended["status"], ended["version"]) == (agreement, "ENDED", 2), ended
    assert (await county.event_types())[-1] == "agreement.ended"


async def test_agreement_terms_are_checked_and_a_refused_signing_takes_no_number(
    county: County,
) -> None:
    registration = await county.confirmed_unit()
    before = await county.snapshot()
    phone = "「联系电话」应为手机号码或带区号的固定电话（如 0311-88001234）"
    contact = {"name": "李主任", "phone": "0311-88001234"}
    refused: list[tuple[dict[str, Any], str, str]] = [
        ({"startsOn": days(30), "endsOn": days(10)}, "「协议结束日期」不能早于开始日期", "endsOn"),
        ({"responsibilities": [" ", ""]}, "「共建责任」至少填写一项", "responsibilities"),
        ({"responsibilities": []}, "「共建责任」至少填写一项", "responsibilities"),
        ({"responsibilities": None}, "「共建责任」不能为空", "responsibilities"),
        ({"responsibilities": ["责" * 501]}, "「共建责任」不能超过 500 个字", "responsibilities"),
        ({"contacts": []}, "「联系人」不能为空", "contacts"),
        ({"contacts": None}, "「联系人」不能为空", "contacts"),
        ({"contacts": [{**contact, "phone": "88001234"}]}, phone, "contacts.phone"),
        ({"contacts": [{**contact, "name": " "}]}, "「联系人姓名」不能为空", "contacts.name"),
        (
            {"contacts": [{**contact, "side": "街道"}]},
            "「联系人」所属一方应为单位或社区",
            "contacts",
        ),
        ({"startsOn": None}, "「协议开始日期」不能为空", "startsOn"),
        ({"endsOn": None}, "「协议结束日期」不能为空", "endsOn"),
        (
            {"startsOn": "2020-01-01", "endsOn": "2020-12-31"},
            "「协议结束日期」不能早于今天",
            "endsOn",
        ),
        ({"endsOn": days(365 * 5 + 3)}, "协议期限不能超过 5 年", "endsOn"),
    ]
    for changes, message, field in refused:
        result = await county.mutate("power", SIGN, r=registration, t=terms(**changes))
        assert result == refusal("INVALID_AGREEMENT", message, field), changes
    await county.unchanged(before, "agreement.signed")
    signed = await county.sign(registration)
    assert signed["number"] == f"XY{YEAR}-000001"


async def test_an_ended_agreement_is_neither_amended_renewed_nor_ended_again(
    county: County,
) -> None:
    registration = await county.confirmed_unit()
    agreement = (await county.sign(registration))["id"]
    await county.step("east", END_AGREEMENT, "agreement", id=agreement, r="单位改制")
    before = await county.snapshot()
    ended = refusal("AGREEMENT_ENDED", "该协议已终止，不能再修订或续签", "id")
    assert await county.mutate("power", AMEND, id=agreement, t={}, r="调整项目") == ended
    assert await county.mutate("east", RENEW, id=agreement, t={"endsOn": days(900)}) == ended
    again = await county.mutate("east", END_AGREEMENT, id=agreement, r="单位改制")
    assert again == refusal("AGREEMENT_ENDED", "该协议已终止", "id")
    await county.unchanged(before, "agreement.amended", "agreement.renewed", "agreement.ended")


async def test_an_agreement_ends_with_its_registration_and_is_then_closed_to_amendment(
    county: County,
) -> None:
    registration = await county.confirmed_unit()
    agreement = (await county.sign(registration))["id"]
    await county.step("power", END_UNIT, "registration", id=registration, r="单位搬迁")
    before = await county.snapshot()
    amended = await county.mutate("power", AMEND, id=agreement, t={}, r="调整项目")
    assert amended == refusal("AGREEMENT_ENDED", "该协议已终止，不能再修订或续签", "id")
    await county.unchanged(before, "agreement.amended")


async def test_a_renewal_must_end_later_than_the_agreement_in_force(county: County) -> None:
    registration = await county.confirmed_unit()
    agreement = (await county.sign(registration, endsOn=days(100)))["id"]
    before = await county.snapshot()
    later = f"续签后的结束日期应晚于原结束日期 {days(100)}"
    refused: list[tuple[dict[str, Any], str]] = [
        ({"endsOn": days(100)}, later),
        ({"endsOn": days(50)}, later),
        ({}, "续签须给出新的「协议结束日期」"),
        ({"endsOn": days(101 + 365 * 5 + 3)}, "协议期限不能超过 5 年"),
    ]
    for changes, message in refused:
        result = await county.mutate("east", RENEW, id=agreement, t=changes)
        assert result == refusal("INVALID_AGREEMENT", message, "endsOn"), changes
    bad_terms = await county.mutate(
        "east", RENEW, id=agreement, t={"endsOn": days(400), "contacts": []}
    )
    assert bad_terms == refusal("INVALID_AGREEMENT", "「联系人」不能为空", "contacts")
    amended = await county.mutate(
        "power", AMEND, id=agreement, t={"responsibilities": [" "]}, r="调整"
    )
    assert amended == refusal("INVALID_AGREEMENT", "「共建责任」至少填写一项", "responsibilities")
    await county.unchanged(before, "agreement.renewed", "agreement.amended")


async def test_amending_or_ending_an_agreement_without_a_reason_is_an_invalid_agreement(
    county: County,
) -> None:
    registration = await county.confirmed_unit()
    agreement = (await county.sign(registration))["id"]
    before = await county.snapshot()
    empty = refusal("INVALID_AGREEMENT", "「原因」不能为空", "reason")
    assert await county.mutate("power", AMEND, id=agreement, t={}, r=" ") == empty
    assert await county.mutate("east", END_AGREEMENT, id=agreement, r="") == empty
    await county.unchanged(before, "agreement.amended", "agreement.ended")


async def test_an_agreement_may_start_on_the_29th_of_february(county: County) -> None:
    registration = await county.confirmed_unit()
    leap = next(y for y in range(YEAR + 1, YEAR + 5) if y % 4 == 0)
    starts, ends = date(leap, 2, 29), date(leap + 1, 2, 28)
    # The 5-year limit still holds from a 29 February (and is a refusal, not a crash).
    too_long = terms(startsOn=starts.isoformat(), endsOn=date(leap + 5, 3, 2).isoformat())
    result = await county.mutate("power", SIGN, r=registration, t=too_long)
    assert result == refusal("INVALID_AGREEMENT", "协议期限不能超过 5 年", "endsOn")
    result = await county.mutate(
        "power", SIGN, r=registration, t=terms(startsOn=starts.isoformat(), endsOn=ends.isoformat())
    )
    signed = result.get("agreement", {})
    assert (signed.get("startsOn"), signed.get("endsOn")) == (
        starts.isoformat(),
        ends.isoformat(),
    ), result


# --- 8: member slips ------------------------------------------------------------------


async def test_a_unit_batch_is_refused_whole_for_another_units_retired_or_no_member(
    county: County,
) -> None:
    before = await county.snapshot()
    # 供电公司's admin has no right over 李四 (城关小学's): refused before being told why.
    others = await county.mutate(
        "power", BATCH, u=uid(county.power), m=[mid(county.zhang), mid(county.li)]
    )
    assert others == refusal(*FORBIDDEN)
    # The county may act for both, and is told which member is not the unit's.
    others = await county.mutate(
        "admin", BATCH, u=uid(county.power), m=[mid(county.zhang), mid(county.li)]
    )
    assert others == refusal(
        "INVALID_REGISTRATION", "以下党员不是“供电公司”的党员：李四", "memberIds"
    )
    retired = await county.mutate(
        "power", BATCH, u=uid(county.power), m=[mid(county.zhang), mid(county.zhao)]
    )
    assert retired == refusal(
        "INVALID_REGISTRATION", "以下党员已退出名册，不能报到：赵六", "memberIds"
    )
    empty = await county.mutate("power", BATCH, u=uid(county.power), m=[])
    assert empty == refusal("INVALID_REGISTRATION", "「报到党员」至少选择一名", "memberIds")
    await county.unchanged(before, "member_registration.submitted")


async def test_a_batch_with_an_already_registered_member_gives_no_slip_to_any_of_them(
    county: County,
) -> None:
    first = await county.register("zhang", county.zhang)
    assert first["slipNumber"] == slip(1)
    before = await county.snapshot()
    batch = await county.mutate(
        "power", BATCH, u=uid(county.power), m=[mid(county.wang), mid(county.zhang)]
    )
    assert batch == refusal(
        "ALREADY_REGISTERED",
        f"以下党员已有报到，不能重复报到：张三（报到单 {slip(1)}，尚待社区确认）；"
        "迁居请用“迁居转报到”",
        "memberIds",
    )
    await county.unchanged(before, "member_registration.submitted")
    assert [s["member"]["name"] for s in await county.edges("admin", SLIPS)] == ["张三"]
    # The refused batch took no number: 王五's next slip follows 张三's.
    made = await county.step(
        "power", BATCH, "registrations", u=uid(county.power), m=[mid(county.wang)]
    )
    assert [s["slipNumber"] for s in made] == [slip(2)]


async def test_a_member_registers_only_with_a_community_and_a_home_in_it(county: County) -> None:
    before = await county.snapshot()
    compound = await county.mutate("zhang", REGISTER, m=mid(county.zhang), c=nid(county.sun))
    assert compound == refusal(
        "NOT_A_COMMUNITY",
        "「报到社区」应为社区（村），而“阳光小区”不是社区，请选择所在的社区",
        "communityId",
    )
    outside = "「居住小区」应为“东门社区”下的小区，而“{}”不是"
    for place in (county.garden, county.township, county.west):
        result = await county.mutate(
            "zhang", REGISTER, m=mid(county.zhang), c=nid(county.east), r=nid(place)
        )
        assert result == refusal("NOT_A_COMMUNITY", outside.format(place.name), "residenceId")
    # With the community taken from the register (东门社区), the same.
    result = await county.mutate("zhang", REGISTER, m=mid(county.zhang), r=nid(county.garden))
    assert result == refusal("NOT_A_COMMUNITY", outside.format("西苑小区"), "residenceId")
    await county.unchanged(before, "member_registration.submitted")


async def test_only_the_member_their_unit_or_staff_may_register_a_member(county: County) -> None:
    before = await county.snapshot()
    for who, member in [
        ("zhang", county.wang),  # a colleague
        ("li", county.zhang),  # a neighbour
        ("school", county.zhang),  # another unit's admin
        ("west", county.zhang),  # a community he does not live in
    ]:
        result = await county.mutate(who, REGISTER, m=mid(member))
        assert result == refusal(*FORBIDDEN), (who, member.name)
    batch = await county.mutate("school", BATCH, u=uid(county.power), m=[mid(county.zhang)])
    assert batch == refusal(*FORBIDDEN)
    await county.unchanged(before, "member_registration.submitted")


async def test_a_retired_or_already_registered_member_is_refused_a_single_slip(
    county: County,
) -> None:
    await county.register("power", county.zhang)
    before = await county.snapshot()
    retired = await county.mutate("power", REGISTER, m=mid(county.zhao))
    assert retired == refusal(
        "INVALID_REGISTRATION", "以下党员已退出名册，不能报到：赵六", "memberId"
    )
    again = await county.mutate("zhang", REGISTER, m=mid(county.zhang))
    assert again == refusal(
        "ALREADY_REGISTERED",
        f"以下党员已有报到，不能重复报到：张三（报到单 {slip(1)}，尚待社区确认）；"
        "迁居请用“迁居转报到”",
        "memberId",
    )
    await county.unchanged(before, "member_registration.submitted")


# --- 9: confirming, filing, ending and moving slips -----------------------------------


async def test_a_returned_or_ended_slip_cannot_be_confirmed_and_a_batch_confirms_all_or_none(
    county: County,
) -> None:
    returned = await county.register("power", county.zhang)
    await county.step("east", RETURN_SLIP, "registration", id=returned["id"], r="住址有误")
    ended = await county.register("school", county.li)
    await county.step("school", END_SLIP, "registration", id=ended["id"], r="提交有误")
    waiting = await county.register("power", county.wang)
    before = await county.snapshot()
    assert await county.mutate("east", CONFIRM_SLIPS, ids=[returned["id"]]) == refusal(
        "REGISTRATION_CLOSED", f"报到单 {slip(1)} 已被退回，不能再确认", "ids"
    )
    assert await county.mutate("east", CONFIRM_SLIPS, ids=[ended["id"]]) == refusal(
        "REGISTRATION_CLOSED", f"报到单 {slip(2)} 已结束，不能再确认", "ids"
    )
    # 王五 lives in 西门社区: the county confirms both, but the closed one stops the batch.
    both = await county.mutate("admin", CONFIRM_SLIPS, ids=[waiting["id"], returned["id"]])
    assert both == refusal("REGISTRATION_CLOSED", f"报到单 {slip(1)} 已被退回，不能再确认", "ids")
    # 东门社区 may not confirm a slip of 西门社区, alone or in a batch.
    assert await county.mutate("east", CONFIRM_SLIPS, ids=[waiting["id"]]) == refusal(*FORBIDDEN)
    assert await county.mutate("power", CONFIRM_SLIPS, ids=[waiting["id"]]) == refusal(*FORBIDDEN)
    # The field (ids for id) is in test_a_refused_return_of_a_slip_names_its_id.
    again = await county.mutate("east", RETURN_SLIP, id=returned["id"], r="重复")
    assert without_field(again) == without_field(
        refusal("REGISTRATION_CLOSED", f"报到单 {slip(1)} 已被退回，不能再退回")
    )
    empty = await county.mutate("west", RETURN_SLIP, id=waiting["id"], r=" ")
    assert empty == refusal("INVALID_REGISTRATION", "「原因」不能为空", "reason")
    await county.unchanged(
        before,
        "member_registration.confirmed",
        "member_registration.receipt_issued",
        "member_registration.returned",
    )
    [confirmed] = await county.step("west", CONFIRM_SLIPS, "registrations", ids=[waiting["id"]])
    assert confirmed["receiptNumber"] == f"HZ{YEAR}-000001"


async def test_a_receipt_is_filed_once_after_confirmation_and_only_by_its_unit(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Filed at noon, China time, so the day in the message is today's whatever the hour.
    noon = datetime.combine(today(), time(12), CHINA)
    monkeypatch.setattr("services.registration.receipts.now", lambda: noon)
    waiting = await county.register("power", county.zhang)
    before = await county.snapshot()
    assert await county.mutate("power", FILE, ids=[waiting["id"]]) == refusal(
        "REGISTRATION_NOT_CONFIRMED",
        f"报到单 {slip(1)} 尚无回执（须社区确认后才有回执）",
        "ids",
    )
    await county.unchanged(before, "member_registration.receipt_filed")

    [confirmed] = await county.confirm(waiting)
    for who in ("school", "east", "zhang"):
        result = await county.mutate(who, FILE, ids=[confirmed["id"]])
        assert result == refusal(*FORBIDDEN), who
    await county.step("power", FILE, "registrations", ids=[confirmed["id"]])
    before = await county.snapshot()
    again = await county.mutate("power", FILE, ids=[confirmed["id"]])
    assert again == refusal(
        "REGISTRATION_CLOSED",
        f"回执 HZ{YEAR}-000001 已于 {today().isoformat()} 归档",
        "ids",
    )
    await county.unchanged(before, "member_registration.receipt_filed")


async def test_the_filing_date_in_the_message_is_the_china_date(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    early = datetime.combine(today(), time(1), CHINA)
    monkeypatch.setattr("services.registration.receipts.now", lambda: early)
    [confirmed] = await county.confirm(await county.register("power", county.zhang))
    await county.step("power", FILE, "registrations", ids=[confirmed["id"]])
    again = await county.mutate("power", FILE, ids=[confirmed["id"]])
    assert again["message"] == f"回执 HZ{YEAR}-000001 已于 {today().isoformat()} 归档"


async def test_the_receipt_of_a_slip_confirmed_and_then_ended_can_still_be_filed(
    county: County,
) -> None:
    [confirmed] = await county.confirm(await county.register("power", county.zhang))
    await county.step("power", END_SLIP, "registration", id=confirmed["id"], r="调离本单位")
    [filed] = await county.step("power", FILE, "registrations", ids=[confirmed["id"]])
    assert (filed["status"], filed["receiptNumber"]) == ("ENDED", f"HZ{YEAR}-000001"), filed
    assert (await county.event_types())[-1] == "member_registration.receipt_filed"


async def test_an_ended_or_returned_slip_cannot_be_ended(county: County) -> None:
    ended = await county.register("power", county.zhang)
    await county.step("power", END_SLIP, "registration", id=ended["id"], r="提交有误")
    returned = await county.register("power", county.wang)
    await county.step("west", RETURN_SLIP, "registration", id=returned["id"], r="住址有误")
    waiting = await county.register("school", county.li)
    before = await county.snapshot()
    again = await county.mutate("power", END_SLIP, id=ended["id"], r="提交有误")
    assert again == refusal("REGISTRATION_CLOSED", f"报到单 {slip(1)} 已结束，不能再结束", "id")
    closed = await county.mutate("power", END_SLIP, id=returned["id"], r="提交有误")
    assert closed == refusal("REGISTRATION_CLOSED", f"报到单 {slip(2)} 已被退回，不能再结束", "id")
    for who in ("zhang", "power", "west"):  # not his, not its unit's, not its community
        result = await county.mutate(who, END_SLIP, id=waiting["id"], r="提交有误")
        assert result == refusal(*FORBIDDEN), who
    empty = await county.mutate("school", END_SLIP, id=waiting["id"], r="")
    assert empty == refusal("INVALID_REGISTRATION", "「原因」不能为空", "reason")
    await county.unchanged(before, "member_registration.ended")


async def test_a_move_needs_a_registration_and_a_new_community_and_changes_nothing_if_refused(
    county: County,
) -> None:
    before = await county.snapshot()
    none = await county.mutate("zhang", MOVE, m=mid(county.zhang), c=nid(county.west))
    assert none == refusal("REGISTRATION_NOT_CONFIRMED", "张三目前没有报到，请直接报到", "memberId")
    await county.unchanged(before, "member_registration.ended", "member_registration.submitted")

    [held] = await county.confirm(await county.register("zhang", county.zhang))
    before = await county.snapshot()
    same = await county.mutate("zhang", MOVE, m=mid(county.zhang), c=nid(county.east))
    assert same == refusal(
        "INVALID_REGISTRATION", "张三已在“东门社区”报到；迁居请选择新的社区", "communityId"
    )
    compound = await county.mutate("zhang", MOVE, m=mid(county.zhang), c=nid(county.garden))
    assert compound == refusal(
        "NOT_A_COMMUNITY",
        "「报到社区」应为社区（村），而“西苑小区”不是社区，请选择所在的社区",
        "communityId",
    )
    elsewhere = await county.mutate(
        "zhang", MOVE, m=mid(county.zhang), c=nid(county.west), res=nid(county.sun)
    )
    assert elsewhere == refusal(
        "NOT_A_COMMUNITY", "「居住小区」应为“西门社区”下的小区，而“阳光小区”不是", "residenceId"
    )
    long = await county.mutate("zhang", MOVE, m=mid(county.zhang), c=nid(county.west), r="因" * 201)
    assert long == refusal("INVALID_REGISTRATION", "「原因」不能超过 200 个字", "reason")
    # 东门社区 may end 张三's slip there but not send one to 西门社区: nothing is ended.
    moved = await county.mutate("east", MOVE, m=mid(county.zhang), c=nid(county.west))
    assert moved == refusal(*FORBIDDEN)
    await county.unchanged(before, "member_registration.ended", "member_registration.submitted")
    slips = await county.edges("admin", SLIPS)
    assert slips == [{"slipNumber": held["slipNumber"], "member": {"name": "张三"}}]

    await county.step("east", END_SLIP, "registration", id=held["id"], r="调离本县")
    before = await county.snapshot()
    after_end = await county.mutate("zhang", MOVE, m=mid(county.zhang), c=nid(county.west))
    assert after_end == refusal(
        "REGISTRATION_NOT_CONFIRMED", "张三目前没有报到，请直接报到", "memberId"
    )
    await county.unchanged(before, "member_registration.ended", "member_registration.submitted")


async def test_a_caller_without_rights_learns_nothing_about_a_member_from_a_refusal(
    county: County,
) -> None:
    probes: dict[str, dict[str, Any]] = {}
    # 城关小学's admin names 供电公司's members by id, in its own batch or in theirs.
    probes["school batch with 张三"] = await county.mutate(
        "school", BATCH, u=uid(county.school), m=[mid(county.zhang)]
    )
    probes["school batch for 供电公司 with 赵六"] = await county.mutate(
        "school", BATCH, u=uid(county.power), m=[mid(county.zhao)]
    )
    # 李四 (a member) asks to move 张三, who is not his to move.
    probes["李四 moves unregistered 张三"] = await county.mutate(
        "li", MOVE, m=mid(county.zhang), c=nid(county.west)
    )
    await county.register("zhang", county.zhang)
    probes["李四 moves 张三 to his own community"] = await county.mutate(
        "li", MOVE, m=mid(county.zhang), c=nid(county.east)
    )
    assert probes == dict.fromkeys(probes, refusal(*FORBIDDEN))


async def test_a_community_learns_nothing_about_a_member_living_elsewhere_from_a_move(
    county: County,
) -> None:
    before = await county.snapshot()
    probes = {
        "西门社区 moves unregistered 张三": await county.mutate(
            "west", MOVE, m=mid(county.zhang), c=nid(county.west)
        ),
        "西门社区 moves retired 赵六": await county.mutate(
            "west", MOVE, m=mid(county.zhao), c=nid(county.west)
        ),
    }
    await county.unchanged(before, "member_registration.ended", "member_registration.submitted")
    assert probes == dict.fromkeys(probes, refusal(*FORBIDDEN))


async def test_each_refusal_names_the_argument_that_was_wrong(county: County) -> None:
    await county.register("power", county.zhang)
    ended = await county.register("power", county.wang)
    await county.step("power", END_SLIP, "registration", id=ended["id"], r="提交有误")
    missing_unit = global_id("Unit", 999999)
    fields = {
        "registerMember retired": (
            await county.mutate("power", REGISTER, m=mid(county.zhao)),
            "memberId",
        ),
        "registerMember again": (
            await county.mutate("zhang", REGISTER, m=mid(county.zhang)),
            "memberId",
        ),
        "registerMember unknown": (
            await county.mutate("admin", REGISTER, m=global_id("Member", 999999)),
            "memberId",
        ),
        "moveMember retired": (
            await county.mutate("power", MOVE, m=mid(county.zhao), c=nid(county.west)),
            "memberId",
        ),
        "endMemberRegistration ended": (
            await county.mutate("power", END_SLIP, id=ended["id"], r="提交有误"),
            "id",
        ),
        "endMemberRegistration unknown": (
            await county.mutate(
                "admin", END_SLIP, id=global_id("MemberRegistration", 999999), r="提交有误"
            ),
            "id",
        ),
        "submitUnitRegistration unknown unit": (
            await county.mutate("admin", SUBMIT, u=missing_unit),
            "unitId",
        ),
        "registerUnitMembers unknown unit": (
            await county.mutate("admin", BATCH, u=missing_unit, m=[mid(county.zhang)]),
            "unitId",
        ),
        "signAgreement unknown registration": (
            await county.mutate("admin", SIGN, r=global_id("UnitRegistration", 999999), t=terms()),
            "registrationId",
        ),
    }
    given = {label: result.get("field") for label, (result, _) in fields.items()}
    assert given == {label: wanted for label, (_, wanted) in fields.items()}


async def test_a_refused_return_of_a_slip_names_its_id(county: County) -> None:
    ended = await county.register("power", county.wang)
    await county.step("power", END_SLIP, "registration", id=ended["id"], r="提交有误")
    closed = await county.mutate("west", RETURN_SLIP, id=ended["id"], r="住址有误")
    assert closed == refusal("REGISTRATION_CLOSED", f"报到单 {slip(1)} 已结束，不能再退回", "id")
    missing = global_id("MemberRegistration", 999999)
    unknown = await county.mutate("admin", RETURN_SLIP, id=missing, r="住址有误")
    assert unknown == refusal("REGISTRATION_NOT_FOUND", "未找到该报到单", "id")


async def test_unknown_records_are_refused_as_not_found_and_nothing_is_written(
    county: County,
) -> None:
    before = await county.snapshot()
    gone = 999999
    unit_registration = global_id("UnitRegistration", gone)
    missing_slip = global_id("MemberRegistration", gone)
    results = {
        "submit": await county.mutate("admin", SUBMIT, u=global_id("Unit", gone)),
        "confirm unit": await county.mutate("admin", CONFIRM_UNIT, id=unit_registration),
        "sign": await county.mutate("admin", SIGN, r=unit_registration, t=terms()),
        "amend": await county.mutate(
            "admin", AMEND, id=global_id("Agreement", gone), t={}, r="调整"
        ),
        "batch": await county.mutate(
            "admin", BATCH, u=global_id("Unit", gone), m=[mid(county.zhang)]
        ),
        "register": await county.mutate("admin", REGISTER, m=global_id("Member", gone)),
        "confirm slips": await county.mutate("admin", CONFIRM_SLIPS, ids=[missing_slip]),
        "end slip": await county.mutate("admin", END_SLIP, id=missing_slip, r="提交有误"),
    }
    unit = ("UNIT_NOT_FOUND", "未找到该单位党组织")
    registration = ("REGISTRATION_NOT_FOUND", "未找到该报到记录")
    no_slip = ("REGISTRATION_NOT_FOUND", "未找到该报到单")
    assert {label: (r["code"], r["message"]) for label, r in results.items()} == {
        "submit": unit,
        "confirm unit": registration,
        "sign": registration,
        "amend": ("AGREEMENT_NOT_FOUND", "未找到该共驻共建协议"),
        "batch": unit,
        "register": ("INVALID_REGISTRATION", "「报到党员」中有未找到的党员，请刷新后再选"),
        "confirm slips": no_slip,
        "end slip": no_slip,
    }
    # Each names the argument given.
    assert {label: r["field"] for label, r in results.items()} == {
        "submit": "unitId",
        "confirm unit": "id",
        "sign": "registrationId",
        "amend": "id",
        "batch": "unitId",
        "register": "memberId",
        "confirm slips": "ids",
        "end slip": "id",
    }
    await county.unchanged(before)


# --- 10: who sees which registrations -------------------------------------------------


async def test_each_account_lists_only_the_slips_it_may_see(county: County) -> None:
    await county.register("power", county.zhang)  # 供电公司, lives in 东门社区
    await county.register("power", county.wang)  # 供电公司, lives in 西门社区
    await county.register("school", county.li)  # 城关小学, lives in 东门社区
    await county.register("admin", county.chen)  # 自来水公司, lives in 西门社区

    async def names(who: str, **variables: Any) -> list[str]:
        return sorted(s["member"]["name"] for s in await county.edges(who, SLIPS, **variables))

    assert await names("admin") == ["张三", "李四", "王五", "陈七"]
    assert await names("street") == ["张三", "李四", "王五", "陈七"]
    assert await names("power") == ["张三", "王五"]
    assert await names("school") == ["李四"]
    assert await names("zhang") == ["张三"]
    assert await names("li") == ["李四"]
    assert await names("east") == ["张三", "李四"]
    assert await names("west") == ["王五", "陈七"]
    # Filtering by another unit shows nothing that was hidden.
    assert await names("power", unit=uid(county.school)) == []
    assert await names("zhang", unit=uid(county.power)) == ["张三"]

    [li] = await county.edges("school", SLIPS)
    li_id = await slip_id(county, li["slipNumber"])
    for who in ("power", "zhang", "west"):
        refused = await county.refused_query(who, ONE_SLIP, id=li_id)
        assert refused == {"message": FORBIDDEN[1], "code": "FORBIDDEN"}, who


async def slip_id(county: County, number: str) -> str:
    async with county.db.tenant_session(county.root.tenant_id) as session:
        query = text("SELECT id FROM member_registrations WHERE slip_number = :n")
        local = int(await session.scalar(query, {"n": number}) or 0)
    return global_id("MemberRegistration", local)


async def test_each_account_lists_only_the_unit_registrations_it_may_see(
    county: County,
) -> None:
    await county.submit("power", county.power)
    await county.submit("school", county.school)
    await county.submit("admin", county.water)

    async def units(who: str) -> list[str]:
        return sorted(r["unit"]["name"] for r in await county.edges(who, UNIT_REGISTRATIONS))

    assert await units("admin") == ["供电公司", "城关小学", "自来水公司"]
    assert await units("east") == ["供电公司", "自来水公司"]
    assert await units("west") == ["城关小学"]
    assert await units("power") == ["供电公司"]
    assert await units("school") == ["城关小学"]
    assert await units("zhang") == []


async def test_a_unit_admin_sees_the_roster_of_its_own_unit_only(county: County) -> None:
    await county.register("power", county.zhang)
    await county.register("admin", county.chen)

    async def roster(who: str, unit: Unit) -> list[str]:
        return sorted(m["name"] for m in await county.edges(who, ROSTER, u=uid(unit)))

    assert await roster("power", county.power) == ["张三", "王五"]
    # A unit in another community: refused outright.
    refused = await county.refused_query("power", ROSTER, u=uid(county.school))
    assert refused == {"message": FORBIDDEN[1], "code": "FORBIDDEN"}
    # A unit in its own community: the unit is visible, its members are not.
    assert await roster("power", county.water) == []
    assert await roster("east", county.water) == []  # 陈七 lives in 西门社区
    assert await roster("admin", county.water) == ["陈七"]
    refused = await county.refused_query("zhang", ROSTER, u=uid(county.power))
    assert refused == {"message": FORBIDDEN[1], "code": "FORBIDDEN"}


async def test_community_counts_and_reminders_are_for_the_own_community_only(
    county: County,
) -> None:
    refused = await county.refused_query("east", COUNTS, c=nid(county.west))
    assert refused == {"message": FORBIDDEN[1], "code": "FORBIDDEN"}
    not_community = await county.refused_query("east", COUNTS, c=nid(county.sun))
    assert not_community == {
        "message": "「报到社区」应为社区（村），而“阳光小区”不是社区，请选择所在的社区",
        "code": "NOT_A_COMMUNITY",
        "field": "communityId",
    }
    for who in ("power", "zhang"):
        refused = await county.refused_query(who, COUNTS, c=nid(county.east))
        assert refused == {"message": FORBIDDEN[1], "code": "FORBIDDEN"}, who
    refused = await county.refused_query("east", UNREPORTED, w=nid(county.garden))
    assert refused == {"message": FORBIDDEN[1], "code": "FORBIDDEN"}
    unreported = await county.edges("east", UNREPORTED, w=nid(county.east))
    assert sorted(m["name"] for m in unreported) == ["张三", "李四"]


# --- 11: slip numbers -----------------------------------------------------------------


async def test_slip_numbers_are_unique_increasing_and_never_reused(county: County) -> None:
    first = await county.register("zhang", county.zhang)
    await county.step("east", RETURN_SLIP, "registration", id=first["id"], r="住址有误")
    refused = await county.mutate(
        "power", BATCH, u=uid(county.power), m=[mid(county.wang), mid(county.zhao)]
    )
    assert refused["code"] == "INVALID_REGISTRATION", refused
    second = await county.register("zhang", county.zhang)
    batch = await county.step(
        "power", BATCH, "registrations", u=uid(county.power), m=[mid(county.wang)]
    )
    third = await county.register("li", county.li)
    numbers = [
        first["slipNumber"],
        second["slipNumber"],
        batch[0]["slipNumber"],
        third["slipNumber"],
    ]
    assert numbers == [slip(1), slip(2), slip(3), slip(4)]
    async with county.db.tenant_session(county.root.tenant_id) as session:
        query = text("SELECT slip_number, status FROM member_registrations ORDER BY id")
        rows = [tuple(row) for row in (await session.execute(query)).all()]
    assert rows == [
        (slip(1), "returned"),
        (slip(2), "submitted"),
        (slip(3), "submitted"),
        (slip(4), "submitted"),
    ]


# --- linking accounts -----------------------------------------------------------------


async def test_an_account_is_linked_only_by_who_manages_it_and_a_member_to_one_account(
    county: County,
) -> None:
    async with county.db.tenant_session(county.root.tenant_id) as session:
        query = text("SELECT username, id FROM users")
        users = {
            name: global_id("User", uuid) for name, uuid in (await session.execute(query)).all()
        }

    async def links() -> list[tuple[Any, ...]]:
        async with county.db.tenant_session(county.root.tenant_id) as session:
            query = text("SELECT username, unit_id, member_id FROM users ORDER BY username")
            return [tuple(row) for row in (await session.execute(query)).all()]

    before, audited = await links(), (await county.snapshot())["audit_log"]
    taken = await county.mutate("admin", LINK, user=users["li"], m=mid(county.zhang))
    assert taken == refusal("INVALID_MEMBER", "该党员已绑定另一个账号", "memberId")
    # 东门社区 may not manage 西门社区's account, nor link one to a unit it cannot see.
    assert await county.mutate("east", LINK, user=users["school"], u=uid(county.power)) == (
        refusal(*FORBIDDEN)
    )
    assert await county.mutate("east", LINK, user=users["li"], u=uid(county.school)) == (
        refusal(*FORBIDDEN)
    )
    for who in ("power", "zhang"):
        result = await county.mutate(who, LINK, user=users[who], u=uid(county.water))
        assert result == refusal(*FORBIDDEN), who
    assert await links() == before
    assert (await county.snapshot())["audit_log"] == audited
