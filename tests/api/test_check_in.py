"""签到、签退 and finishing through GraphQL: a member checks in and out with the organiser's
current code; a wrong or expired code, a second check-in (also two at once), a check-in
before check-in opens or after the end are refused exactly and write nothing; the
organiser marks a walk-in and a forgotten check-out; finishing closes open attendance at
the end and writes pending service records with the hours the county's rules give; the
schedule finishes what organisers left, two hours after the end."""

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from infra.clock import CHINA, now
from services.activities import codes
from services.activities.finishing import finish_due
from tests.api.graphql_client import global_id
from tests.api.test_activities import (
    ERROR,
    FORBIDDEN,
    County,
    county,
    local,
    mid,
    refusal,
    shown,
)

__all__ = ["county"]  # the fixture, shared with test_activities.py

COUNTS = "counts { signedUp checkedIn checkedOut }"
ATTENDANCE = """checkedInAt checkInMethod checkInMethodName checkedOutAt checkOutMethod
  checkOutMethodName memberName"""
ATTENDED = f"""... on AttendanceSuccess {{ activity {{ {COUNTS} }} attendance {{ {ATTENDANCE} }} }}
  {ERROR}"""
CODE = "query($id: ID!) { activityCheckInCode(id: $id) { code refreshAt validUntil qrPayload } }"
CHECK_IN = f"""mutation($id: ID!, $c: String!) {{
  checkInToActivity(id: $id, code: $c) {{ {ATTENDED} }} }}"""
CHECK_OUT = f"""mutation($id: ID!, $c: String!) {{
  checkOutOfActivity(id: $id, code: $c) {{ {ATTENDED} }} }}"""
MARK = f"""mutation($id: ID!, $m: ID!, $i: DateTime!, $o: DateTime) {{
  markAttendance(id: $id, memberId: $m, checkedInAt: $i, checkedOutAt: $o) {{ {ATTENDED} }} }}"""
MARK_OUT = f"""mutation($id: ID!, $m: ID!, $o: DateTime!) {{
  markCheckOut(id: $id, memberId: $m, checkedOutAt: $o) {{ {ATTENDED} }} }}"""
FINISH = f"""mutation($id: ID!) {{ finishActivity(id: $id) {{
  ... on FinishActivitySuccess {{ activity {{ status statusName finishedAt {COUNTS} }}
    records {{ status hours minutes startedAt endedAt member {{ name }} }}
    refused {{ memberName message }} }}
  {ERROR} }} }}"""
MINE = f"""query($id: ID!) {{ activity(id: $id) {{ myAttendance {{ {ATTENDANCE} }}
  attendances(first: 100) {{ edges {{ node {{ {ATTENDANCE} }} }} }} }} }}"""


def hours_from_now(hours: float) -> str:
    return (now() + timedelta(hours=hours)).isoformat()


def clock(value: str | datetime) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(CHINA).strftime("%H:%M")


async def running(county: County, *signups: str, **changes: Any) -> str:
    """An activity of 东门社区 that started a quarter of an hour ago and runs two hours
    more, with these members signed up before it started."""
    activity: str = (await county.published("east", county.east, **changes))["id"]
    for who in signups:
        await county.sign_up(who, activity)
    await county.times(activity, -0.25, 2)
    return activity


async def current_code(county: County, activity: str) -> str:
    found = await county.call("east", CODE, id=activity)
    code: str = found["code"]
    return code


async def starts_of(county: County, activity: str) -> str:
    [(starts,)] = await county.sql(
        "SELECT starts_at FROM activities WHERE id = :id", id=local(activity)
    )
    moment: datetime = starts
    return moment.isoformat()


async def secret_of(county: County, activity: str) -> bytes:
    [(secret,)] = await county.sql(
        "SELECT code_secret FROM activities WHERE id = :id", id=local(activity)
    )
    return bytes(secret)


