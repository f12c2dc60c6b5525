"""Recognition campaigns through GraphQL: a street runs a selection; the community where a
member is registered, or the member's unit, nominates within the window, the nominee's
record shown beside the nomination; the street decides and publishes; the award shows on
the member's record. Refusals are exact and write nothing."""

from datetime import timedelta
from typing import Any

from infra.clock import today
from infra.consumers import consume
from services.scoring.consumers import SCORING
from tests.api.graphql_client import global_id
from tests.api.test_activities import FORBIDDEN, County, county, mid, nid, refusal

__all__ = ["county"]  # the fixture, from test_activities.py

ERROR = "... on MutationError { code message field }"
CAMPAIGN = "id title status nominating closesOn node { name }"
OPEN = f"""mutation($i: RecognitionCampaignInput!) {{ openRecognitionCampaign(input: $i) {{
  ... on RecognitionCampaignSuccess {{ campaign {{ {CAMPAIGN} }} }} {ERROR} }} }}"""
NOMINATION = """id status statusName reason memberName community { name } nominatingUnit { name }
  evidence { year allTimeHours yearHours yearTimes starLevel visits householdsPaired }"""
NOMINATE = f"""mutation($c: ID!, $m: ID!, $r: String!) {{
  nominateForRecognition(campaignId: $c, memberId: $m, reason: $r) {{
  ... on NominationSuccess {{ nomination {{ {NOMINATION} }} }} {ERROR} }} }}"""
DECIDE = f"""mutation($id: ID!, $s: Boolean!, $n: String) {{
  decideNomination(id: $id, selected: $s, note: $n) {{
  ... on NominationSuccess {{ nomination {{ status statusName }} }} {ERROR} }} }}"""
PUBLISH = f"""mutation($id: ID!) {{ publishRecognition(id: $id) {{
  ... on RecognitionCampaignSuccess {{ campaign {{ status statusName }} }} {ERROR} }} }}"""
CAMPAIGNS = "{ recognitionCampaigns(first: 10) { edges { node { title } } } }"
NOMINATIONS = """query($id: ID!) { recognitionCampaign(id: $id) { mayReview
  nominations(first: 100) { edges { node { memberName status } } } } }"""
AWARDS = """query($m: ID) { recognitions(memberId: $m, first: 10) {
  edges { node { campaign { title } status } } } }"""
RECORD = """mutation($i: ServiceRecordInput!) { recordService(input: $i) {
  ... on ServiceRecordSuccess { record { id } } ... on MutationError { code message } } }"""
CONFIRM = """mutation($id: ID!) { confirmServiceRecord(id: $id) {
  ... on ServiceRecordSuccess { record { status } } } }"""


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def campaign_input(county: County, **changes: Any) -> dict[str, Any]:
    return {
        "nodeId": nid(county.street),
        "title": "优秀在职党员",
        "criteria": "全年服务不少于 20 小时，群众评价好",
        "closesOn": days(10),
        **changes,
    }


async def snapshot(county: County) -> dict[str, Any]:
    rows = {}
    for table in ("recognition_campaigns", "nominations", "events"):
        query = f"SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.id), '[]'::jsonb) FROM {table} t"
        rows[table] = (await county.sql(query))[0][0]
    return rows


async def confirmed_hours(county: County, who: str, hours: int) -> None:
    """A service the community enters and confirms for the member, scored."""
    day = today() - timedelta(days=1)
    record = await county.call(
        "east",
        RECORD,
        i={
            "source": {"nodeId": nid(county.east)},
            "memberId": mid(county.members[who]),
            "title": "社区服务",
            "startedAt": f"{day.isoformat()}T08:00:00+08:00",
            "endedAt": f"{day.isoformat()}T{8 + hours:02d}:00:00+08:00",
        },
    )
    await county.call("east", CONFIRM, id=record["record"]["id"])
    rows = await county.sql("SELECT id FROM events WHERE type LIKE 'service_record.%' ORDER BY id")
    for row in rows:
        await consume(county.db, SCORING, county.root.tenant_id, [row.id])


