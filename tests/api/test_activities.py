"""志愿活动 through GraphQL, as each user does it: a community or a unit writes an activity
and publishes it; members of its audience sign up within its places, the rest wait and
move up in order when a place is freed; twenty at once on five places take exactly five;
a unit's collective activity only its admin manages; every refusal exact and writing
nothing. Check-in and finishing are in test_check_in.py."""

import asyncio
import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from infra.clock import CHINA, now
from infra.db import Database
from infra.settings import Settings
from services.registration.models import RegistrationStatus
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
FORBIDDEN = {"code": "FORBIDDEN", "message": "您没有在此范围内进行该操作的权限", "field": None}
ERROR = "... on MutationError { code message field }"
TABLES = ("activities", "activity_signups", "attendances", "service_records", "events")

COUNTS = "counts { signedUp waitlisted checkedIn checkedOut remaining }"
ACTIVITY = f"""id title status statusName audience audienceName capacity collective postCategory
  place startsAt endsAt signupOpensAt signupClosesAt cancelReason mayManage
  node {{ name }} community {{ name }} audienceScope {{ name }} organiserUnit {{ name }}
  project {{ title }} {COUNTS}"""
SAVED = f"... on ActivitySuccess {{ activity {{ {ACTIVITY} }} }} {ERROR}"
CREATE = f"mutation($i: ActivityInput!) {{ createActivity(input: $i) {{ {SAVED} }} }}"
UPDATE = f"""mutation($id: ID!, $i: ActivityInput!) {{
  updateActivity(id: $id, input: $i) {{ {SAVED} }} }}"""
PUBLISH = f"mutation($id: ID!) {{ publishActivity(id: $id) {{ {SAVED} }} }}"
CANCEL = f"""mutation($id: ID!, $r: String!) {{
  cancelActivity(id: $id, reason: $r) {{ {SAVED} }} }}"""
SIGNUP = "status waitlistPosition memberName promotedAt"
SIGNED = f"""... on ActivitySignupSuccess {{ activity {{ {COUNTS} }} signup {{ {SIGNUP} }} }}
  {ERROR}"""
SIGN_UP = f"mutation($id: ID!) {{ signUpForActivity(id: $id) {{ {SIGNED} }} }}"
WITHDRAW = f"mutation($id: ID!) {{ cancelActivitySignup(id: $id) {{ {SIGNED} }} }}"
REMOVE = f"mutation($s: ID!) {{ removeActivitySignup(signupId: $s) {{ {SIGNED} }} }}"
ONE = f"""query($id: ID!) {{ activity(id: $id) {{ {ACTIVITY}
  mySignup {{ {SIGNUP} }} myAttendance {{ checkedInAt }}
  signups(first: 100) {{ edges {{ node {{ id {SIGNUP} member {{ name }} }} }} }} }} }}"""
LIST = """query($w: ID, $s: ActivityStatus, $u: ID, $c: Boolean, $j: Boolean, $m: Boolean) {
  activities(first: 100, within: $w, status: $s, organiserUnitId: $u, collective: $c,
    joinable: $j, joined: $m) { edges { node { title } } } }"""


def credit_code(serial: int) -> str:
    first17 = f"91130123MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


def nid(node: Node) -> str:
    return global_id("HierarchyNode", node.id)


def uid(unit: Unit) -> str:
    return global_id("Unit", unit.id)


def mid(member: Member) -> str:
    return global_id("Member", member.id)


def at(hours: float) -> str:
    return (now() + timedelta(hours=hours)).isoformat()


def shown(value: str | datetime) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def local(global_id_: str) -> int:
    return int(base64.b64decode(global_id_).decode().split(":")[1])