async def test_a_member_checks_in_and_out_with_the_current_code(county: County) -> None:
    activity = await running(county, "zhang", "li")
    shown_code = await county.call("east", CODE, id=activity)
    code = shown_code["code"]
    assert len(code) == 6
    assert code.isdigit()
    assert shown_code["qrPayload"] == f"gongjian:checkin:{activity}:{code}"
    refresh = datetime.fromisoformat(shown_code["refreshAt"])
    valid_until = datetime.fromisoformat(shown_code["validUntil"])
    assert now() < refresh <= now() + timedelta(seconds=30)
    assert valid_until - refresh == timedelta(seconds=30) - timedelta(microseconds=1)

    came = await county.call("zhang", CHECK_IN, id=activity, c=code)
    assert came["attendance"] | {"checkedInAt": None} == {
        "checkedInAt": None,
        "checkInMethod": "CODE",
        "checkInMethodName": "扫码",
        "checkedOutAt": None,
        "checkOutMethod": None,
        "checkOutMethodName": None,
        "memberName": "张三",
    }
    assert came["activity"]["counts"] == {"signedUp": 2, "checkedIn": 1, "checkedOut": 0}
    checked_in = came["attendance"]["checkedInAt"]
    assert abs((datetime.fromisoformat(checked_in) - now()).total_seconds()) < 60

    left = await county.call(
        "zhang", CHECK_OUT, id=activity, c=await current_code(county, activity)
    )
    assert (left["attendance"]["checkOutMethod"], left["activity"]["counts"]["checkedOut"]) == (
        "CODE",
        1,
    )
    checked_out = left["attendance"]["checkedOutAt"]
    mine = await county.call("zhang", MINE, id=activity)
    assert datetime.fromisoformat(mine["myAttendance"]["checkedOutAt"]) == datetime.fromisoformat(
        checked_out
    )
    assert mine["attendances"] is None
    listed = await county.call("east", MINE, id=activity)
    assert [e["node"]["memberName"] for e in listed["attendances"]["edges"]] == ["张三"]

    # Once each: the second time says when the first was.
    before = await county.snapshot()
    code = await current_code(county, activity)
    assert await county.call("zhang", CHECK_IN, id=activity, c=code) == refusal(
        "ALREADY_CHECKED_IN", f"您已于 {clock(checked_in)} 签到", "id"
    )
    assert await county.call("zhang", CHECK_OUT, id=activity, c=code) == refusal(
        "ALREADY_CHECKED_IN", f"您已于 {clock(checked_out)} 签退", "id"
    )
    assert await county.call("li", CHECK_OUT, id=activity, c=code) == refusal(
        "NOT_CHECKED_IN", "您尚未签到，不能签退", "id"
    )
    assert await county.snapshot() == before
    events = await county.sql(
        "SELECT type, payload->>'member_id', payload->>'check_in_method' FROM events "
        "WHERE type LIKE 'attendance.%' ORDER BY id"
    )
    zhang = str(county.members["zhang"].id)
    assert [tuple(row) for row in events] == [
        ("attendance.checked_in", zhang, "code"),
        ("attendance.checked_out", zhang, "code"),
    ]


async def test_a_wrong_or_an_expired_code_is_refused(county: County) -> None:
    activity = await running(county, "zhang")
    other = await running(county, "zhang", title="另一场活动")
    secret = await secret_of(county, activity)
    window = codes.window_of(now())
    taken = {codes.code_for_window(secret, local(activity), window - b) for b in (-1, 0, 1)}
    # A code shown three minutes ago: right then, expired now.
    expired = codes.code_for_window(secret, local(activity), window - 6)
    assert expired not in taken
    recent = {codes.code_for_window(secret, local(activity), window - b) for b in range(-1, 22)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in recent)
    # Another activity's current code is no code here.
    elsewhere = await current_code(county, other)
    assert elsewhere not in recent
    before = await county.snapshot()
    assert await county.call("zhang", CHECK_IN, id=activity, c=expired) == refusal(
        "CHECK_IN_CODE_EXPIRED", "签到码已过期，请扫描现场最新的二维码", "code"
    )
    assert await county.call("zhang", CHECK_OUT, id=activity, c=expired) == refusal(
        "CHECK_IN_CODE_EXPIRED", "签到码已过期，请扫描现场最新的二维码", "code"
    )
    for bad in (wrong, elsewhere, "12345", "abcdef", ""):
        assert await county.call("zhang", CHECK_IN, id=activity, c=bad) == refusal(
            "CHECK_IN_CODE_WRONG", "签到码不正确，请扫描现场的二维码", "code"
        ), bad
    assert await county.snapshot() == before


