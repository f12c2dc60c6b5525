"""One activity from publication to confirmed hours and a checked certificate, through the
named operations clients use (graphql/operations/), with the frauds tried on the way:
a wrong and an expired code, a second check-in, a sign-up from another community, hours
above the cap, an overlapping record, and confirmation by people who did not organise."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from infra.clock import CHINA, now, today
from services.activities import codes
from tests.api.test_activities import County, activity_input, county, local, mid, nid
from tests.api.test_check_in import secret_of

__all__ = ["county"]  # the fixture, from test_activities.py

OPERATIONS = Path(__file__).parents[2] / "graphql" / "operations"


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


async def run(county: County, who: str, name: str, **variables: Any) -> Any:
    """The operation's answer as `who`, without the `__typename` some operations ask for."""
    answer = await county.call(who, operation(name), **variables)
    if isinstance(answer, dict):
        answer.pop("__typename", None)
    return answer


def error(code: str, message: str, field: str | None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


FORBIDDEN = error("FORBIDDEN", "您没有在此范围内进行该操作的权限", None)


async def test_an_activity_from_publication_to_confirmed_hours_and_a_checked_certificate(
    county: County,
) -> None:
    # 东门社区 publishes an activity for the members registered there, two places.
    draft = await run(
        county, "east", "CreateActivity", input=activity_input(county.garden, capacity=2)
    )
    activity = draft["activity"]["id"]
    published = await run(county, "east", "PublishActivity", id=activity)
    assert published["activity"]["status"] == "PUBLISHED"

    # Two places, three members: the third waits, and moves up when one cancels.
    for who, status in (("zhang", "SIGNED_UP"), ("li", "SIGNED_UP"), ("zhou", "WAITLISTED")):
        signed = await run(county, who, "SignUpForActivity", id=activity)
        assert signed["signup"]["status"] == status
    await run(county, "li", "CancelActivitySignup", id=activity)
    # 王五 is registered in 西门社区: the activity is not his to join.
    refused = await run(county, "wang", "SignUpForActivity", id=activity)
    assert refused["code"] == "NOT_ELIGIBLE"
    assert (await county.sql("SELECT count(*) FROM activity_signups"))[0][0] == 3

    # Time passes: it started three hours ago and runs a quarter of an hour more.
    await county.times(activity, -3, 0.25)
    code = (await run(county, "east", "ActivityCheckInCode", id=activity))["code"]
    secret = await secret_of(county, activity)
    window = codes.window_of(now())
    expired = codes.code_for_window(secret, local(activity), window - 5)
    wrong = "000000" if code != "000000" else "111111"
    tries = {
        wrong: error("CHECK_IN_CODE_WRONG", "签到码不正确，请扫描现场的二维码", "code"),
        expired: error("CHECK_IN_CODE_EXPIRED", "签到码已过期，请扫描现场最新的二维码", "code"),
    }
    for given, expected in tries.items():
        assert await run(county, "zhang", "CheckInToActivity", id=activity, code=given) == expected
    assert (await county.sql("SELECT count(*) FROM attendances"))[0][0] == 0
    for who in ("zhang", "zhou"):
        checked = await run(county, who, "CheckInToActivity", id=activity, code=code)
        assert checked["attendance"]["checkInMethodName"] == "扫码"
    again = await run(county, "zhang", "CheckInToActivity", id=activity, code=code)
    assert again["code"] == "ALREADY_CHECKED_IN"
    await run(county, "zhang", "CheckOutOfActivity", id=activity, code=code)

    # It ended ten minutes ago: 张三 came at the start and left 2 h 50 min later; 周九 came
    # at the start and never checked out, so is checked out at the end.
    await county.times(activity, -3, -1 / 6)
    await county.update(
        """UPDATE attendances a SET checked_in_at = x.starts_at,
             checked_out_at = CASE WHEN a.checked_out_at IS NULL THEN NULL
                                   ELSE x.starts_at + interval '2 hours 50 minutes' END
           FROM activities x WHERE x.id = a.activity_id AND x.id = :id""",
        id=local(activity),
    )
    # Only the organiser finishes it.
    assert await run(county, "west", "FinishActivity", id=activity) == FORBIDDEN
    finished = await run(county, "east", "FinishActivity", id=activity)
    records = {r["member"]["name"]: r for r in finished["records"]}
    # 2 h 50 min each, counted in whole half hours down (the default rules): 2.5 h.
    assert {name: (r["status"], r["hours"]) for name, r in records.items()} == {
        "张三": ("PENDING", "2.50"),
        "周九": ("PENDING", "2.50"),
    }
    assert finished["refused"] == []

    # The same afternoon entered again for 张三 overlaps the record just written …
    starts = records["张三"]["startedAt"]
    again_entered = {
        "source": {"nodeId": nid(county.east)},
        "memberId": mid(county.members["zhang"]),
        "startedAt": starts,
        "endedAt": records["张三"]["endedAt"],
        "title": "补录同一场活动",
    }
    overlap = await run(county, "east", "RecordService", input=again_entered)
    assert overlap["code"] == "RECORD_OVERLAPS"
    # … and a day of ten hours is credited at most the county's eight.
    yesterday = (now().astimezone(CHINA) - timedelta(days=1)).replace(hour=8, minute=0, second=0)
    too_many = {
        **again_entered,
        "startedAt": yesterday.isoformat(),
        "endedAt": (yesterday + timedelta(hours=10)).isoformat(),
        "hours": "9",
    }
    above = await run(county, "east", "RecordService", input=too_many)
    assert above == error("HOURS_ABOVE_CAP", "本县（区）规定每次服务最多记 8 小时", "hours")
    assert (await county.sql("SELECT count(*) FROM service_records"))[0][0] == 2

    # Only the organiser confirms: not the member, another community, nor a unit.
    ids = [records["张三"]["id"], records["周九"]["id"]]
    for who in ("zhang", "west", "power"):
        assert await run(county, who, "ConfirmServiceRecords", ids=ids) == FORBIDDEN
    statuses = await county.sql("SELECT DISTINCT status FROM service_records")
    assert [tuple(row) for row in statuses] == [("pending",)]
    confirmed = await run(county, "east", "ConfirmServiceRecords", ids=ids, note="现场核实")
    assert {r["status"] for r in confirmed["records"]} == {"CONFIRMED"}

    # 张三 sees the hours in his totals …
    totals = await run(county, "zhang", "ServiceTotals", year=today().year)
    assert (totals["wholeYear"]["confirmedHours"], totals["wholeYear"]["confirmedTimes"]) == (
        "2.50",
        1,
    )
    # … has them certified, and anyone can check the certificate's code.
    first_day = today().replace(month=1, day=1)
    issued = await run(
        county,
        "zhang",
        "IssueServiceCertificate",
        **{"from": first_day.isoformat(), "to": today().isoformat()},
    )
    certificate = issued["certificate"]
    assert (certificate["recordCount"], certificate["totalHours"]) == (1, "2.50")
    body = await county.graphql(
        operation("VerifyServiceCertificate"), {"code": certificate["code"]}
    )
    assert "errors" not in body, body
    checked = body["data"]["verifyServiceCertificate"]  # type: ignore[index]
    assert checked["valid"] is True
    assert {k: checked["certificate"][k] for k in ("holderName", "totalHours", "recordCount")} == {
        "holderName": "张*",
        "totalHours": "2.50",
        "recordCount": 1,
    }

    # Every step is in the log partners follow, in order.
    steps = [t for t in await county.event_types() if not t.startswith("attendance.")]
    assert steps == [
        "activity.created",
        "activity.published",
        "activity_signup.signed_up",
        "activity_signup.signed_up",
        "activity_signup.waitlisted",
        "activity_signup.cancelled",
        "activity_signup.promoted",
        "service_record.created",
        "service_record.created",
        "activity.finished",
        "service_record.confirmed",
        "service_record.confirmed",
        "service_certificate.issued",
    ]
