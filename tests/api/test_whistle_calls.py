"""吹哨报到 through GraphQL, as each user does it: a street blows the whistle and exactly the
units and members registered in its subtree are asked (narrowed by skill); they accept or
decline with live counts until the deadline; a call short of what it asked goes up to the
node above; staff close it with the outcome; every refusal exact and writing nothing."""

import base64
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from infra.clock import CHINA, now
from infra.db import Database
from infra.settings import Settings
from services.registration.models import RegistrationStatus
from services.registry.models import Member, Unit
from services.registry.numbers import credit_code_check_char
from services.whistles.escalation import escalate_due
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import bearer, global_id, statements_during, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import (
    add_member,
    add_node,
    add_unit,
    add_user,
    register_member,
    register_unit,
    root_of,
)

COUNTY = "130123"
FORBIDDEN = {"code": "FORBIDDEN", "message": "您没有在此范围内进行该操作的权限", "field": None}
ERROR = "... on MutationError { code message field }"
TABLES = ("whistle_calls", "whistle_recipients", "events")

COUNTS = "counts { membersAsked unitsAsked acceptedMembers acceptedUnits declined pending }"
CALL = f"id status title membersWanted unitsWanted skills respondBy node {{ name }} {COUNTS}"
CALL_DONE = f"... on WhistleCallSuccess {{ call {{ {CALL} outcome cancelReason }} }} {ERROR}"
BLOW = f"mutation($i: WhistleCallInput!) {{ blowWhistle(input: $i) {{ {CALL_DONE} }} }}"
RESPOND = f"""mutation($id: ID!, $a: Boolean!, $as: WhistleRecipientKind, $n: String) {{
  respondToWhistleCall(id: $id, accept: $a, respondAs: $as, note: $n) {{
    ... on WhistleResponseSuccess {{ call {{ {COUNTS} }} response {{ kind answer note }} }}
    {ERROR} }} }}"""
CLOSE = f"""mutation($id: ID!, $o: String!) {{
  closeWhistleCall(id: $id, outcome: $o) {{ {CALL_DONE} }} }}"""
CANCEL = f"""mutation($id: ID!, $r: String!) {{
  cancelWhistleCall(id: $id, reason: $r) {{ {CALL_DONE} }} }}"""
RECIPIENTS = """query($id: ID!, $a: WhistleAnswer) { whistleCall(id: $id) {
  recipients(first: 100, answer: $a) {
    edges { node { kind answer unit { name } member { name } } } } } }"""
ONE = f"""query($id: ID!) {{ whistleCall(id: $id) {{ {CALL}
  myAnswers {{ kind answer }} escalatedFrom {{ id }} escalatedTo {{ {CALL} }} }} }}"""
MINE = """query($s: WhistleCallStatus, $a: WhistleAnswer) {
  myWhistleCalls(first: 100, status: $s, answer: $a) {
    edges { node { kind answer call { title status } } } } }"""
CALLS = """query($w: ID, $s: WhistleCallStatus) { whistleCalls(first: 100, within: $w, status: $s) {
  edges { node { title status } } } }"""


def credit_code(serial: int) -> str:
    first17 = f"91130123MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


def nid(node: Node) -> str:
    return global_id("HierarchyNode", node.id)


def at(hours: float) -> str:
    return (now() + timedelta(hours=hours)).isoformat()