async def test_check_in_before_it_opens_or_after_the_end_is_refused(county: County) -> None:
    ahead = (await county.published("east", county.east))["id"]
    await county.sign_up("zhang", ahead)
    [(starts,)] = await county.sql(
        "SELECT starts_at FROM activities WHERE id = :id", id=local(ahead)
    )
    secret = await secret_of(county, ahead)
    code = codes.current_code(secret, local(ahead), now()).code
    opens = shown(starts - timedelta(minutes=30))
    before = await county.snapshot()
    assert await county.call("zhang", CHECK_IN, id=ahead, c=code) == refusal(
        "CHECK_IN_CLOSED", f"活动签到将于 {opens} 开始（开始前 30 分钟），现在还不能签到", "id"
    )
    body = await county.ask("east", CODE, id=ahead)
    assert body["errors"][0]["message"] == (
        f"活动签到将于 {opens} 开始（开始前 30 分钟），现在还不能签到"
    )

    # 35 minutes before the start it is still closed; 25 minutes before, open.
    await county.times(ahead, 35 / 60, 3)
    assert (await county.call("zhang", CHECK_IN, id=ahead, c=code))["code"] == "CHECK_IN_CLOSED"
    await county.times(ahead, 25 / 60, 3)
    came = await county.call("zhang", CHECK_IN, id=ahead, c=await current_code(county, ahead))
    assert came["attendance"]["checkInMethod"] == "CODE"

    # After the end: neither check-in nor check-out.
    await county.times(ahead, -3, -1)
    [(ends,)] = await county.sql("SELECT ends_at FROM activities WHERE id = :id", id=local(ahead))
    after = await county.snapshot()
    assert await county.call("zhang", CHECK_OUT, id=ahead, c=code) == refusal(
        "CHECK_IN_CLOSED", f"活动已于 {shown(ends)} 结束，不能再签退", "id"
    )
    assert await county.call("li", CHECK_IN, id=ahead, c=code) == refusal(
        "CHECK_IN_CLOSED", f"活动已于 {shown(ends)} 结束，不能再签到", "id"
    )
    body = await county.ask("east", CODE, id=ahead)
    assert body["errors"][0]["message"] == f"活动已于 {shown(ends)} 结束，不能再签到"
    assert await county.snapshot() == after
    assert before["attendances"] == []


async def test_two_check_ins_at_once_give_one_check_in(county: County) -> None:
    activity = await running(county, "zhang", "li")
    code = await current_code(county, activity)
    results = await asyncio.gather(
        *(county.call(who, CHECK_IN, id=activity, c=code) for who in ("zhang", "zhang", "li"))
    )
    came = [r for r in results if "attendance" in r]
    refused = [r for r in results if "code" in r]
    assert sorted(r["attendance"]["memberName"] for r in came) == ["张三", "李四"]
    [zhang] = [r for r in came if r["attendance"]["memberName"] == "张三"]
    assert refused == [
        refusal(
            "ALREADY_CHECKED_IN", f"您已于 {clock(zhang['attendance']['checkedInAt'])} 签到", "id"
        )
    ]
    rows = await county.sql("SELECT count(*) FROM attendances")
    assert rows[0][0] == 2
    assert (await county.event_types()).count("attendance.checked_in") == 2


