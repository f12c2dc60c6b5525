"""微心愿 through GraphQL, as each user does it: the community posts a resident's wish, a
member registered there claims, fulfils, the community confirms; the resident's name and
phone masked for all but the claimant and the managing staff; a claim not fulfilled in
time goes back; two members claiming at once; every refusal exact and writing nothing."""

import asyncio
import base64
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from infra.clock import today
from infra.db import Database
from infra.settings import Settings
from services.registration.models import RegistrationStatus
from services.registry.models import Member, Unit
from services.registry.numbers import credit_code_check_char
from services.wishes.service import release_lapsed
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
TABLES = ("wishes", "events")
RESIDENT = "王秀兰"
PHONE = "13912345678"

WISH = """id content category status statusName deadline claimDueOn fulfillmentNote
  confirmationNote cancelReason releasedCount residentName residentPhone
  place { name } community { name } claimant { name }"""
DONE = f"... on WishSuccess {{ wish {{ {WISH} }} }} {ERROR}"
POST = f"mutation($i: WishInput!) {{ postWish(input: $i) {{ {DONE} }} }}"
CLAIM = f"mutation($id: ID!) {{ claimWish(id: $id) {{ {DONE} }} }}"
FULFILL = f"mutation($id: ID!, $n: String!) {{ fulfillWish(id: $id, note: $n) {{ {DONE} }} }}"
CONFIRM = f"mutation($id: ID!, $n: String) {{ confirmWish(id: $id, note: $n) {{ {DONE} }} }}"
CANCEL = f"mutation($id: ID!, $r: String!) {{ cancelWish(id: $id, reason: $r) {{ {DONE} }} }}"
ONE = "query($id: ID!) { wish(id: $id) { status residentName residentPhone maySeeResident } }"
CLEAR = "query($id: ID!) { wish(id: $id) { residentName(clear: true) residentPhone(clear: true) } }"
LIST = """query($s: WishStatus, $w: ID) { wishes(first: 100, status: $s, within: $w) {
  edges { node { content status residentName } } } }"""


def credit_code(serial: int) -> str:
    first17 = f"91130123MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


def gid(type_name: str, local: object) -> str:
    return global_id(type_name, local)


def nid(node: Node) -> str:
    return gid("HierarchyNode", node.id)


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def _local(global_wish_id: str) -> int:
    return int(base64.b64decode(global_wish_id).decode().split(":")[1])


