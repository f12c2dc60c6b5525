"""Last year in a county, for the year-end tests (test_year_end.py, test_assessment.py):
the county of test_service_records.make_county, its service written through the records',
wishes', whistle calls', registration's and agreements' own steps (activities and project
claims as those steps leave them), then dated into last year as time passing would."""

import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, today
from infra.db import TENANT_SETTING, Database
from infra.settings import Settings
from services.activities.models import Activity, ActivityStatus, Attendance, AttendanceMethod
from services.projects.models import (
    ClaimantKind,
    ClaimOrigin,
    ClaimStatus,
    Project,
    ProjectClaim,
    ProjectClaimMode,
    ProjectStatus,
)
from tests.api.graphql_client import global_id
from tests.api.test_service_records import CONFIRM, County, make_county, nid, rid
from tests.conftest import ClonedDatabase, GraphQLCall, MakeTenant

YEAR = today().year - 1
OPERATIONS = Path(__file__).parents[2] / "graphql" / "operations"
SET_RULES = """mutation($from: Date!, $rules: RulesInput!) {
  setRules(effectiveFrom: $from, rules: $rules) { __typename ... on MutationError { message } } }"""
MOVE = """mutation($m: ID!, $c: ID!) { moveMember(memberId: $m, communityId: $c) {
  ... on MemberRegistrationSuccess { registration { id } } ... on MutationError { message } } }"""
CONFIRM_SLIPS = """mutation($ids: [ID!]!) { confirmMemberRegistrations(ids: $ids) {
  __typename ... on MutationError { message } } }"""
SIGN_AGREEMENT = """mutation($r: ID!, $t: AgreementTermsInput!) {
  signAgreement(registrationId: $r, terms: $t) { __typename ... on MutationError { message } } }"""
POST_WISH = """mutation($i: WishInput!) { postWish(input: $i) {
  ... on WishSuccess { wish { id } } ... on MutationError { message } } }"""
WISH_STEP = """mutation($id: ID!, $n: String!) { %s(id: $id, note: $n) {
  __typename ... on MutationError { message } } }"""
CLAIM_WISH = """mutation($id: ID!) { claimWish(id: $id) { __typename ... on MutationError {
  message } } }"""
BLOW = """mutation($i: WhistleCallInput!) { blowWhistle(input: $i) {
  ... on WhistleCallSuccess { call { id } } ... on MutationError { message } } }"""
RESPOND = """mutation($id: ID!) { respondToWhistleCall(id: $id, accept: true) {
  __typename ... on MutationError { message } } }"""


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


def on(month: int, day: int, hour: int = 0) -> datetime:
    """A moment of last year, in China."""
    return datetime.combine(date(YEAR, month, day), time(hour), tzinfo=CHINA)


def refusal(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"__typename": "MutationError", "code": code, "message": message, "field": field}


@dataclass
class YearEnd:
    """The county, as last year left it."""

    county: County
    registrations: dict[str, int]

    async def call(self, who: str, query: str, **variables: Any) -> Any:
        return await self.county.call(who, query, **variables)

    async def op(self, who: str, name: str, **variables: Any) -> Any:
        return await self.county.call(who, operation(name), **variables)

    def uid(self, unit: str) -> str:
        return global_id("Unit", self.county.units[unit].id)

    def cid(self, community: str) -> str:
        return nid(getattr(self.county, community))

    async def snapshot(self) -> dict[str, Any]:
        rows: dict[str, Any] = {}
        for table in ("feedback_forms", "unit_evaluations", "assessment_changes", "events"):
            query = f"""SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text),
                '[]'::jsonb) FROM {table} t"""
            rows[table] = (await self.county.sql(query))[0][0]
        return rows


async def in_session(county: County, work: Any) -> Any:
    async with county.db.tenant_session(county.tenant_id) as session:
        return await work(session)


async def confirmed(
    county: County, who: str, by: str, start: datetime, hours: int, **more: Any
) -> None:
    """A record written as its organiser's step writes it, confirmed by `by` through
    GraphQL."""
    record_id = await county.add(who, start, start + timedelta(hours=hours), **more)
    result = await county.call(by, CONFIRM, id=rid(record_id))
    assert result["record"]["status"] == "CONFIRMED", result