async def test_only_a_member_with_a_place_checks_in(county: County) -> None:
    activity = await running(county, "zhang", "li", "zhou", capacity=2)
    draft = (await county.create("east", county.east))["id"]
    cancelled = await running(county, "zhang", title="取消的活动")
    await county.call(
        "east",
        'mutation($id: ID!) { cancelActivity(id: $id, reason: "改期") { __typename } }',
        id=cancelled,
    )
    code = await current_code(county, activity)
    before = await county.snapshot()
    cases = [
        (
            "zhou",
            CHECK_IN,
            activity,
            refusal("NOT_SIGNED_UP", "您在候补名单中，尚未获得名额，不能签到", "id"),
        ),
        (
            "wu",
            CHECK_IN,
            activity,
            refusal("NOT_SIGNED_UP", "您没有报名该活动，请联系组织方登记签到", "id"),
        ),
        ("east", CHECK_IN, activity, FORBIDDEN),
        ("power", CHECK_IN, activity, FORBIDDEN),
        ("zhang", CHECK_IN, draft, refusal("ACTIVITY_CLOSED", "该活动尚未发布，不能签到", "id")),
        ("zhang", CHECK_IN, cancelled, refusal("ACTIVITY_CLOSED", "该活动已取消，不能签到", "id")),
        ("zhang", CHECK_OUT, cancelled, refusal("ACTIVITY_CLOSED", "该活动已取消，不能签退", "id")),
        (
            "zhang",
            CHECK_IN,
            global_id("Activity", 999_999),
            refusal("ACTIVITY_NOT_FOUND", "未找到该活动", "id"),
        ),
    ]
    for who, mutation, target, expected in cases:
        assert await county.call(who, mutation, id=target, c=code) == expected, (who, target)
    assert await county.snapshot() == before
    for who in ("zhang", "west", "power"):
        body = await county.ask(who, CODE, id=activity)
        assert body["errors"][0]["message"] == FORBIDDEN["message"], who
    body = await county.ask("east", CODE, id=draft)
    assert body["errors"][0]["message"] == "该活动尚未发布，不能签到"


# --- marked by the organiser ---------------------------------------------------------------


