"""A community's quarter of 包保 and 结对帮扶, through the named operations clients use
(graphql/operations/): units take the compounds, members pair with households in
difficulty, visits are logged and confirmed as service (one finding becoming a need), the
household nobody visited in time is listed and its member reminded, a member becomes a
building head, and the street's selection of outstanding members is run and published
onto the member's record. Every event follows its contract."""

from datetime import date, datetime, timedelta
from typing import Any

from infra.clock import CHINA, today
from infra.consumers import consume
from infra.db import Database
from services.pairing.schedule import remind_overdue
from services.scoring.consumers import SCORING
from tenants.hierarchy.models import NodeKind
from tests.api.graphql_client import global_id
from tests.api.test_activities import County, county, mid, nid, uid
from tests.api.test_event_log import events_follow_the_contract
from tests.api.test_service_journey import run
from tests.factories import add_node, register_unit

__all__ = ["county"]  # the fixture, from test_activities.py


def on(offset: int) -> date:
    return today() + timedelta(days=offset)


def at(offset: int, hour: int) -> str:
    return (
        datetime.combine(on(offset), datetime.min.time())
        .replace(hour=hour, tzinfo=CHINA)
        .isoformat()
    )


def shown(day: date) -> str:
    return (
        f"{day.month}月{day.day}日"
        if day.year == today().year
        else f"{day.year}年{day.month}月{day.day}日"
    )