def refusal(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


def activity_input(node: Node, **changes: Any) -> dict[str, Any]:
    return {
        "placeId": nid(node),
        "title": "垃圾分类宣传",
        "postCategory": "政策宣传岗",
        "place": "东门社区文化广场",
        "startsAt": at(48),
        "endsAt": at(50),
        "audience": "COMMUNITY",
        **changes,
    }


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

    async def create(self, who: str, node: Node, **changes: Any) -> dict[str, Any]:
        result = await self.call(who, CREATE, i=activity_input(node, **changes))
        assert "activity" in result, result
        made: dict[str, Any] = result["activity"]
        return made

    async def published(self, who: str, node: Node, **changes: Any) -> dict[str, Any]:
        made = await self.create(who, node, **changes)
        result = await self.call(who, PUBLISH, id=made["id"])
        assert "activity" in result, result
        done: dict[str, Any] = result["activity"]
        return done

    async def sign_up(self, who: str, activity: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(who, SIGN_UP, id=activity)
        assert "signup" in result, result
        return result

    async def titles(self, who: str, **variables: Any) -> list[str]:
        found = await self.call(who, LIST, **variables)
        return [edge["node"]["title"] for edge in found["edges"]]

    async def sql(self, statement: str, **values: Any) -> list[Any]:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            return list((await session.execute(text(statement), values)).all())

    async def update(self, statement: str, **values: Any) -> None:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            await session.execute(text(statement), values)

    async def times(self, activity: str, starts: float, ends: float) -> None:
        """Move the activity's stored times to `starts`/`ends` hours from now (time
        passing); sign-up opened a week ago and closed at the start."""
        await self.update(
            """UPDATE activities SET signup_opens_at = now() - interval '7 days',
                 starts_at = now() + make_interval(secs => :s),
                 signup_closes_at = now() + make_interval(secs => :s),
                 ends_at = now() + make_interval(secs => :e)
               WHERE id = :id""",
            s=starts * 3600,
            e=ends * 3600,
            id=local(activity),
        )

    async def event_types(self) -> list[str]:
        return [row[0] for row in await self.sql("SELECT type FROM events ORDER BY id")]

    async def snapshot(self) -> dict[str, Any]:
        rows: dict[str, Any] = {}
        for table in TABLES:
            query = f"""SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text),
                '[]'::jsonb) FROM {table} t"""
            rows[table] = (await self.sql(query))[0][0]
        done = "SELECT action FROM audit_log WHERE outcome = 'succeeded' ORDER BY id"
        rows["audit_log"] = [row[0] for row in await self.sql(done)]
        return rows


async def add_account(
    county: County,
    db: Database,
    settings: Settings,
    username: str,
    role: str,
    node: Node,
    *,
    unit: Unit | None = None,
    member: Member | None = None,
) -> None:
    await add_user(
        db,
        settings,
        county.root.tenant_id,
        username,
        node=node,
        roles=[(role, node)],
        unit_id=unit.id if unit else None,
        member_id=member.id if member else None,
    )
    county.tokens[username] = bearer(await token_for(county.graphql, username, county=COUNTY))


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
    }
    units = {}
    for i, (key, (name, sits, registered)) in enumerate(unit_places.items()):
        units[key] = await add_unit(db, sits, name, credit_code(i + 1))
        if registered is not None:
            await register_unit(db, units[key], registered)
    # Members: name, unit, home, the community registered with and how.
    confirmed, submitted = RegistrationStatus.CONFIRMED, RegistrationStatus.SUBMITTED
    people = {
        "zhang": ("张三", "power", garden, east, confirmed),
        "li": ("李四", "power", garden, east, confirmed),
        "zhou": ("周九", "school", garden, east, confirmed),
        "wu": ("吴十", "water", east, east, confirmed),
        "wang": ("王五", "school", west, west, confirmed),
        "chen": ("陈七", "power", garden, east, None),
        "sun": ("孙八", "school", east, east, submitted),
        "zhao": ("赵六", "school", south, south, confirmed),
    }
    members = {}
    for i, (key, (name, unit, home, community, status)) in enumerate(people.items()):
        member = await add_member(db, settings, home, units[unit], name, f"1380000001{i}")
        if status is not None:
            await register_member(db, member, community, residence=home, status=status)
        members[key] = member
    made = County(graphql, db, root, street, east, garden, west, south, units, members, {})
    staff = {
        "admin": ("county_admin", root),
        "street": ("township_admin", street),
        "east": ("community_admin", east),
        "west": ("community_admin", west),
        "leader": ("compound_leader", garden),
        "auditor": ("auditor", root),
    }
    for username, (role, node) in staff.items():
        await add_account(made, db, settings, username, role, node)
    for key in ("power", "school", "water"):
        await add_account(made, db, settings, key, "org_admin", east, unit=units[key])
    for key, (_, _, home, _, _) in people.items():
        await add_account(made, db, settings, key, "member", home, member=members[key])
    return made


# --- from a draft to publication --------------------------------------------------------


async def test_an_activity_goes_from_draft_to_publication(county: County) -> None:
    draft = await county.create(
        "east",
        county.garden,
        description="入户讲解垃圾分类",
        capacity=30,
        signupClosesAt=at(24),
    )
    assert {k: v for k, v in draft.items() if k not in ("id", "startsAt", "endsAt")} | {
        "signupOpensAt": None,
        "signupClosesAt": None,
    } == {
        "title": "垃圾分类宣传",
        "status": "DRAFT",
        "statusName": "草稿",
        "audience": "COMMUNITY",
        "audienceName": "在本社区报到的党员",
        "capacity": 30,
        "collective": False,
        "postCategory": "政策宣传岗",
        "place": "东门社区文化广场",
        "signupOpensAt": None,
        "signupClosesAt": None,
        "cancelReason": None,
        "mayManage": True,
        "node": {"name": "东园小区"},
        "community": {"name": "东门社区"},
        "audienceScope": {"name": "东门社区"},
        "organiserUnit": None,
        "project": None,
        "counts": {
            "signedUp": 0,
            "waitlisted": 0,
            "checkedIn": 0,
            "checkedOut": 0,
            "remaining": 30,
        },
    }
    # Sign-up opens now by default and closes when asked.
    opens = datetime.fromisoformat(draft["signupOpensAt"])
    assert abs((opens - now()).total_seconds()) < 60
    assert shown(draft["signupClosesAt"]) == shown(at(24))

    # A draft is its organiser's: members do not see it, nor sign up for it.
    assert await county.titles("zhang") == []
    assert await county.call("zhang", SIGN_UP, id=draft["id"]) == refusal(
        "ACTIVITY_CLOSED", "该活动尚未发布，不能报名", "id"
    )

    # Changed while a draft: a street-wide audience, no limit on places.
    changed = await county.call(
        "east",
        UPDATE,
        id=draft["id"],
        i=activity_input(
            county.garden,
            title="垃圾分类入户宣传",
            audience="SCOPE",
            audienceScopeId=nid(county.street),
            capacity=None,
        ),
    )
    assert (
        changed["activity"]["title"],
        changed["activity"]["audienceScope"],
        changed["activity"]["capacity"],
        changed["activity"]["counts"]["remaining"],
    ) == ("垃圾分类入户宣传", {"name": "城关街道"}, None, None)
    published = await county.call("east", PUBLISH, id=draft["id"])
    assert (published["activity"]["status"], published["activity"]["statusName"]) == (
        "PUBLISHED",
        "已发布",
    )
    # Open to members registered anywhere in the street: 王五 of 西门社区 too.
    assert await county.titles("wang") == ["垃圾分类入户宣传"]
    assert await county.titles("zhao") == []
    assert await county.titles("west") == []
    assert await county.titles("street") == ["垃圾分类入户宣传"]
    seen = await county.call("zhang", ONE, id=draft["id"])
    assert (seen["mayManage"], seen["mySignup"], seen["signups"]) == (False, None, None)
    assert await county.event_types() == [
        "activity.created",
        "activity.updated",
        "activity.published",
    ]
    [(payload,)] = await county.sql("SELECT payload FROM events WHERE type = 'activity.published'")
    assert (payload["title"], payload["audience"], payload["capacity"]) == (
        "垃圾分类入户宣传",
        "scope",
        None,
    )


async def test_a_street_activity_may_be_open_to_the_street(county: County) -> None:
    street_wide = await county.published(
        "street",
        county.street,
        place="城关街道办事处",
        audience="SCOPE",
        audienceScopeId=nid(county.street),
    )
    assert (street_wide["community"], street_wide["audienceScope"]) == (None, {"name": "城关街道"})
    assert (await county.sign_up("wang", street_wide["id"]))["signup"]["status"] == "SIGNED_UP"
    refused = await county.call("street", CREATE, i=activity_input(county.street))
    assert refused == refusal(
        "INVALID_ACTIVITY",
        "「参加对象」为本社区报到的党员时，举办区划应在社区内，而“城关街道”是乡镇（街道）",
        "audience",
    )


# --- sign-up, places and the waiting list -----------------------------------------------


async def test_signups_fill_the_places_and_the_waiting_list_moves_up_in_order(
    county: County,
) -> None:
    activity = (await county.published("east", county.east, capacity=2))["id"]
    first = await county.sign_up("zhang", activity)
    assert first["signup"] == {
        "status": "SIGNED_UP",
        "waitlistPosition": None,
        "memberName": "张三",
        "promotedAt": None,
    }
    await county.sign_up("li", activity)
    waiting = await county.sign_up("zhou", activity)
    assert waiting["signup"]["status"] == "WAITLISTED"
    assert waiting["signup"]["waitlistPosition"] == 1
    last = await county.sign_up("wu", activity)
    assert (last["signup"]["waitlistPosition"], last["activity"]["counts"]) == (
        2,
        {"signedUp": 2, "waitlisted": 2, "checkedIn": 0, "checkedOut": 0, "remaining": 0},
    )
    assert await county.call("zhang", SIGN_UP, id=activity) == refusal(
        "ALREADY_SIGNED_UP", "您已报名该活动", "id"
    )
    assert await county.call("wu", SIGN_UP, id=activity) == refusal(
        "ALREADY_SIGNED_UP", "您已在该活动的候补名单中", "id"
    )

    # 张三 gives up the place: 周九, first in line, moves up; 吴十 is now first.
    gave_up = await county.call("zhang", WITHDRAW, id=activity)
    assert gave_up["signup"]["status"] == "CANCELLED"
    assert gave_up["activity"]["counts"]["signedUp"] == 2
    mine = await county.call("zhou", ONE, id=activity)
    assert mine["mySignup"]["status"] == "SIGNED_UP"
    assert mine["mySignup"]["promotedAt"] is not None
    assert (await county.call("wu", ONE, id=activity))["mySignup"]["waitlistPosition"] == 1
    assert (await county.call("zhang", ONE, id=activity))["mySignup"]["status"] == "CANCELLED"

    # The organiser sees the list in the order people came, and takes 李四 off it.
    listed = await county.call("east", ONE, id=activity)
    rows = [edge["node"] for edge in listed["signups"]["edges"]]
    assert [(r["memberName"], r["status"], r["waitlistPosition"]) for r in rows] == [
        ("张三", "CANCELLED", None),
        ("李四", "SIGNED_UP", None),
        ("周九", "SIGNED_UP", None),
        ("吴十", "WAITLISTED", 1),
    ]
    removed = await county.call("east", REMOVE, s=rows[1]["id"])
    assert removed["signup"]["status"] == "CANCELLED"
    assert removed["activity"]["counts"] == {
        "signedUp": 2,
        "waitlisted": 0,
        "checkedIn": 0,
        "checkedOut": 0,
        "remaining": 0,
    }
    assert (await county.call("wu", ONE, id=activity))["mySignup"]["status"] == "SIGNED_UP"

    # Who gave up may come back, at the back of the line; more places move it up.
    assert (await county.sign_up("zhang", activity))["signup"]["waitlistPosition"] == 1
    grown = await county.call(
        "east", UPDATE, id=activity, i=activity_input(county.east, capacity=3)
    )
    assert grown["activity"]["counts"]["signedUp"] == 3
    assert await county.call(
        "east", UPDATE, id=activity, i=activity_input(county.east, capacity=2)
    ) == refusal("INVALID_ACTIVITY", "「招募人数」不能少于已报名的 3 人", "capacity")
    assert await county.event_types() == [
        "activity.created",
        "activity.published",
        "activity_signup.signed_up",
        "activity_signup.signed_up",
        "activity_signup.waitlisted",
        "activity_signup.waitlisted",
        "activity_signup.cancelled",
        "activity_signup.promoted",
        "activity_signup.removed",
        "activity_signup.promoted",
        "activity_signup.waitlisted",
        "activity.updated",
        "activity_signup.promoted",
    ]
    [(promoted,)] = await county.sql(
        "SELECT payload FROM events WHERE type = 'activity_signup.promoted' ORDER BY id LIMIT 1"
    )
    assert promoted["member_id"] == county.members["zhou"].id


async def test_twenty_members_signing_up_at_once_for_five_places_take_exactly_five(
    county: County, db: Database, settings: Settings
) -> None:
    activity = (await county.published("east", county.east, capacity=5))["id"]
    volunteers = []
    for i in range(20):
        member = await add_member(
            db, settings, county.garden, county.units["power"], f"志愿者{i:02d}", f"1390000{i:04d}"
        )
        await register_member(db, member, county.east, residence=county.garden)
        await add_account(county, db, settings, f"v{i:02d}", "member", county.garden, member=member)
        volunteers.append(f"v{i:02d}")
    results = await asyncio.gather(*(county.call(v, SIGN_UP, id=activity) for v in volunteers))
    statuses = [r["signup"]["status"] for r in results]
    assert statuses.count("SIGNED_UP") == 5
    assert statuses.count("WAITLISTED") == 15
    # In order: the five places went to the first five rows, the waiting list follows them.
    rows = await county.sql(
        "SELECT status FROM activity_signups WHERE activity_id = :a ORDER BY id",
        a=local(activity),
    )
    assert [row[0] for row in rows] == ["signed_up"] * 5 + ["waitlisted"] * 15
    positions = sorted(
        r["signup"]["waitlistPosition"] for r in results if r["signup"]["status"] == "WAITLISTED"
    )
    assert positions == list(range(1, 16))
    assert (await county.event_types()).count("activity_signup.signed_up") == 5


async def test_cancelling_an_activity_ends_its_signups(county: County) -> None:
    activity = (await county.published("east", county.east, capacity=1))["id"]
    await county.sign_up("zhang", activity)
    await county.sign_up("li", activity)
    cancelled = await county.call("east", CANCEL, id=activity, r="  天气原因，改期举行 ")
    assert (
        cancelled["activity"]["status"],
        cancelled["activity"]["cancelReason"],
        cancelled["activity"]["counts"]["signedUp"],
    ) == ("CANCELLED", "天气原因，改期举行", 0)
    rows = await county.sql("SELECT DISTINCT status FROM activity_signups")
    assert [row[0] for row in rows] == ["cancelled"]
    [(payload,)] = await county.sql("SELECT payload FROM events WHERE type = 'activity.cancelled'")
    assert (payload["reason"], payload["signed_up"], payload["waitlisted"]) == (
        "天气原因，改期举行",
        1,
        1,
    )
    assert await county.call("zhang", SIGN_UP, id=activity) == refusal(
        "ACTIVITY_CLOSED", "该活动已取消，不能报名", "id"
    )
    assert await county.titles("zhang") == []
    assert await county.titles("zhang", m=True) == []


# --- a unit's activities (谁组织谁记录) ---------------------------------------------------


async def test_a_units_collective_activity_is_managed_by_its_admin_only(county: County) -> None:
    unit = county.units["power"]
    draft = await county.create(
        "power",
        county.garden,
        title="供电公司进社区安全用电宣传",
        organiserUnitId=uid(unit),
        audience="UNIT",
        collective=True,
    )
    assert (draft["organiserUnit"], draft["collective"], draft["audienceScope"]) == (
        {"name": "供电公司"},
        True,
        None,
    )
    # Staff where it is held, even the county, do not manage a unit's activity.
    for who in ("east", "street", "admin", "school", "zhang"):
        assert await county.call(who, PUBLISH, id=draft["id"]) == FORBIDDEN, who
        assert await county.call(who, CANCEL, id=draft["id"], r="不办了") == FORBIDDEN, who
        assert (
            await county.call(
                who,
                UPDATE,
                id=draft["id"],
                i=activity_input(
                    county.garden, organiserUnitId=uid(unit), audience="UNIT", collective=True
                ),
            )
            == FORBIDDEN
        ), who
    assert (await county.call("east", ONE, id=draft["id"]))["mayManage"] is False
    published = await county.call("power", PUBLISH, id=draft["id"])
    assert published["activity"]["status"] == "PUBLISHED"
    # Open to the unit's own members only, wherever they are registered.
    assert (await county.sign_up("zhang", draft["id"]))["signup"]["status"] == "SIGNED_UP"
    assert (await county.sign_up("chen", draft["id"]))["signup"]["status"] == "SIGNED_UP"
    assert await county.call("zhou", SIGN_UP, id=draft["id"]) == refusal(
        "NOT_ELIGIBLE", "您不在本活动的参加对象之内：本活动仅限“供电公司”的党员参加", "id"
    )
    # The unit sees it and its list; the community sees it in its area, as staff.
    assert await county.titles("power", c=True) == ["供电公司进社区安全用电宣传"]
    assert await county.titles("power", u=uid(unit)) == ["供电公司进社区安全用电宣传"]
    assert await county.titles("school") == []
    seen = await county.call("power", ONE, id=draft["id"])
    assert [e["node"]["member"]["name"] for e in seen["signups"]["edges"]] == ["张三", "陈七"]
    assert await county.titles("east") == ["供电公司进社区安全用电宣传"]
    assert await county.titles("zhou") == []
    assert await county.titles("chen") == ["供电公司进社区安全用电宣传"]


async def test_a_unit_holds_activities_only_where_it_is_registered(county: County) -> None:
    power = county.units["power"]
    assert await county.call(
        "power", CREATE, i=activity_input(county.west, organiserUnitId=uid(power))
    ) == refusal(
        "INVALID_ACTIVITY", "「举办区划」“西门社区”不在“供电公司”已报到的社区内", "placeId"
    )
    water = county.units["water"]
    assert await county.call(
        "water", CREATE, i=activity_input(county.east, organiserUnitId=uid(water))
    ) == refusal(
        "INVALID_ACTIVITY", "「举办区划」“东门社区”不在“自来水公司”已报到的社区内", "placeId"
    )
    # Without naming the unit, a unit admin is no organiser; staff name no unit.
    assert await county.call("power", CREATE, i=activity_input(county.east)) == FORBIDDEN
    assert (
        await county.call("east", CREATE, i=activity_input(county.east, organiserUnitId=uid(power)))
        == FORBIDDEN
    )


async def test_an_activity_serves_a_project_its_organiser_may_link(county: County) -> None:
    create_project = """mutation($i: ProjectInput!, $p: Boolean!) {
      createProject(input: $i, publish: $p) { ... on ProjectSuccess { project { id } } } }"""
    claim = """mutation($p: ID!) { claimProject(projectId: $p, claimant: UNIT) {
      ... on ProjectClaimSuccess { claim { status } } } }"""

    async def project(who: str, node: Node, title: str, publish: bool = True) -> str:
        term = {"startsOn": now().date().isoformat(), "endsOn": "2099-12-31"}
        made = await county.call(
            who,
            create_project,
            i={
                "nodeId": nid(node),
                "title": title,
                "category": "环境义务岗",
                "claimantKind": "BOTH",
                "capacity": 5,
                "claimMode": "SELF",
                **term,
            },
            p=publish,
        )
        found: str = made["project"]["id"]
        return found

    east_project = await project("east", county.east, "楼道清洁")
    west_project = await project("west", county.west, "西门绿化")
    unpublished = await project("east", county.east, "尚在筹备", publish=False)
    linked = await county.create("east", county.east, projectId=east_project)
    assert linked["project"] == {"title": "楼道清洁"}
    power = {"organiserUnitId": uid(county.units["power"])}
    before = await county.snapshot()
    cases = [
        (
            "east",
            {"projectId": west_project},
            refusal("INVALID_ACTIVITY", "「所属项目」“西门绿化”不在您管辖的范围内", "projectId"),
        ),
        (
            "east",
            {"projectId": unpublished},
            refusal("INVALID_ACTIVITY", "「所属项目」“尚在筹备”尚未发布", "projectId"),
        ),
        (
            "power",
            {**power, "projectId": east_project},
            refusal(
                "INVALID_ACTIVITY",
                "「所属项目」“楼道清洁”不是本单位已认领、正在服务的项目",
                "projectId",
            ),
        ),
    ]
    for who, changes, expected in cases:
        assert await county.call(who, CREATE, i=activity_input(county.east, **changes)) == (
            expected
        ), changes
    assert await county.snapshot() == before
    # Once the unit has claimed the project, its activity may serve it.
    assert (await county.call("power", claim, p=east_project))["claim"]["status"] == "CLAIMED"
    served = await county.create("power", county.east, projectId=east_project, **power)
    assert (served["project"], served["organiserUnit"]) == (
        {"title": "楼道清洁"},
        {"name": "供电公司"},
    )


# --- who sees which activities ----------------------------------------------------------


async def test_each_user_sees_the_activities_open_to_them(county: County) -> None:
    await county.published("east", county.east, title="东门活动")
    await county.published("west", county.west, title="西门活动", place="西门广场")
    await county.published(
        "street",
        county.street,
        title="街道活动",
        audience="SCOPE",
        audienceScopeId=nid(county.street),
    )
    await county.create("east", county.garden, title="东园草稿")
    unit_activity = await county.published(
        "power", county.east, title="供电公司活动", organiserUnitId=uid(county.units["power"])
    )
    closed_early = await county.published("east", county.east, title="报名已截止")
    await county.times(closed_early["id"], 1, 3)
    await county.update(
        "UPDATE activities SET signup_closes_at = now() - interval '1 minute' WHERE id = :id",
        id=local(closed_early["id"]),
    )
    # Latest start first (the one moved to start in an hour comes last).
    everything = ["供电公司活动", "东园草稿", "街道活动", "西门活动", "东门活动", "报名已截止"]
    assert await county.titles("admin") == everything
    assert await county.titles("auditor") == everything
    paged: list[str] = []
    cursor = None
    while True:
        found = await county.call(
            "admin",
            """query($a: String) { activities(first: 4, after: $a) {
              edges { node { title } } pageInfo { hasNextPage endCursor } } }""",
            a=cursor,
        )
        paged += [edge["node"]["title"] for edge in found["edges"]]
        if not found["pageInfo"]["hasNextPage"]:
            break
        cursor = found["pageInfo"]["endCursor"]
    assert paged == everything
    assert await county.titles("east") == ["供电公司活动", "东园草稿", "东门活动", "报名已截止"]
    assert await county.titles("leader") == ["东园草稿"]
    zhangs = ["供电公司活动", "街道活动", "东门活动", "报名已截止"]
    assert await county.titles("zhang") == zhangs
    assert await county.titles("wang") == ["街道活动", "西门活动"]
    assert await county.titles("zhao") == []
    # 陈七 is not registered, 孙八 not yet confirmed: nothing is open to them.
    assert await county.titles("chen") == []
    assert await county.titles("sun") == []
    # 城关小学 is registered in 西门社区: the activities published there and street-wide.
    assert await county.titles("school") == ["街道活动", "西门活动"]
    assert await county.titles("power") == zhangs
    assert await county.titles("east", w=nid(county.garden)) == ["东园草稿"]
    assert await county.titles("east", s="DRAFT") == ["东园草稿"]
    assert await county.titles("east", u=uid(county.units["power"])) == ["供电公司活动"]

    # What 张三 may join now, soonest first; what he joined.
    await county.sign_up("zhang", unit_activity["id"])
    assert await county.titles("zhang", j=True) == ["东门活动", "街道活动"]
    assert await county.titles("zhang", m=True) == ["供电公司活动"]
    assert await county.titles("zhang", m=False) == ["街道活动", "东门活动", "报名已截止"]
    assert await county.titles("east", j=True) == []
    # A single read asks the same: 王五 may not open 东门社区's activity.
    body = await county.ask("wang", ONE, id=unit_activity["id"])
    assert body["errors"][0]["message"] == FORBIDDEN["message"]


async def test_lists_of_activities_take_a_fixed_number_of_statements(county: County) -> None:
    query = f"""{{ activities(first: 100) {{ edges {{ node {{ title node {{ name }}
      community {{ name }} organiserUnit {{ name }} {COUNTS} mySignup {{ status }}
      myAttendance {{ checkedInAt }} mayManage }} }} }} }}"""

    async def statements(who: str) -> int:
        return await statements_during(county.db, county.ask(who, query))

    first = await county.published("east", county.east)
    await county.sign_up("zhang", first["id"])
    await county.published(
        "power", county.east, title="单位活动", organiserUnitId=uid(county.units["power"])
    )
    for who in ("east", "zhang"):
        await statements(who)  # the caller's grants are cached from the first request on
    one = {who: await statements(who) for who in ("east", "zhang")}
    for title in ("第二次活动", "第三次活动"):
        made = await county.published("east", county.garden, title=title, capacity=1)
        await county.sign_up("zhang", made["id"])
        await county.sign_up("li", made["id"])
    await county.published(
        "power", county.east, title="单位活动", organiserUnitId=uid(county.units["power"])
    )
    assert {who: await statements(who) for who in ("east", "zhang")} == one


# --- refusals -----------------------------------------------------------------------------


async def test_every_refusal_of_an_activity_is_exact_and_writes_nothing(county: County) -> None:
    open_ = (await county.published("east", county.east, capacity=1))["id"]
    await county.sign_up("zhang", open_)
    await county.sign_up("li", open_)
    draft = (await county.create("east", county.east))["id"]
    cancelled = (await county.published("east", county.east))["id"]
    await county.call("east", CANCEL, id=cancelled, r="改期")
    started = (await county.published("east", county.east))["id"]
    await county.times(started, -0.5, 1.5)
    later = (
        await county.published("east", county.east, signupOpensAt=at(24), signupClosesAt=at(30))
    )["id"]
    [(signup_id,)] = await county.sql(
        "SELECT id FROM activity_signups WHERE member_id = :m", m=county.members["zhang"].id
    )
    zhang_signup = global_id("ActivitySignup", signup_id)
    await county.call("east", REMOVE, s=zhang_signup)  # 李四 moves up
    before = await county.snapshot()
    good = activity_input(county.east)
    opens = shown(at(24))
    cases: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        ("zhang", CREATE, {"i": good}, FORBIDDEN),
        ("leader", CREATE, {"i": activity_input(county.garden)}, FORBIDDEN),
        ("west", CREATE, {"i": good}, FORBIDDEN),
        (
            "east",
            CREATE,
            {"i": {**good, "placeId": global_id("HierarchyNode", 999_999)}},
            refusal("NODE_NOT_FOUND", "未找到该区划或网格节点", "placeId"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "placeId": global_id("Unit", 1)}},
            refusal(
                "NOT_FOUND", f"编号 {global_id('Unit', 1)} 不是有效的HierarchyNode编号", "placeId"
            ),
        ),
        (
            "admin",
            CREATE,
            {"i": {**good, "placeId": nid(county.root)}},
            refusal(
                "INVALID_ACTIVITY",
                "「举办区划」应为乡镇（街道）、社区（村）或其下的小区、楼栋、网格，"
                "而“正定县”是县（区）",
                "placeId",
            ),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "title": "  "}},
            refusal("INVALID_ACTIVITY", "「活动名称」不能为空", "title"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "title": "活" * 51}},
            refusal("INVALID_ACTIVITY", "「活动名称」不能超过 50 个字", "title"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "description": "说" * 2001}},
            refusal("INVALID_ACTIVITY", "「活动内容」不能超过 2000 个字", "description"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "place": ""}},
            refusal("INVALID_ACTIVITY", "「活动地址」不能为空", "place"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "place": "址" * 101}},
            refusal("INVALID_ACTIVITY", "「活动地址」不能超过 100 个字", "place"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "startsAt": at(-1), "endsAt": at(1)}},
            refusal("INVALID_ACTIVITY", "「开始时间」应晚于现在", "startsAt"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "endsAt": good["startsAt"]}},
            refusal("INVALID_ACTIVITY", "「结束时间」应晚于「开始时间」", "endsAt"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "endsAt": at(48 + 24 * 7 + 1)}},
            refusal("INVALID_ACTIVITY", "「结束时间」距「开始时间」不能超过 7 天", "endsAt"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "capacity": 0}},
            refusal(
                "INVALID_ACTIVITY", "「招募人数」应在 1 到 10000 之间（不限人数时不填）", "capacity"
            ),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "capacity": 10_001}},
            refusal(
                "INVALID_ACTIVITY", "「招募人数」应在 1 到 10000 之间（不限人数时不填）", "capacity"
            ),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "signupOpensAt": at(48)}},
            refusal("INVALID_ACTIVITY", "「报名开始时间」应早于「开始时间」", "signupOpensAt"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "signupOpensAt": at(10), "signupClosesAt": at(5)}},
            refusal("INVALID_ACTIVITY", "「报名截止时间」应晚于「报名开始时间」", "signupClosesAt"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "signupClosesAt": at(49)}},
            refusal("INVALID_ACTIVITY", "「报名截止时间」不能晚于「开始时间」", "signupClosesAt"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "postCategory": "跑腿岗"}},
            refusal(
                "INVALID_ACTIVITY",
                "「岗位类别」“跑腿岗”不是本县现行的岗位类别，应为党员先锋岗、环境义务岗、"
                "邻里互助岗、政策宣传岗、法律咨询岗、纠纷调解岗之一",
                "postCategory",
            ),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "audience": "UNIT"}},
            refusal("INVALID_ACTIVITY", "「参加对象」为本单位党员时，活动须由单位组织", "audience"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "audience": "SCOPE"}},
            refusal("INVALID_ACTIVITY", "「报名范围」不能为空", "audienceScopeId"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "audience": "SCOPE", "audienceScopeId": nid(county.garden)}},
            refusal(
                "INVALID_ACTIVITY",
                "「报名范围」“东园小区”应包含举办区划“东门社区”",
                "audienceScopeId",
            ),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "audienceScopeId": nid(county.street)}},
            refusal(
                "INVALID_ACTIVITY",
                "「报名范围」只在参加对象为“在指定范围内报到的党员”时填写",
                "audienceScopeId",
            ),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "collective": True}},
            refusal("INVALID_ACTIVITY", "「单位集体活动」只能由单位组织", "collective"),
        ),
        (
            "east",
            CREATE,
            {"i": {**good, "projectId": global_id("Project", 999_999)}},
            refusal("PROJECT_NOT_FOUND", "未找到该项目", "projectId"),
        ),
        ("zhang", PUBLISH, {"id": draft}, FORBIDDEN),
        ("west", PUBLISH, {"id": draft}, FORBIDDEN),
        ("leader", PUBLISH, {"id": draft}, FORBIDDEN),
        (
            "east",
            PUBLISH,
            {"id": global_id("Activity", 999_999)},
            refusal("ACTIVITY_NOT_FOUND", "未找到该活动", "id"),
        ),
        (
            "east",
            PUBLISH,
            {"id": open_},
            refusal("ACTIVITY_CLOSED", "该活动已发布，不能再发布", "id"),
        ),
        (
            "east",
            PUBLISH,
            {"id": cancelled},
            refusal("ACTIVITY_CLOSED", "该活动已取消，不能再发布", "id"),
        ),
        (
            "east",
            UPDATE,
            {"id": started, "i": good},
            refusal("ACTIVITY_CLOSED", "该活动已开始，不能再修改", "id"),
        ),
        (
            "east",
            UPDATE,
            {"id": cancelled, "i": good},
            refusal("ACTIVITY_CLOSED", "该活动已取消，不能修改", "id"),
        ),
        (
            "east",
            UPDATE,
            {"id": open_, "i": activity_input(county.garden)},
            refusal(
                "INVALID_ACTIVITY",
                "活动已发布，「举办区划」不能修改（已报名的党员按原设定报名）",
                "placeId",
            ),
        ),
        (
            "east",
            UPDATE,
            {"id": open_, "i": {**good, "audience": "SCOPE", "audienceScopeId": nid(county.east)}},
            refusal(
                "INVALID_ACTIVITY",
                "活动已发布，「参加对象」不能修改（已报名的党员按原设定报名）",
                "audience",
            ),
        ),
        (
            "east",
            UPDATE,
            {"id": open_, "i": {**good, "organiserUnitId": uid(county.units["power"])}},
            refusal("INVALID_ACTIVITY", "「组织单位」不能修改", "organiserUnitId"),
        ),
        ("west", UPDATE, {"id": draft, "i": good}, FORBIDDEN),
        ("east", UPDATE, {"id": draft, "i": activity_input(county.west)}, FORBIDDEN),
        ("zhang", CANCEL, {"id": open_, "r": "不办了"}, FORBIDDEN),
        (
            "east",
            CANCEL,
            {"id": open_, "r": " "},
            refusal("INVALID_ACTIVITY", "「取消原因」不能为空", "reason"),
        ),
        (
            "east",
            CANCEL,
            {"id": open_, "r": "因" * 201},
            refusal("INVALID_ACTIVITY", "「取消原因」不能超过 200 个字", "reason"),
        ),
        (
            "east",
            CANCEL,
            {"id": cancelled, "r": "改期"},
            refusal("ACTIVITY_CLOSED", "该活动已取消，不能取消", "id"),
        ),
        # Sign-up.
        ("east", SIGN_UP, {"id": open_}, FORBIDDEN),
        ("power", SIGN_UP, {"id": open_}, FORBIDDEN),
        (
            "zhao",
            SIGN_UP,
            {"id": open_},
            refusal(
                "NOT_ELIGIBLE",
                "您不在本活动的参加对象之内：本活动仅限在“东门社区”报到的党员参加",
                "id",
            ),
        ),
        (
            "chen",
            SIGN_UP,
            {"id": open_},
            refusal(
                "NOT_ELIGIBLE",
                "您不在本活动的参加对象之内：本活动仅限在“东门社区”报到的党员参加",
                "id",
            ),
        ),
        (
            "sun",
            SIGN_UP,
            {"id": open_},
            refusal(
                "NOT_ELIGIBLE",
                "您不在本活动的参加对象之内：本活动仅限在“东门社区”报到的党员参加",
                "id",
            ),
        ),
        (
            "zhang",
            SIGN_UP,
            {"id": global_id("Activity", 999_999)},
            refusal("ACTIVITY_NOT_FOUND", "未找到该活动", "id"),
        ),
        (
            "zhang",
            SIGN_UP,
            {"id": draft},
            refusal("ACTIVITY_CLOSED", "该活动尚未发布，不能报名", "id"),
        ),
        (
            "zhang",
            SIGN_UP,
            {"id": cancelled},
            refusal("ACTIVITY_CLOSED", "该活动已取消，不能报名", "id"),
        ),
        (
            "zhang",
            SIGN_UP,
            {"id": later},
            refusal("SIGNUP_CLOSED", f"报名将于 {opens} 开始", "id"),
        ),
        (
            "li",
            SIGN_UP,
            {"id": open_},
            refusal("ALREADY_SIGNED_UP", "您已报名该活动", "id"),
        ),
        (
            "zhang",
            WITHDRAW,
            {"id": open_},
            refusal("NOT_SIGNED_UP", "您没有报名该活动", "id"),
        ),
        ("east", WITHDRAW, {"id": open_}, FORBIDDEN),
        (
            "li",
            WITHDRAW,
            {"id": cancelled},
            refusal("ACTIVITY_CLOSED", "该活动已取消，不能取消报名", "id"),
        ),
        ("west", REMOVE, {"s": zhang_signup}, FORBIDDEN),
        ("li", REMOVE, {"s": zhang_signup}, FORBIDDEN),
        (
            "east",
            REMOVE,
            {"s": zhang_signup},
            refusal("NOT_SIGNED_UP", "该报名已取消", "signupId"),
        ),
        (
            "east",
            REMOVE,
            {"s": global_id("ActivitySignup", 999_999)},
            refusal("ACTIVITY_SIGNUP_NOT_FOUND", "未找到该报名", "signupId"),
        ),
    ]
    for who, mutation, variables, expected in cases:
        result = await county.call(who, mutation, **variables)
        assert result == expected, (who, variables)
    assert await county.snapshot() == before


async def test_signing_up_after_sign_up_closed_or_withdrawing_after_the_start_is_refused(
    county: County,
) -> None:
    activity = (await county.published("east", county.east))["id"]
    await county.sign_up("zhang", activity)
    await county.times(activity, -0.5, 1.5)
    [(closes,)] = await county.sql(
        "SELECT signup_closes_at FROM activities WHERE id = :id", id=local(activity)
    )
    before = await county.snapshot()
    assert await county.call("li", SIGN_UP, id=activity) == refusal(
        "SIGNUP_CLOSED", f"报名已于 {shown(closes)} 截止", "id"
    )
    assert await county.call("zhang", WITHDRAW, id=activity) == refusal(
        "SIGNUP_CLOSED", "活动已开始，不能取消报名", "id"
    )
    assert await county.snapshot() == before