async def test_the_organiser_marks_a_walk_in_and_a_forgotten_check_out(county: County) -> None:
    activity = await running(county, "zhang", "li")
    await county.call("zhang", CHECK_IN, id=activity, c=await current_code(county, activity))
    [(starts, ends)] = await county.sql(
        "SELECT starts_at, ends_at FROM activities WHERE id = :id", id=local(activity)
    )
    # 吴十 did not sign up and came anyway (he is of the audience).
    came_at = (starts + timedelta(minutes=5)).isoformat()
    walk_in = await county.call("east", MARK, id=activity, m=mid(county.members["wu"]), i=came_at)
    assert walk_in["attendance"] | {"checkedInAt": None} == {
        "checkedInAt": None,
        "checkInMethod": "ORGANISER",
        "checkInMethodName": "组织方登记",
        "checkedOutAt": None,
        "checkOutMethod": None,
        "checkOutMethodName": None,
        "memberName": "吴十",
    }
    assert datetime.fromisoformat(walk_in["attendance"]["checkedInAt"]) == starts + timedelta(
        minutes=5
    )
    assert walk_in["activity"]["counts"] == {"signedUp": 2, "checkedIn": 2, "checkedOut": 0}
    # 周九 came and went before anyone could mark him.
    both = await county.call(
        "east",
        MARK,
        id=activity,
        m=mid(county.members["zhou"]),
        i=(starts - timedelta(minutes=20)).isoformat(),
        o=(starts + timedelta(minutes=10)).isoformat(),
    )
    assert (both["attendance"]["checkOutMethod"], both["activity"]["counts"]["checkedOut"]) == (
        "ORGANISER",
        1,
    )
    # 张三 forgot to check out; the organiser sets it, and may correct it later.
    await county.update(
        "UPDATE attendances SET checked_in_at = :s WHERE member_id = :m",
        s=starts,
        m=county.members["zhang"].id,
    )
    out = (starts + timedelta(minutes=12)).isoformat()
    marked = await county.call("east", MARK_OUT, id=activity, m=mid(county.members["zhang"]), o=out)
    assert (marked["attendance"]["checkInMethod"], marked["attendance"]["checkOutMethod"]) == (
        "CODE",
        "ORGANISER",
    )
    corrected = (starts + timedelta(minutes=14)).isoformat()
    await county.call("east", MARK_OUT, id=activity, m=mid(county.members["zhang"]), o=corrected)
    [(replaced,)] = await county.sql(
        "SELECT payload->>'replaced_checked_out_at' FROM events "
        "WHERE type = 'attendance.checked_out' ORDER BY id DESC LIMIT 1"
    )
    assert datetime.fromisoformat(replaced) == datetime.fromisoformat(out)
    assert [t for t in await county.event_types() if t.startswith("attendance.")] == [
        "attendance.checked_in",
        "attendance.checked_in",
        "attendance.checked_in",
        "attendance.checked_out",
        "attendance.checked_out",
        "attendance.checked_out",
    ]

    before = await county.snapshot()
    window = f"{shown(starts - timedelta(minutes=30))} 至 {shown(ends)}"
    wang, li, wu = (mid(county.members[k]) for k in ("wang", "li", "wu"))
    fine = (starts + timedelta(minutes=1)).isoformat()
    cases: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        ("zhang", MARK, {"m": li, "i": fine}, FORBIDDEN),
        ("west", MARK, {"m": li, "i": fine}, FORBIDDEN),
        ("power", MARK, {"m": li, "i": fine}, FORBIDDEN),
        (
            "east",
            MARK,
            {"m": global_id("Member", 999_999), "i": fine},
            refusal("MEMBER_NOT_FOUND", "未找到该党员", "memberId"),
        ),
        (
            "east",
            MARK,
            {"m": wang, "i": fine},
            refusal(
                "NOT_ELIGIBLE",
                "“王五”不在本活动的参加对象之内：本活动仅限在“东门社区”报到的党员参加",
                "memberId",
            ),
        ),
        (
            "east",
            MARK,
            {"m": wu, "i": fine},
            refusal(
                "ALREADY_CHECKED_IN",
                f"“吴十”已于 {clock(starts + timedelta(minutes=5))} 签到，不能重复登记",
                "memberId",
            ),
        ),
        (
            "east",
            MARK,
            {"m": li, "i": (starts - timedelta(minutes=31)).isoformat()},
            refusal(
                "CHECK_IN_CLOSED",
                f"「签到时间」应在 {window} 之间（活动开始前 30 分钟至活动结束）",
                "checkedInAt",
            ),
        ),
        (
            "east",
            MARK,
            {"m": li, "i": hours_from_now(0.5)},
            refusal("INVALID_ATTENDANCE", "「签到时间」不能晚于现在", "checkedInAt"),
        ),
        (
            "east",
            MARK,
            {"m": li, "i": fine, "o": fine},
            refusal(
                "INVALID_ATTENDANCE",
                f"「签退时间」应晚于签到时间（{clock(fine)}）",
                "checkedOutAt",
            ),
        ),
        (
            "east",
            MARK,
            {"m": li, "i": fine, "o": hours_from_now(0.1)},
            refusal("INVALID_ATTENDANCE", "「签退时间」不能晚于现在", "checkedOutAt"),
        ),
        (
            "east",
            MARK_OUT,
            {"m": li, "o": fine},
            refusal("NOT_CHECKED_IN", "“李四”尚未签到，不能登记签退", "memberId"),
        ),
        (
            "east",
            MARK_OUT,
            {"m": mid(county.members["zhang"]), "o": starts.isoformat()},
            refusal(
                "INVALID_ATTENDANCE",
                f"「签退时间」应晚于签到时间（{clock(starts)}）",
                "checkedOutAt",
            ),
        ),
        ("zhang", MARK_OUT, {"m": mid(county.members["zhang"]), "o": fine}, FORBIDDEN),
    ]
    for who, mutation, variables, expected in cases:
        assert await county.call(who, mutation, id=activity, **variables) == expected, (
            who,
            variables,
        )
    assert await county.snapshot() == before


# --- finishing ---------------------------------------------------------------------------