async def activity_attended(county: County, who: str, day: datetime, hours: int) -> None:
    """An activity of 东门社区 last year (as its organiser left it, finished), attended by
    `who`, whose record east confirms."""
    activity = await county.activity(day=day.date(), hours=(day.hour, day.hour + hours))

    async def attend(session: AsyncSession) -> None:
        session.add(
            Attendance(
                tenant_id=county.tenant_id,
                activity_id=activity.id,
                member_id=county.members[who].id,
                checked_in_at=activity.starts_at,
                check_in_method=AttendanceMethod.ORGANISER,
                checked_out_at=activity.ends_at,
                check_out_method=AttendanceMethod.ORGANISER,
            )
        )

    await in_session(county, attend)
    await confirmed(county, who, "east", activity.starts_at, hours, activity=activity)


async def completed_claim(
    county: County,
    *,
    member: str | None = None,
    unit: str | None = None,
    claimed: datetime,
    done: datetime,
) -> None:
    """A project of 东门社区 claimed and completed last year (as the projects' steps leave
    it)."""

    async def write(session: AsyncSession) -> None:
        project = Project(
            tenant_id=county.tenant_id,
            node_id=county.east.id,
            scope_path=county.east.path,
            title="楼道清洁",
            category="环境义务岗",
            claimant_kind=ClaimantKind.BOTH,
            capacity=5,
            starts_on=claimed.date(),
            ends_on=done.date(),
            claim_mode=ProjectClaimMode.SELF,
            status=ProjectStatus.CLOSED,
            created_by_name="东门社区",
        )
        session.add(project)
        await session.flush()
        session.add(
            ProjectClaim(
                tenant_id=county.tenant_id,
                project_id=project.id,
                scope_path=project.scope_path,
                member_id=None if member is None else county.members[member].id,
                unit_id=None if unit is None else county.units[unit].id,
                origin=ClaimOrigin.SELF,
                status=ClaimStatus.COMPLETED,
                claimed_at=claimed,
                started_at=claimed,
                completed_at=done,
            )
        )

    await in_session(county, write)


async def collective_activity(county: County, unit: str, day: date) -> Activity:
    return await county.activity(
        unit=unit, collective=True, day=day, status=ActivityStatus.FINISHED
    )


async def wish_fulfilled(county: County, who: str, when: datetime) -> None:
    """A wish posted by east, claimed and fulfilled by `who`, confirmed by east — then
    dated into last year."""
    wish = {
        "placeId": nid(county.garden),
        "content": "希望有人帮忙修理家中漏水的水龙头",
        "category": "助老",
        "residentName": "王秀兰",
        "residentPhone": "13912345678",
        "deadline": (today() + timedelta(days=10)).isoformat(),
    }
    posted = await county.call("east", POST_WISH, i=wish)
    wish_id = posted["wish"]["id"]
    assert (await county.call(who, CLAIM_WISH, id=wish_id))["__typename"] == "WishSuccess"
    fulfilled = await county.call(who, WISH_STEP % "fulfillWish", id=wish_id, n="已修好")
    assert fulfilled["__typename"] == "WishSuccess", fulfilled
    confirmed_ = await county.call("east", WISH_STEP % "confirmWish", id=wish_id, n="群众满意")
    assert confirmed_["__typename"] == "WishSuccess", confirmed_
    await county.update(
        "UPDATE wishes SET claimed_at = :t, fulfilled_at = :t, confirmed_at = :t",
        t=when,
    )


async def whistle_answered(county: County, who: str, when: datetime) -> None:
    """A whistle call blown by east and accepted by `who`, dated into last year."""
    soon = datetime.now(CHINA)
    call = {
        "nodeId": nid(county.east),
        "kind": "ROUTINE",
        "title": "清理积雪",
        "place": "东园小区",
        "startsAt": (soon + timedelta(hours=3)).isoformat(),
        "endsAt": (soon + timedelta(hours=6)).isoformat(),
        "respondBy": (soon + timedelta(hours=1)).isoformat(),
        "membersWanted": 1,
        "unitsWanted": 0,
        "skills": [],
    }
    blown = await county.call("east", BLOW, i=call)
    answered = await county.call(who, RESPOND, id=blown["call"]["id"])
    assert answered["__typename"] == "WhistleResponseSuccess", answered
    await county.update("UPDATE whistle_recipients SET responded_at = :t", t=when)


async def dated(county: County, table: str, registration_id: int, **moments: datetime) -> None:
    sets = ", ".join(f"{column} = :{column}" for column in moments)
    await county.update(f"UPDATE {table} SET {sets} WHERE id = :id", id=registration_id, **moments)