async def test_a_street_runs_a_selection_from_nomination_to_published_awards(
    county: County,
) -> None:
    campaign = (await county.call("street", OPEN, i=campaign_input(county)))["campaign"]
    assert {k: v for k, v in campaign.items() if k != "id"} == {
        "title": "优秀在职党员",
        "status": "OPEN",
        "nominating": True,
        "closesOn": days(10),
        "node": {"name": "城关街道"},
    }
    # Those below the street who may nominate see it; a community of another street not.
    for who in ("east", "power", "zhang", "street"):
        titles = await county.call(who, CAMPAIGNS)
        assert [e["node"]["title"] for e in titles["edges"]] == ["优秀在职党员"], who
    south = await county.call("zhao", CAMPAIGNS)
    assert south["edges"] == []

    await confirmed_hours(county, "zhang", 3)
    closes, served = today() + timedelta(days=10), today() - timedelta(days=1)
    by_east = await county.call(
        "east", NOMINATE, c=campaign["id"], m=mid(county.members["zhang"]), r="热心社区服务"
    )
    assert {k: v for k, v in by_east["nomination"].items() if k != "id"} == {
        "status": "NOMINATED",
        "statusName": "待评审",
        "reason": "热心社区服务",
        "memberName": "张三",
        "community": {"name": "东门社区"},
        "nominatingUnit": None,
        "evidence": {
            "year": closes.year,
            "allTimeHours": "3.00",
            "yearHours": "3.00" if served.year == closes.year else "0.00",
            "yearTimes": 1 if served.year == closes.year else 0,
            "starLevel": 0,
            "visits": 0,
            "householdsPaired": 0,
        },
    }
    by_unit = await county.call(
        "power", NOMINATE, c=campaign["id"], m=mid(county.members["li"]), r="单位推荐"
    )
    assert by_unit["nomination"]["nominatingUnit"] == {"name": "供电公司"}

    before = await snapshot(county)
    cid = campaign["id"]
    wrong: list[tuple[str, str, dict[str, Any]]] = [
        (
            "east",
            "zhang",
            refusal("ALREADY_NOMINATED", "党员张三已被推荐参加「优秀在职党员」", "memberId"),
        ),
        ("power", "zhou", FORBIDDEN),
        ("zhang", "li", FORBIDDEN),
        ("east", "zhao", FORBIDDEN),
        (
            "admin",
            "zhao",
            refusal(
                "NOMINEE_OUTSIDE_CAMPAIGN",
                "党员赵六报到的“南门社区”不在本次评选的范围内",
                "memberId",
            ),
        ),
        (
            "east",
            "chen",
            refusal("NOMINEE_OUTSIDE_CAMPAIGN", "党员陈七尚未在社区报到，不能被推荐", "memberId"),
        ),
    ]
    for who, member, expected in wrong:
        answer = await county.call(who, NOMINATE, c=cid, m=mid(county.members[member]), r="推荐")
        assert answer == expected, (who, member)
    no_reason = await county.call("east", NOMINATE, c=cid, m=mid(county.members["zhou"]), r=" ")
    assert no_reason == refusal("INVALID_NOMINATION", "「推荐理由」不能为空", "reason")
    unknown = await county.call(
        "east",
        NOMINATE,
        c=global_id("RecognitionCampaign", 999999),
        m=mid(county.members["zhou"]),
        r="推荐",
    )
    assert unknown == refusal("RECOGNITION_CAMPAIGN_NOT_FOUND", "未找到该评选", "campaignId")
    assert await snapshot(county) == before

    # The street reviews all; a unit sees only what concerns it.
    street = await county.call("street", NOMINATIONS, id=cid)
    assert street["mayReview"] is True
    assert [e["node"]["memberName"] for e in street["nominations"]["edges"]] == ["张三", "李四"]
    school = await county.call("school", NOMINATIONS, id=cid)
    assert (school["mayReview"], school["nominations"]["edges"]) == (False, [])

    [first, second] = [row[0] for row in await county.sql("SELECT id FROM nominations ORDER BY id")]
    assert await county.call("east", DECIDE, id=global_id("Nomination", first), s=True) == FORBIDDEN
    decided = await county.call(
        "street", DECIDE, id=global_id("Nomination", first), s=True, n="事迹突出"
    )
    assert decided["nomination"] == {"status": "SELECTED", "statusName": "入选"}
    assert await county.call("street", PUBLISH, id=cid) == refusal(
        "RECOGNITION_CAMPAIGN_CLOSED",
        f"推荐{int(days(10)[5:7])}月{int(days(10)[8:])}日截止，截止后才能公布结果",
        "id",
    )
    # The window closes.
    await county.update(
        "UPDATE recognition_campaigns SET opens_on = :o, closes_on = :c",
        o=today() - timedelta(days=20),
        c=today() - timedelta(days=1),
    )
    late = await county.call("east", NOMINATE, c=cid, m=mid(county.members["zhou"]), r="补充推荐")
    yesterday = today() - timedelta(days=1)
    shown = f"{yesterday.month}月{yesterday.day}日"
    if yesterday.year != today().year:
        shown = f"{yesterday.year}年{shown}"
    assert late == refusal(
        "NOMINATION_CLOSED", f"「优秀在职党员」推荐已于{shown}截止，不能再推荐", "campaignId"
    )
    assert await county.call("street", PUBLISH, id=cid) == refusal(
        "RECOGNITION_CAMPAIGN_CLOSED", "还有 1 名被推荐人未评审，评审完毕后才能公布", "id"
    )
    await county.call("street", DECIDE, id=global_id("Nomination", second), s=False)
    published = await county.call("street", PUBLISH, id=cid)
    assert published["campaign"] == {"status": "PUBLISHED", "statusName": "已公布"}
    assert await county.call(
        "street", DECIDE, id=global_id("Nomination", second), s=True
    ) == refusal("RECOGNITION_CAMPAIGN_CLOSED", "评选结果已公布，不能再评审", "id")

    # On the member's record.
    mine = await county.call("zhang", AWARDS)
    assert mine["edges"] == [
        {"node": {"campaign": {"title": "优秀在职党员"}, "status": "SELECTED"}}
    ]
    assert (await county.call("east", AWARDS, m=mid(county.members["li"])))["edges"] == []
    types = [t for t in await county.event_types() if t.startswith("recognition.")]
    assert types == [
        "recognition.opened",
        "recognition.nominated",
        "recognition.nominated",
        "recognition.decided",
        "recognition.decided",
        "recognition.published",
        "recognition.awarded",
    ]
    [awarded] = [
        row[0]
        for row in await county.sql("SELECT payload FROM events WHERE type = 'recognition.awarded'")
    ]
    assert (awarded["member_id"], awarded["nomination_id"], awarded["title"]) == (
        county.members["zhang"].id,
        first,
        "优秀在职党员",
    )


