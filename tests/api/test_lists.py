"""Needs, resources, matching and 12345 work orders through GraphQL, as each user does it:
a need raised, a registered unit's resource matched with it, the need worked through to
closed with the resident's satisfaction; a partner's work order received once however
often (and however simultaneously) it is sent; and every refusal with its exact code,
message and field, with nothing written."""

import asyncio
import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import text, update

from infra.clock import CHINA
from infra.db import Database
from infra.settings import Settings
from policies.principal import Grant, Principal, PrincipalKind
from services.lists import work_orders
from services.lists.work_orders import Received, WorkOrderDraft
from services.registry.models import Member, Unit
from services.registry.numbers import credit_code_check_char
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
EAST_CODE = "130123001001"
FORBIDDEN = {"code": "FORBIDDEN", "message": "您没有在此范围内进行该操作的权限", "field": None}
ERROR = "... on MutationError { code message field }"
# Everything the lists write, compared whole before and after a refusal.
TABLES = ("work_orders", "needs", "need_changes", "resources", "need_matches", "events")

NEED = """id status statusName category urgency source description raisedBy
  place { name } community { name } resolutionNote satisfaction satisfactionName rejectReason
  match { note inForce resource { id description } }
  matches { inForce undoReason resource { id } }
  history { fromStatus toStatus statusName note changedBy }"""
NEED_DONE = f"... on NeedSuccess {{ need {{ {NEED} }} }}"
RAISE = f"""mutation($i: NeedInput!) {{ raiseNeed(input: $i) {{ {NEED_DONE} {ERROR} }} }}"""
MATCH = f"""mutation($n: ID!, $r: ID!, $note: String) {{
  matchNeed(needId: $n, resourceId: $r, note: $note) {{ {NEED_DONE} {ERROR} }} }}"""
UNMATCH = f"""mutation($n: ID!, $why: String!) {{
  unmatchNeed(needId: $n, reason: $why) {{ {NEED_DONE} {ERROR} }} }}"""
START = f"""mutation($id: ID!, $note: String) {{
  startNeed(id: $id, note: $note) {{ {NEED_DONE} {ERROR} }} }}"""
RESOLVE = f"""mutation($id: ID!, $r: String!) {{
  resolveNeed(id: $id, resolutionNote: $r) {{ {NEED_DONE} {ERROR} }} }}"""
CLOSE = f"""mutation($id: ID!, $s: NeedSatisfaction, $note: String) {{
  closeNeed(id: $id, satisfaction: $s, note: $note) {{ {NEED_DONE} {ERROR} }} }}"""
REJECT = f"""mutation($id: ID!, $why: String!) {{
  rejectNeed(id: $id, reason: $why) {{ {NEED_DONE} {ERROR} }} }}"""

RESOURCE = """id kind status description availability availableFrom availableUntil enteredBy
  withdrawReason community { name } unit { name } member { name } offererName"""
RESOURCE_DONE = f"... on ResourceSuccess {{ resource {{ {RESOURCE} }} }}"
OFFER = f"""mutation($i: ResourceInput!) {{ offerResource(input: $i) {{
  {RESOURCE_DONE} {ERROR} }} }}"""
WITHDRAW = f"""mutation($id: ID!, $why: String) {{ withdrawResource(id: $id, reason: $why) {{
  {RESOURCE_DONE} {ERROR} }} }}"""

WORK_ORDER = """id externalId category text address deadline status statusName
  community { name } history { toStatus changedBy } need { id source raisedBy }"""
SUBMIT = f"""mutation($i: WorkOrderInput!) {{ submitWorkOrder(input: $i) {{
  ... on WorkOrderSuccess {{ alreadyReceived workOrder {{ {WORK_ORDER} }} }} {ERROR} }} }}"""
READ_WORK_ORDER = f"""query($x: String!) {{ workOrder(externalId: $x) {{ {WORK_ORDER} }} }}"""
CREATE_KEY = """mutation($n: ID!, $name: String!) { createApiKey(name: $name, nodeId: $n) {
  ... on ApiKeyCreated { key } } }"""