async def last_year(county: County) -> YearEnd:
    """Last year in the county: everyone registered since January (李四 moved from 东门 to
    西门 on 1 July), 供电公司's agreement and collective activities, and the members'
    service."""
    result = await county.call(
        "admin",
        SET_RULES,
        rules={"assessment": {"excellentMinHours": 20}},
        **{"from": today().isoformat()},
    )
    assert result == {"__typename": "RulesSuccess"}, result
    await set_rules_since(county, date(YEAR, 1, 1))
    await county.update(
        "UPDATE member_registrations SET submitted_at = :s, decided_at = :d",
        s=on(1, 5, 9),
        d=on(1, 10, 10),
    )
    await county.update(
        "UPDATE unit_registrations SET submitted_at = :s, decided_at = :d",
        s=on(1, 2, 9),
        d=on(1, 3, 10),
    )
    rows = await county.sql("SELECT unit_id, id FROM unit_registrations")
    units = {row.unit_id: row.id for row in rows}
    registrations = {key: units[unit.id] for key, unit in county.units.items()}
    # 李四 moves to 西门社区 (by their own slip), which confirms; then dated to 1 July.
    li = county.members["li"]
    [old] = await county.sql("SELECT id FROM member_registrations WHERE member_id = :m", m=li.id)
    moved = await county.call("li", MOVE, m=county.mid("li"), c=nid(county.west))
    new = moved["registration"]["id"]
    assert (await county.call("west", CONFIRM_SLIPS, ids=[new]))["__typename"] == (
        "MemberRegistrationsSuccess"
    )
    await dated(county, "member_registrations", old.id, ended_at=on(7, 1, 9))
    await dated(
        county,
        "member_registrations",
        int(base64.b64decode(new).decode().split(":")[1]),
        submitted_at=on(6, 28, 9),
        decided_at=on(7, 1, 10),
    )
    terms = {
        "responsibilities": ["每季度开展一次集体服务活动", "参与社区安全用电检查"],
        "resources": ["会议室"],
        "projects": ["老旧小区线路改造宣传"],
        "contacts": [{"name": "刘洋", "side": "unit", "title": "党支部书记"}],
        "startsOn": date(YEAR, 1, 3).isoformat(),
        "endsOn": date(YEAR + 1, 12, 31).isoformat(),
    }
    signed = await county.call(
        "power",
        SIGN_AGREEMENT,
        r=global_id("UnitRegistration", registrations["power"]),
        t=terms,
    )
    assert signed["__typename"] == "AgreementSuccess", signed
    # 张三: two services entered by east, an activity attended, a project claimed and
    # completed, a wish fulfilled, a whistle call answered: 11 hours in 3 times.
    await confirmed(county, "zhang", "east", on(3, 15, 9), 4)
    await confirmed(county, "zhang", "east", on(9, 10, 8), 4)
    await activity_attended(county, "zhang", on(5, 4, 9), 3)
    await completed_claim(county, member="zhang", claimed=on(4, 1, 10), done=on(5, 1, 10))
    await wish_fulfilled(county, "zhang", on(6, 1, 15))
    await whistle_answered(county, "zhang", on(7, 15, 8))
    # 李四: 2 hours in 东门 in March, 3 hours in 西门 in August (confirmed by west).
    await confirmed(county, "li", "east", on(3, 20, 9), 2)
    await confirmed(county, "li", "west", on(8, 5, 9), 3, node=county.west)
    # 陈七 (城关小学, living in 东门): 3 hours.
    await confirmed(county, "chen", "east", on(10, 8, 9), 3)
    # 供电公司: three collective activities and a project claimed and completed.
    for month in (2, 5, 8):
        await collective_activity(county, "power", date(YEAR, month, 12))
    await completed_claim(county, unit="power", claimed=on(3, 1, 10), done=on(6, 30, 10))
    return YearEnd(county, registrations)


async def set_rules_since(county: County, since: date) -> None:
    """The rules set today, as if set on `since` (time passing; as the owner, like
    County.set_rules)."""
    connection = await asyncpg.connect(county.owner_url)
    try:
        async with connection.transaction():
            sql = f"SELECT set_config('{TENANT_SETTING}', $1, true)"
            await connection.execute(sql, str(county.tenant_id))
            await connection.execute(
                "UPDATE tenant_rules SET effective_from = $1 WHERE effective_from = $2",
                since,
                today(),
            )
    finally:
        await connection.close()


@pytest.fixture
async def year_end(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    test_database: ClonedDatabase,
) -> YearEnd:
    return await last_year(await make_county(graphql, make_tenant, db, settings, test_database))
