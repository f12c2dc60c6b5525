"""Recording service through GraphQL from each source, as the organiser does it: a claim
the community completed, a wish it confirmed, a whistle call a member answered, an
activity a member took part in without checking in, and a service the organiser enters
itself. Hours follow the county's rules and caps; every refusal is exact and writes
nothing; two requests for one source at once record it once."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from infra.clock import CHINA, now, today
from infra.db import Database
from infra.settings import Settings
from services.activities.models import ActivitySignup, ActivityStatus, Audience, SignupStatus
from tests.api.graphql_client import global_id
from tests.api.test_service_records import (
    DECLINE,
    ERROR,
    FORBIDDEN,
    RECORD,
    County,
    ago,
    at,
    make_county,
    moment,
    nid,
    refusal,
)
from tests.conftest import ClonedDatabase, GraphQLCall, MakeTenant

PROJECT = f"""mutation($i: ProjectInput!) {{ createProject(input: $i, publish: true) {{
  ... on ProjectSuccess {{ project {{ id }} }} {ERROR} }} }}"""
CLAIM_DONE = f"... on ProjectClaimSuccess {{ claim {{ id status }} }} {ERROR}"
CLAIM = f"""mutation($p: ID!) {{ claimProject(projectId: $p) {{ {CLAIM_DONE} }} }}"""
START = f"mutation($id: ID!) {{ startClaim(id: $id) {{ {CLAIM_DONE} }} }}"
COMPLETE = f"mutation($id: ID!) {{ completeClaim(id: $id) {{ {CLAIM_DONE} }} }}"
WISH_DONE = f"... on WishSuccess {{ wish {{ id status }} }} {ERROR}"
POST_WISH = f"mutation($i: WishInput!) {{ postWish(input: $i) {{ {WISH_DONE} }} }}"
CLAIM_WISH = f"mutation($id: ID!) {{ claimWish(id: $id) {{ {WISH_DONE} }} }}"
FULFILL = f'mutation($id: ID!) {{ fulfillWish(id: $id, note: "已修好") {{ {WISH_DONE} }} }}'
CONFIRM_WISH = f"mutation($id: ID!) {{ confirmWish(id: $id) {{ {WISH_DONE} }} }}"
BLOW = f"""mutation($i: WhistleCallInput!) {{ blowWhistle(input: $i) {{
  ... on WhistleCallSuccess {{ call {{ id }} }} {ERROR} }} }}"""
RESPOND = f"""mutation($id: ID!, $a: Boolean!) {{ respondToWhistleCall(id: $id, accept: $a) {{
  ... on WhistleResponseSuccess {{ response {{ answer }} }} {ERROR} }} }}"""
LINKS = """query($id: ID!) { serviceRecord(id: $id) { projectClaimId wishId whistleResponseId
  activity { title } } }"""
WISH_CONTENT = "希望有人帮忙修理家中漏水的水龙头和厨房的下水管道"


@pytest.fixture
async def county(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    test_database: ClonedDatabase,
) -> County:
    return await make_county(graphql, make_tenant, db, settings, test_database)


def shown(day: Any) -> str:
    return f"{day.month}月{day.day}日"


async def unchanged(county: County, before: dict[str, Any]) -> None:
    assert await county.snapshot() == before


async def test_a_completed_claim_is_recorded_for_its_member_by_the_community(
    county: County,
) -> None:
    project = await county.call(
        "east",
        PROJECT,
        i={
            "nodeId": nid(county.east),
            "title": "楼道清洁",
            "category": "环境义务岗",
            "claimantKind": "BOTH",
            "capacity": 3,
            "startsOn": today().isoformat(),
            "endsOn": (today() + timedelta(days=30)).isoformat(),
            "claimMode": "BOTH",
        },
    )
    project_id = project["project"]["id"]
    claim = (await county.call("zhang", CLAIM, p=project_id))["claim"]
    unit_claim = (await county.call("power", CLAIM, p=project_id))["claim"]
    await county.call("east", START, id=claim["id"])
    day = ago(2)
    service = {
        "source": {"projectClaimId": claim["id"]},
        "startedAt": at(day, 9).isoformat(),
        "endedAt": at(day, 11, 40).isoformat(),
    }
    field = "source.projectClaimId"
    before = await county.snapshot()
    assert await county.call("east", RECORD, i=service) == refusal(
        "SERVICE_NOT_DONE", "该认领当前为“服务中”，社区确认完成后才能记录服务", field
    )
    await unchanged(county, before)
    await county.call("east", COMPLETE, id=claim["id"])
    before = await county.snapshot()
    for who in ("west", "zhang", "power"):
        assert await county.call(who, RECORD, i=service) == FORBIDDEN, who
    wrong_claim = global_id("Wish", 1)
    wrong: list[tuple[dict[str, Any], dict[str, Any]]] = [
        (
            {"memberId": county.mid("li")},
            refusal("INVALID_SERVICE_RECORD", "「党员」与该认领的认领人不一致", "memberId"),
        ),
        (
            {"title": "打扫"},
            refusal("INVALID_SERVICE_RECORD", "「服务内容」取自该项目，无需填写", "title"),
        ),
        (
            {"postCategory": "党员先锋岗"},
            refusal("INVALID_SERVICE_RECORD", "「岗位类别」随该项目确定，无需填写", "postCategory"),
        ),
        (
            {"startedAt": None},
            refusal("INVALID_SERVICE_RECORD", "「开始时间」不能为空", "startedAt"),
        ),
        (
            {"note": "好" * 201},
            refusal("INVALID_SERVICE_RECORD", "「备注」不能超过 200 个字", "note"),
        ),
        (
            {"source": {"projectClaimId": wrong_claim}},
            refusal("NOT_FOUND", f"编号 {wrong_claim} 不是有效的ProjectClaim编号", field),
        ),
        (
            {"source": {"projectClaimId": global_id("ProjectClaim", 999999)}},
            refusal("SERVICE_SOURCE_NOT_FOUND", "未找到该项目认领", field),
        ),
    ]
    for change, expected in wrong:
        assert await county.call("east", RECORD, i=service | change) == expected, change
    await unchanged(county, before)

    record = await county.record("east", **service, memberId=county.mid("zhang"))
    assert {k: record[k] for k in ("source", "sourceName", "title", "postCategory", "status")} == {
        "source": "PROJECT_CLAIM",
        "sourceName": "项目认领",
        "title": "楼道清洁",
        "postCategory": "环境义务岗",
        "status": "PENDING",
    }
    assert (record["member"], record["node"], record["organiserUnit"]) == (
        {"name": "张三"},
        {"name": "东门社区"},
        None,
    )
    # 2 h 40 min, counted in the county's default 30-minute units rounded down.
    assert (record["minutes"], record["hours"], record["version"]) == (160, "2.50", 1)
    assert (record["noticeUntil"], record["onNotice"], record["mayDecide"]) == (None, False, True)
    assert moment(record["startedAt"]) == at(day, 9)
    assert record["serviceOn"] == day.isoformat()
    assert (await county.call("zhang", LINKS, id=record["id"]))["projectClaimId"] == claim["id"]
    [(payload,)] = await county.sql(
        "SELECT payload FROM events WHERE type = 'service_record.created'"
    )
    assert sorted(payload) == [
        "activity_id",
        "ended_at",
        "hours",
        "member_id",
        "minutes",
        "node_id",
        "organiser_unit_id",
        "service_on",
        "service_record_id",
        "source",
        "started_at",
        "status",
        "version",
    ]
    assert (payload["source"], payload["hours"]) == ("project_claim", "2.50")

    # One live record per claim.
    before = await county.snapshot()
    assert await county.call("east", RECORD, i=service) == refusal(
        "ALREADY_RECORDED",
        "该认领已有服务记录（待确认），不能重复记录；如需修改请更正原记录",
        field,
    )
    # A unit's claim: records are a member's.
    assert await county.call(
        "east", RECORD, i=service | {"source": {"projectClaimId": unit_claim["id"]}}
    ) == refusal(
        "INVALID_SERVICE_RECORD",
        "这是单位党组织的认领：服务记录记到党员个人，请为参加服务的党员逐一登记",
        field,
    )
    await unchanged(county, before)


async def test_a_confirmed_wish_is_recorded_for_the_member_who_fulfilled_it(
    county: County,
) -> None:
    posted = await county.call(
        "east",
        POST_WISH,
        i={
            "placeId": nid(county.garden),
            "content": WISH_CONTENT,
            "residentName": "王秀兰",
            "residentPhone": "13912345678",
            "deadline": (today() + timedelta(days=10)).isoformat(),
        },
    )
    wish = posted["wish"]["id"]
    await county.call("zhang", CLAIM_WISH, id=wish)
    await county.call("zhang", FULFILL, id=wish)
    day = ago(1)
    service = {
        "source": {"wishId": wish},
        "startedAt": at(day, 15).isoformat(),
        "endedAt": at(day, 16).isoformat(),
    }
    before = await county.snapshot()
    assert await county.call("east", RECORD, i=service) == refusal(
        "SERVICE_NOT_DONE",
        "该微心愿当前为“已完成待确认”，社区确认完成后才能记录服务",
        "source.wishId",
    )
    await unchanged(county, before)
    await county.call("east", CONFIRM_WISH, id=wish)
    before = await county.snapshot()
    for who in ("west", "zhang", "power"):
        assert await county.call(who, RECORD, i=service) == FORBIDDEN, who
    assert await county.call("east", RECORD, i=service | {"memberId": county.mid("li")}) == refusal(
        "INVALID_SERVICE_RECORD", "「党员」与该微心愿的认领人不一致", "memberId"
    )
    await unchanged(county, before)

    record = await county.record("street", **service)
    assert (record["source"], record["title"], record["postCategory"], record["hours"]) == (
        "WISH",
        f"微心愿：{WISH_CONTENT[:20]}",
        None,
        "1.00",
    )
    assert (record["member"], record["node"]) == ({"name": "张三"}, {"name": "东门社区"})
    assert (await county.call("zhang", LINKS, id=record["id"]))["wishId"] == wish
    assert await county.call("east", RECORD, i=service) == refusal(
        "ALREADY_RECORDED",
        "该微心愿已有服务记录（待确认），不能重复记录；如需修改请更正原记录",
        "source.wishId",
    )


async def test_an_accepted_whistle_call_is_recorded_for_its_time_by_whoever_blew_it(
    county: County,
) -> None:
    starts = now() + timedelta(hours=3)
    call_input = {
        "nodeId": nid(county.east),
        "kind": "ROUTINE",
        "title": "清理河道垃圾",
        "place": "滹沱河东岸",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=3)).isoformat(),
        "respondBy": (now() + timedelta(hours=1)).isoformat(),
        "membersWanted": 2,
        "unitsWanted": 1,
    }
    call = (await county.call("east", BLOW, i=call_input))["call"]["id"]
    await county.call("zhang", RESPOND, id=call, a=True)
    await county.call("li", RESPOND, id=call, a=False)
    await county.call("power", RESPOND, id=call, a=True)
    rows = await county.sql("SELECT id, member_id FROM whistle_recipients")
    names = {member.id: key for key, member in county.members.items()}
    response = {
        names[member_id] if member_id else "power": global_id("WhistleRecipient", row_id)
        for row_id, member_id in rows
    }
    field = "source.whistleResponseId"
    before = await county.snapshot()
    assert await county.call(
        "east", RECORD, i={"source": {"whistleResponseId": response["zhang"]}}
    ) == (
        refusal(
            "SERVICE_NOT_DONE",
            f"该吹哨召集 {starts.astimezone(CHINA):%Y-%m-%d %H:%M} 才开始，开始后才能记录服务",
            field,
        )
    )
    # The call took place yesterday, 08:00 to 11:00 (time passing).
    day = ago(1)
    await county.update(
        "UPDATE whistle_calls SET respond_by = :r, starts_at = :s, ends_at = :e",
        r=at(day, 7),
        s=at(day, 8),
        e=at(day, 11),
    )
    refused = [
        ("west", "zhang", FORBIDDEN),
        ("zhang", "zhang", FORBIDDEN),
        (
            "east",
            "li",
            refusal("SERVICE_NOT_DONE", "该党员的回应为“已婉拒”，接受召集的才能记录服务", field),
        ),
        (
            "east",
            "chen",
            refusal("SERVICE_NOT_DONE", "该党员的回应为“未回应”，接受召集的才能记录服务", field),
        ),
        (
            "east",
            "power",
            refusal(
                "INVALID_SERVICE_RECORD",
                "这是单位党组织的响应：服务记录记到党员个人，请为参加服务的党员逐一登记",
                field,
            ),
        ),
    ]
    for who, whose, expected in refused:
        source = {"whistleResponseId": response[whose]}
        assert await county.call(who, RECORD, i={"source": source}) == expected, (who, whose)
    await unchanged(county, before)

    # The call's times by default.
    record = await county.record("east", source={"whistleResponseId": response["zhang"]})
    assert (record["source"], record["title"], record["hours"], record["member"]) == (
        "WHISTLE_CALL",
        "清理河道垃圾",
        "3.00",
        {"name": "张三"},
    )
    assert (moment(record["startedAt"]), moment(record["endedAt"])) == (at(day, 8), at(day, 11))
    links = await county.call("zhang", LINKS, id=record["id"])
    assert links["whistleResponseId"] == response["zhang"]


async def test_a_member_who_forgot_to_check_in_is_recorded_from_the_finished_activity(
    county: County,
) -> None:
    day = ago(2)
    lecture = await county.activity(
        unit="power", day=day, audience=Audience.UNIT, title="供电安全讲座"
    )
    source = {"activityId": global_id("Activity", lecture.id)}
    service = {"source": source, "memberId": county.mid("li")}
    field = "source.activityId"
    span = f"{day.isoformat()} 09:00 至 {day.isoformat()} 12:00"
    before = await county.snapshot()
    # What a unit organised, only the unit records (谁组织谁记录).
    for who in ("east", "street", "school", "li"):
        assert await county.call(who, RECORD, i=service) == FORBIDDEN, who
    wrong: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"memberId": None}, refusal("INVALID_SERVICE_RECORD", "「党员」不能为空", "memberId")),
        (
            {"memberId": global_id("Member", 999999)},
            refusal("MEMBER_NOT_FOUND", "未找到该党员", "memberId"),
        ),
        (
            {"memberId": county.mid("chen")},
            refusal("NOT_ELIGIBLE", "党员陈七不在该活动的参加范围内，也没有报名", "memberId"),
        ),
        (
            {"startedAt": at(day, 8, 30).isoformat()},
            refusal("INVALID_SERVICE_RECORD", f"服务时间应在活动时间（{span}）之内", "startedAt"),
        ),
        (
            {"endedAt": at(day, 12, 30).isoformat()},
            refusal("INVALID_SERVICE_RECORD", f"服务时间应在活动时间（{span}）之内", "endedAt"),
        ),
        (
            {"title": "讲座"},
            refusal("INVALID_SERVICE_RECORD", "「服务内容」取自该活动，无需填写", "title"),
        ),
        (
            {"source": {"activityId": global_id("Activity", 999999)}},
            refusal("SERVICE_SOURCE_NOT_FOUND", "未找到该活动", field),
        ),
    ]
    for change, expected in wrong:
        assert await county.call("power", RECORD, i=service | change) == expected, change
    await unchanged(county, before)

    record = await county.record("power", **service)
    assert (record["source"], record["title"], record["postCategory"], record["hours"]) == (
        "ACTIVITY",
        "供电安全讲座",
        "党员先锋岗",
        "3.00",
    )
    assert (record["organiserUnit"], record["node"], record["mayDecide"]) == (
        {"name": "供电公司"},
        {"name": "东门社区"},
        True,
    )
    assert (await county.call("li", LINKS, id=record["id"]))["activity"] == {
        "title": "供电安全讲座"
    }
    assert await county.call("power", RECORD, i=service) == refusal(
        "ALREADY_RECORDED",
        "该党员在本活动已有服务记录（待确认），不能重复记录；如需修改请更正原记录",
        field,
    )
    # Someone of another unit who signed up may be recorded too, for the time they came.
    async with county.db.tenant_session(county.tenant_id) as session:
        session.add(
            ActivitySignup(
                tenant_id=county.tenant_id,
                activity_id=lecture.id,
                member_id=county.members["chen"].id,
                status=SignupStatus.SIGNED_UP,
            )
        )
    later = {"memberId": county.mid("chen"), "startedAt": at(day, 10).isoformat()}
    chen = await county.record("power", **service | later)
    assert (chen["member"], chen["hours"]) == ({"name": "陈七"}, "2.00")

    # A community's activity, for those registered there; recorded once it is finished.
    fair = await county.activity(day=ago(3), title="义诊")
    fair_service = {"source": {"activityId": global_id("Activity", fair.id)}}
    assert (await county.record("east", **fair_service, memberId=county.mid("zhang")))["title"] == (
        "义诊"
    )
    assert await county.call(
        "east", RECORD, i=fair_service | {"memberId": county.mid("wang")}
    ) == refusal("NOT_ELIGIBLE", "党员王五不在该活动的参加范围内，也没有报名", "memberId")
    coming = await county.activity(day=ago(4), status=ActivityStatus.PUBLISHED)
    assert await county.call(
        "east",
        RECORD,
        i={
            "source": {"activityId": global_id("Activity", coming.id)},
            "memberId": county.mid("li"),
        },
    ) == refusal("SERVICE_NOT_DONE", "该活动当前为“已发布”，结束后才能补记服务", field)


async def test_the_organiser_enters_a_service_with_no_activity_behind_it(county: County) -> None:
    day = ago(2)
    service = county.entered(
        "zhang", at(day, 9), at(day, 10, 15), postCategory="邻里互助岗", note="为独居老人理发"
    )
    categories = "党员先锋岗、环境义务岗、邻里互助岗、政策宣传岗、法律咨询岗、纠纷调解岗"
    before = await county.snapshot()
    for who in ("power", "zhang", "west"):
        assert await county.call(who, RECORD, i=service) == FORBIDDEN, who
    wrong: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"memberId": None}, refusal("INVALID_SERVICE_RECORD", "「党员」不能为空", "memberId")),
        (
            {"memberId": county.mid("wang")},
            refusal(
                "MEMBER_NOT_REGISTERED_HERE",
                "党员王五未在“东门社区”范围内的社区报到，不能由此登记服务",
                "memberId",
            ),
        ),
        ({"title": "  "}, refusal("INVALID_SERVICE_RECORD", "「服务内容」不能为空", "title")),
        (
            {"title": "理" * 51},
            refusal("INVALID_SERVICE_RECORD", "「服务内容」不能超过 50 个字", "title"),
        ),
        (
            {"postCategory": "广场舞"},
            refusal(
                "INVALID_SERVICE_RECORD",
                f"「岗位类别」“广场舞”不是本县现行的岗位类别，应为{categories}之一",
                "postCategory",
            ),
        ),
        (
            {"source": {"nodeId": global_id("HierarchyNode", 999999)}},
            refusal("SERVICE_SOURCE_NOT_FOUND", "未找到该区划节点", "source.nodeId"),
        ),
        (
            {
                "startedAt": (now() - timedelta(hours=1)).isoformat(),
                "endedAt": (now() + timedelta(hours=1)).isoformat(),
            },
            refusal("INVALID_SERVICE_RECORD", "服务尚未结束，不能记录", "endedAt"),
        ),
        (
            {"startedAt": at(day - timedelta(days=2), 9).isoformat()},
            refusal(
                "INVALID_SERVICE_RECORD", "一条服务记录不能超过 24 小时，请分天记录", "endedAt"
            ),
        ),
        (
            {"endedAt": at(day, 9).isoformat()},
            refusal("INVALID_SERVICE_RECORD", "「结束时间」应晚于「开始时间」", "endedAt"),
        ),
        ({"hours": "-1"}, refusal("INVALID_SERVICE_RECORD", "「服务时长」不能为负数", "hours")),
        (
            {"hours": "Infinity"},
            refusal("INVALID_SERVICE_RECORD", "「服务时长」应为小时数，如 2.5", "hours"),
        ),
    ]
    for change, expected in wrong:
        assert await county.call("east", RECORD, i=service | change) == expected, change
    await unchanged(county, before)

    record = await county.record("east", **service)
    assert (record["source"], record["sourceName"], record["title"]) == (
        "ENTERED",
        "组织方登记",
        "义务理发",
    )
    assert (record["postCategory"], record["note"], record["minutes"], record["hours"]) == (
        "邻里互助岗",
        "为独居老人理发",
        75,
        "1.00",
    )
    # A naive time is China's; the street enters at its own level for anyone registered
    # in it.
    naive = {"startedAt": f"{day.isoformat()}T14:00:00", "endedAt": f"{day.isoformat()}T15:30:00"}
    street = await county.record(
        "street", **service | naive | {"source": {"nodeId": nid(county.street)}}
    )
    assert (street["node"], moment(street["startedAt"]), street["hours"]) == (
        {"name": "城关街道"},
        at(day, 14),
        "1.50",
    )


async def test_hours_follow_the_county_rules_and_caps(county: County) -> None:
    hours = {
        "roundingMinutes": 30,
        "roundingMode": "NEAREST",
        "capPerActivity": 2.5,
        "capPerDay": 3,
    }
    await county.set_rules({"hours": hours}, since=ago(30))
    day = ago(2)
    # 45 minutes: one 30-minute unit and a half, rounded to the nearest (two units).
    first = await county.record("east", **county.entered("zhang", at(day, 9), at(day, 9, 45)))
    assert first["hours"] == "1.00"
    three_hours = county.entered("zhang", at(day, 10), at(day, 13))
    before = await county.snapshot()
    wrong: list[tuple[dict[str, Any], dict[str, Any]]] = [
        (
            {"hours": "3.5"},
            refusal("HOURS_ABOVE_CAP", "服务时长 3.5 小时超过了实际服务时间（3 小时）", "hours"),
        ),
        (
            {"hours": "2.75"},
            refusal("HOURS_ABOVE_CAP", "本县（区）规定每次服务最多记 2.5 小时", "hours"),
        ),
        (
            {"hours": "2.5"},
            refusal(
                "HOURS_ABOVE_CAP",
                f"本县（区）规定每人每天最多记 3 小时，该党员 {shown(day)}已记 1 小时，"
                "最多还能记 2 小时",
                "hours",
            ),
        ),
        (
            {"startedAt": at(day, 9, 30).isoformat()},
            refusal(
                "RECORD_OVERLAPS",
                f"该党员 {shown(day)} 09:00 至 {shown(day)} 09:45 已有服务记录「义务理发」，"
                "时间重叠，不能重复记录",
                "startedAt",
            ),
        ),
    ]
    for change, expected in wrong:
        assert await county.call("east", RECORD, i=three_hours | change) == expected, change
    await unchanged(county, before)
    # Computed: three hours, held to the cap per service and to what the day leaves.
    second = await county.record("east", **three_hours)
    assert (second["minutes"], second["hours"]) == (180, "2.00")
    third = await county.record("east", **county.entered("zhang", at(day, 14), at(day, 15)))
    assert third["hours"] == "0.00"
    # A declined record gives its time and hours back; another member's day is their own.
    await county.saved("east", DECLINE, id=second["id"], r="时间登记有误")
    assert (await county.record("east", **three_hours))["hours"] == "2.00"
    li = await county.record("east", **three_hours | {"memberId": county.mid("li")})
    assert li["hours"] == "2.50"


async def test_two_requests_for_one_source_at_once_record_it_once(county: County) -> None:
    fair = await county.activity(day=ago(2), title="义诊")
    service = {
        "source": {"activityId": global_id("Activity", fair.id)},
        "memberId": county.mid("zhang"),
    }
    results = await asyncio.gather(
        county.call("east", RECORD, i=service), county.call("street", RECORD, i=service)
    )
    [made] = [result for result in results if "record" in result]
    [refused] = [result for result in results if "record" not in result]
    assert made["record"]["title"] == "义诊"
    assert refused == refusal(
        "ALREADY_RECORDED",
        "该党员在本活动已有服务记录（待确认），不能重复记录；如需修改请更正原记录",
        "source.activityId",
    )
    assert await county.event_types() == ["service_record.created"]
    rows = await county.sql("SELECT count(*) FROM service_record_versions")
    assert rows[0][0] == 1