async def test_finishing_closes_open_attendance_and_writes_the_records(county: County) -> None:
    activity = await running(county, "zhang", "li", "zhou")
    code = await current_code(county, activity)
    for who in ("zhang", "li"):
        await county.call(who, CHECK_IN, id=activity, c=code)
    await county.call("li", CHECK_OUT, id=activity, c=code)
    await county.call(
        "east", MARK, id=activity, m=mid(county.members["wu"]), i=hours_from_now(-0.1)
    )
    [(ends,)] = await county.sql(
        "SELECT ends_at FROM activities WHERE id = :id", id=local(activity)
    )
    before = await county.snapshot()
    assert await county.call("east", FINISH, id=activity) == refusal(
        "ACTIVITY_CLOSED", f"活动将于 {shown(ends)} 结束，结束后才能办结", "id"
    )
    assert await county.snapshot() == before

    # Time passes: it ran 3 hours and ended 2 hours ago. 张三 came 10 minutes in and never
    # checked out (2 h 50 min: 2.5 h, counted in half hours down); 李四 came early (counted
    # from the start) and left after an hour; 吴十 was marked at the very end.
    await county.update(
        """UPDATE activities SET starts_at = now() - interval '5 hours',
             ends_at = now() - interval '2 hours', signup_closes_at = now() - interval '5 hours'
           WHERE id = :id""",
        id=local(activity),
    )
    moved = {
        "zhang": ("starts_at + interval '10 minutes'", "NULL"),
        "li": ("starts_at - interval '20 minutes'", "starts_at + interval '1 hour'"),
        "wu": ("ends_at", "NULL"),
    }
    for who, (came, left) in moved.items():
        await county.update(
            f"""UPDATE attendances a SET checked_in_at = {came}, checked_out_at = {left}
                FROM activities WHERE activities.id = a.activity_id AND a.member_id = :m""",
            m=county.members[who].id,
        )
    for who in ("zhang", "west", "power", "leader"):
        assert await county.call(who, FINISH, id=activity) == FORBIDDEN, who
    done = await county.call("east", FINISH, id=activity)
    assert (done["activity"]["status"], done["activity"]["statusName"]) == ("FINISHED", "已结束")
    assert done["activity"]["counts"] == {"signedUp": 3, "checkedIn": 3, "checkedOut": 3}
    [(starts, ends)] = await county.sql(
        "SELECT starts_at, ends_at FROM activities WHERE id = :id", id=local(activity)
    )
    assert [
        (r["member"]["name"], r["status"], r["hours"], r["minutes"]) for r in done["records"]
    ] == [("张三", "PENDING", "2.50", 170), ("李四", "PENDING", "1.00", 60)]
    assert datetime.fromisoformat(done["records"][1]["startedAt"]) == starts
    assert datetime.fromisoformat(done["records"][0]["endedAt"]) == ends
    assert done["refused"] == [{"memberName": "吴十", "message": "签到与签退之间没有服务时间"}]

    closed = await county.call("east", MINE, id=activity)
    by_name = {e["node"]["memberName"]: e["node"] for e in closed["attendances"]["edges"]}
    assert (by_name["张三"]["checkOutMethod"], by_name["张三"]["checkOutMethodName"]) == (
        "CLOSED_AT_END",
        "活动结束时自动签退",
    )
    assert datetime.fromisoformat(by_name["张三"]["checkedOutAt"]) == ends
    assert by_name["李四"]["checkOutMethod"] == "CODE"
    rows = await county.sql(
        "SELECT member_id, source, status, hours::text, activity_id, node_id FROM service_records "
        "ORDER BY member_id"
    )
    assert [tuple(row) for row in rows] == [
        (
            county.members["zhang"].id,
            "activity",
            "pending",
            "2.50",
            local(activity),
            county.east.id,
        ),
        (county.members["li"].id, "activity", "pending", "1.00", local(activity), county.east.id),
    ]
    events = await county.event_types()
    tail = events[events.index("activity.finished") - 4 :]
    assert tail == [
        "attendance.checked_out",
        "attendance.checked_out",
        "service_record.created",
        "service_record.created",
        "activity.finished",
    ]
    [(payload,)] = await county.sql("SELECT payload FROM events WHERE type = 'activity.finished'")
    assert {k: payload[k] for k in ("attended", "closed_at_end", "records", "refused")} == {
        "attended": 3,
        "closed_at_end": 2,
        "records": 2,
        "refused": 1,
    }

    after = await county.snapshot()
    assert await county.call("east", FINISH, id=activity) == refusal(
        "ACTIVITY_CLOSED", "该活动已办结，不能重复办结", "id"
    )
    assert await county.call("zhou", CHECK_IN, id=activity, c=code) == refusal(
        "ACTIVITY_CLOSED", "该活动已结束，不能签到", "id"
    )
    assert await county.call(
        "east", MARK_OUT, id=activity, m=mid(county.members["zhou"]), o=hours_from_now(-3)
    ) == refusal("ACTIVITY_CLOSED", "该活动已结束，不能登记签退", "id")
    assert await county.snapshot() == after


