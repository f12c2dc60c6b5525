"""A week of 双服务 in one community, through GraphQL as each user does it: a 12345 work
order followed from submission to closure, needs raised and matched with a unit's
resource, a project claimed by a unit and members, a wish fulfilled, a whistle answered."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from infra.clock import now, today
from infra.db import Database
from infra.settings import Settings
from services.events.models import Event
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import bearer, global_id, token_for
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
ERROR = "... on MutationError { code message field }"


def nid(node: Node) -> str:
    return global_id("HierarchyNode", node.id)


class Week:
    def __init__(self, graphql: GraphQLCall, tokens: dict[str, dict[str, str]]) -> None:
        self.graphql, self.tokens = graphql, tokens

    async def call(self, who: str, query: str, **variables: Any) -> Any:
        body = await self.graphql(query, variables, county=COUNTY, headers=self.tokens[who])
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]  # type: ignore[assignment]
        return next(iter(data.values()))


@pytest.fixture
async def week(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> tuple[Week, dict[str, Any]]:
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道")
    east = await add_node(db, street, NodeKind.COMMUNITY, "东门社区")
    garden = await add_node(db, east, NodeKind.COMPOUND, "东园小区")
    power = await add_unit(db, east, "正定县供电公司", "91130123MA0000001X")
    wang = await add_member(db, settings, garden, power, "王建国", "13812345670")
    li = await add_member(db, settings, garden, power, "李秀英", "13812345671")
    await register_unit(db, power, east)
    for member in (wang, li):
        await register_member(db, member, east, residence=garden)
    users: dict[str, tuple[list[tuple[str, Node]], dict[str, int]]] = {
        "county": ([("county_admin", root)], {}),
        "street": ([("township_admin", street)], {}),
        "east": ([("community_admin", east)], {}),
        "power": ([("org_admin", east)], {"unit_id": power.id}),
        "wang": ([("member", garden)], {"member_id": wang.id}),
        "li": ([("member", garden)], {"member_id": li.id}),
    }
    for username, (roles, links) in users.items():
        await add_user(
            db,
            settings,
            tenant.id,
            username,
            node=roles[0][1],
            roles=roles,
            unit_id=links.get("unit_id"),
            member_id=links.get("member_id"),
        )
    tokens = {u: bearer(await token_for(graphql, u, county=COUNTY)) for u in users}
    key = await graphql(
        """mutation($n: ID!) { createApiKey(name: "12345热线", nodeId: $n) {
        ... on ApiKeyCreated { key } } }""",
        {"n": nid(east)},
        county=COUNTY,
        headers=tokens["county"],
    )
    tokens["hotline"] = bearer(key["data"]["createApiKey"]["key"])  # type: ignore[index]
    ids = {
        "street": nid(street),
        "east": nid(east),
        "garden": nid(garden),
        "power": global_id("Unit", power.id),
        "wang": global_id("Member", wang.id),
        "li": global_id("Member", li.id),
        "tenant": tenant.id,
    }
    return Week(graphql, tokens), ids


WORK_ORDER = f"""mutation($i: WorkOrderInput!) {{ submitWorkOrder(input: $i) {{
  ... on WorkOrderSuccess {{ alreadyReceived workOrder {{ externalId status need {{ id }} }} }}
  {ERROR} }} }}"""
FOLLOW = """query($x: String!) { workOrder(externalId: $x) {
  status satisfaction resolutionNote history { toStatus } } }"""
RAISE = f"""mutation($i: NeedInput!) {{ raiseNeed(input: $i) {{
  ... on NeedSuccess {{ need {{ id status }} }} {ERROR} }} }}"""
OFFER = f"""mutation($i: ResourceInput!) {{ offerResource(input: $i) {{
  ... on ResourceSuccess {{ resource {{ id status }} }} {ERROR} }} }}"""
MATCH = f"""mutation($n: ID!, $r: ID!) {{ matchNeed(needId: $n, resourceId: $r) {{
  ... on NeedSuccess {{ need {{ status }} }} {ERROR} }} }}"""
START = f"""mutation($id: ID!) {{ startNeed(id: $id) {{
  ... on NeedSuccess {{ need {{ status }} }} {ERROR} }} }}"""
RESOLVE = f"""mutation($id: ID!) {{ resolveNeed(id: $id, resolutionNote: "已更换楼道灯") {{
  ... on NeedSuccess {{ need {{ status }} }} {ERROR} }} }}"""
CLOSE = f"""mutation($id: ID!) {{ closeNeed(id: $id, satisfaction: SATISFIED) {{
  ... on NeedSuccess {{ need {{ status }} }} {ERROR} }} }}"""
OPEN_NEEDS = """{ needs(first: 20) { edges { node { description status } } } }"""
PROJECT = f"""mutation($i: ProjectInput!) {{ createProject(input: $i) {{
  ... on ProjectSuccess {{ project {{ id status capacity }} }} {ERROR} }} }}"""
CLAIM = f"""mutation($p: ID!, $as: ProjectClaimant) {{ claimProject(projectId: $p, claimant: $as) {{
  ... on ProjectClaimSuccess {{ claim {{ id status }} project {{ claimed remaining }} }}
  {ERROR} }} }}"""
START_CLAIM = f"""mutation($id: ID!) {{ startClaim(id: $id) {{
  ... on ProjectClaimSuccess {{ claim {{ status }} }} {ERROR} }} }}"""
COMPLETE_CLAIM = f"""mutation($id: ID!) {{ completeClaim(id: $id, note: "楼道已清扫干净") {{
  ... on ProjectClaimSuccess {{ claim {{ status }} }} {ERROR} }} }}"""
POST_WISH = f"""mutation($i: WishInput!) {{ postWish(input: $i) {{
  ... on WishSuccess {{ wish {{ id status }} }} {ERROR} }} }}"""
SEE_WISH = """query($id: ID!) { wish(id: $id) {
  status residentName residentPhone maySeeResident } }"""
CLEAR_WISH = """query($id: ID!) { wish(id: $id) {
  residentName(clear: true) residentPhone(clear: true) } }"""
CLAIM_WISH = f"""mutation($id: ID!) {{ claimWish(id: $id) {{
  ... on WishSuccess {{ wish {{ status }} }} {ERROR} }} }}"""
FULFIL = f"""mutation($id: ID!) {{ fulfillWish(id: $id, note: "老花镜已送到刘奶奶家") {{
  ... on WishSuccess {{ wish {{ status }} }} {ERROR} }} }}"""
CONFIRM_WISH = f"""mutation($id: ID!) {{ confirmWish(id: $id) {{
  ... on WishSuccess {{ wish {{ status }} }} {ERROR} }} }}"""
BLOW = f"""mutation($i: WhistleCallInput!) {{ blowWhistle(input: $i) {{
  ... on WhistleCallSuccess {{ call {{ id status counts {{ membersAsked unitsAsked }} }} }}
  {ERROR} }} }}"""
ANSWER = f"""mutation($id: ID!, $yes: Boolean!, $as: WhistleRecipientKind) {{
  respondToWhistleCall(id: $id, accept: $yes, respondAs: $as) {{
  ... on WhistleResponseSuccess {{ response {{ answer }} }} {ERROR} }} }}"""
COUNTS = """query($id: ID!) { whistleCall(id: $id) { counts {
  membersAsked unitsAsked acceptedMembers acceptedUnits declined pending } } }"""
CLOSE_CALL = f"""mutation($id: ID!) {{
  closeWhistleCall(id: $id, outcome: "积水已排除，无人员伤亡") {{
    ... on WhistleCallSuccess {{ call {{ status outcome }} }} {ERROR} }} }}"""


async def test_a_week_in_a_community(week: tuple[Week, dict[str, Any]], db: Database) -> None:
    w, ids = week

    # Monday: the 12345 hotline sends a work order; sent again, it is the same need.
    order = {
        "externalId": "12345-20261122-0001",
        "category": "设施维修",
        "text": "东园小区3号楼楼道灯不亮，老人夜间出行不便",
        "address": "东园小区3号楼",
        "deadline": (now() + timedelta(days=3)).isoformat(),
    }
    first = await w.call("hotline", WORK_ORDER, i=order)
    again = await w.call("hotline", WORK_ORDER, i=order)
    assert (first["alreadyReceived"], again["alreadyReceived"]) == (False, True)
    assert again["workOrder"]["status"] == first["workOrder"]["status"] == "OPEN"
    assert again["workOrder"]["need"] == first["workOrder"]["need"] is None  # no need, read
    # The community raises a need from its door-to-door visits, and sees both.
    await w.call(
        "east",
        RAISE,
        i={
            "placeId": ids["garden"],
            "category": "ELDERLY_DISABLED",
            "description": "东园小区独居老人午餐无人照料",
            "source": "HOME_VISIT",
        },
    )
    needs = {
        e["node"]["description"]: e["node"] for e in (await w.call("east", OPEN_NEEDS))["edges"]
    }
    assert set(needs) == {order["text"], "东园小区独居老人午餐无人照料"}

    # The unit offers its electricians; the community matches the hotline need with them.
    resource = (
        await w.call(
            "power",
            OFFER,
            i={
                "kind": "PROFESSIONAL_SERVICE",
                "description": "电工志愿服务队：楼道照明、线路检修",
                "communityId": ids["east"],
                "unitId": ids["power"],
            },
        )
    )["resource"]
    need_id = await _need_of(w, order["externalId"], ids)
    assert (await w.call("east", MATCH, n=need_id, r=resource["id"]))["need"]["status"] == "MATCHED"
    for step, status in ((START, "IN_PROGRESS"), (RESOLVE, "RESOLVED"), (CLOSE, "CLOSED")):
        assert (await w.call("east", step, id=need_id))["need"]["status"] == status
    # The hotline follows its order to the end.
    followed = await w.call("hotline", FOLLOW, x=order["externalId"])
    assert (followed["status"], followed["satisfaction"], followed["resolutionNote"]) == (
        "CLOSED",
        "SATISFIED",
        "已更换楼道灯",
    )
    assert [h["toStatus"] for h in followed["history"]] == [
        "OPEN",
        "MATCHED",
        "IN_PROGRESS",
        "RESOLVED",
        "CLOSED",
    ]

    # Tuesday: a project with two places, claimed by the unit and a member; the third
    # claimant finds it full. The community starts and completes the unit's claim.
    project = (
        await w.call(
            "east",
            PROJECT,
            i={
                "nodeId": ids["east"],
                "title": "东园小区楼道清洁",
                "category": "环境义务岗",
                "claimantKind": "BOTH",
                "capacity": 2,
                "startsOn": today().isoformat(),
                "endsOn": (today() + timedelta(days=30)).isoformat(),
                "claimMode": "BOTH",
            },
        )
    )["project"]
    by_unit = await w.call("power", CLAIM, p=project["id"], **{"as": "UNIT"})
    assert by_unit["project"] == {"claimed": 1, "remaining": 1}
    by_wang = await w.call("wang", CLAIM, p=project["id"])
    assert by_wang["project"] == {"claimed": 2, "remaining": 0}
    full = await w.call("li", CLAIM, p=project["id"])
    assert full["code"] == "PROJECT_FULL"
    claim_id = by_unit["claim"]["id"]
    assert (await w.call("east", START_CLAIM, id=claim_id))["claim"]["status"] == "STARTED"
    assert (await w.call("east", COMPLETE_CLAIM, id=claim_id))["claim"]["status"] == "COMPLETED"

    # Wednesday: a wish for 刘奶奶; only its claimant sees who she is and how to reach her.
    wish = (
        await w.call(
            "east",
            POST_WISH,
            i={
                "placeId": ids["garden"],
                "content": "想要一副老花镜",
                "residentName": "刘桂兰",
                "residentPhone": "13912345678",
                "deadline": (today() + timedelta(days=10)).isoformat(),
            },
        )
    )["wish"]
    before = await w.call("li", SEE_WISH, id=wish["id"])
    assert (before["residentName"], before["residentPhone"], before["maySeeResident"]) == (
        "刘**",
        "139****5678",
        False,
    )
    assert (await w.call("li", CLAIM_WISH, id=wish["id"]))["wish"]["status"] == "CLAIMED"
    assert (await w.call("li", SEE_WISH, id=wish["id"]))["maySeeResident"] is True
    assert await w.call("li", CLEAR_WISH, id=wish["id"]) == {
        "residentName": "刘桂兰",
        "residentPhone": "13912345678",
    }
    # Another member no longer finds the wish once it is taken.
    taken = await w.graphql(SEE_WISH, {"id": wish["id"]}, county=COUNTY, headers=w.tokens["wang"])
    assert taken["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]
    assert (await w.call("li", FULFIL, id=wish["id"]))["wish"]["status"] == "FULFILLED"
    assert (await w.call("east", CONFIRM_WISH, id=wish["id"]))["wish"]["status"] == "CONFIRMED"

    # Thursday: a rainstorm; the street blows the whistle for 东门社区. The registered unit
    # and both members are asked; answers count at once; the street closes the call.
    starts = now() + timedelta(hours=3)
    call = (
        await w.call(
            "street",
            BLOW,
            i={
                "nodeId": ids["east"],
                "kind": "EMERGENCY",
                "title": "暴雨积水排涝",
                "place": "东园小区地下车库",
                "startsAt": starts.isoformat(),
                "endsAt": (starts + timedelta(hours=4)).isoformat(),
                "respondBy": (now() + timedelta(hours=2)).isoformat(),
                "membersWanted": 2,
                "unitsWanted": 1,
            },
        )
    )["call"]
    assert call["counts"] == {"membersAsked": 2, "unitsAsked": 1}
    await w.call("wang", ANSWER, id=call["id"], yes=True)
    await w.call("li", ANSWER, id=call["id"], yes=False)
    await w.call("power", ANSWER, id=call["id"], yes=True, **{"as": "UNIT"})
    assert (await w.call("street", COUNTS, id=call["id"]))["counts"] == {
        "membersAsked": 2,
        "unitsAsked": 1,
        "acceptedMembers": 1,
        "acceptedUnits": 1,
        "declined": 1,
        "pending": 0,
    }
    closed = (await w.call("street", CLOSE_CALL, id=call["id"]))["call"]
    assert closed == {"status": "CLOSED", "outcome": "积水已排除，无人员伤亡"}

    # Every step of the week is an event partners can follow.
    async with db.tenant_session(ids["tenant"]) as session:
        types = set(await session.scalars(select(Event.type)))
    assert {
        "work_order.received",
        "need.raised",
        "resource.offered",
        "need.matched",
        "need.started",
        "need.resolved",
        "need.closed",
        "project.published",
        "project.claimed",
        "claim.started",
        "claim.completed",
        "wish.posted",
        "wish.claimed",
        "wish.fulfilled",
        "wish.confirmed",
        "whistle_call.blown",
        "whistle_call.accepted",
        "whistle_call.declined",
        "whistle_call.closed",
    } <= types


async def _need_of(w: Week, external_id: str, ids: dict[str, Any]) -> str:
    """The need a work order became, as the community finds it on its list."""
    found = await w.call(
        "east",
        """query { needs(first: 20, source: HOTLINE) { edges { node { id workOrder {
        externalId } } } } }""",
    )
    (need,) = [e["node"]["id"] for e in found["edges"] if e["node"]["workOrder"]]
    return str(need)


async def test_a_whistle_call_for_a_need_must_cover_the_need(
    week: tuple[Week, dict[str, Any]],
) -> None:
    w, ids = week
    need = (
        await w.call(
            "east",
            RAISE,
            i={
                "placeId": ids["east"],
                "category": "SANITATION",
                "description": "社区主干道积水",
                "source": "RESIDENT_REQUEST",
            },
        )
    )["need"]
    starts = now() + timedelta(hours=3)
    call = {
        "kind": "ROUTINE",
        "title": "清理积水",
        "place": "社区主干道",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "respondBy": (now() + timedelta(hours=1)).isoformat(),
        "membersWanted": 1,
    }
    # Blown for a compound only, the call does not reach where the need is.
    narrow = await w.call("east", BLOW, i={**call, "nodeId": ids["garden"], "needId": need["id"]})
    assert narrow == {
        "code": "INVALID_WHISTLE_CALL",
        "message": "「对应需求」所在的地点不在“东园小区”范围内，请在更高一级吹哨",
        "field": "needId",
    }
    unknown = await w.call(
        "east", BLOW, i={**call, "nodeId": ids["east"], "needId": global_id("Need", 999999)}
    )
    assert unknown == {"code": "NEED_NOT_FOUND", "message": "未找到该需求", "field": "needId"}
    made = await w.call("east", BLOW, i={**call, "nodeId": ids["east"], "needId": need["id"]})
    assert made["call"]["status"] == "OPEN"