def refusal(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


def names(edges: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(kind, name) of each recipient listed, units first, by name."""
    rows = [edge["node"] for edge in edges["recipients"]["edges"]]
    return sorted((r["kind"], (r["unit"] or r["member"] or {}).get("name")) for r in rows)


@dataclass
class County:
    graphql: GraphQLCall
    db: Database
    root: Node
    street: Node
    east: Node
    garden: Node
    west: Node
    south: Node
    units: dict[str, Unit]
    members: dict[str, Member]
    tokens: dict[str, dict[str, str]]

    async def ask(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        return await self.graphql(query, variables, county=COUNTY, headers=self.tokens[who])

    async def call(self, who: str, query: str, **variables: Any) -> Any:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [value] = body["data"].values()
        return value

    async def blow(self, who: str, node: Node, **changes: Any) -> dict[str, Any]:
        result = await self.call(who, BLOW, i=call_input(node, **changes))
        assert "call" in result, result
        blown: dict[str, Any] = result["call"]
        return blown

    async def answer(self, who: str, call: str, accept: bool, **more: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(who, RESPOND, id=call, a=accept, **more)
        assert "response" in result, result
        return result

    async def sql(self, statement: str, **values: Any) -> list[Any]:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            return list((await session.execute(text(statement), values)).all())

    async def update(self, statement: str, **values: Any) -> None:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            await session.execute(text(statement), values)

    async def deadline_passes(self, call: str) -> None:
        """Move the call's response deadline into the past (time passing)."""
        await self.update(
            "UPDATE whistle_calls SET respond_by = now() - interval '1 minute' WHERE id = :id",
            id=local(call),
        )

    async def snapshot(self) -> dict[str, Any]:
        rows: dict[str, Any] = {}
        for table in TABLES:
            query = f"""SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text),
                '[]'::jsonb) FROM {table} t"""
            rows[table] = (await self.sql(query))[0][0]
        done = "SELECT action FROM audit_log WHERE outcome = 'succeeded' ORDER BY id"
        rows["audit_log"] = [row[0] for row in await self.sql(done)]
        return rows


def local(global_call_id: str) -> int:
    return int(base64.b64decode(global_call_id).decode().split(":")[1])


def call_input(node: Node, **changes: Any) -> dict[str, Any]:
    return {
        "nodeId": nid(node),
        "kind": "EMERGENCY",
        "title": "防汛巡堤",
        "place": "滹沱河东岸",
        "startsAt": at(3),
        "endsAt": at(6),
        "respondBy": at(1),
        "membersWanted": 2,
        "unitsWanted": 1,
        "skills": ["急救"],
        **changes,
    }


@pytest.fixture
async def county(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> County:
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道")
    east = await add_node(db, street, NodeKind.COMMUNITY, "东门社区")
    garden = await add_node(db, east, NodeKind.COMPOUND, "东园小区")
    west = await add_node(db, street, NodeKind.COMMUNITY, "西门社区")
    south_street = await add_node(db, root, NodeKind.TOWNSHIP, "南关街道")
    south = await add_node(db, south_street, NodeKind.COMMUNITY, "南门社区")
    # Units: where they sit, and where they are registered (None: not registered).
    unit_places = {
        "power": ("供电公司", east, east),
        "school": ("城关小学", west, west),
        "water": ("自来水公司", east, None),
        "bank": ("农商银行", south, south),
    }
    units = {}
    for i, (key, (name, sits, registered)) in enumerate(unit_places.items()):
        units[key] = await add_unit(db, sits, name, credit_code(i + 1))
        if registered is not None:
            await register_unit(db, units[key], registered)
    # Members: home, community, registration, skills.
    confirmed, submitted = RegistrationStatus.CONFIRMED, RegistrationStatus.SUBMITTED
    people = {
        "zhang": ("张三", garden, east, confirmed, ["电工", "急救"]),
        "li": ("李四", garden, east, confirmed, ["厨师"]),
        "wang": ("王五", west, west, confirmed, ["急救"]),
        "chen": ("陈七", garden, east, None, ["急救"]),
        "sun": ("孙八", east, east, submitted, ["急救"]),
        "zhao": ("赵六", south, south, confirmed, ["急救"]),
    }
    members = {}
    for i, (key, (name, home, community, status, skills)) in enumerate(people.items()):
        member = await add_member(db, settings, home, units["power"], name, f"1380000001{i}")
        async with db.tenant_session(tenant.id) as session:
            await session.execute(
                text("UPDATE members SET skills = :s WHERE id = :id"),
                {"s": skills, "id": member.id},
            )
        if status is not None:
            await register_member(db, member, community, residence=home, status=status)
        members[key] = member
    accounts: dict[str, tuple[str, Node, Unit | None, Member | None]] = {
        "admin": ("county_admin", root, None, None),
        "street": ("township_admin", street, None, None),
        "east": ("community_admin", east, None, None),
        "west": ("community_admin", west, None, None),
        "leader": ("compound_leader", garden, None, None),
        "power": ("org_admin", east, units["power"], None),
        "school": ("org_admin", west, units["school"], None),
        "water": ("org_admin", east, units["water"], None),
        **{key: ("member", people[key][1], None, members[key]) for key in people},
    }
    tokens = {}
    for username, (role, node, unit, linked) in accounts.items():
        await add_user(
            db,
            settings,
            tenant.id,
            username,
            node=node,
            roles=[(role, node)],
            unit_id=unit.id if unit else None,
            member_id=linked.id if linked else None,
        )
        tokens[username] = bearer(await token_for(graphql, username, county=COUNTY))
    return County(graphql, db, root, street, east, garden, west, south, units, members, tokens)


async def test_the_registered_units_and_members_in_scope_are_asked_and_answer(
    county: County,
) -> None:
    call = await county.blow("street", county.street)
    assert (call["status"], call["node"], call["skills"]) == (
        "OPEN",
        {"name": "城关街道"},
        ["急救"],
    )
    assert call["counts"] == {
        "membersAsked": 2,
        "unitsAsked": 2,
        "acceptedMembers": 0,
        "acceptedUnits": 0,
        "declined": 0,
        "pending": 4,
    }
    # Registered (confirmed) in the street, with 急救: not 李四 (no such skill), not 陈七
    # (not registered), not 孙八 (waiting for confirmation), not 赵六 (another street);
    # not 自来水公司 (not registered) nor 农商银行 (another street).
    asked = await county.call("street", RECIPIENTS, id=call["id"])
    assert names({"recipients": asked["recipients"]}) == [
        ("MEMBER", "张三"),
        ("MEMBER", "王五"),
        ("UNIT", "供电公司"),
        ("UNIT", "城关小学"),
    ]
    # The event says how many were asked, not who.
    [(blown,)] = await county.sql("SELECT payload FROM events WHERE type = 'whistle_call.blown'")
    assert (blown["members_asked"], blown["units_asked"]) == (2, 2)
    assert sorted(blown) == [
        "ends_at",
        "escalated_from_id",
        "kind",
        "members_asked",
        "members_wanted",
        "need_id",
        "node_id",
        "respond_by",
        "skills",
        "starts_at",
        "status",
        "title",
        "units_asked",
        "units_wanted",
        "whistle_call_id",
    ]

    # Without skills, members only (no units wanted): everyone registered in 东门社区.
    routine = await county.blow(
        "east", county.east, kind="ROUTINE", title="清理楼道杂物", skills=[], unitsWanted=0
    )
    assert (routine["counts"]["membersAsked"], routine["counts"]["unitsAsked"]) == (2, 0)

    # What each received.
    mine = await county.call("zhang", MINE)
    assert [e["node"]["call"]["title"] for e in mine["edges"]] == ["清理楼道杂物", "防汛巡堤"]
    assert (await county.call("chen", MINE))["edges"] == []
    assert [e["node"]["kind"] for e in (await county.call("power", MINE))["edges"]] == ["UNIT"]

    # Answers, counted live; an answer may change until the deadline.
    await county.answer("zhang", call["id"], True)
    await county.answer("wang", call["id"], False, n="出差在外")
    result = await county.answer("power", call["id"], True)
    assert result["response"] == {"kind": "UNIT", "answer": "ACCEPTED", "note": None}
    assert result["call"]["counts"] == {
        "membersAsked": 2,
        "unitsAsked": 2,
        "acceptedMembers": 1,
        "acceptedUnits": 1,
        "declined": 1,
        "pending": 1,
    }
    changed = await county.answer("wang", call["id"], True, n="已调整行程")
    assert changed["call"]["counts"] | {"pending": None} == {
        "membersAsked": 2,
        "unitsAsked": 2,
        "acceptedMembers": 2,
        "acceptedUnits": 1,
        "declined": 0,
        "pending": None,
    }
    assert (await county.call("wang", ONE, id=call["id"]))["myAnswers"] == [
        {"kind": "MEMBER", "answer": "ACCEPTED"}
    ]
    declined = await county.call("street", RECIPIENTS, id=call["id"], a="PENDING")
    assert names({"recipients": declined["recipients"]}) == [("UNIT", "城关小学")]
    assert [
        e["node"]["answer"] for e in (await county.call("zhang", MINE, a="ACCEPTED"))["edges"]
    ] == ["ACCEPTED"]

    # Who may see what: recipients read the call, not its list; others not at all.
    assert (await county.ask("zhang", RECIPIENTS, id=call["id"]))["errors"][0]["message"] == (
        FORBIDDEN["message"]
    )
    assert (await county.ask("chen", ONE, id=call["id"]))["errors"][0]["message"] == (
        FORBIDDEN["message"]
    )
    assert await county.call("street", CALLS) == {
        "edges": [
            {"node": {"title": "清理楼道杂物", "status": "OPEN"}},
            {"node": {"title": "防汛巡堤", "status": "OPEN"}},
        ]
    }
    assert await county.call("west", CALLS) == {"edges": []}
    assert await county.call("zhang", CALLS) == {"edges": []}

    # The street closes it with the outcome; no answer after that.
    closed = await county.call("street", CLOSE, id=call["id"], o="巡堤 6 小时，排除险情 2 处")
    assert (closed["call"]["status"], closed["call"]["outcome"]) == (
        "CLOSED",
        "巡堤 6 小时，排除险情 2 处",
    )
    assert await county.call("school", RESPOND, id=call["id"], a=True) == refusal(
        "WHISTLE_CALL_CLOSED", "该吹哨召集已结束，不能再回应", "id"
    )
    events = await county.sql("SELECT type FROM events ORDER BY id")
    assert [row[0] for row in events] == [
        "whistle_call.blown",
        "whistle_call.blown",
        "whistle_call.accepted",
        "whistle_call.declined",
        "whistle_call.accepted",
        "whistle_call.accepted",
        "whistle_call.closed",
    ]
    [closing] = await county.sql(
        "SELECT payload->>'accepted_members', payload->>'accepted_units' FROM events "
        "WHERE type = 'whistle_call.closed'"
    )
    assert tuple(closing) == ("2", "1")


async def test_an_answer_after_the_deadline_is_refused(county: County) -> None:
    call = await county.blow("street", county.street)
    await county.answer("zhang", call["id"], True)
    await county.deadline_passes(call["id"])
    [(deadline,)] = await county.sql("SELECT respond_by FROM whistle_calls")
    shown = deadline.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    before = await county.snapshot()
    for who, accept in (("zhang", False), ("wang", True), ("power", True)):
        assert await county.call(who, RESPOND, id=call["id"], a=accept) == refusal(
            "WHISTLE_DEADLINE_PASSED", f"响应截止时间（{shown}）已过，不能再回应", "id"
        )
    assert await county.snapshot() == before


async def test_a_call_short_of_what_it_asked_goes_up_to_the_node_above(county: County) -> None:
    call = await county.blow("east", county.east, membersWanted=3, unitsWanted=1, skills=[])
    assert (call["counts"]["membersAsked"], call["counts"]["unitsAsked"]) == (2, 1)
    await county.answer("zhang", call["id"], True)
    enough = await county.blow(
        "east", county.east, title="够了的召集", membersWanted=1, unitsWanted=0
    )
    await county.answer("zhang", enough["id"], True)
    waiting = await county.blow("east", county.east, title="未到期的召集", skills=[])

    async def escalate() -> list[int]:
        async with county.db.tenant_session(county.root.tenant_id) as session:
            return [raised.id for raised in await escalate_due(session, now())]

    assert await escalate() == []
    await county.deadline_passes(call["id"])
    await county.deadline_passes(enough["id"])
    [raised_id] = await escalate()
    assert await escalate() == []

    # The street gets a call for the shortfall, asking only who was not asked yet.
    seen = await county.call("street", ONE, id=call["id"])
    assert seen["status"] == "ESCALATED"
    raised = seen["escalatedTo"]
    assert local(raised["id"]) == raised_id
    assert (raised["node"], raised["status"], raised["membersWanted"], raised["unitsWanted"]) == (
        {"name": "城关街道"},
        "OPEN",
        2,
        1,
    )
    assert (raised["counts"]["membersAsked"], raised["counts"]["unitsAsked"]) == (1, 1)
    asked = await county.call("street", RECIPIENTS, id=raised["id"])
    assert names({"recipients": asked["recipients"]}) == [("MEMBER", "王五"), ("UNIT", "城关小学")]
    assert (await county.call("street", ONE, id=raised["id"]))["escalatedFrom"] == {
        "id": call["id"]
    }
    # 东门社区's staff see that it went up, not the street's call itself.
    assert (await county.call("east", ONE, id=call["id"]))["escalatedTo"] is None
    untouched = await county.call("east", CALLS, s="OPEN")
    assert [e["node"]["title"] for e in untouched["edges"]] == ["未到期的召集", "够了的召集"]
    assert (await county.call("east", ONE, id=waiting["id"]))["status"] == "OPEN"

    await county.answer("wang", raised["id"], True)
    await county.call("street", CLOSE, id=raised["id"], o="西门社区支援 1 人")
    await county.call("east", CLOSE, id=call["id"], o="街道统筹解决")
    events = await county.sql(
        "SELECT type, payload->>'members_short', payload->>'units_short', "
        "payload->>'escalated_from_id' FROM events WHERE type IN "
        "('whistle_call.escalated', 'whistle_call.blown') ORDER BY id"
    )
    assert [tuple(row) for row in events][-2:] == [
        ("whistle_call.escalated", "2", "1", None),
        ("whistle_call.blown", None, None, str(local(call["id"]))),
    ]


async def test_lists_of_calls_take_a_fixed_number_of_statements(county: County) -> None:
    query = f"""{{ whistleCalls(first: 100) {{ edges {{ node {{ title node {{ name }} {COUNTS}
      myAnswers {{ answer }} escalatedFrom {{ id }} escalatedTo {{ id }} }} }} }} }}"""

    async def statements() -> int:
        return await statements_during(county.db, county.ask("admin", query))

    await county.blow("street", county.street)
    await statements()  # the caller's grants are cached from the first request on
    one = await statements()
    await county.blow("east", county.east)
    await county.blow("west", county.west)
    assert await statements() == one


async def test_every_refusal_of_a_whistle_call_is_exact_and_writes_nothing(
    county: County, db: Database, settings: Settings
) -> None:
    # 刘 administers 供电公司 and is also asked as a member.
    liu = await add_member(db, settings, county.east, county.units["power"], "刘一", "13800000099")
    await register_member(db, liu, county.east)
    await add_user(
        db,
        settings,
        county.root.tenant_id,
        "liu",
        node=county.east,
        roles=[("org_admin", county.east), ("member", county.east)],
        unit_id=county.units["power"].id,
        member_id=liu.id,
    )
    county.tokens["liu"] = bearer(await token_for(county.graphql, "liu", county=COUNTY))
    both = await county.blow("east", county.east, skills=[])
    units_only = await county.blow("east", county.east, membersWanted=0, skills=[])
    finished = await county.blow("east", county.east)
    await county.call("east", CLOSE, id=finished["id"], o="已处置")
    before = await county.snapshot()
    good = call_input(county.street)
    cases: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        ("zhang", BLOW, {"i": good}, FORBIDDEN),
        ("power", BLOW, {"i": good}, FORBIDDEN),
        ("leader", BLOW, {"i": call_input(county.garden)}, FORBIDDEN),
        ("west", BLOW, {"i": call_input(county.east)}, FORBIDDEN),
        ("east", BLOW, {"i": good}, FORBIDDEN),
        (
            "street",
            BLOW,
            {"i": {**good, "nodeId": global_id("Unit", 1)}},
            refusal(
                "NOT_FOUND", f"编号 {global_id('Unit', 1)} 不是有效的HierarchyNode编号", "nodeId"
            ),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "title": " "}},
            refusal("INVALID_WHISTLE_CALL", "「吹哨事项」不能为空", "title"),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "title": "事" * 65}},
            refusal("INVALID_WHISTLE_CALL", "「吹哨事项」不能超过 64 个字", "title"),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "membersWanted": -1}},
            refusal(
                "INVALID_WHISTLE_CALL", "「所需党员人数」应在 0 到 10000 之间", "membersWanted"
            ),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "unitsWanted": 1001}},
            refusal("INVALID_WHISTLE_CALL", "「所需单位数」应在 0 到 1000 之间", "unitsWanted"),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "membersWanted": 0, "unitsWanted": 0}},
            refusal(
                "INVALID_WHISTLE_CALL",
                "「所需党员人数」与「所需单位数」至少一项应大于 0",
                "membersWanted",
            ),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "skills": ["会" * 21]}},
            refusal(
                "INVALID_WHISTLE_CALL",
                f"「所需技能」每项不能超过 20 个字（“{'会' * 20}…”）",
                "skills",
            ),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "place": ""}},
            refusal("INVALID_WHISTLE_CALL", "「地点」不能为空", "place"),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "endsAt": good["startsAt"]}},
            refusal("INVALID_WHISTLE_CALL", "「结束时间」应晚于「开始时间」", "endsAt"),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "endsAt": at(3 + 24 * 31)}},
            refusal("INVALID_WHISTLE_CALL", "「结束时间」距「开始时间」不能超过 30 天", "endsAt"),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "respondBy": at(-0.5)}},
            refusal("INVALID_WHISTLE_CALL", "「响应截止时间」应晚于现在", "respondBy"),
        ),
        (
            "street",
            BLOW,
            {"i": {**good, "respondBy": at(4)}},
            refusal("INVALID_WHISTLE_CALL", "「响应截止时间」应早于「开始时间」", "respondBy"),
        ),
        (
            "zhang",
            RESPOND,
            {"id": global_id("WhistleCall", 999_999), "a": True},
            refusal("WHISTLE_CALL_NOT_FOUND", "未找到该吹哨召集", "id"),
        ),
        ("chen", RESPOND, {"id": both["id"], "a": True}, FORBIDDEN),
        ("zhao", RESPOND, {"id": both["id"], "a": True}, FORBIDDEN),
        ("water", RESPOND, {"id": both["id"], "a": True}, FORBIDDEN),
        ("east", RESPOND, {"id": both["id"], "a": True}, FORBIDDEN),
        (
            "liu",
            RESPOND,
            {"id": both["id"], "a": True},
            refusal(
                "INVALID_WHISTLE_RESPONSE",
                "您的单位和您本人都在本次召集之列，请指明以单位还是个人身份回应",
                "respondAs",
            ),
        ),
        (
            "liu",
            RESPOND,
            {"id": units_only["id"], "a": True, "as": "MEMBER"},
            refusal("INVALID_WHISTLE_RESPONSE", "本次吹哨没有召集您本人", "respondAs"),
        ),
        (
            "zhang",
            RESPOND,
            {"id": both["id"], "a": False, "n": "因" * 201},
            refusal("INVALID_WHISTLE_RESPONSE", "「回应说明」不能超过 200 个字", "note"),
        ),
        ("zhang", CLOSE, {"id": both["id"], "o": "已处置"}, FORBIDDEN),
        ("west", CLOSE, {"id": both["id"], "o": "已处置"}, FORBIDDEN),
        ("leader", CLOSE, {"id": both["id"], "o": "已处置"}, FORBIDDEN),
        (
            "east",
            CLOSE,
            {"id": both["id"], "o": ""},
            refusal("INVALID_WHISTLE_CALL", "「处置结果」不能为空", "outcome"),
        ),
        (
            "east",
            CLOSE,
            {"id": finished["id"], "o": "已处置"},
            refusal("WHISTLE_CALL_CLOSED", "该吹哨召集已结束，不能再结束", "id"),
        ),
        (
            "east",
            CANCEL,
            {"id": both["id"], "r": " "},
            refusal("INVALID_WHISTLE_CALL", "「取消原因」不能为空", "reason"),
        ),
        (
            "east",
            CANCEL,
            {"id": finished["id"], "r": "天气好转"},
            refusal("WHISTLE_CALL_CLOSED", "该吹哨召集已结束，不能再取消", "id"),
        ),
        (
            "zhang",
            RESPOND,
            {"id": finished["id"], "a": True},
            refusal("WHISTLE_CALL_CLOSED", "该吹哨召集已结束，不能再回应", "id"),
        ),
    ]
    for who, mutation, variables, expected in cases:
        result = await county.call(who, mutation, **variables)
        assert result == expected, (who, variables)
    assert await county.snapshot() == before

    # Named, 刘 answers for the unit; a cancelled call takes no more answers.
    unit_answer = await county.answer("liu", both["id"], True, **{"as": "UNIT"})
    assert unit_answer["response"]["kind"] == "UNIT"
    cancelled = await county.call("east", CANCEL, id=both["id"], r="天气好转，取消巡堤")
    assert (cancelled["call"]["status"], cancelled["call"]["cancelReason"]) == (
        "CANCELLED",
        "天气好转，取消巡堤",
    )
    assert await county.call("zhang", RESPOND, id=both["id"], a=True) == refusal(
        "WHISTLE_CALL_CLOSED", "该吹哨召集已取消，不能再回应", "id"
    )