NEEDS = """query($w: ID, $s: NeedStatus) { needs(within: $w, status: $s, first: 100) {
  edges { node { description status } } } }"""
ONE_NEED = "query($id: ID!) { need(id: $id) { description status } }"
RESOURCES = """query($s: ResourceStatus) { resources(status: $s, first: 100) {
  edges { node { description status offererName } } } }"""
ONE_RESOURCE = "query($id: ID!) { resource(id: $id) { description } }"


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


def in_days(n: int) -> str:
    return (datetime.now(CHINA) + timedelta(days=n)).isoformat()


def need_input(place: Node, **changes: Any) -> dict[str, Any]:
    return {
        "placeId": nid(place),
        "category": "ELDERLY_DISABLED",
        "description": "独居老人王大爷家中水管老化，需要上门维修",
        "source": "HOME_VISIT",
        **changes,
    }


def work_order(external_id: str | None = "GD20260001", **changes: Any) -> dict[str, Any]:
    return {
        "externalId": external_id,
        "category": "环境卫生",
        "text": "阳光小区3号楼下垃圾堆积多日无人清运",
        "address": "阳光小区3号楼",
        "communityCode": EAST_CODE,
        "deadline": in_days(3),
        **changes,
    }


@dataclass
class County:
    graphql: GraphQLCall
    db: Database
    root: Node
    township: Node
    east: Node
    sun: Node
    west: Node
    power: Unit
    school: Unit
    water: Unit
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

    async def step(self, who: str, query: str, key: str, **variables: Any) -> dict[str, Any]:
        """The saved record under `key` of a mutation that succeeded."""
        result = await self.mutate(who, query, **variables)
        assert key in result, result
        saved: dict[str, Any] = result[key]
        return saved

    async def refused_query(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.ask(who, query, **variables)
        [error] = body["errors"]
        extensions = error.get("extensions", {})
        return refusal(extensions.get("code"), error["message"], extensions.get("field"))

    async def edges(self, who: str, query: str, **variables: Any) -> list[dict[str, Any]]:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [connection] = body["data"].values()
        return [edge["node"] for edge in connection["edges"]]

    async def raise_need(self, who: str = "east", **changes: Any) -> dict[str, Any]:
        return await self.step(who, RAISE, "need", i=need_input(self.sun, **changes))

    async def offer(self, who: str, **fields: Any) -> dict[str, Any]:
        given = {"kind": "VENUE", "description": "单位会议室，可容纳40人", **fields}
        return await self.step(who, OFFER, "resource", i=given)

    async def snapshot(self) -> dict[str, Any]:
        rows: dict[str, Any] = {}
        async with self.db.tenant_session(self.root.tenant_id) as session:
            for table in TABLES:
                query = f"""SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text),
                    '[]'::jsonb) FROM {table} t"""
                rows[table] = await session.scalar(text(query))
        return rows

    async def events(self, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            query = text("SELECT type, payload FROM events WHERE type LIKE :p ORDER BY id")
            return [(row[0], row[1]) for row in await session.execute(query, {"p": f"{prefix}%"})]

    async def counts(self) -> dict[str, int]:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            return {
                table: int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
                for table in TABLES
            }


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
    async with db.tenant_session(tenant.id) as session:
        await session.execute(update(Node).where(Node.id == east.id).values(code=EAST_CODE))
    power = await add_unit(db, east, "供电公司", credit_code(1))
    school = await add_unit(db, west, "城关小学", credit_code(2))
    water = await add_unit(db, east, "自来水公司", credit_code(3))
    zhang = await add_member(db, settings, sun, power, "张三丰", "13800000001")
    li = await add_member(db, settings, sun, school, "李四", "13800000002")
    # Registered (confirmed): the power company and Zhang with East Gate, the school with
    # West Gate; the water company and Li are not registered anywhere.
    await register_unit(db, power, east)
    await register_unit(db, school, west)
    await register_member(db, zhang, east, residence=sun)
    accounts: dict[str, tuple[tuple[str, Node], Unit | None, Member | None]] = {
        "admin": (("county_admin", root), None, None),
        "street": (("township_admin", township), None, None),
        "east": (("community_admin", east), None, None),
        "west": (("community_admin", west), None, None),
        "leader": (("compound_leader", sun), None, None),
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
    # 12345 hotline keys: one for the whole township, one set at East Gate.
    for name, node in (("hotline", township), ("hotline_east", east)):
        body = await graphql(
            CREATE_KEY, {"n": nid(node), "name": name}, county=COUNTY, headers=tokens["admin"]
        )
        tokens[name] = bearer(body["data"]["createApiKey"]["key"])  # type: ignore[index]
    return County(
        graphql, db, root, township, east, sun, west, power, school, water, zhang, li, tokens
    )


# --- the whole way of a need ------------------------------------------------------------


async def test_a_need_is_matched_with_a_unit_resource_and_worked_through_to_closed(
    county: County,
) -> None:
    need = await county.raise_need(urgency="PRESSING")
    assert {k: need[k] for k in ("status", "statusName", "category", "urgency", "source")} == {
        "status": "OPEN",
        "statusName": "待对接",
        "category": "ELDERLY_DISABLED",
        "urgency": "PRESSING",
        "source": "HOME_VISIT",
    }
    assert (need["place"], need["community"], need["raisedBy"]) == (
        {"name": "阳光小区"},
        {"name": "东门社区"},
        "east同志",
    )

    # The registered power company offers its meeting room; its only community is East Gate.
    venue = await county.offer("power", availability="每周六上午", availableUntil=in_days(90)[:10])
    assert {k: venue[k] for k in ("kind", "status", "community", "unit", "offererName")} == {
        "kind": "VENUE",
        "status": "AVAILABLE",
        "community": {"name": "东门社区"},
        "unit": {"name": "供电公司"},
        "offererName": "供电公司",
    }

    # Registered units and members browse their community's open needs; others see none.
    description = need_input(county.sun)["description"]
    for who in ("power", "zhang"):
        assert await county.edges(who, NEEDS) == [{"description": description, "status": "OPEN"}]
    for who in ("water", "li", "school", "west"):
        assert await county.edges(who, NEEDS) == []

    matched = await county.step("east", MATCH, "need", n=need["id"], r=venue["id"], note="周六")
    assert matched["status"] == "MATCHED"
    assert matched["match"] == {
        "note": "周六",
        "inForce": True,
        "resource": {"id": venue["id"], "description": "单位会议室，可容纳40人"},
    }
    started = await county.step("east", START, "need", id=need["id"])
    assert started["status"] == "IN_PROGRESS"
    resolved = await county.step("east", RESOLVE, "need", id=need["id"], r="已更换全部水管")
    assert (resolved["status"], resolved["resolutionNote"]) == ("RESOLVED", "已更换全部水管")
    closed = await county.step("east", CLOSE, "need", id=need["id"], s="SATISFIED", note="回访")
    assert (closed["status"], closed["satisfaction"], closed["satisfactionName"]) == (
        "CLOSED",
        "SATISFIED",
        "满意",
    )
    assert [(h["fromStatus"], h["toStatus"], h["note"]) for h in closed["history"]] == [
        (None, "OPEN", None),
        ("OPEN", "MATCHED", "周六"),
        ("MATCHED", "IN_PROGRESS", None),
        ("IN_PROGRESS", "RESOLVED", "已更换全部水管"),
        ("RESOLVED", "CLOSED", "回访"),
    ]

    # A closed need is off the lists units and members browse, and closed to them.
    assert await county.edges("power", NEEDS) == []
    assert await county.refused_query("power", ONE_NEED, id=need["id"]) == FORBIDDEN
    assert [t for t, _ in await county.events("need.")] == [
        "need.raised",
        "need.matched",
        "need.started",
        "need.resolved",
        "need.closed",
    ]
    assert [t for t, _ in await county.events("resource.")] == ["resource.offered"]


async def test_a_compound_leader_raises_needs_for_the_compound_only(county: County) -> None:
    need = await county.raise_need("leader", category="SANITATION", source="RESIDENT_REQUEST")
    assert (need["place"], need["status"]) == ({"name": "阳光小区"}, "OPEN")
    before = await county.snapshot()
    result = await county.mutate("leader", RAISE, i=need_input(county.east))
    assert result == FORBIDDEN
    assert await county.snapshot() == before


async def test_a_match_is_undone_before_work_starts_and_a_rejection_ends_it(
    county: County,
) -> None:
    need = await county.raise_need()
    # Zhang offers his own time into the community where he is registered.
    time = await county.offer("zhang", kind="TIME", description="周末可陪老人就医")
    assert (time["community"], time["member"], time["offererName"]) == (
        {"name": "东门社区"},
        {"name": "张三丰"},
        "张三丰",
    )
    # Units registered there see the member's resource, his name masked.
    assert await county.edges("power", RESOURCES) == [
        {"description": "周末可陪老人就医", "status": "AVAILABLE", "offererName": "张**"}
    ]

    await county.step("east", MATCH, "need", n=need["id"], r=time["id"])
    reopened = await county.step("east", UNMATCH, "need", n=need["id"], why="张三丰临时出差")
    assert (reopened["status"], reopened["match"]) == ("OPEN", None)
    assert reopened["matches"] == [
        {"inForce": False, "undoReason": "张三丰临时出差", "resource": {"id": time["id"]}}
    ]
    await county.step("east", MATCH, "need", n=need["id"], r=time["id"])

    # While matched, the resource cannot be withdrawn.
    before = await county.snapshot()
    assert await county.mutate("zhang", WITHDRAW, id=time["id"]) == refusal(
        "RESOURCE_IN_USE",
        "该资源已对接 1 项尚未办结的需求（如助老助残：“独居老人王大爷家中水管老化，"
        "需要上门维修”），请先由社区撤销对接或办结后再撤回",
        "id",
    )
    assert await county.snapshot() == before

    rejected = await county.step("east", REJECT, "need", id=need["id"], why="已由物业处理")
    assert (rejected["status"], rejected["rejectReason"], rejected["match"]) == (
        "REJECTED",
        "已由物业处理",
        None,
    )
    assert [m["inForce"] for m in rejected["matches"]] == [False, False]

    withdrawn = await county.step("zhang", WITHDRAW, "resource", id=time["id"], why="工作变动")
    assert (withdrawn["status"], withdrawn["withdrawReason"]) == ("WITHDRAWN", "工作变动")
    # The offerer still sees its own withdrawn resource; others registered there do not.
    assert await county.edges("zhang", RESOURCES) == [
        {"description": "周末可陪老人就医", "status": "WITHDRAWN", "offererName": "张三丰"}
    ]
    assert await county.edges("power", RESOURCES) == []
    assert [t for t, _ in await county.events("need.")] == [
        "need.raised",
        "need.matched",
        "need.unmatched",
        "need.matched",
        "need.rejected",
    ]
    assert [t for t, _ in await county.events("resource.")] == [
        "resource.offered",
        "resource.withdrawn",
    ]


async def test_staff_enter_a_resource_on_behalf_of_a_registered_unit(county: County) -> None:
    entered = await county.offer(
        "east", kind="FUNDS", description="年度共建资金2万元", unitId=uid(county.power)
    )
    assert (entered["unit"], entered["enteredBy"], entered["community"]) == (
        {"name": "供电公司"},
        "east同志",
        {"name": "东门社区"},
    )
    # The unit sees it as its own and may withdraw it.
    withdrawn = await county.step("power", WITHDRAW, "resource", id=entered["id"])
    assert withdrawn["status"] == "WITHDRAWN"


# --- 12345 work orders ------------------------------------------------------------------


async def test_a_work_order_becomes_one_need_however_often_it_is_submitted(
    county: County,
) -> None:
    first = await county.mutate("hotline", SUBMIT, i=work_order())
    received = first["workOrder"]
    assert first["alreadyReceived"] is False
    assert {k: received[k] for k in ("externalId", "category", "status", "community")} == {
        "externalId": "GD20260001",
        "category": "环境卫生",
        "status": "OPEN",
        "community": {"name": "东门社区"},
    }
    # The partner may not read needs: it follows the order's status, not the need.
    assert received["need"] is None
    assert received["history"] == [{"toStatus": "OPEN", "changedBy": "hotline"}]

    again = await county.mutate("hotline", SUBMIT, i=work_order(text="重复推送"))
    assert again == {"alreadyReceived": True, "workOrder": received}
    assert (await county.counts())["needs"] == 1

    # Staff see the need it became: source 12345, category taken from the hotline's.
    need = await county.edges("east", "{ needs { edges { node { id source category } } } }")
    assert need == [{"id": need[0]["id"], "source": "HOTLINE", "category": "SANITATION"}]

    # Its status changes reach the hotline: by the order's id, and in the events.
    await county.step("east", REJECT, "need", id=need[0]["id"], why="不属于社区职责")
    followed = await county.ask("hotline", READ_WORK_ORDER, x="GD20260001")
    order = followed["data"]["workOrder"]
    assert (order["status"], order["statusName"]) == ("REJECTED", "已驳回")
    assert [h["toStatus"] for h in order["history"]] == ["OPEN", "REJECTED"]
    events = await county.events()
    work_order_events = [(t, p) for t, p in events if t.startswith(("work_order.", "need."))]
    assert [t for t, _ in work_order_events] == [
        "work_order.received",
        "need.raised",
        "need.rejected",
    ]
    for _, payload in work_order_events:
        assert payload["external_id"] == "GD20260001"
        assert payload["work_order_id"] == local_id(received["id"])


async def test_simultaneous_submissions_of_one_work_order_make_one_need(county: County) -> None:
    # The key's first use is recorded once; from then on requests do not touch its row.
    await county.mutate("hotline", SUBMIT, i=work_order("GD-WARM-UP"))

    results = await asyncio.gather(
        *(county.mutate("hotline", SUBMIT, i=work_order("GD20260002")) for _ in range(4))
    )
    assert sorted(r["alreadyReceived"] for r in results) == [False, True, True, True]
    assert len({r["workOrder"]["id"] for r in results}) == 1
    assert await county.counts() == {
        "work_orders": 2,
        "needs": 2,
        "need_changes": 2,
        "resources": 0,
        "need_matches": 0,
        "events": 4,
    }
    assert [t for t, _ in await county.events("work_order.")] == ["work_order.received"] * 2


async def test_a_submission_racing_another_returns_the_one_that_committed(
    county: County,
) -> None:
    """The second insert waits on the first's entry in the unique index, inserts nothing
    once the first commits, and answers with the first's work order and need."""
    tenant_id = county.root.tenant_id
    grant = Grant("partner", county.township.id, county.township.path)
    hotline = Principal(PrincipalKind.API_KEY, uuid4(), tenant_id, "hotline", grants=(grant,))
    draft = WorkOrderDraft(
        external_id="GD20260005",
        category="环境卫生",
        text="路灯不亮",
        deadline=datetime.now(CHINA) + timedelta(days=1),
        community_code=EAST_CODE,
    )
    submitted, release = asyncio.Event(), asyncio.Event()

    async def first() -> Received:
        async with county.db.tenant_session(tenant_id) as session:
            received = await work_orders.submit_work_order(session, hotline, draft)
            submitted.set()
            await release.wait()
            return received

    async def second() -> Received:
        await submitted.wait()
        async with county.db.tenant_session(tenant_id) as session:
            return await work_orders.submit_work_order(session, hotline, draft)

    first_call, second_call = asyncio.create_task(first()), asyncio.create_task(second())
    await submitted.wait()
    await asyncio.sleep(0.2)
    assert not second_call.done()
    release.set()
    winner = await asyncio.wait_for(first_call, 10)
    loser = await asyncio.wait_for(second_call, 10)
    assert (winner.new, loser.new) == (True, False)
    assert (loser.work_order.id, loser.need.id) == (winner.work_order.id, winner.need.id)
    counts = await county.counts()
    assert (counts["work_orders"], counts["needs"], counts["events"]) == (1, 1, 2)


async def test_a_key_set_at_a_community_may_leave_the_community_out(county: County) -> None:
    order = work_order("GD20260003")
    del order["communityCode"]
    result = await county.mutate("hotline_east", SUBMIT, i=order)
    assert result["workOrder"]["community"] == {"name": "东门社区"}


# --- refusals ---------------------------------------------------------------------------


async def test_raising_a_need_is_refused_outside_scope_and_for_bad_input(
    county: County,
) -> None:
    before = await county.snapshot()
    cases = [
        ("west", need_input(county.east), FORBIDDEN),
        ("power", need_input(county.east), FORBIDDEN),
        (
            "street",
            need_input(county.township),
            refusal(
                "INVALID_NEED",
                "「需求地点」应为社区或其下的小区，而“城关镇”是乡镇（街道）",
                "placeId",
            ),
        ),
        (
            "east",
            need_input(county.sun, description="  "),
            refusal("INVALID_NEED", "「需求描述」不能为空", "description"),
        ),
        (
            "east",
            need_input(county.sun, description="修" * 2001),
            refusal("INVALID_NEED", "「需求描述」不能超过 2000 个字", "description"),
        ),
    ]
    for who, given, expected in cases:
        assert await county.mutate(who, RAISE, i=given) == expected, (who, given)
    assert await county.snapshot() == before


async def test_each_step_is_refused_in_a_status_that_does_not_allow_it(county: County) -> None:
    need = await county.raise_need()
    venue = await county.offer("power")
    before = await county.snapshot()
    open_refusals = [
        (START, {"id": need["id"]}, "该需求尚待对接资源，不能开始办理（须先对接资源）", "id"),
        (RESOLVE, {"id": need["id"], "r": "已处理"}, "该需求尚待对接资源，不能标记为已解决", "id"),
        (CLOSE, {"id": need["id"], "s": "SATISFIED"}, "该需求尚待对接资源，不能办结", "id"),
        (UNMATCH, {"n": need["id"], "why": "误操作"}, "该需求尚待对接资源，不能撤销对接", "needId"),
    ]
    for query, variables, message, field in open_refusals:
        result = await county.mutate("east", query, **variables)
        assert result == refusal("NEED_STATUS_REFUSED", message, field)
    assert await county.snapshot() == before

    await county.step("east", MATCH, "need", n=need["id"], r=venue["id"])
    before = await county.snapshot()
    assert await county.mutate("east", MATCH, n=need["id"], r=venue["id"]) == refusal(
        "NEED_STATUS_REFUSED", "该需求已对接资源、尚未开始办理，不能再对接资源", "needId"
    )
    assert await county.snapshot() == before

    await county.step("east", START, "need", id=need["id"])
    before = await county.snapshot()
    assert await county.mutate("east", UNMATCH, n=need["id"], why="换资源") == refusal(
        "NEED_STATUS_REFUSED", "该需求正在办理，不能撤销对接", "needId"
    )
    assert await county.mutate("east", REJECT, id=need["id"], why="重复") == refusal(
        "NEED_STATUS_REFUSED", "该需求正在办理，不能驳回", "id"
    )
    assert await county.mutate("east", RESOLVE, id=need["id"], r=" ") == refusal(
        "INVALID_NEED", "「办理结果」不能为空", "resolutionNote"
    )
    assert await county.snapshot() == before

    await county.step("east", RESOLVE, "need", id=need["id"], r="已处理")
    before = await county.snapshot()
    assert await county.mutate("east", CLOSE, id=need["id"]) == refusal(
        "INVALID_NEED", "「居民满意度」不能为空", "satisfaction"
    )
    assert await county.mutate("west", CLOSE, id=need["id"], s="SATISFIED") == FORBIDDEN
    assert await county.snapshot() == before

    await county.step("east", CLOSE, "need", id=need["id"], s="DISSATISFIED")
    before = await county.snapshot()
    assert await county.mutate("east", REJECT, id=need["id"], why="重复") == refusal(
        "NEED_STATUS_REFUSED", "该需求已办结，不能驳回", "id"
    )
    assert await county.snapshot() == before


async def test_matching_is_refused_across_communities_for_withdrawn_resources_and_to_units(
    county: County,
) -> None:
    need = await county.raise_need()
    classroom = await county.offer("school", description="学校操场，周末开放")
    venue = await county.offer("power")
    await county.step("power", WITHDRAW, "resource", id=venue["id"])
    before = await county.snapshot()

    assert await county.mutate("street", MATCH, n=need["id"], r=classroom["id"]) == refusal(
        "RESOURCE_NOT_IN_COMMUNITY",
        "该资源不是提供给“东门社区”的，只能对接本社区的资源",
        "resourceId",
    )
    assert await county.mutate("east", MATCH, n=need["id"], r=venue["id"]) == refusal(
        "RESOURCE_WITHDRAWN", "该资源已被撤回，不能再对接", "resourceId"
    )
    assert await county.mutate("power", MATCH, n=need["id"], r=venue["id"]) == FORBIDDEN
    assert await county.mutate("east", MATCH, n=global_id("Need", 0), r=venue["id"]) == refusal(
        "NEED_NOT_FOUND", "未找到该需求", "needId"
    )
    assert await county.snapshot() == before


async def test_offering_a_resource_is_refused_where_the_offerer_is_not_registered(
    county: County,
) -> None:
    before = await county.snapshot()
    cases = [
        (
            "water",
            {},
            refusal(
                "OFFERER_NOT_REGISTERED",
                "“自来水公司”尚未在任何社区报到（经社区确认），报到后才能提供资源",
                "unitId",
            ),
        ),
        (
            "power",
            {"communityId": nid(county.west)},
            refusal(
                "OFFERER_NOT_REGISTERED",
                "“供电公司”未在“西门社区”报到（经社区确认），不能向该社区提供资源",
                "communityId",
            ),
        ),
        (
            "li",
            {},
            refusal(
                "OFFERER_NOT_REGISTERED",
                "该党员尚未在任何社区报到（经社区确认），报到后才能提供资源",
                "memberId",
            ),
        ),
        ("power", {"unitId": uid(county.school)}, FORBIDDEN),
        ("east", {"unitId": uid(county.school)}, FORBIDDEN),
        ("admin", {}, refusal("INVALID_RESOURCE", "请指明提供资源的单位或党员", "unitId")),
        (
            "east",
            {"unitId": uid(county.power), "memberId": mid(county.zhang)},
            refusal("INVALID_RESOURCE", "「提供单位」和「提供党员」只能填写一项", "memberId"),
        ),
        (
            "power",
            {"availableFrom": in_days(10)[:10], "availableUntil": in_days(5)[:10]},
            refusal("INVALID_RESOURCE", "「结束日期」不能早于「开始日期」", "availableUntil"),
        ),
        (
            "power",
            {"description": ""},
            refusal("INVALID_RESOURCE", "「资源说明」不能为空", "description"),
        ),
    ]
    for who, fields, expected in cases:
        given = {"kind": "EQUIPMENT", "description": "应急发电机一台", **fields}
        assert await county.mutate(who, OFFER, i=given) == expected, (who, fields)
    assert await county.snapshot() == before


async def test_only_the_offerer_or_staff_withdraw_a_resource_and_only_once(
    county: County,
) -> None:
    venue = await county.offer("power")
    before = await county.snapshot()
    for who in ("school", "water", "zhang", "west"):
        assert await county.mutate(who, WITHDRAW, id=venue["id"]) == FORBIDDEN, who
    assert await county.snapshot() == before
    await county.step("east", WITHDRAW, "resource", id=venue["id"], why="场地改造")
    before = await county.snapshot()
    assert await county.mutate("power", WITHDRAW, id=venue["id"]) == refusal(
        "RESOURCE_WITHDRAWN", "该资源已撤回，不能再次撤回", "id"
    )
    assert await county.snapshot() == before


async def test_needs_and_resources_are_not_read_outside_scope(county: County) -> None:
    need = await county.raise_need()
    venue = await county.offer("power")
    for who in ("west", "school", "li", "water", "hotline"):
        assert await county.refused_query(who, ONE_NEED, id=need["id"]) == FORBIDDEN, who
    for who in ("west", "school", "li", "water"):
        assert await county.refused_query(who, ONE_RESOURCE, id=venue["id"]) == FORBIDDEN, who
        assert await county.edges(who, RESOURCES) == [], who
    for who in ("east", "street", "power", "zhang"):
        assert await county.edges(who, RESOURCES) != [], who
    # A need of another county reads as not found.
    other = global_id("Need", 10**9)
    assert await county.refused_query("east", ONE_NEED, id=other) == refusal(
        "NEED_NOT_FOUND", "未找到该需求", "id"
    )
    assert await county.edges("east", NEEDS, w=nid(county.west)) == []


async def test_a_malformed_work_order_is_refused_and_nothing_is_written(county: County) -> None:
    before = await county.snapshot()
    past = (datetime.now(CHINA) - timedelta(hours=1)).isoformat()
    cases = [
        ("hotline", work_order(None), ("「工单编号」不能为空", "externalId")),
        ("hotline", work_order(" "), ("「工单编号」不能为空", "externalId")),
        ("hotline", work_order("G" * 65), ("「工单编号」不能超过 64 个字", "externalId")),
        ("hotline", work_order(text=None), ("「工单内容」不能为空", "text")),
        ("hotline", work_order(text="脏" * 2001), ("「工单内容」不能超过 2000 个字", "text")),
        ("hotline", work_order(category=""), ("「工单类别」不能为空", "category")),
        ("hotline", work_order(deadline=past), ("「办理时限」已过，应晚于当前时间", "deadline")),
        ("hotline", work_order(deadline=None), ("「办理时限」不能为空", "deadline")),
        (
            "hotline",
            work_order(communityCode="999999999999"),
            ("「所属社区」未找到代码为“999999999999”的社区", "communityCode"),
        ),
        (
            "hotline",
            work_order(communityCode=None),
            (
                "「所属社区」未给出：接口密钥设在“城关镇”，不是社区，"
                "请用 communityId 或 communityCode 指明工单所属社区",
                "communityId",
            ),
        ),
        (
            "hotline",
            work_order(communityCode=None, communityId=nid(county.sun)),
            ("「所属社区」应为社区（村），而“阳光小区”不是", "communityId"),
        ),
        (
            "hotline",
            work_order(communityId=nid(county.east)),
            ("「所属社区」请只给出 communityId 或 communityCode 之一", "communityCode"),
        ),
    ]
    for who, given, (message, field) in cases:
        expected = refusal("INVALID_WORK_ORDER", message, field)
        assert await county.mutate(who, SUBMIT, i=given) == expected, given
    # Outside the key's community, and from staff (who do not submit work orders).
    west_order = work_order(communityCode=None, communityId=nid(county.west))
    assert await county.mutate("hotline_east", SUBMIT, i=west_order) == FORBIDDEN
    assert await county.mutate("east", SUBMIT, i=work_order()) == FORBIDDEN
    assert await county.snapshot() == before
    assert await county.refused_query("hotline", READ_WORK_ORDER, x="GD404") == refusal(
        "WORK_ORDER_NOT_FOUND", "未找到编号为“GD404”的工单", "externalId"
    )


async def test_listing_needs_with_their_matches_and_history_takes_fixed_queries(
    county: County,
) -> None:
    query = """{ needs(first: 100) { edges { node { description place { name }
      community { name } history { toStatus } matches { resource { description unit { name }
      member { name } offererName community { name } } } workOrder { externalId } } } } }"""

    async def statements() -> int:
        return await statements_during(county.db, county.ask("street", query))

    async def matched_need(offerer: str) -> None:
        need = await county.raise_need()
        resource = await county.offer(offerer)
        await county.step("east", MATCH, "need", n=need["id"], r=resource["id"])

    await matched_need("power")
    await county.mutate("hotline", SUBMIT, i=work_order())
    one = await statements()
    await matched_need("zhang")
    await county.mutate("hotline", SUBMIT, i=work_order("GD20260009"))
    assert await statements() == one
