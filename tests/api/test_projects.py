"""项目清单 through GraphQL, as each user does it: a community publishes a project, registered
units and members claim it (or are assigned), work starts, a claimant withdraws before or
after starting, the community confirms completion; 50 claims at once on 10 places; and
every refusal with its exact code, message and field, nothing written."""

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from infra.clock import today
from infra.db import Database
from infra.settings import Settings
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
ERROR = "... on MutationError { code message field }"
FORBIDDEN = ("FORBIDDEN", "您没有在此范围内进行该操作的权限")
# Everything projects and tasks write, compared whole before and after a refusal.
TABLES = ("projects", "project_claims", "tasks", "task_progress", "events")

PROJECT = """id title category status statusName claimantKind claimMode capacity claimed
  remaining startsOn endsOn node { name } closeNote cancelReason"""
PROJECT_MADE = f"... on ProjectSuccess {{ project {{ {PROJECT} }} }}"
CREATE = f"""mutation($i: ProjectInput!, $p: Boolean! = true) {{
  createProject(input: $i, publish: $p) {{ {PROJECT_MADE} {ERROR} }} }}"""
REVISE = f"""mutation($id: ID!, $i: ProjectInput!) {{
  reviseProject(id: $id, input: $i) {{ {PROJECT_MADE} {ERROR} }} }}"""
PUBLISH = f"""mutation($id: ID!) {{ publishProject(id: $id) {{ {PROJECT_MADE} {ERROR} }} }}"""
CLOSE = f"""mutation($id: ID!, $n: String) {{
  closeProject(id: $id, note: $n) {{ {PROJECT_MADE} {ERROR} }} }}"""
CANCEL = f"""mutation($id: ID!, $r: String!) {{
  cancelProject(id: $id, reason: $r) {{ {PROJECT_MADE} {ERROR} }} }}"""

CLAIM_FIELDS = """id status statusName origin claimantName withdrawalReason withdrawalRefusal
  completionNote unit { name } member { name }"""
CLAIM_MADE = (
    f"... on ProjectClaimSuccess {{ claim {{ {CLAIM_FIELDS} }} project {{ claimed remaining }} }}"
)
CLAIM = f"""mutation($p: ID!, $c: ProjectClaimant) {{
  claimProject(projectId: $p, claimant: $c) {{ {CLAIM_MADE} {ERROR} }} }}"""
ASSIGN = f"""mutation($p: ID!, $u: ID, $m: ID) {{
  assignProject(projectId: $p, unitId: $u, memberId: $m) {{ {CLAIM_MADE} {ERROR} }} }}"""
START = f"""mutation($id: ID!) {{ startClaim(id: $id) {{ {CLAIM_MADE} {ERROR} }} }}"""
WITHDRAW = f"""mutation($id: ID!, $r: String) {{
  withdrawClaim(id: $id, reason: $r) {{ {CLAIM_MADE} {ERROR} }} }}"""
REQUEST = f"""mutation($id: ID!, $r: String!) {{
  requestClaimWithdrawal(id: $id, reason: $r) {{ {CLAIM_MADE} {ERROR} }} }}"""
APPROVE = f"""mutation($id: ID!) {{ approveClaimWithdrawal(id: $id) {{ {CLAIM_MADE} {ERROR} }} }}"""
REFUSE = f"""mutation($id: ID!, $r: String!) {{
  refuseClaimWithdrawal(id: $id, reason: $r) {{ {CLAIM_MADE} {ERROR} }} }}"""
COMPLETE = f"""mutation($id: ID!, $n: String) {{
  completeClaim(id: $id, note: $n) {{ {CLAIM_MADE} {ERROR} }} }}"""

PROJECTS = """query($w: ID, $s: ProjectStatus, $c: String, $cl: Boolean) {
  projects(first: 100, within: $w, status: $s, category: $c, claimable: $cl) {
    edges { node { title claimed remaining myClaim { status origin } } } } }"""
ONE_PROJECT = "query($id: ID!) { project(id: $id) { title status claimed } }"
CLAIMS = """query($p: ID, $u: ID, $m: ID, $s: ProjectClaimStatus) {
  claims(first: 100, projectId: $p, unitId: $u, memberId: $m, status: $s) {
    edges { node { claimantName status origin project { title } } } } }"""