async def test_a_units_activity_is_finished_by_the_unit(county: County) -> None:
    activity = (
        await county.published(
            "power",
            county.east,
            organiserUnitId=global_id("Unit", county.units["power"].id),
            audience="UNIT",
            collective=True,
        )
    )["id"]
    await county.sign_up("zhang", activity)
    await county.times(activity, -3, -1)
    await county.call(
        "power",
        MARK,
        id=activity,
        m=mid(county.members["zhang"]),
        i=await starts_of(county, activity),
    )
    assert await county.call("east", FINISH, id=activity) == FORBIDDEN
    done = await county.call("power", FINISH, id=activity)
    assert [(r["member"]["name"], r["hours"]) for r in done["records"]] == [("张三", "2.00")]
    rows = await county.sql("SELECT organiser_unit_id, node_id FROM service_records")
    assert [tuple(row) for row in rows] == [(county.units["power"].id, county.east.id)]


async def test_the_schedule_finishes_activities_two_hours_after_their_end(county: County) -> None:
    due = (await county.published("east", county.east, title="三小时前结束"))["id"]
    recent = (await county.published("east", county.east, title="一小时前结束"))["id"]
    long_one = (await county.published("east", county.east, title="跨天活动"))["id"]
    all_day = (await county.published("east", county.east, title="全天活动"))["id"]
    await county.times(due, -5, -3)
    await county.times(recent, -3, -1)
    await county.times(long_one, -30, -3)
    await county.times(all_day, -13, -3)
    marked = ((due, "zhang"), (recent, "zhang"), (long_one, "li"), (all_day, "zhou"))
    for activity, who in marked:
        came = await starts_of(county, activity)
        await county.call("east", MARK, id=activity, m=mid(county.members[who]), i=came)
    async with county.db.tenant_session(county.root.tenant_id) as session:
        finished = await finish_due(session, now())
    assert sorted(f.activity.title for f in finished) == ["三小时前结束", "全天活动", "跨天活动"]
    by_title = {f.activity.title: f for f in finished}
    assert [(r.member_id, r.hours) for r in by_title["三小时前结束"].records] == [
        (county.members["zhang"].id, Decimal(2))
    ]
    # Ten hours served, eight credited: the county's cap per activity (default 8 h).
    assert [(r.minutes, r.hours) for r in by_title["全天活动"].records] == [(600, Decimal(8))]
    # A record covers at most a day: a stay of 27 hours is the organiser's to enter by day.
    assert by_title["跨天活动"].records == []
    assert [(r.member_id, r.message) for r in by_title["跨天活动"].refused] == [
        (county.members["li"].id, "一条服务记录不能超过 24 小时，请分天记录")
    ]
    statuses = await county.sql("SELECT title, status FROM activities ORDER BY id")
    assert [tuple(row) for row in statuses] == [
        ("三小时前结束", "finished"),
        ("一小时前结束", "published"),
        ("跨天活动", "finished"),
        ("全天活动", "finished"),
    ]
    actors = await county.sql(
        "SELECT DISTINCT actor_name FROM audit_log WHERE action = 'activity.finished'"
    )
    assert [row[0] for row in actors] == ["定时任务"]
    async with county.db.tenant_session(county.root.tenant_id) as session:
        assert await finish_due(session, now()) == []


async def test_publishing_an_activity_whose_start_has_passed_is_refused(county: County) -> None:
    draft = (await county.create("east", county.east))["id"]
    await county.times(draft, -0.5, 1)
    [(starts,)] = await county.sql(
        "SELECT starts_at FROM activities WHERE id = :id", id=local(draft)
    )
    before = await county.snapshot()
    result = await county.call(
        "east",
        f"mutation($id: ID!) {{ publishActivity(id: $id) {{ {ERROR} }} }}",
        id=draft,
    )
    assert result == refusal(
        "ACTIVITY_CLOSED", f"活动开始时间（{shown(starts)}）已过，请修改时间后再发布", "id"
    )
    assert await county.snapshot() == before