async def test_a_community_s_quarter_of_pairing_from_areas_to_a_published_selection(
    county: County, db: Database
) -> None:
    east = county.east
    north = await add_node(db, east, NodeKind.COMPOUND, "北苑小区")
    building = await add_node(db, county.garden, NodeKind.BUILDING, "东园1号楼")
    # 自来水公司 registers with 东门社区 as well this quarter.
    await register_unit(db, county.units["water"], east)
    quarter = -60

    # --- units take the compounds ------------------------------------------------------
    before = await run(county, "east", "ResponsibilityCoverage", nodeId=nid(east))
    assert (before["compounds"], before["coveredCompounds"]) == (2, 0)
    for unit, compound in (("power", county.garden), ("water", north)):
        taken = await run(
            county,
            "east",
            "AssignResponsibilityArea",
            input={
                "nodeId": nid(compound),
                "unitId": uid(county.units[unit]),
                "startsOn": on(quarter).isoformat(),
                "endsOn": on(quarter + 365).isoformat(),
                "servicesPerYear": 4,
                "duties": "环境整治、安全巡查、走访慰问",
            },
        )
        assert taken["area"]["inForce"] is True
    # Another street's compound is not 东门社区's to assign.
    refused = await run(
        county,
        "east",
        "AssignResponsibilityArea",
        input={"nodeId": nid(county.south), "unitId": uid(county.units["power"])},
    )
    assert refused == {
        "code": "ASSIGNMENT_OUTSIDE_SCOPE",
        "message": "“南门社区”不在您管辖的范围内，不能分配包保责任",
        "field": "nodeId",
    }
    covered = await run(county, "east", "ResponsibilityCoverage", nodeId=nid(east), covered=False)
    assert (covered["compounds"], covered["coveredCompounds"]) == (2, 2)
    assert [e["node"]["place"]["name"] for e in covered["places"]["edges"]] == ["东园1号楼"]

    # --- the register of households in difficulty ---------------------------------------
    people = {
        "elderly": (building, "ELDERLY_ALONE", "王秀英", "腿脚不便，需定期探望、代购"),
        "disabled": (north, "DISABLED", "赵大明", "肢体残疾，需协助办理补贴"),
        "child": (county.garden, "LEFT_BEHIND_CHILD", "钱小红", "父母在外务工，需课业辅导"),
    }
    households: dict[str, str] = {}
    for key, (place, category, name, needs) in people.items():
        made = await run(
            county,
            "east",
            "RegisterHousehold",
            input={
                "placeId": nid(place),
                "category": category,
                "contactName": name,
                "phone": "13912345678",
                "needs": needs,
            },
        )
        assert made["household"]["contactName"] == f"{name[0]}**"
        households[key] = made["household"]["id"]

    # --- members and a unit pair with them ------------------------------------------------
    pairs = (
        ("elderly", {"memberId": mid(county.members["zhang"])}, 14),
        ("disabled", {"memberId": mid(county.members["li"])}, 14),
        ("child", {"unitId": uid(county.units["power"])}, 30),
    )
    for key, holder, every in pairs:
        made = await run(
            county,
            "east",
            "PairHousehold",
            input={
                "householdId": households[key],
                "reason": "社区排查确定的帮扶对象",
                "startsOn": on(quarter).isoformat(),
                "visitEveryDays": every,
                **holder,
            },
        )
        assert made["pairing"]["status"] == "ACTIVE"
    twice = await run(
        county,
        "east",
        "PairHousehold",
        input={
            "householdId": households["elderly"],
            "reason": "重复",
            "memberId": mid(county.members["zhang"]),
        },
    )
    assert twice["code"] == "PAIRING_EXISTS"
    unpaired = await run(county, "east", "Households", within=nid(east), paired=False)
    assert unpaired["edges"] == []

    # --- visits through the quarter -----------------------------------------------------
    visits = (
        ("zhang", "elderly", -40, "老人血压偏高", None),
        ("zhang", "elderly", -5, "老人精神很好，家中水管漏水", None),
        ("li", "disabled", -20, "残疾补贴尚未申领", "需社区协助申领残疾人补贴"),
    )
    logged: list[dict[str, Any]] = []
    for who, key, day, found, follow_up in visits:
        answer = await run(
            county,
            who,
            "LogVisit",
            input={
                "householdId": households[key],
                "visitedAt": at(day, 9),
                "endedAt": at(day, 10),
                "found": found,
                "done": "陪同聊天，了解近况",
                "followUpNeeded": follow_up is not None,
                "followUp": follow_up,
            },
        )
        logged.append(answer["visit"])
    assert [v["serviceRecord"]["status"] for v in logged] == ["PENDING"] * 3
    # 周九 is not paired with the disabled household.
    stranger = await run(
        county,
        "zhou",
        "LogVisit",
        input={
            "householdId": households["disabled"],
            "visitedAt": at(-1, 9),
            "endedAt": at(-1, 10),
            "found": "路过看看",
        },
    )
    assert stranger["code"] == "VISIT_NOT_PAIRED"
    # The community puts 李四's finding on the needs list …
    raised = await run(
        county,
        "east",
        "RaiseNeedFromVisit",
        id=logged[2]["id"],
        need={
            "category": "ELDERLY_DISABLED",
            "description": "协助残疾人申领补贴",
            "urgency": "PRESSING",
        },
    )
    assert raised["visit"]["need"]["source"] == "HOME_VISIT"
    needs = await run(county, "east", "Needs", within=nid(east), source="HOME_VISIT")
    assert [e["node"]["description"] for e in needs["edges"]] == ["协助残疾人申领补贴"]
    # … and confirms the visits as service.
    ids = [v["serviceRecord"]["id"] for v in logged]
    confirmed = await run(county, "east", "ConfirmServiceRecords", ids=ids, note="走访属实")
    assert {r["status"] for r in confirmed["records"]} == {"CONFIRMED"}
    for row in await county.sql(
        "SELECT id FROM events WHERE type LIKE 'service_record.%' ORDER BY id"
    ):
        await consume(db, SCORING, county.root.tenant_id, [row.id])

    # --- who is overdue -----------------------------------------------------------------
    overdue = await run(county, "east", "OverdueHouseholds", within=nid(east))
    listed = [
        (e["node"]["household"]["id"], e["node"]["daysOverdue"], e["node"]["memberName"])
        for e in overdue["edges"]
    ]
    # The unit last saw the child never (due 30 days after the quarter began); 李四 the
    # disabled household 20 days ago (due 14 days after).
    assert listed == [(households["child"], 30, None), (households["disabled"], 6, "李四")]
    async with db.tenant_session(county.root.tenant_id) as session:
        assert await remind_overdue(session, today()) == 2
    reminders = await county.sql(
        "SELECT type, payload FROM events WHERE type LIKE 'pairing.%overdue' ORDER BY id"
    )
    assert [
        (t, p.get("member_id"), p.get("unit_id"), p["overdue_since"]) for t, p in reminders
    ] == [
        ("pairing.unit_visit_overdue", None, county.units["power"].id, on(-29).isoformat()),
        ("pairing.visit_overdue", county.members["li"].id, None, on(-5).isoformat()),
    ]

    # --- 张三 becomes the building's head ---------------------------------------------------
    post = await run(
        county,
        "east",
        "AssignMemberPost",
        input={
            "memberId": mid(county.members["zhang"]),
            "post": "BUILDING_HEAD",
            "nodeId": nid(building),
        },
    )
    assert (post["post"]["postName"], post["post"]["grantedRoleName"]) == ("楼栋长", "小区负责人")

    # --- the street's selection -----------------------------------------------------------
    closes = on(7)
    campaign = (
        await run(
            county,
            "street",
            "OpenRecognitionCampaign",
            input={
                "nodeId": nid(county.street),
                "title": "优秀在职党员",
                "criteria": "结对帮扶成效明显，群众评价好",
                "closesOn": closes.isoformat(),
            },
        )
    )["campaign"]
    nominated = await run(
        county,
        "east",
        "NominateForRecognition",
        campaignId=campaign["id"],
        memberId=mid(county.members["zhang"]),
        reason="结对帮扶独居老人，坚持走访",
    )
    assert nominated["nomination"]["status"] == "NOMINATED"
    review = await run(county, "street", "RecognitionCampaign", id=campaign["id"])
    [entry] = [e["node"] for e in review["nominations"]["edges"]]
    evidence = entry["evidence"]
    if closes.year == today().year and on(-40).year == today().year:
        assert (evidence["yearHours"], evidence["visits"]) == ("2.00", 2)
    assert (evidence["allTimeHours"], evidence["householdsPaired"]) == ("2.00", 1)
    # Nominations close; a late one is refused.
    await county.update(
        "UPDATE recognition_campaigns SET opens_on = :o, closes_on = :c",
        o=on(-14),
        c=on(-1),
    )
    late = await run(
        county,
        "power",
        "NominateForRecognition",
        campaignId=campaign["id"],
        memberId=mid(county.members["li"]),
        reason="补报",
    )
    assert late == {
        "code": "NOMINATION_CLOSED",
        "message": f"「优秀在职党员」推荐已于{shown(on(-1))}截止，不能再推荐",
        "field": "campaignId",
    }
    decided = await run(
        county, "street", "DecideNomination", id=entry["id"], selected=True, note="事迹突出"
    )
    assert decided["nomination"]["status"] == "SELECTED"
    published = await run(county, "street", "PublishRecognition", id=campaign["id"])
    assert published["campaign"]["status"] == "PUBLISHED"
    awards = await run(county, "zhang", "Recognitions")
    assert [e["node"]["campaign"]["title"] for e in awards["edges"]] == ["优秀在职党员"]

    # Every step is in the log, each payload as its contract says.
    kinds = {t.split(".")[0] for t in await county.event_types()}
    assert {
        "responsibility_area",
        "household",
        "pairing",
        "visit",
        "need",
        "service_record",
        "member_post",
        "recognition",
    } <= kinds
    await events_follow_the_contract(db)
    assert global_id("Household", 1)  # ids stay opaque to clients