def refusal(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


@dataclass
class County:
    graphql: GraphQLCall
    db: Database
    root: Node
    street: Node
    east: Node
    garden: Node
    west: Node
    power: Unit
    members: dict[str, Member]
    tokens: dict[str, dict[str, str]]

    async def ask(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        return await self.graphql(query, variables, county=COUNTY, headers=self.tokens[who])

    async def call(self, who: str, query: str, **variables: Any) -> Any:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [value] = body["data"].values()
        return value

    async def refused_query(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.ask(who, query, **variables)
        [error] = body["errors"]
        return {"message": error["message"], "code": error["extensions"]["code"]}

    async def wish(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        """The wish a mutation saved."""
        result = await self.call(who, query, **variables)
        assert "wish" in result, result
        wish: dict[str, Any] = result["wish"]
        return wish

    async def post(self, *, deadline: int = 10, place: Node | None = None) -> dict[str, Any]:
        wish = {
            "placeId": nid(place or self.garden),
            "content": "希望有人帮忙修理家中漏水的水龙头",
            "category": "助老",
            "residentName": RESIDENT,
            "residentPhone": PHONE,
            "deadline": days(deadline),
        }
        return await self.wish("east", POST, i=wish)

    async def listed(self, who: str, **variables: Any) -> list[dict[str, Any]]:
        found = await self.call(who, LIST, **variables)
        return [edge["node"] for edge in found["edges"]]

    async def snapshot(self) -> dict[str, Any]:
        rows: dict[str, Any] = {}
        async with self.db.tenant_session(self.root.tenant_id) as session:
            for table in TABLES:
                query = f"""SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text),
                    '[]'::jsonb) FROM {table} t"""
                rows[table] = await session.scalar(text(query))
            done = "SELECT action FROM audit_log WHERE outcome = 'succeeded' ORDER BY id"
            rows["audit_log"] = list((await session.scalars(text(done))).all())
        return rows

    async def sql(self, statement: str, **values: Any) -> list[Any]:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            return list((await session.execute(text(statement), values)).all())

    async def update(self, statement: str, **values: Any) -> None:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            await session.execute(text(statement), values)


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
    power = await add_unit(db, east, "供电公司", credit_code(1))
    await register_unit(db, power, east)
    people = {
        "zhang": ("张三", garden, east, RegistrationStatus.CONFIRMED),
        "li": ("李四", garden, east, RegistrationStatus.CONFIRMED),
        "zhao": ("赵六", east, east, RegistrationStatus.CONFIRMED),
        "wang": ("王五", west, west, RegistrationStatus.CONFIRMED),
        "chen": ("陈七", garden, east, RegistrationStatus.SUBMITTED),
    }
    members = {}
    for i, (key, (name, home, community, status)) in enumerate(people.items()):
        member = await add_member(db, settings, home, power, name, f"1380000000{i}")
        await register_member(db, member, community, residence=home, status=status)
        members[key] = member
    accounts: dict[str, tuple[str, Node]] = {
        "east": ("community_admin", east),
        "west": ("community_admin", west),
        "street": ("township_admin", street),
        "leader": ("compound_leader", garden),
        "power": ("org_admin", east),
        **{key: ("member", people[key][1]) for key in people},
    }
    tokens = {}
    for username, (role, at) in accounts.items():
        linked = members.get(username)
        await add_user(
            db,
            settings,
            tenant.id,
            username,
            node=at,
            roles=[(role, at)],
            unit_id=power.id if username == "power" else None,
            member_id=linked.id if linked else None,
        )
        tokens[username] = bearer(await token_for(graphql, username, county=COUNTY))
    return County(graphql, db, root, street, east, garden, west, power, members, tokens)


async def test_a_wish_is_posted_claimed_fulfilled_and_confirmed(county: County) -> None:
    posted = await county.post()
    assert {key: posted[key] for key in ("status", "statusName", "residentName", "claimant")} == {
        "status": "OPEN",
        "statusName": "待认领",
        "residentName": "王**",
        "claimant": None,
    }
    assert posted["residentPhone"] == "139****5678"
    assert (posted["place"], posted["community"]) == ({"name": "东园小区"}, {"name": "东门社区"})
    wish = posted["id"]

    # The members registered in 东门社区 see it, masked; others do not.
    shown = {"content": posted["content"], "status": "OPEN", "residentName": "王**"}
    assert await county.listed("zhang") == [shown]
    assert await county.listed("li") == [shown]
    assert await county.listed("wang") == []
    assert await county.listed("chen") == []
    assert await county.listed("power") == []
    assert await county.listed("west") == []
    assert await county.listed("street", w=nid(county.east)) == [shown]
    assert (await county.call("zhang", ONE, id=wish))["maySeeResident"] is False
    assert await county.refused_query("zhang", CLEAR, id=wish) == {
        "message": FORBIDDEN["message"],
        "code": "FORBIDDEN",
    }

    claimed = await county.wish("zhang", CLAIM, id=wish)
    assert (claimed["status"], claimed["claimDueOn"], claimed["claimant"]) == (
        "CLAIMED",
        days(10),
        {"name": "张三"},
    )
    # The claimant and the community see the resident in clear; each read is audited.
    clear = {"residentName": RESIDENT, "residentPhone": PHONE}
    assert await county.call("zhang", CLEAR, id=wish) == clear
    assert await county.call("east", CLEAR, id=wish) == clear
    assert (await county.call("east", ONE, id=wish))["maySeeResident"] is True
    # Others: masked, or not at all.
    assert (await county.call("leader", ONE, id=wish))["residentName"] == "王**"
    assert (await county.refused_query("leader", CLEAR, id=wish))["code"] == "FORBIDDEN"
    assert await county.listed("li") == []
    assert (await county.refused_query("li", ONE, id=wish))["code"] == "FORBIDDEN"
    reads = await county.sql(
        "SELECT action, actor_name FROM audit_log WHERE action LIKE 'wish.resident%' "
        "AND outcome = 'succeeded' ORDER BY id"
    )
    assert [tuple(row) for row in reads] == [
        ("wish.resident_name.read", "zhang同志"),
        ("wish.resident_phone.read", "zhang同志"),
        ("wish.resident_name.read", "east同志"),
        ("wish.resident_phone.read", "east同志"),
    ]

    fulfilled = await county.wish("zhang", FULFILL, id=wish, n="已上门更换水龙头")
    assert (fulfilled["status"], fulfilled["fulfillmentNote"]) == (
        "FULFILLED",
        "已上门更换水龙头",
    )
    assert await county.listed("zhang") == [
        {"content": posted["content"], "status": "FULFILLED", "residentName": "王**"}
    ]
    confirmed = await county.wish("east", CONFIRM, id=wish, n="已电话回访，居民满意")
    assert (confirmed["status"], confirmed["confirmationNote"]) == (
        "CONFIRMED",
        "已电话回访，居民满意",
    )
    # Once confirmed the claimant no longer needs the resident's particulars.
    assert (await county.refused_query("zhang", CLEAR, id=wish))["code"] == "FORBIDDEN"

    events = await county.sql("SELECT type, payload::text FROM events ORDER BY id")
    assert [row[0] for row in events] == [
        "wish.posted",
        "wish.claimed",
        "wish.fulfilled",
        "wish.confirmed",
    ]
    # The resident's particulars are sealed at rest and in no event or audit entry.
    logged = await county.sql("SELECT detail::text FROM audit_log")
    for written in [row[1] for row in events] + [row[0] for row in logged]:
        assert RESIDENT not in written
        assert PHONE not in written
    [row] = await county.sql("SELECT resident_name_sealed, resident_phone_sealed FROM wishes")
    assert RESIDENT.encode() not in row[0]
    assert PHONE.encode() not in row[1]


async def test_a_claim_not_fulfilled_in_time_goes_back_to_open(county: County) -> None:
    far = (await county.post(deadline=30))["id"]
    near = (await county.post(deadline=3))["id"]
    assert (await county.wish("zhang", CLAIM, id=far))["claimDueOn"] == days(14)
    assert (await county.wish("li", CLAIM, id=near))["claimDueOn"] == days(3)

    async def release(on: int) -> list[int]:
        async with county.db.tenant_session(county.root.tenant_id) as session:
            released = await release_lapsed(session, today() + timedelta(days=on))
            return [wish.id for wish in released]

    assert await release(3) == []
    assert len(await release(4)) == 1
    after = await county.call("east", ONE, id=near)
    assert after["status"] == "OPEN"
    assert (await county.call("east", ONE, id=far))["status"] == "CLAIMED"
    assert len(await release(15)) == 1
    assert await release(15) == []

    back = await county.wish("zhao", CLAIM, id=far)
    assert (back["status"], back["claimant"], back["releasedCount"]) == (
        "CLAIMED",
        {"name": "赵六"},
        1,
    )
    released = await county.sql(
        "SELECT payload->>'member_id', payload->>'status' FROM events "
        "WHERE type = 'wish.released' ORDER BY id"
    )
    members = county.members
    assert [tuple(row) for row in released] == [
        (str(members["li"].id), "open"),
        (str(members["zhang"].id), "open"),
    ]
    actors = await county.sql(
        "SELECT actor_name FROM audit_log WHERE action = 'wish.released' ORDER BY id"
    )
    assert [row[0] for row in actors] == ["定时任务", "定时任务"]


async def test_two_members_claiming_one_wish_at_once_get_it_once(county: County) -> None:
    wish = (await county.post())["id"]
    results = await asyncio.gather(
        *(county.call(who, CLAIM, id=wish) for who in ("zhang", "li", "zhao"))
    )
    claimed = [r for r in results if "wish" in r]
    refused = [r for r in results if "code" in r]
    assert len(claimed) == 1
    assert refused == [refusal("WISH_ALREADY_CLAIMED", "该微心愿已被其他党员认领", "id")] * 2
    rows = await county.sql("SELECT count(*) FROM events WHERE type = 'wish.claimed'")
    assert rows[0][0] == 1


async def test_lists_of_wishes_take_a_fixed_number_of_statements(county: County) -> None:
    query = """{ wishes(first: 100) { edges { node { content residentName place { name }
      community { name } claimant { name } } } } }"""

    async def statements() -> int:
        return await statements_during(county.db, county.ask("east", query))

    await county.wish("zhang", CLAIM, id=(await county.post())["id"])
    await statements()  # the caller's grants are cached from the first request on
    one = await statements()
    await county.wish("li", CLAIM, id=(await county.post(place=county.east))["id"])
    await county.post()
    assert await statements() == one


async def test_every_refusal_of_a_wish_is_exact_and_writes_nothing(county: County) -> None:
    good = {
        "placeId": nid(county.garden),
        "content": "希望有人陪老人去医院复查",
        "residentName": RESIDENT,
        "residentPhone": PHONE,
        "deadline": days(7),
    }
    open_wish = (await county.post())["id"]
    held = (await county.post())["id"]
    await county.wish("zhang", CLAIM, id=held)
    done = (await county.post())["id"]
    await county.wish("li", CLAIM, id=done)
    await county.wish("li", FULFILL, id=done, n="已完成")
    await county.wish("east", CONFIRM, id=done)
    late = (await county.post())["id"]
    await county.update(
        "UPDATE wishes SET deadline = :d WHERE id = :id",
        d=today() - timedelta(days=1),
        id=_local(late),
    )
    cancelled = (await county.post())["id"]
    await county.wish("east", CANCEL, id=cancelled, r="居民已搬走")
    lapsed = (await county.post())["id"]
    await county.wish("zhao", CLAIM, id=lapsed)
    await county.update(
        "UPDATE wishes SET claim_due_on = :d WHERE id = :id",
        d=today() - timedelta(days=1),
        id=_local(lapsed),
    )
    before = await county.snapshot()
    yesterday = (today() - timedelta(days=1)).isoformat()

    cases: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        ("zhang", POST, {"i": good}, FORBIDDEN),
        ("west", POST, {"i": good}, FORBIDDEN),
        ("leader", POST, {"i": good}, FORBIDDEN),
        (
            "east",
            POST,
            {"i": {**good, "placeId": gid("Unit", county.power.id)}},
            refusal(
                "NOT_FOUND",
                f"编号 {gid('Unit', county.power.id)} 不是有效的HierarchyNode编号",
                "placeId",
            ),
        ),
        (
            "street",
            POST,
            {"i": {**good, "placeId": nid(county.street)}},
            refusal(
                "INVALID_WISH",
                "「居民所在地」应为社区（村）或其下的小区、楼栋、网格，而“城关街道”是乡镇（街道）",
                "placeId",
            ),
        ),
        (
            "east",
            POST,
            {"i": {**good, "content": "  "}},
            refusal("INVALID_WISH", "「心愿内容」不能为空", "content"),
        ),
        (
            "east",
            POST,
            {"i": {**good, "content": "修" * 501}},
            refusal("INVALID_WISH", "「心愿内容」不能超过 500 个字", "content"),
        ),
        (
            "east",
            POST,
            {"i": {**good, "category": "类" * 21}},
            refusal("INVALID_WISH", "「心愿类别」不能超过 20 个字", "category"),
        ),
        (
            "east",
            POST,
            {"i": {**good, "residentName": ""}},
            refusal("INVALID_WISH", "「居民姓名」不能为空", "residentName"),
        ),
        (
            "east",
            POST,
            {"i": {**good, "residentPhone": "12345"}},
            refusal(
                "INVALID_WISH",
                "「联系电话」应为手机号码或带区号的固定电话（如 0311-88001234）",
                "residentPhone",
            ),
        ),
        (
            "east",
            POST,
            {"i": {**good, "residentPhone": ""}},
            refusal("INVALID_WISH", "「联系电话」不能为空", "residentPhone"),
        ),
        (
            "east",
            POST,
            {"i": {**good, "deadline": yesterday}},
            refusal("INVALID_WISH", "「截止日期」不能早于今天", "deadline"),
        ),
        (
            "east",
            POST,
            {"i": {**good, "deadline": days(366)}},
            refusal("INVALID_WISH", "「截止日期」不能晚于 365 天之后", "deadline"),
        ),
        (
            "chen",
            CLAIM,
            {"id": open_wish},
            refusal(
                "WISH_MEMBER_NOT_REGISTERED",
                "您尚未在居住地社区完成报到（须经社区确认），报到后才能认领微心愿",
                "id",
            ),
        ),
        ("wang", CLAIM, {"id": open_wish}, FORBIDDEN),
        ("east", CLAIM, {"id": open_wish}, FORBIDDEN),
        ("power", CLAIM, {"id": open_wish}, FORBIDDEN),
        (
            "zhang",
            CLAIM,
            {"id": gid("Wish", 999_999)},
            refusal("WISH_NOT_FOUND", "未找到该微心愿", "id"),
        ),
        (
            "zhang",
            CLAIM,
            {"id": held},
            refusal("WISH_CLOSED", "您已认领该微心愿，无需重复认领", "id"),
        ),
        (
            "li",
            CLAIM,
            {"id": held},
            refusal("WISH_ALREADY_CLAIMED", "该微心愿已被其他党员认领", "id"),
        ),
        (
            "zhang",
            CLAIM,
            {"id": done},
            refusal("WISH_CLOSED", "该微心愿已经社区确认，不能认领", "id"),
        ),
        (
            "zhang",
            CLAIM,
            {"id": cancelled},
            refusal("WISH_CLOSED", "该微心愿已被取消，不能认领", "id"),
        ),
        (
            "zhang",
            CLAIM,
            {"id": late},
            refusal(
                "WISH_DEADLINE_PASSED", f"该微心愿的截止日期（{yesterday}）已过，不能再认领", "id"
            ),
        ),
        ("li", FULFILL, {"id": held, "n": "已完成"}, FORBIDDEN),
        ("east", FULFILL, {"id": held, "n": "已完成"}, FORBIDDEN),
        (
            "zhang",
            FULFILL,
            {"id": held, "n": " "},
            refusal("INVALID_WISH", "「完成情况」不能为空", "note"),
        ),
        (
            "zhang",
            FULFILL,
            {"id": open_wish, "n": "已完成"},
            refusal("WISH_CLOSED", "该微心愿尚未被认领，不能登记完成", "id"),
        ),
        (
            "zhao",
            FULFILL,
            {"id": lapsed, "n": "已完成"},
            refusal(
                "WISH_DEADLINE_PASSED",
                f"您的认领已于 {yesterday} 到期，不能再登记完成；该微心愿将退回待认领",
                "id",
            ),
        ),
        ("zhang", CONFIRM, {"id": held}, FORBIDDEN),
        ("west", CONFIRM, {"id": held}, FORBIDDEN),
        (
            "east",
            CONFIRM,
            {"id": held},
            refusal("WISH_CLOSED", "该微心愿已被认领，尚未完成，不能确认", "id"),
        ),
        (
            "east",
            CONFIRM,
            {"id": held, "n": "说" * 501},
            refusal("INVALID_WISH", "「完成情况」不能超过 500 个字", "note"),
        ),
        ("leader", CANCEL, {"id": open_wish, "r": "居民已搬走"}, FORBIDDEN),
        (
            "east",
            CANCEL,
            {"id": open_wish, "r": ""},
            refusal("INVALID_WISH", "「取消原因」不能为空", "reason"),
        ),
        (
            "east",
            CANCEL,
            {"id": done, "r": "居民已搬走"},
            refusal("WISH_CLOSED", "该微心愿已经社区确认，不能取消", "id"),
        ),
    ]
    for who, mutation, variables, expected in cases:
        result = await county.call(who, mutation, **variables)
        assert result == expected, (who, variables)
    await county_unchanged(county, before)


async def county_unchanged(county: County, before: dict[str, Any]) -> None:
    after = await county.snapshot()
    for table, rows in before.items():
        assert after[table] == rows, table
