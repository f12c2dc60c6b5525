"""Service records through GraphQL, as each user meets them: the organiser confirms after
the public notice or declines with a reason (谁组织谁记录，谁记录谁证明), corrects as a new
version; members, unit admins and community staff each list what is theirs; a member's
and a unit's totals by period against the county's quotas. Every refusal is exact and
writes nothing. The county and its helpers here serve test_record_sources.py too."""

import asyncio
import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from sqlalchemy import text

from infra.clock import CHINA, today
from infra.db import TENANT_SETTING, Database, libpq_url
from infra.settings import Settings
from services.activities.models import Activity, ActivityStatus, Audience
from services.records.models import RecordSource
from services.records.recording import Service, add_record
from services.registry.models import Member, Unit
from services.registry.numbers import credit_code_check_char
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import bearer, global_id, statements_during, token_for
from tests.conftest import ClonedDatabase, GraphQLCall, MakeTenant
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
TABLES = ("service_records", "service_record_versions", "events")

RECORD_FIELDS = """id source sourceName status statusName title postCategory startedAt endedAt
  serviceOn minutes hours version noticeUntil note declineReason onNotice mayDecide
  member { name } node { name } organiserUnit { name }"""
SAVED = f"... on ServiceRecordSuccess {{ record {{ {RECORD_FIELDS} }} }} {ERROR}"
RECORD = f"mutation($i: ServiceRecordInput!) {{ recordService(input: $i) {{ {SAVED} }} }}"
CONFIRM = f"""mutation($id: ID!, $n: String) {{
  confirmServiceRecord(id: $id, note: $n) {{ {SAVED} }} }}"""
CONFIRM_MANY = f"""mutation($ids: [ID!]!, $n: String) {{
  confirmServiceRecords(ids: $ids, note: $n) {{
    ... on ServiceRecordsSuccess {{ records {{ id status version }} }} {ERROR} }} }}"""
DECLINE = f"""mutation($id: ID!, $r: String!) {{
  declineServiceRecord(id: $id, reason: $r) {{ {SAVED} }} }}"""
CORRECT = f"""mutation($id: ID!, $r: String!, $s: DateTime, $e: DateTime, $h: Decimal) {{
  correctServiceRecord(id: $id, reason: $r, startedAt: $s, endedAt: $e, hours: $h) {{
    {SAVED} }} }}"""
HISTORY = """query($id: ID!) { serviceRecord(id: $id) { status version hours versions {
  version change changeName status hours minutes reason changedByName } } }"""
LIST = """query($w: ID, $m: ID, $u: ID, $s: ServiceRecordStatus, $src: ServiceRecordSource,
  $from: Date, $to: Date, $c: Boolean! = false) {
  serviceRecords(first: 100, within: $w, memberId: $m, unitId: $u, status: $s, source: $src,
    from: $from, to: $to, toConfirm: $c) { edges { node { title } } } }"""
SET_RULES = """mutation($from: Date!, $rules: RulesInput!) {
  setRules(effectiveFrom: $from, rules: $rules) { __typename } }"""


def credit_code(serial: int) -> str:
    first17 = f"91130123MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


def nid(node: Node) -> str:
    return global_id("HierarchyNode", node.id)


def rid(record_id: int) -> str:
    return global_id("ServiceRecord", record_id)


def local(global_value: str) -> int:
    return int(base64.b64decode(global_value).decode().split(":")[1])