async def test_bad_campaigns_are_refused_exactly(county: County) -> None:
    wrong: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            "street",
            {"nodeId": nid(county.east)},
            refusal(
                "INVALID_RECOGNITION_CAMPAIGN",
                "「评选范围」应为县（区）、乡镇（街道），而“东门社区”是社区（村）",
                "nodeId",
            ),
        ),
        ("east", {}, FORBIDDEN),
        (
            "street",
            {"opensOn": days(5), "closesOn": days(3)},
            refusal(
                "INVALID_RECOGNITION_CAMPAIGN",
                "「推荐截止日期」不能早于「推荐开始日期」",
                "closesOn",
            ),
        ),
        (
            "street",
            {"opensOn": days(-5), "closesOn": days(-1)},
            refusal("INVALID_RECOGNITION_CAMPAIGN", "「推荐截止日期」不能早于今天", "closesOn"),
        ),
        (
            "street",
            {"title": ""},
            refusal("INVALID_RECOGNITION_CAMPAIGN", "「评选名称」不能为空", "title"),
        ),
    ]
    for who, change, expected in wrong:
        assert await county.call(who, OPEN, i=campaign_input(county, **change)) == expected, change
    assert (await county.sql("SELECT count(*) FROM recognition_campaigns"))[0][0] == 0