SET_RULES = """mutation($from: Date!, $rules: RulesInput!) {
  setRules(effectiveFrom: $from, rules: $rules) { __typename } }"""


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


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def project_input(node: Node, **changes: Any) -> dict[str, Any]:
    return {
        "nodeId": nid(node),
        "title": "楼道清洁",
        "category": "环境义务岗",
        "claimantKind": "BOTH",
        "capacity": 3,
        "startsOn": days(0),
        "endsOn": days(30),
        "claimMode": "BOTH",
        "description": "每周六上午清扫楼道",
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
    south: Node
    power: Unit
    school: Unit
    water: Unit
    zhang: Member
    li: Member
    wang: Member
    chen: Member
    tokens: dict[str, dict[str, str]]

    async def ask(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        return await self.graphql(query, variables, county=COUNTY, headers=self.tokens[who])

    async def mutate(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [result] = body["data"].values()
        return dict(result)

    async def step(self, who: str, query: str, key: str, **variables: Any) -> Any:
        """The saved record under `key` of a mutation that succeeded."""
        result = await self.mutate(who, query, **variables)
        assert key in result, result
        return result[key]

    async def edges(self, who: str, query: str, **variables: Any) -> list[dict[str, Any]]:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [found] = body["data"].values()
        return [edge["node"] for edge in found["edges"]]

    async def publish(self, who: str = "east", node: Node | None = None, **changes: Any) -> str:
        made = await self.step(
            who, CREATE, "project", i=project_input(node or self.east, **changes)
        )
        assert made["status"] == "PUBLISHED", made
        project_id: str = made["id"]
        return project_id

    async def claim(self, who: str, project: str, **variables: Any) -> dict[str, Any]:
        claimed: dict[str, Any] = await self.step(who, CLAIM, "claim", p=project, **variables)
        return claimed

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

    async def unchanged(self, before: dict[str, Any]) -> None:
        after = await self.snapshot()
        for table, rows in before.items():
            assert after[table] == rows, table

    async def event_types(self) -> list[str]:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            query = text("SELECT type FROM events ORDER BY id")
            return list((await session.scalars(query)).all())

    async def execute(self, statement: str, **values: Any) -> None:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            await session.execute(text(statement), values)


async def make_county(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> County:
    """A street with two communities (east with a compound, west with one) and another
    street; units and members registered (or not) where they sit and live; an account for
    each of them and for the staff."""
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    root = await root_of(db, tenant.id)
    township = await add_node(db, root, NodeKind.TOWNSHIP, "城关镇")
    east = await add_node(db, township, NodeKind.COMMUNITY, "东门社区")
    sun = await add_node(db, east, NodeKind.COMPOUND, "阳光小区")
    west = await add_node(db, township, NodeKind.COMMUNITY, "西门社区")
    garden = await add_node(db, west, NodeKind.COMPOUND, "西苑小区")
    other = await add_node(db, root, NodeKind.TOWNSHIP, "南关镇")
    south = await add_node(db, other, NodeKind.COMMUNITY, "南街社区")
    power = await add_unit(db, east, "供电公司", credit_code(1))
    school = await add_unit(db, west, "城关小学", credit_code(2))
    water = await add_unit(db, east, "自来水公司", credit_code(3))
    zhang = await add_member(db, settings, sun, power, "张三", "13800000001")
    li = await add_member(db, settings, sun, school, "李四", "13800000002")
    wang = await add_member(db, settings, garden, power, "王五", "13800000003")
    chen = await add_member(db, settings, sun, water, "陈七", "13800000004")
    await register_unit(db, power, east)
    await register_unit(db, school, west)
    await register_member(db, zhang, east, residence=sun)
    await register_member(db, li, east, residence=sun)
    await register_member(db, wang, west, residence=garden)
    accounts: dict[str, tuple[tuple[str, Node], Unit | None, Member | None]] = {
        "admin": (("county_admin", root), None, None),
        "street": (("township_admin", township), None, None),
        "southstreet": (("township_admin", other), None, None),
        "east": (("community_admin", east), None, None),
        "west": (("community_admin", west), None, None),
        "power": (("org_admin", east), power, None),
        "school": (("org_admin", west), school, None),
        "water": (("org_admin", east), water, None),
        "zhang": (("member", sun), None, zhang),
        "li": (("member", sun), None, li),
        "wang": (("member", garden), None, wang),
        "chen": (("member", sun), None, chen),
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
        south,
        power,
        school,
        water,
        zhang,
        li,
        wang,
        chen,
        tokens,
    )


@pytest.fixture
async def county(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> County:
    return await make_county(graphql, make_tenant, db, settings)


# --- the way it is meant to go -------------------------------------------------------


async def test_a_community_publishes_a_project_that_registered_units_and_members_claim(
    county: County,
) -> None:
    made = await county.step("east", CREATE, "project", i=project_input(county.east))
    assert {k: v for k, v in made.items() if k != "id"} == {
        "title": "楼道清洁",
        "category": "环境义务岗",
        "status": "PUBLISHED",
        "statusName": "认领中",
        "claimantKind": "BOTH",
        "claimMode": "BOTH",
        "capacity": 3,
        "claimed": 0,
        "remaining": 3,
        "startsOn": days(0),
        "endsOn": days(30),
        "node": {"name": "东门社区"},
        "closeNote": None,
        "cancelReason": None,
    }
    project = made["id"]
    # Registered in east: the unit and the member see it, claimable, not yet claimed.
    for who in ("power", "zhang"):
        assert await county.edges(who, PROJECTS, cl=True) == [
            {"title": "楼道清洁", "claimed": 0, "remaining": 3, "myClaim": None}
        ], who
    # Registered elsewhere, or nowhere: not theirs to see.
    for who in ("school", "wang", "water", "chen"):
        assert await county.edges(who, PROJECTS) == [], who
        assert (await county.ask(who, ONE_PROJECT, id=project))["errors"][0]["message"] == (
            FORBIDDEN[1]
        )

    unit_claim = await county.mutate("power", CLAIM, p=project)
    assert unit_claim["claim"]["status"] == "CLAIMED"
    assert unit_claim["claim"]["origin"] == "SELF"
    assert unit_claim["claim"]["unit"] == {"name": "供电公司"}
    assert unit_claim["claim"]["claimantName"] == "供电公司"
    assert unit_claim["project"] == {"claimed": 1, "remaining": 2}
    member_claim = await county.mutate("zhang", CLAIM, p=project)
    assert member_claim["claim"]["member"] == {"name": "张三"}
    assert member_claim["project"] == {"claimed": 2, "remaining": 1}
    assigned = await county.mutate("east", ASSIGN, p=project, m=mid(county.li))
    assert assigned["claim"]["origin"] == "ASSIGNED"
    assert assigned["claim"]["claimantName"] == "李四"
    assert assigned["project"] == {"claimed": 3, "remaining": 0}

    mine = {"status": "CLAIMED", "origin": "SELF"}
    assert await county.edges("power", PROJECTS) == [
        {"title": "楼道清洁", "claimed": 3, "remaining": 0, "myClaim": mine}
    ]
    # Full: no longer claimable, for anyone.
    assert await county.edges("east", PROJECTS, cl=True) == []
    assert await county.edges("chen", PROJECTS, cl=True) == []
    assert [p["title"] for p in await county.edges("east", PROJECTS, cl=False)] == ["楼道清洁"]
    # Each claimant sees its own claim; the community all three; the other community none.
    assert [c["claimantName"] for c in await county.edges("power", CLAIMS)] == ["供电公司"]
    assert [c["claimantName"] for c in await county.edges("zhang", CLAIMS)] == ["张三"]
    assert [c["claimantName"] for c in await county.edges("east", CLAIMS, p=project)] == [
        "李四",
        "张三",
        "供电公司",
    ]
    assert await county.edges("west", CLAIMS) == []
    assert await county.event_types() == [
        "project.published",
        "project.claimed",
        "project.claimed",
        "project.assigned",
    ]


async def test_a_claim_is_started_withdrawn_with_approval_and_completed(county: County) -> None:
    project = await county.publish(capacity=2)
    power = await county.claim("power", project)
    zhang = await county.claim("zhang", project)

    # Before work starts the claimant leaves at once, and the place is free again.
    left = await county.mutate("zhang", WITHDRAW, id=zhang["id"], r="临时出差")
    assert left["claim"]["status"] == "WITHDRAWN"
    assert left["claim"]["withdrawalReason"] == "临时出差"
    assert left["project"] == {"claimed": 1, "remaining": 1}
    # …and may claim again.
    again = await county.claim("zhang", project)
    assert again["status"] == "CLAIMED"

    # The claimant marks work started; after that, leaving needs the community's approval.
    started = await county.step("power", START, "claim", id=power["id"])
    assert started["status"] == "STARTED"
    asked = await county.step("power", REQUEST, "claim", id=power["id"], r="人手不足")
    assert (asked["status"], asked["withdrawalReason"]) == ("WITHDRAW_REQUESTED", "人手不足")
    kept = await county.step("east", REFUSE, "claim", id=power["id"], r="项目即将完成，请坚持")
    assert (kept["status"], kept["withdrawalRefusal"]) == ("STARTED", "项目即将完成，请坚持")
    await county.step("power", REQUEST, "claim", id=power["id"], r="单位任务调整")
    approved = await county.mutate("east", APPROVE, id=power["id"])
    assert approved["claim"]["status"] == "WITHDRAWN"
    assert approved["project"] == {"claimed": 1, "remaining": 1}

    # Staff mark the member's claim started and confirm it completed.
    await county.step("east", START, "claim", id=again["id"])
    done = await county.step("east", COMPLETE, "claim", id=again["id"], n="清扫楼道 4 次")
    assert (done["status"], done["completionNote"]) == ("COMPLETED", "清扫楼道 4 次")
    assert [c["status"] for c in await county.edges("east", CLAIMS, p=project)] == [
        "COMPLETED",
        "WITHDRAWN",
        "WITHDRAWN",
    ]
    assert await county.edges("zhang", PROJECTS) == [
        {
            "title": "楼道清洁",
            "claimed": 1,
            "remaining": 1,
            "myClaim": {"status": "COMPLETED", "origin": "SELF"},
        }
    ]
    assert await county.event_types() == [
        "project.published",
        "project.claimed",
        "project.claimed",
        "claim.withdrawn",
        "project.claimed",
        "claim.started",
        "claim.withdrawal_requested",
        "claim.withdrawal_refused",
        "claim.withdrawal_requested",
        "claim.withdrawn",
        "claim.started",
        "claim.completed",
    ]


async def test_a_draft_is_revised_published_and_the_project_closed_or_cancelled(
    county: County,
) -> None:
    draft = await county.step("east", CREATE, "project", i=project_input(county.east), p=False)
    assert (draft["status"], draft["statusName"]) == ("DRAFT", "草稿")
    # A draft is the community's own: units and members do not see it.
    assert await county.edges("power", PROJECTS) == []
    revised = await county.step(
        "east", REVISE, "project", id=draft["id"], i=project_input(county.east, capacity=5)
    )
    assert revised["capacity"] == 5
    published = await county.step("east", PUBLISH, "project", id=draft["id"])
    assert published["status"] == "PUBLISHED"
    claim = await county.claim("power", draft["id"])
    await county.step("east", START, "claim", id=claim["id"])
    closed = await county.step("east", CLOSE, "project", id=draft["id"], n="圆满完成")
    assert (closed["status"], closed["closeNote"]) == ("CLOSED", "圆满完成")
    # Claims made go on to completion after closing; the project stays in the unit's list.
    await county.step("east", COMPLETE, "claim", id=claim["id"])
    assert await county.edges("power", PROJECTS) == [
        {
            "title": "楼道清洁",
            "claimed": 1,
            "remaining": 4,
            "myClaim": {"status": "COMPLETED", "origin": "SELF"},
        }
    ]

    other = await county.publish(title="政策宣讲", category="政策宣传岗")
    open_claim = await county.claim("zhang", other)
    cancelled = await county.step("east", CANCEL, "project", id=other, r="场地不具备条件")
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "场地不具备条件")
    assert cancelled["claimed"] == 0
    assert [c["status"] for c in await county.edges("zhang", CLAIMS)] == ["CANCELLED"]
    assert open_claim["status"] == "CLAIMED"
    assert await county.event_types() == [
        "project.drafted",
        "project.revised",
        "project.published",
        "project.claimed",
        "claim.started",
        "project.closed",
        "claim.completed",
        "project.published",
        "project.claimed",
        "claim.cancelled",
        "project.cancelled",
    ]


async def test_a_street_wide_project_is_claimed_from_any_community_of_the_street(
    county: County,
) -> None:
    project = await county.publish("street", county.township, claimMode="SELF")
    # Registered in east and in west: both see it and may claim it.
    assert [p["title"] for p in await county.edges("wang", PROJECTS, cl=True)] == ["楼道清洁"]
    assert (await county.claim("wang", project))["status"] == "CLAIMED"
    assert (await county.claim("school", project))["status"] == "CLAIMED"
    # Staff of the other street neither see it nor decide on it.
    assert await county.edges("southstreet", PROJECTS) == []
    # Community staff below the street do not read it: it is published above them.
    assert await county.edges("east", PROJECTS) == []
    assert len(await county.edges("street", CLAIMS, p=project)) == 2


async def test_only_post_categories_of_the_county_rules_in_force_today_are_accepted(
    county: County,
) -> None:
    rules = {"postCategories": ["党员先锋岗", "助老服务岗"]}
    assert (await county.mutate("admin", SET_RULES, rules=rules, **{"from": days(0)})) == {
        "__typename": "RulesSuccess"
    }
    before = await county.snapshot()
    refused = await county.mutate("east", CREATE, i=project_input(county.east))
    assert refused == refusal(
        "INVALID_PROJECT",
        "「岗位类别」“环境义务岗”不是本县现行的岗位类别，应为党员先锋岗、助老服务岗之一",
        "category",
    )
    await county.unchanged(before)
    made = await county.step(
        "east", CREATE, "project", i=project_input(county.east, category="助老服务岗")
    )
    assert made["category"] == "助老服务岗"
    assert [p["title"] for p in await county.edges("east", PROJECTS, c="助老服务岗")] == [
        "楼道清洁"
    ]
    assert await county.edges("east", PROJECTS, c="党员先锋岗") == []


async def test_fifty_claims_at_once_on_ten_places_take_exactly_ten(
    county: County, db: Database, settings: Settings
) -> None:
    project = await county.publish(capacity=10, claimantKind="MEMBERS", claimMode="SELF")
    tokens = []
    for i in range(50):
        member = await add_member(
            db, settings, county.sun, county.power, f"志愿者{i:02d}", f"1390000{i:04d}"
        )
        await register_member(db, member, county.east, residence=county.sun)
        await add_user(
            db,
            settings,
            county.root.tenant_id,
            f"v{i:02d}",
            node=county.sun,
            roles=[("member", county.sun)],
            member_id=member.id,
        )
        tokens.append(bearer(await token_for(county.graphql, f"v{i:02d}", county=COUNTY)))

    async def claim(headers: dict[str, str]) -> dict[str, Any]:
        body = await county.graphql(CLAIM, {"p": project}, county=COUNTY, headers=headers)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]  # type: ignore[assignment]
        return dict(data["claimProject"])

    results = await asyncio.gather(*(claim(headers) for headers in tokens))
    taken = [r for r in results if "claim" in r]
    refused = [r for r in results if "code" in r]
    assert len(taken) == 10
    assert (
        refused
        == [refusal("PROJECT_FULL", "项目“楼道清洁”的 10 个名额已满，不能再认领", "projectId")] * 40
    )
    async with db.tenant_session(county.root.tenant_id) as session:
        counted = await session.scalar(
            text("SELECT count(*) FROM project_claims WHERE status = 'claimed'")
        )
    assert counted == 10
    assert (await county.event_types()).count("project.claimed") == 10
    assert await county.edges("east", PROJECTS) == [
        {"title": "楼道清洁", "claimed": 10, "remaining": 0, "myClaim": None}
    ]


async def test_listing_projects_and_claims_takes_fixed_queries(county: County) -> None:
    projects = """{ projects { edges { node { title claimed remaining node { name }
      myClaim { status } } } } }"""
    claims = """{ claims { edges { node { claimantName unit { name } member { name }
      project { title claimed } } } } }"""

    async def statements(who: str, query: str) -> int:
        return await statements_during(county.db, county.ask(who, query))

    async def project_with_claims(title: str) -> None:
        project = await county.publish(title=title)
        await county.claim("power", project)
        await county.claim("zhang", project)

    await project_with_claims("楼道清洁")
    one = (await statements("power", projects), await statements("east", claims))
    await project_with_claims("政策宣讲")
    assert (await statements("power", projects), await statements("east", claims)) == one


# --- refusals: the exact error, and nothing written ----------------------------------


async def test_claims_beyond_capacity_twice_or_from_outside_the_community_are_refused(
    county: County,
) -> None:
    project = await county.publish(capacity=1)
    await county.claim("power", project)
    before = await county.snapshot()
    full = await county.mutate("zhang", CLAIM, p=project)
    assert full == refusal("PROJECT_FULL", "项目“楼道清洁”的 1 个名额已满，不能再认领", "projectId")
    twice = "“供电公司”已认领项目“楼道清洁”（尚未开始服务），不能重复认领"
    assert await county.mutate("power", CLAIM, p=project) == refusal(
        "ALREADY_CLAIMED", twice, "projectId"
    )
    assigned = await county.mutate("east", ASSIGN, p=project, u=uid(county.power))
    assert assigned == refusal("ALREADY_CLAIMED", twice, "unitId")
    for who, name in [
        ("school", "城关小学"),  # registered with west
        ("wang", "王五"),  # lives and registered in west
        ("water", "自来水公司"),  # sits in east, never registered
        ("chen", "陈七"),  # lives in east, never registered
    ]:
        result = await county.mutate(who, CLAIM, p=project)
        assert result == refusal(
            "NOT_REGISTERED_HERE", f"“{name}”未在“东门社区”报到，不能认领该项目", "projectId"
        ), who
    unregistered = await county.mutate("east", ASSIGN, p=project, m=mid(county.chen))
    assert unregistered == refusal(
        "NOT_REGISTERED_HERE", "“陈七”未在“东门社区”报到，不能认领该项目", "memberId"
    )
    # Staff take no places themselves; a unit or member assigns no one.
    for who, query, variables in [
        ("east", CLAIM, {}),
        ("street", CLAIM, {}),
        ("power", ASSIGN, {"u": uid(county.power)}),
        ("zhang", ASSIGN, {"m": mid(county.zhang)}),
        ("west", ASSIGN, {"m": mid(county.zhang)}),
    ]:
        assert await county.mutate(who, query, p=project, **variables) == refusal(*FORBIDDEN), who
    await county.unchanged(before)
    street_wide = await county.publish("street", county.township)
    outside = await county.mutate("southstreet", ASSIGN, p=street_wide, u=uid(county.school))
    assert outside == refusal(*FORBIDDEN)
    before = await county.snapshot()
    assert await county.mutate("street", ASSIGN, p=street_wide, u=uid(county.water)) == refusal(
        "NOT_REGISTERED_HERE", "“自来水公司”未在“城关镇”的社区报到，不能认领该项目", "unitId"
    )
    await county.unchanged(before)


async def test_claims_on_a_project_not_open_are_refused(county: County) -> None:
    draft = (await county.step("east", CREATE, "project", i=project_input(county.east), p=False))[
        "id"
    ]
    closed = await county.publish(title="已结项目")
    await county.step("east", CLOSE, "project", id=closed)
    cancelled = await county.publish(title="已取消项目")
    await county.step("east", CANCEL, "project", id=cancelled, r="天气原因")
    over = await county.publish(title="过期项目")
    await county.execute(
        "UPDATE projects SET starts_on = :s, ends_on = :e WHERE title = '过期项目'",
        s=today() - timedelta(days=10),
        e=today() - timedelta(days=1),
    )
    before = await county.snapshot()
    for project, message in [
        (draft, "项目“楼道清洁”尚未发布，不能认领"),
        (closed, "项目“已结项目”已结项，不能认领"),
        (cancelled, "项目“已取消项目”已取消，不能认领"),
        (over, f"项目“过期项目”的服务期已于 {today() - timedelta(days=1)} 结束，不能再认领"),
    ]:
        assert await county.mutate("power", CLAIM, p=project) == refusal(
            "PROJECT_NOT_OPEN", message, "projectId"
        ), message
        assigned = await county.mutate("east", ASSIGN, p=project, m=mid(county.zhang))
        assert assigned == refusal("PROJECT_NOT_OPEN", message, "projectId"), message
        # A unit of another community learns nothing of the project, not even its state.
        elsewhere = await county.mutate("school", CLAIM, p=project)
        assert elsewhere == refusal(
            "NOT_REGISTERED_HERE", "“城关小学”未在“东门社区”报到，不能认领该项目", "projectId"
        ), message
    steps: list[tuple[str, str, dict[str, Any], str]] = [
        (PUBLISH, closed, {}, "项目“已结项目”已结项，不能再发布"),
        (REVISE, closed, {"i": project_input(county.east)}, "项目“已结项目”已结项，不能再修改"),
        (CLOSE, draft, {}, "项目“楼道清洁”尚未发布，不能结项"),
        (CLOSE, cancelled, {}, "项目“已取消项目”已取消，不能结项"),
        (CANCEL, closed, {"r": "重复"}, "项目“已结项目”已结项，不能取消"),
        (CANCEL, cancelled, {"r": "重复"}, "项目“已取消项目”已取消，不能取消"),
    ]
    for query, project, variables, message in steps:
        result = await county.mutate("east", query, id=project, **variables)
        assert result == refusal("PROJECT_NOT_OPEN", message, "id"), message
    await county.unchanged(before)


async def test_claim_modes_and_claimant_kinds_of_a_project_are_kept(county: County) -> None:
    self_only = await county.publish(title="自主项目", claimMode="SELF")
    assigned_only = await county.publish(title="指定项目", claimMode="ASSIGNED")
    members_only = await county.publish(title="党员项目", claimantKind="MEMBERS")
    units_only = await county.publish(title="单位项目", claimantKind="UNITS")
    before = await county.snapshot()
    for who, query, project, variables, code, message, field in [
        (
            "east",
            ASSIGN,
            self_only,
            {"u": uid(county.power)},
            "CLAIM_MODE_NOT_ALLOWED",
            "项目“自主项目”只接受自主认领，不能指定认领",
            "projectId",
        ),
        (
            "power",
            CLAIM,
            assigned_only,
            {},
            "CLAIM_MODE_NOT_ALLOWED",
            "项目“指定项目”只接受指定认领，不能自主认领",
            "projectId",
        ),
        (
            "power",
            CLAIM,
            members_only,
            {},
            "CLAIMANT_KIND_NOT_ALLOWED",
            "项目“党员项目”只面向在职党员，“供电公司”不能认领",
            "projectId",
        ),
        (
            "east",
            ASSIGN,
            members_only,
            {"u": uid(county.power)},
            "CLAIMANT_KIND_NOT_ALLOWED",
            "项目“党员项目”只面向在职党员，“供电公司”不能认领",
            "unitId",
        ),
        (
            "zhang",
            CLAIM,
            units_only,
            {},
            "CLAIMANT_KIND_NOT_ALLOWED",
            "项目“单位项目”只面向单位党组织，“张三”不能认领",
            "projectId",
        ),
        (
            "east",
            ASSIGN,
            units_only,
            {},
            "INVALID_CLAIM",
            "请指定一个单位党组织或一名党员（二者选一）",
            "unitId",
        ),
        (
            "east",
            ASSIGN,
            units_only,
            {"u": uid(county.power), "m": mid(county.zhang)},
            "INVALID_CLAIM",
            "请指定一个单位党组织或一名党员（二者选一）",
            "unitId",
        ),
        (
            "zhang",
            CLAIM,
            self_only,
            {"c": "UNIT"},
            *FORBIDDEN,
            None,
        ),
    ]:
        result = await county.mutate(who, query, p=project, **variables)
        assert result == refusal(code, message, field), message
    await county.unchanged(before)
    # What each allows still works.
    assert (await county.claim("power", self_only))["origin"] == "SELF"
    assigned = await county.step("east", ASSIGN, "claim", p=assigned_only, u=uid(county.power))
    assert assigned["origin"] == "ASSIGNED"


async def test_claim_steps_follow_its_status_and_are_taken_only_by_the_right_people(
    county: County,
) -> None:
    project = await county.publish()
    claim = (await county.claim("power", project))["id"]
    before = await county.snapshot()
    not_started = "该认领尚未开始服务，不能"
    for who, query, variables, expected in [
        ("east", COMPLETE, {}, ("CLAIM_STEP_REFUSED", f"{not_started}确认完成", "id")),
        (
            "power",
            REQUEST,
            {"r": "人手不足"},
            ("CLAIM_STEP_REFUSED", f"{not_started}申请退出；可直接退出认领", "id"),
        ),
        ("east", APPROVE, {}, ("CLAIM_STEP_REFUSED", f"{not_started}审批退出申请", "id")),
        ("power", APPROVE, {}, FORBIDDEN),
        ("power", COMPLETE, {}, FORBIDDEN),
        ("zhang", START, {}, FORBIDDEN),  # not the claimant
        ("school", WITHDRAW, {}, FORBIDDEN),
        ("west", START, {}, FORBIDDEN),  # another community's staff
    ]:
        result = await county.mutate(who, query, id=claim, **variables)
        assert result == refusal(*expected), (who, expected)
    await county.unchanged(before)

    await county.step("power", START, "claim", id=claim)
    before = await county.snapshot()
    started = "该认领已开始服务，不能"
    for who, query, variables, expected in [
        ("power", START, {}, ("CLAIM_STEP_REFUSED", f"{started}再标记开始", "id")),
        (
            "power",
            WITHDRAW,
            {},
            (
                "CLAIM_STEP_REFUSED",
                f"{started}直接退出；如需退出，请提出退出申请，由社区审批",
                "id",
            ),
        ),
        ("power", REQUEST, {"r": "  "}, ("INVALID_CLAIM", "「退出原因」不能为空", "reason")),
        ("east", REQUEST, {"r": "人手不足"}, FORBIDDEN),  # only the claimant asks
    ]:
        result = await county.mutate(who, query, id=claim, **variables)
        assert result == refusal(*expected), (who, expected)
    await county.unchanged(before)

    await county.step("power", REQUEST, "claim", id=claim, r="人手不足")
    before = await county.snapshot()
    waiting = "该认领已申请退出，正等待社区审批，不能"
    for who, query, variables, expected in [
        # Approval by anyone but the community (or its street) is refused.
        ("power", APPROVE, {}, FORBIDDEN),
        ("zhang", APPROVE, {}, FORBIDDEN),
        ("west", APPROVE, {}, FORBIDDEN),
        ("southstreet", APPROVE, {}, FORBIDDEN),
        ("power", REFUSE, {"r": "不行"}, FORBIDDEN),
        ("east", REFUSE, {"r": ""}, ("INVALID_CLAIM", "「不同意退出的理由」不能为空", "reason")),
        (
            "east",
            COMPLETE,
            {},
            ("CLAIM_STEP_REFUSED", f"{waiting}确认完成；请先审批退出申请", "id"),
        ),
        ("power", WITHDRAW, {}, ("CLAIM_STEP_REFUSED", f"{waiting}直接退出", "id")),
        ("power", REQUEST, {"r": "再申请"}, ("CLAIM_STEP_REFUSED", f"{waiting}申请退出", "id")),
    ]:
        result = await county.mutate(who, query, id=claim, **variables)
        assert result == refusal(*expected), (who, expected)
    await county.unchanged(before)
    # The street above the community may decide.
    assert (await county.step("street", APPROVE, "claim", id=claim))["status"] == "WITHDRAWN"
    before = await county.snapshot()
    for query, wanted in [(START, "再标记开始"), (WITHDRAW, "退出"), (COMPLETE, "确认完成")]:
        result = await county.mutate("east", query, id=claim)
        assert result == refusal("CLAIM_STEP_REFUSED", f"该认领已退出，不能{wanted}", "id")
    missing = await county.mutate("east", START, id=global_id("ProjectClaim", 999999))
    assert missing == refusal("CLAIM_NOT_FOUND", "未找到该认领记录", "id")
    await county.unchanged(before)


async def test_a_project_is_checked_before_it_is_saved(county: County) -> None:
    before = await county.snapshot()
    inputs: list[tuple[dict[str, Any], str, str, str]] = [
        ({"title": " "}, "INVALID_PROJECT", "「项目名称」不能为空", "title"),
        ({"title": "项" * 101}, "INVALID_PROJECT", "「项目名称」不能超过 100 个字", "title"),
        ({"category": ""}, "INVALID_PROJECT", "「岗位类别」不能为空", "category"),
        (
            {"description": "说" * 2001},
            "INVALID_PROJECT",
            "「项目说明」不能超过 2000 个字",
            "description",
        ),
        ({"capacity": 0}, "INVALID_PROJECT", "「名额」应在 1 到 10000 之间", "capacity"),
        (
            {"startsOn": days(10), "endsOn": days(9)},
            "INVALID_PROJECT",
            f"「结束日期」不能早于开始日期（{days(10)}）",
            "endsOn",
        ),
        (
            {"startsOn": days(-10), "endsOn": days(-1)},
            "INVALID_PROJECT",
            f"「结束日期」不能早于今天（{days(0)}）",
            "endsOn",
        ),
        (
            {"nodeId": nid(county.sun)},
            "INVALID_PROJECT",
            "「发布区划」应为社区（村）或乡镇（街道），而“阳光小区”是小区",
            "nodeId",
        ),
        (
            {"nodeId": global_id("HierarchyNode", 999999)},
            "NODE_NOT_FOUND",
            "未找到该区划或网格节点",
            "nodeId",
        ),
    ]
    for changes, code, message, field in inputs:
        result = await county.mutate("east", CREATE, i=project_input(county.east, **changes))
        assert result == refusal(code, message, field), message
    for who in ("power", "zhang", "west"):
        result = await county.mutate(who, CREATE, i=project_input(county.east))
        assert result == refusal(*FORBIDDEN), who
    await county.unchanged(before)

    project = await county.publish()
    before = await county.snapshot()
    no_reason = await county.mutate("east", CANCEL, id=project, r=" ")
    assert no_reason == refusal("INVALID_PROJECT", "「取消原因」不能为空", "reason")
    for who in ("west", "power"):
        assert await county.mutate(who, CLOSE, id=project) == refusal(*FORBIDDEN), who
        assert await county.mutate(who, CANCEL, id=project, r="不办了") == refusal(*FORBIDDEN)
    await county.unchanged(before)


async def test_an_account_of_both_a_unit_and_a_member_chooses_whom_it_claims_for(
    county: County,
) -> None:
    # The unit's Party secretary, who is also a member living in the community.
    zhou = await add_member(
        county.db, county.settings, county.sun, county.power, "周八", "13800000005"
    )
    await register_member(county.db, zhou, county.east, residence=county.sun)
    await add_user(
        county.db,
        county.settings,
        county.root.tenant_id,
        "both",
        node=county.east,
        roles=[("org_admin", county.east), ("member", county.sun)],
        unit_id=county.power.id,
        member_id=zhou.id,
    )
    county.tokens["both"] = bearer(await token_for(county.graphql, "both", county=COUNTY))
    project = await county.publish()
    before = await county.snapshot()
    assert await county.mutate("both", CLAIM, p=project) == refusal(
        "INVALID_CLAIM",
        "您的账号同时关联了单位党组织和党员本人：请选择以单位还是以个人身份认领",
        "claimant",
    )
    await county.unchanged(before)
    as_member = await county.claim("both", project, c="MEMBER")
    as_unit = await county.claim("both", project, c="UNIT")
    assert (as_member["member"], as_unit["unit"]) == ({"name": "周八"}, {"name": "供电公司"})
    # A project for units only needs no choice.
    units_only = await county.publish(title="单位项目", claimantKind="UNITS")
    assert (await county.claim("both", units_only))["unit"] == {"name": "供电公司"}