def ago(days: int) -> date:
    return today() - timedelta(days=days)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A time of a day in China."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA)


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def refusal(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


FORBIDDEN = refusal("FORBIDDEN", "您没有在此范围内进行该操作的权限")


@dataclass
class County:
    graphql: GraphQLCall
    db: Database
    owner_url: str
    tenant_id: UUID
    root: Node
    street: Node
    east: Node
    garden: Node
    west: Node
    south: Node
    units: dict[str, Unit]
    members: dict[str, Member]
    tokens: dict[str, dict[str, str]]

    def mid(self, who: str) -> str:
        return global_id("Member", self.members[who].id)

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
        return {"code": error["extensions"]["code"], "message": error["message"]}

    async def saved(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(who, query, **variables)
        assert "record" in result, result
        record: dict[str, Any] = result["record"]
        return record

    async def record(self, who: str, **service: Any) -> dict[str, Any]:
        return await self.saved(who, RECORD, i=service)

    async def titles(self, who: str, **variables: Any) -> list[str]:
        found = await self.call(who, LIST, **variables)
        return [edge["node"]["title"] for edge in found["edges"]]

    async def sql(self, statement: str, **values: Any) -> list[Any]:
        async with self.db.tenant_session(self.tenant_id) as session:
            return list((await session.execute(text(statement), values)).all())

    async def update(self, statement: str, **values: Any) -> None:
        async with self.db.tenant_session(self.tenant_id) as session:
            await session.execute(text(statement), values)

    async def snapshot(self) -> dict[str, Any]:
        rows: dict[str, Any] = {}
        for table in TABLES:
            query = f"""SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text),
                '[]'::jsonb) FROM {table} t"""
            rows[table] = (await self.sql(query))[0][0]
        done = "SELECT action FROM audit_log WHERE outcome = 'succeeded' ORDER BY id"
        rows["audit_log"] = [row[0] for row in await self.sql(done)]
        return rows

    async def event_types(self) -> list[str]:
        return [row[0] for row in await self.sql("SELECT type FROM events ORDER BY id")]

    async def set_rules(self, rules: dict[str, Any], *, since: date | None = None) -> None:
        """The county admin sets rules from today; `since`: as if set long ago (time passing:
        the version's effective date rewritten as the owner, the app may not)."""
        result = await self.call("admin", SET_RULES, rules=rules, **{"from": today().isoformat()})
        assert result == {"__typename": "RulesSuccess"}, result
        if since is None:
            return
        connection = await asyncpg.connect(self.owner_url)
        try:
            async with connection.transaction():
                sql = f"SELECT set_config('{TENANT_SETTING}', $1, true)"
                await connection.execute(sql, str(self.tenant_id))
                await connection.execute(
                    "UPDATE tenant_rules SET effective_from = $1 WHERE effective_from = $2",
                    since,
                    today(),
                )
        finally:
            await connection.close()

    async def activity(
        self,
        *,
        unit: str | None = None,
        day: date | None = None,
        hours: tuple[int, int] = (9, 12),
        status: ActivityStatus = ActivityStatus.FINISHED,
        collective: bool = False,
        audience: Audience = Audience.COMMUNITY,
        title: str = "清洁家园",
    ) -> Activity:
        """An activity at 东门社区 as its organiser left it (a factory: written directly)."""
        on = day or ago(2)
        starts, ends = at(on, hours[0]), at(on, hours[1])
        async with self.db.tenant_session(self.tenant_id) as session:
            activity = Activity(
                tenant_id=self.tenant_id,
                node_id=self.east.id,
                scope_path=self.east.path,
                community_id=self.east.id,
                organiser_unit_id=None if unit is None else self.units[unit].id,
                collective=collective,
                title=title,
                post_category="党员先锋岗",
                place="东门社区广场",
                starts_at=starts,
                ends_at=ends,
                signup_opens_at=starts - timedelta(days=7),
                signup_closes_at=starts - timedelta(hours=1),
                audience=audience,
                audience_node_id=None if audience is Audience.UNIT else self.east.id,
                audience_path=None if audience is Audience.UNIT else self.east.path,
                status=status,
                code_secret=b"0" * 32,
                created_by_name="东门社区",
            )
            session.add(activity)
            await session.flush()
        return activity

    async def add(
        self,
        who: str,
        started: datetime,
        ended: datetime,
        *,
        title: str = "社区服务",
        node: Node | None = None,
        activity: Activity | None = None,
        status: str = "pending",
    ) -> int:
        """A record written as its organiser's step would write it (a factory), then left
        in `status`."""
        if activity is not None:
            place = (activity.node_id, activity.scope_path)
        else:
            place = ((node or self.east).id, (node or self.east).path)
        service = Service(
            member_id=self.members[who].id,
            source=RecordSource.ENTERED if activity is None else RecordSource.ACTIVITY,
            node=place,
            organiser_unit_id=None if activity is None else activity.organiser_unit_id,
            title=title if activity is None else activity.title,
            post_category=None,
            started_at=started,
            ended_at=ended,
            activity_id=None if activity is None else activity.id,
        )
        async with self.db.tenant_session(self.tenant_id) as session:
            record = await add_record(session, None, service)
            record_id = record.id
        if status != "pending":
            await self.update(
                "UPDATE service_records SET status = CAST(:s AS record_status) WHERE id = :id",
                s=status,
                id=record_id,
            )
        return record_id

    def entered(self, who: str, started: datetime, ended: datetime, **more: Any) -> dict[str, Any]:
        """The input of a service entered by 东门社区 for a member."""
        return {
            "source": {"nodeId": nid(self.east)},
            "memberId": self.mid(who),
            "startedAt": started.isoformat(),
            "endedAt": ended.isoformat(),
            "title": "义务理发",
            **more,
        }


async def make_county(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    test_database: ClonedDatabase,
) -> County:
    """A street with 东门社区 (and its 东园小区) and 西门社区, another street with 南门社区;
    供电公司 in east and 城关小学 in west, each with members registered where they live;
    an account for the staff, the two units' admins and each member."""
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道")
    east = await add_node(db, street, NodeKind.COMMUNITY, "东门社区")
    garden = await add_node(db, east, NodeKind.COMPOUND, "东园小区")
    west = await add_node(db, street, NodeKind.COMMUNITY, "西门社区")
    south_street = await add_node(db, root, NodeKind.TOWNSHIP, "南关街道")
    south = await add_node(db, south_street, NodeKind.COMMUNITY, "南门社区")
    units = {
        "power": await add_unit(db, east, "供电公司", credit_code(1)),
        "school": await add_unit(db, west, "城关小学", credit_code(2)),
    }
    await register_unit(db, units["power"], east)
    await register_unit(db, units["school"], west)
    # Who, of which unit, living where, registered with which community.
    people = {
        "zhang": ("张三", "power", garden, east),
        "li": ("李四", "power", garden, east),
        "zhao": ("赵六", "power", south, south),
        "wang": ("王五", "school", west, west),
        "chen": ("陈七", "school", garden, east),
    }
    members = {}
    for i, (key, (name, unit, home, community)) in enumerate(people.items()):
        member = await add_member(db, settings, home, units[unit], name, f"1380000000{i}")
        await register_member(db, member, community, residence=home)
        members[key] = member
    accounts: dict[str, tuple[str, Node, Unit | None, Member | None]] = {
        "admin": ("county_admin", root, None, None),
        "street": ("township_admin", street, None, None),
        "east": ("community_admin", east, None, None),
        "west": ("community_admin", west, None, None),
        "power": ("org_admin", east, units["power"], None),
        "school": ("org_admin", west, units["school"], None),
        **{key: ("member", people[key][2], None, members[key]) for key in people},
    }
    tokens = {}
    for username, (role, node, unit_row, linked) in accounts.items():
        await add_user(
            db,
            settings,
            tenant.id,
            username,
            node=node,
            roles=[(role, node)],
            unit_id=unit_row.id if unit_row else None,
            member_id=linked.id if linked else None,
        )
        tokens[username] = bearer(await token_for(graphql, username, county=COUNTY))
    return County(
        graphql,
        db,
        libpq_url(test_database.owner_url),
        tenant.id,
        root,
        street,
        east,
        garden,
        west,
        south,
        units,
        members,
        tokens,
    )


@pytest.fixture
async def county(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    test_database: ClonedDatabase,
) -> County:
    return await make_county(graphql, make_tenant, db, settings, test_database)


# --- deciding -------------------------------------------------------------------------

DECIDING = "query($id: ID!) { serviceRecord(id: $id) { status mayDecide onNotice } }"


async def test_the_organiser_confirms_once_the_notice_is_over_and_may_decline_during_it(
    county: County,
) -> None:
    await county.set_rules({"noticeDays": 3})
    day = ago(2)
    first = await county.record("east", **county.entered("zhang", at(day, 9), at(day, 11)))
    last_day = today() + timedelta(days=2)
    assert (first["status"], first["noticeUntil"], first["onNotice"], first["mayDecide"]) == (
        "PENDING",
        last_day.isoformat(),
        True,
        True,
    )
    # The member reads it, on notice, and may not decide on it.
    assert await county.call("zhang", DECIDING, id=first["id"]) == {
        "status": "PENDING",
        "mayDecide": False,
        "onNotice": True,
    }
    before = await county.snapshot()
    assert await county.call("east", CONFIRM, id=first["id"]) == refusal(
        "NOTICE_NOT_OVER", f"公示期至 {last_day.month} 月 {last_day.day} 日，期满后方可确认", "id"
    )
    assert await county.call("east", CONFIRM_MANY, ids=[first["id"]]) == refusal(
        "NOTICE_NOT_OVER",
        f"服务记录“义务理发”（{day.month}月{day.day}日）公示期至 {last_day.month} 月 "
        f"{last_day.day} 日，期满后方可确认",
        "ids",
    )
    assert await county.snapshot() == before
    assert await county.titles("east", c=True) == []

    # An objection during the notice: not confirmed, with the reason the member reads.
    second = await county.record("east", **county.entered("li", at(day, 9), at(day, 11)))
    assert await county.call("east", DECLINE, id=second["id"], r="  ") == refusal(
        "INVALID_SERVICE_RECORD", "「不予确认的理由」不能为空", "reason"
    )
    declined = await county.saved("east", DECLINE, id=second["id"], r="当天未到场，群众有异议")
    assert (
        declined["status"],
        declined["statusName"],
        declined["declineReason"],
        declined["version"],
        declined["onNotice"],
        declined["mayDecide"],
    ) == ("DECLINED", "未予确认", "当天未到场，群众有异议", 2, False, False)

    # The notice ends (its last day passes): now it is to confirm, and is confirmed.
    await county.update(
        "UPDATE service_records SET notice_until = :d WHERE id = :id",
        d=ago(1),
        id=local(first["id"]),
    )
    assert await county.titles("east", c=True) == ["义务理发"]
    confirmed = await county.saved("east", CONFIRM, id=first["id"], n="经公示无异议")
    assert (confirmed["status"], confirmed["version"], confirmed["mayDecide"]) == (
        "CONFIRMED",
        2,
        False,
    )
    assert await county.titles("east", c=True) == []
    history = await county.call("zhang", HISTORY, id=first["id"])
    assert history["versions"] == [
        {
            "version": 1,
            "change": "CREATED",
            "changeName": "记录",
            "status": "PENDING",
            "hours": "2.00",
            "minutes": 120,
            "reason": None,
            "changedByName": "east同志",
        },
        {
            "version": 2,
            "change": "CONFIRMED",
            "changeName": "确认",
            "status": "CONFIRMED",
            "hours": "2.00",
            "minutes": 120,
            "reason": "经公示无异议",
            "changedByName": "east同志",
        },
    ]
    assert await county.event_types() == [
        "service_record.created",
        "service_record.created",
        "service_record.declined",
        "service_record.confirmed",
    ]
    [(declining,)] = await county.sql(
        "SELECT payload FROM events WHERE type = 'service_record.declined'"
    )
    assert (declining["status"], declining["version"], declining["reason"]) == (
        "declined",
        2,
        "当天未到场，群众有异议",
    )

    # Decided is decided.
    before = await county.snapshot()
    assert await county.call("east", CONFIRM, id=first["id"]) == refusal(
        "RECORD_CLOSED", "该服务记录已确认，不能再确认", "id"
    )
    assert await county.call("east", DECLINE, id=first["id"], r="重复记录") == refusal(
        "RECORD_CLOSED", "该服务记录已确认，不能再标记为不予确认", "id"
    )
    assert await county.call("east", CONFIRM, id=second["id"]) == refusal(
        "RECORD_CLOSED", "该服务记录已不予确认，不能再确认", "id"
    )
    assert await county.snapshot() == before


FORBIDDEN_QUERY = {"code": "FORBIDDEN", "message": "您没有在此范围内进行该操作的权限"}
BOARD = """query($n: ID!) { serviceRecordsOnNotice(nodeId: $n, first: 20) { edges { node {
  memberName title hours noticeUntil sourceName node { name } } } } }"""


async def test_records_on_notice_are_shown_where_they_were_served_with_names_masked(
    county: County,
) -> None:
    await county.set_rules({"noticeDays": 3})
    day = ago(1)
    await county.record("east", **county.entered("zhang", at(day, 9), at(day, 11)))
    west_entry = {"source": {"nodeId": nid(county.west)}}
    await county.record("west", **county.entered("wang", at(day, 9), at(day, 10), **west_entry))
    last_day = (today() + timedelta(days=2)).isoformat()
    east_board = [
        {
            "memberName": "张*",
            "title": "义务理发",
            "hours": "2.00",
            "noticeUntil": last_day,
            "sourceName": "组织方登记",
            "node": {"name": "东门社区"},
        }
    ]

    async def board(who: str, node: Node) -> list[dict[str, Any]]:
        found = await county.call(who, BOARD, n=nid(node))
        return [edge["node"] for edge in found["edges"]]

    # Staff, and the units and members registered with 东门社区, see its board; a street
    # sees its communities' boards together.
    for who in ("east", "power", "li", "chen"):
        assert await board(who, county.east) == east_board
    assert [r["memberName"] for r in await board("street", county.street)] == ["王*", "张*"]
    # Another community's people and staff do not.
    for who in ("wang", "school", "west", "zhao"):
        assert await county.refused_query(who, BOARD, n=nid(county.east)) == FORBIDDEN_QUERY
    # Confirmed, declined, or past its notice: off the board.
    await county.update("UPDATE service_records SET notice_until = :d", d=ago(1))
    assert await board("east", county.east) == []


async def test_only_the_organiser_decides_and_a_refusal_writes_nothing(county: County) -> None:
    day = ago(3)
    by_east = rid(await county.add("zhang", at(day, 9), at(day, 10), title="东门社区义诊"))
    activity = await county.activity(unit="power", day=ago(4), title="供电安全讲座")
    by_power = rid(await county.add("li", at(ago(4), 9), at(ago(4), 12), activity=activity))
    before = await county.snapshot()
    # Another community's staff, the member, other units' admins; and for what a unit
    # organised, the community's and the street's staff too (谁组织谁记录).
    refused = [
        ("west", by_east),
        ("zhang", by_east),
        ("school", by_east),
        ("power", by_east),
        ("school", by_power),
        ("east", by_power),
        ("street", by_power),
        ("li", by_power),
    ]
    for who, record in refused:
        assert await county.call(who, CONFIRM, id=record) == FORBIDDEN, who
        assert await county.call(who, DECLINE, id=record, r="不属实") == FORBIDDEN, who
        assert await county.call(who, CORRECT, id=record, r="更正", h="0.5") == FORBIDDEN, who
    # A batch with one record the caller did not organise is refused whole.
    assert await county.call("east", CONFIRM_MANY, ids=[by_east, by_power]) == FORBIDDEN
    assert await county.snapshot() == before
    denied = await county.sql(
        "SELECT count(*) FROM audit_log WHERE outcome = 'denied' AND action = "
        "'service_record.decide'"
    )
    # Each refusal is kept in the audit log: three steps per caller, and the batch.
    assert denied[0][0] == 3 * len(refused) + 1

    # The organisers: the staff of east's street above it, and the unit's own admin.
    confirmed = await county.call("street", CONFIRM_MANY, ids=[by_east], n="核实无误")
    assert confirmed == {"records": [{"id": by_east, "status": "CONFIRMED", "version": 2}]}
    assert (await county.saved("power", CONFIRM, id=by_power))["status"] == "CONFIRMED"

    # All or none: one confirmed already in a batch, and the other stays pending.
    fresh = rid(await county.add("chen", at(day, 14), at(day, 15), title="垃圾分类宣传"))
    before = await county.snapshot()
    assert await county.call("east", CONFIRM_MANY, ids=[fresh, by_east]) == refusal(
        "RECORD_CLOSED",
        f"服务记录“东门社区义诊”（{day.month}月{day.day}日）已确认，不能再确认",
        "ids",
    )
    assert await county.call("east", CONFIRM_MANY, ids=[]) == refusal(
        "INVALID_SERVICE_RECORD", "至少选择一条服务记录", "ids"
    )
    many = [rid(i) for i in range(1, 202)]
    assert await county.call("east", CONFIRM_MANY, ids=many) == refusal(
        "INVALID_SERVICE_RECORD", "一次最多确认 200 条服务记录", "ids"
    )
    assert await county.call("east", CONFIRM_MANY, ids=[fresh, rid(999999)]) == refusal(
        "SERVICE_RECORD_NOT_FOUND", "未找到该服务记录", "ids"
    )
    assert await county.call("east", CONFIRM, id=global_id("Wish", 1)) == refusal(
        "NOT_FOUND", f"编号 {global_id('Wish', 1)} 不是有效的ServiceRecord编号", "id"
    )
    assert await county.snapshot() == before
    assert (await county.call("east", DECIDING, id=fresh))["status"] == "PENDING"


async def test_two_confirmations_of_one_record_at_once_confirm_it_once(county: County) -> None:
    day = ago(2)
    record = rid(await county.add("zhang", at(day, 9), at(day, 10)))
    results = await asyncio.gather(
        county.call("east", CONFIRM, id=record), county.call("street", CONFIRM, id=record)
    )
    [done] = [result for result in results if "record" in result]
    [closed] = [result for result in results if "record" not in result]
    assert (done["record"]["status"], done["record"]["version"]) == ("CONFIRMED", 2)
    assert closed == refusal("RECORD_CLOSED", "该服务记录已确认，不能再确认", "id")
    versions = await county.sql("SELECT version FROM service_record_versions ORDER BY version")
    assert [row[0] for row in versions] == [1, 2]
    assert await county.event_types() == ["service_record.created", "service_record.confirmed"]


# --- correcting -----------------------------------------------------------------------


async def test_a_correction_is_a_new_version_saying_who_when_and_why(county: County) -> None:
    day = ago(3)
    made = await county.record("east", **county.entered("zhang", at(day, 9), at(day, 11)))
    record = made["id"]
    await county.add("zhang", at(day, 14), at(day, 16), title="助老陪护")
    before = await county.snapshot()
    shown = f"{day.month}月{day.day}日"
    wrong = [
        ({"r": " "}, refusal("INVALID_SERVICE_RECORD", "「更正原因」不能为空", "reason")),
        (
            {"r": "核对", "s": at(day, 9).isoformat(), "e": at(day, 11).isoformat()},
            refusal(
                "INVALID_SERVICE_RECORD",
                "更正后的服务时间和时长与原记录相同，无需更正",
                "startedAt",
            ),
        ),
        (
            {"r": "核对", "e": at(day, 15).isoformat()},
            refusal(
                "RECORD_OVERLAPS",
                f"该党员 {shown} 14:00 至 {shown} 16:00 已有服务记录「助老陪护」，"
                "时间重叠，不能重复记录",
                "startedAt",
            ),
        ),
        (
            {"r": "核对", "h": "2.5"},
            refusal("HOURS_ABOVE_CAP", "服务时长 2.5 小时超过了实际服务时间（2 小时）", "hours"),
        ),
        (
            {"r": "核对", "e": at(day, 8).isoformat()},
            refusal("INVALID_SERVICE_RECORD", "「结束时间」应晚于「开始时间」", "endedAt"),
        ),
        (
            {"r": "核对", "h": "NaN"},
            refusal("INVALID_SERVICE_RECORD", "「服务时长」应为小时数，如 2.5", "hours"),
        ),
    ]
    for variables, expected in wrong:
        assert await county.call("east", CORRECT, id=record, **variables) == expected, variables
    assert await county.snapshot() == before

    corrected = await county.saved(
        "east", CORRECT, id=record, r="核对签到表：实际 8:30 到场", s=at(day, 8, 30).isoformat()
    )
    assert (corrected["status"], corrected["version"], corrected["hours"]) == (
        "PENDING",
        2,
        "2.50",
    )
    assert (moment(corrected["startedAt"]), corrected["minutes"]) == (at(day, 8, 30), 150)
    await county.saved("east", CONFIRM, id=record)
    # A confirmed record is corrected too, and stays confirmed.
    again = await county.saved("east", CORRECT, id=record, r="按活动方案只计 2 小时", h="2")
    assert (again["status"], again["version"], again["hours"]) == ("CONFIRMED", 4, "2.00")
    history = await county.call("zhang", HISTORY, id=record)
    assert [
        (v["version"], v["change"], v["status"], v["hours"], v["reason"], v["changedByName"])
        for v in history["versions"]
    ] == [
        (1, "CREATED", "PENDING", "2.00", None, "east同志"),
        (2, "CORRECTED", "PENDING", "2.50", "核对签到表：实际 8:30 到场", "east同志"),
        (3, "CONFIRMED", "CONFIRMED", "2.50", None, "east同志"),
        (4, "CORRECTED", "CONFIRMED", "2.00", "按活动方案只计 2 小时", "east同志"),
    ]
    [(first,), (second,)] = await county.sql(
        "SELECT payload FROM events WHERE type = 'service_record.corrected' ORDER BY id"
    )
    assert first["reason"] == "核对签到表：实际 8:30 到场"
    assert (first["before"]["hours"], first["after"]["hours"]) == ("2.00", "2.50")
    assert (first["before"]["minutes"], first["after"]["minutes"]) == (120, 150)
    assert moment(first["before"]["started_at"]) == at(day, 9)
    assert moment(first["after"]["started_at"]) == at(day, 8, 30)
    assert (second["status"], second["before"]["hours"], second["after"]["hours"]) == (
        "confirmed",
        "2.50",
        "2.00",
    )

    # Not confirmed: recorded anew if need be, never corrected.
    other = await county.record("east", **county.entered("li", at(day, 9), at(day, 10)))
    await county.saved("east", DECLINE, id=other["id"], r="未到场")
    assert await county.call("east", CORRECT, id=other["id"], r="补记", h="0.5") == refusal(
        "RECORD_CLOSED", "该服务记录已不予确认，不能更正；如确有服务，请重新记录", "id"
    )


# --- reading --------------------------------------------------------------------------

ONE = "query($id: ID!) { serviceRecord(id: $id) { title } }"


async def test_each_reads_the_records_that_are_theirs(county: County) -> None:
    await county.add("zhang", at(ago(5), 9), at(ago(5), 10), title="东门义诊")
    chen = await county.add("chen", at(ago(4), 9), at(ago(4), 10), title="东门巡逻")
    west = await county.add(
        "wang", at(ago(3), 9), at(ago(3), 10), title="西门宣讲", node=county.west
    )
    activity = await county.activity(unit="power", day=ago(2), title="供电安全讲座")
    await county.add("zhang", at(ago(2), 9), at(ago(2), 12), activity=activity)
    await county.add("zhao", at(ago(1), 9), at(ago(1), 10), title="南门清扫", node=county.south)
    noticed = await county.add("li", at(ago(1), 14), at(ago(1), 15), title="东门助老")
    await county.update(
        "UPDATE service_records SET notice_until = :d WHERE id = :id",
        d=today() + timedelta(days=2),
        id=noticed,
    )
    # A member: their own. A unit's admin: its members' and what it organised.
    assert await county.titles("zhang") == ["供电安全讲座", "东门义诊"]
    assert await county.titles("power") == ["东门助老", "南门清扫", "供电安全讲座", "东门义诊"]
    assert await county.titles("school") == ["西门宣讲", "东门巡逻"]
    # Staff: what was organised in their scope; to confirm, only what they organised and
    # is off notice (not the unit's activity, not the record on notice).
    assert await county.titles("east") == ["东门助老", "供电安全讲座", "东门巡逻", "东门义诊"]
    assert await county.titles("east", c=True) == ["东门巡逻", "东门义诊"]
    assert await county.titles("power", c=True) == ["供电安全讲座"]
    assert await county.titles("zhang", c=True) == []
    assert await county.titles("west") == ["西门宣讲"]
    everything = ["东门助老", "供电安全讲座", "西门宣讲", "东门巡逻", "东门义诊"]
    assert await county.titles("street") == everything
    # Filters.
    assert await county.titles("street", w=nid(county.west)) == ["西门宣讲"]
    school = global_id("Unit", county.units["school"].id)
    assert await county.titles("street", u=school) == ["西门宣讲", "东门巡逻"]
    assert await county.titles("street", m=county.mid("zhang")) == ["供电安全讲座", "东门义诊"]
    assert await county.titles("street", src="ACTIVITY") == ["供电安全讲座"]
    assert await county.titles(
        "street", **{"from": ago(3).isoformat(), "to": ago(2).isoformat()}
    ) == ["供电安全讲座", "西门宣讲"]
    await county.update("UPDATE service_records SET status = 'confirmed' WHERE id = :id", id=chen)
    assert await county.titles("street", s="CONFIRMED") == ["东门巡逻"]
    assert await county.titles("admin", s="PENDING", w=nid(county.south)) == ["南门清扫"]

    # One record: to whom it is readable; refused (not hidden) to others.
    assert await county.call("school", ONE, id=rid(chen)) == {"title": "东门巡逻"}
    forbidden = {"code": "FORBIDDEN", "message": "您没有在此范围内进行该操作的权限"}
    assert await county.refused_query("zhang", ONE, id=rid(chen)) == forbidden
    assert await county.refused_query("east", ONE, id=rid(west)) == forbidden
    assert await county.refused_query("east", ONE, id=rid(999999)) == {
        "code": "SERVICE_RECORD_NOT_FOUND",
        "message": "未找到该服务记录",
    }


async def test_a_list_of_records_takes_a_fixed_number_of_statements(county: County) -> None:
    query = """{ serviceRecords(first: 100) { edges { node { title hours mayDecide onNotice
      member { name } node { name } organiserUnit { name } activity { title }
      versions { version changedByName } } } } }"""

    async def add(days: range) -> None:
        for n in days:
            activity = await county.activity(day=ago(n), title=f"活动{n}")
            await county.add("zhang", at(ago(n), 9), at(ago(n), 11), activity=activity)

    async def statements() -> int:
        return await statements_during(county.db, county.ask("east", query))

    await add(range(1, 4))
    await statements()  # the caller's grants are cached from the first request on
    three = await statements()
    await add(range(4, 13))
    twelve = await statements()
    found = await county.call("east", query)
    assert len(found["edges"]) == 12
    assert found["edges"][0]["node"]["activity"] == {"title": "活动1"}
    assert found["edges"][0]["node"]["versions"] == [{"version": 1, "changedByName": "定时任务"}]
    assert three == twelve


# --- totals ---------------------------------------------------------------------------

TOTALS = """query($m: ID, $y: Int!) { serviceTotals(memberId: $m, year: $y) {
  year member { name }
  wholeYear { ...Tally } halfYears { ...Tally } quarters { ...Tally } months { ...Tally }
  allTimeHours starLevel nextStarHours
  quotas { period periodName minHours minTimes
    checks { period { label } hours times met } } } }
fragment Tally on ServiceTally {
  period { label firstDay lastDay ended } confirmedHours confirmedTimes pendingHours pendingCount
}"""
UNIT_TOTALS = """query($u: ID!, $y: Int!) { unitServiceTotals(unitId: $u, year: $y) {
  year activitiesPerQuarter unit { name }
  quarters { period { label } confirmedHours confirmedTimes collectiveActivities met }
  members { member { name } hours times quarters { hours times } } } }"""


def tally(confirmed: str, times: int, pending: str = "0.00", count: int = 0) -> dict[str, Any]:
    return {
        "confirmedHours": confirmed,
        "confirmedTimes": times,
        "pendingHours": pending,
        "pendingCount": count,
    }


async def test_a_members_totals_by_period_against_the_county_quotas(county: County) -> None:
    year = today().year - 1
    rules = {
        "memberQuotas": [
            {"period": "YEAR", "minHours": 10, "minTimes": 3},
            {"period": "QUARTER", "minHours": 2, "minTimes": 1},
        ],
        "starLevels": [5, 10, 20, 30, 40],
    }
    await county.set_rules(rules, since=date(year - 1, 1, 1))
    for on, start, end, status in (
        (date(year, 2, 10), (9, 0), (12, 0), "confirmed"),
        (date(year, 5, 20), (8, 0), (12, 0), "confirmed"),
        (date(year, 5, 21), (9, 0), (11, 0), "pending"),
        (date(year, 11, 3), (9, 0), (10, 30), "confirmed"),
        (date(year, 11, 4), (9, 0), (11, 0), "declined"),
        # Other years count toward the star level only.
        (date(year - 1, 6, 1), (9, 0), (11, 0), "confirmed"),
    ):
        await county.add("zhang", at(on, *start), at(on, *end), status=status)
    totals = await county.call("zhang", TOTALS, y=year)
    assert (totals["year"], totals["member"]) == (year, {"name": "张三"})
    assert totals["wholeYear"] == {
        "period": {
            "label": f"{year}年",
            "firstDay": f"{year}-01-01",
            "lastDay": f"{year}-12-31",
            "ended": True,
        },
        **tally("8.50", 3, "2.00", 1),
    }
    without_period = [{k: v for k, v in t.items() if k != "period"} for t in totals["halfYears"]]
    assert without_period == [tally("7.00", 2, "2.00", 1), tally("1.50", 1)]
    assert [t["period"]["label"] for t in totals["halfYears"]] == [
        f"{year}年上半年",
        f"{year}年下半年",
    ]
    quarters = [(t["period"]["label"], t["confirmedHours"]) for t in totals["quarters"]]
    assert quarters == [
        (f"{year}年第一季度", "3.00"),
        (f"{year}年第二季度", "4.00"),
        (f"{year}年第三季度", "0.00"),
        (f"{year}年第四季度", "1.50"),
    ]
    assert totals["quarters"][1]["period"]["lastDay"] == f"{year}-06-30"
    months = [(t["confirmedHours"], t["pendingHours"]) for t in totals["months"]]
    assert months == [
        ("0.00", "0.00"),
        ("3.00", "0.00"),
        ("0.00", "0.00"),
        ("0.00", "0.00"),
        ("4.00", "2.00"),
        *[("0.00", "0.00")] * 5,
        ("1.50", "0.00"),
        ("0.00", "0.00"),
    ]
    assert totals["months"][1]["period"] == {
        "label": f"{year}年2月",
        "firstDay": f"{year}-02-01",
        "lastDay": (date(year, 3, 1) - timedelta(days=1)).isoformat(),
        "ended": True,
    }
    # 3 + 4 + 1.5 this year and 2 the year before: two stars (5 and 10 hours), the third at 20.
    assert (totals["allTimeHours"], totals["starLevel"], totals["nextStarHours"]) == (
        "10.50",
        2,
        20,
    )
    assert totals["quotas"] == [
        {
            "period": "YEAR",
            "periodName": "每年",
            "minHours": "10.00",
            "minTimes": 3,
            "checks": [
                {"period": {"label": f"{year}年"}, "hours": "8.50", "times": 3, "met": False}
            ],
        },
        {
            "period": "QUARTER",
            "periodName": "每季度",
            "minHours": "2.00",
            "minTimes": 1,
            "checks": [
                {
                    "period": {"label": f"{year}年第一季度"},
                    "hours": "3.00",
                    "times": 1,
                    "met": True,
                },
                {
                    "period": {"label": f"{year}年第二季度"},
                    "hours": "4.00",
                    "times": 1,
                    "met": True,
                },
                {
                    "period": {"label": f"{year}年第三季度"},
                    "hours": "0.00",
                    "times": 0,
                    "met": False,
                },
                {
                    "period": {"label": f"{year}年第四季度"},
                    "hours": "1.50",
                    "times": 1,
                    "met": False,
                },
            ],
        },
    ]

    # Who else reads them: the member's unit, the staff where the member lives.
    zhang = county.mid("zhang")
    for who in ("power", "east", "street"):
        assert (await county.call(who, TOTALS, m=zhang, y=year))["wholeYear"] == totals[
            "wholeYear"
        ], who
    forbidden = {"code": "FORBIDDEN", "message": "您没有在此范围内进行该操作的权限"}
    for who in ("school", "west", "li"):
        assert await county.refused_query(who, TOTALS, m=zhang, y=year) == forbidden, who
    assert await county.refused_query("east", TOTALS, y=year) == {
        "code": "INVALID_SERVICE_RECORD",
        "message": "请指明党员：本账号不是党员本人",
    }
    assert await county.refused_query("zhang", TOTALS, y=today().year + 1) == {
        "code": "INVALID_SERVICE_RECORD",
        "message": f"「年份」应在 2000 到 {today().year} 之间",
    }


async def test_a_units_totals_count_its_members_hours_and_collective_activities(
    county: County,
) -> None:
    year = today().year - 1
    await county.set_rules({"unitQuotas": {"activitiesPerQuarter": 1}}, since=date(year, 1, 1))
    for who, on, hours in (
        ("zhang", date(year, 2, 10), (9, 12)),
        ("zhang", date(year, 5, 20), (8, 12)),
        ("li", date(year, 3, 1), (9, 10)),
        ("chen", date(year, 3, 1), (9, 10)),
    ):
        await county.add(who, at(on, hours[0]), at(on, hours[1]), status="confirmed")
    await county.add("li", at(date(year, 8, 1), 9), at(date(year, 8, 1), 10))
    finished, cancelled = ActivityStatus.FINISHED, ActivityStatus.CANCELLED
    for unit, on, collective, status in (
        ("power", date(year, 2, 15), True, finished),
        ("power", date(year, 3, 10), True, finished),
        ("power", date(year, 8, 1), True, finished),
        ("power", date(year, 5, 1), False, finished),
        ("power", date(year, 6, 1), True, cancelled),
        ("power", date(year + 1, 1, 1), True, finished),
        ("school", date(year, 4, 1), True, finished),
    ):
        await county.activity(
            unit=unit, day=on, collective=collective, status=status, audience=Audience.UNIT
        )
    power = global_id("Unit", county.units["power"].id)
    totals = await county.call("power", UNIT_TOTALS, u=power, y=year)
    assert (totals["year"], totals["activitiesPerQuarter"], totals["unit"]) == (
        year,
        1,
        {"name": "供电公司"},
    )
    assert [
        (q["period"]["label"], q["confirmedHours"], q["confirmedTimes"], q["collectiveActivities"])
        for q in totals["quarters"]
    ] == [
        (f"{year}年第一季度", "4.00", 2, 2),
        (f"{year}年第二季度", "4.00", 1, 0),
        (f"{year}年第三季度", "0.00", 0, 1),
        (f"{year}年第四季度", "0.00", 0, 0),
    ]
    assert [q["met"] for q in totals["quarters"]] == [True, False, True, False]
    members = sorted(totals["members"], key=lambda m: m["member"]["name"])
    by_name = {
        m["member"]["name"]: (m["hours"], m["times"], [q["hours"] for q in m["quarters"]])
        for m in members
    }
    assert by_name == {
        "张三": ("7.00", 2, ["3.00", "4.00", "0.00", "0.00"]),
        "李四": ("1.00", 1, ["1.00", "0.00", "0.00", "0.00"]),
        "赵六": ("0.00", 0, ["0.00", "0.00", "0.00", "0.00"]),
    }
    assert await county.call("east", UNIT_TOTALS, u=power, y=year) == totals
    forbidden = {"code": "FORBIDDEN", "message": "您没有在此范围内进行该操作的权限"}
    for who in ("school", "west", "zhang"):
        assert await county.refused_query(who, UNIT_TOTALS, u=power, y=year) == forbidden, who
