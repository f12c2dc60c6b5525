"""A year end in 东门社区 through GraphQL (双考核): last year's service (year_end_county.py)
fills the feedback forms; the community grades them (a grade the county's rules forbid
is refused with the reason), its secretary signs them off, reopens one with a reason and
signs it off again; the forms go to each member's work unit, never another, and two
units acknowledge them; the units registered with the communities are scored and ranked
for the county with the reason behind every point; the PDFs and the unit's workbook say
the same numbers, and every step's event follows its contract."""

import base64
import io
import re
from datetime import datetime
from typing import Any

import openpyxl
import pypdfium2 as pdfium

from services.notifications.catalogue import notices_for
from tests.api.test_event_log import validator
from tests.api.year_end_county import YEAR, YearEnd, refusal, year_end

__all__ = ["year_end"]  # the fixture


FIGURES = (
    "memberName",
    "coversFrom",
    "coversTo",
    "activitiesJoined",
    "serviceTimes",
    "serviceHours",
    "claims",
    "claimsCompleted",
    "wishesFulfilled",
    "whistleResponses",
    "quotaMet",
)


def figures(form: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(form[key] for key in FIGURES)


async def generated(year_end: YearEnd) -> dict[str, dict[str, Any]]:
    """东门社区's forms, pre-filled from last year's records; 西门社区's for 李四's months
    there. Asking 东门 for a member never registered there is refused."""
    east = await year_end.op(
        "east", "GenerateFeedbackForms", communityId=year_end.cid("east"), year=YEAR
    )
    assert (east["created"], east["refreshed"], east["kept"]) == (3, 0, 0)
    by_name = {form["memberName"]: form for form in east["forms"]}
    assert [figures(f) for f in east["forms"]] == [
        ("张三", f"{YEAR}-01-10", f"{YEAR}-12-31", 1, 3, "11.00", 1, 1, 1, 1, True),
        ("李四", f"{YEAR}-01-10", f"{YEAR}-07-01", 0, 1, "2.00", 0, 0, 0, 0, False),
        ("陈七", f"{YEAR}-01-10", f"{YEAR}-12-31", 0, 1, "3.00", 0, 0, 0, 0, False),
    ]
    assert [f["unit"]["name"] for f in east["forms"]] == ["供电公司", "供电公司", "城关小学"]
    assert by_name["李四"]["quotaChecks"] == [
        {
            "quotaPeriod": "YEAR",
            "period": str(YEAR),
            "periodName": f"{YEAR}年",
            "minHours": "10",
            "minTimes": 0,
            "hours": "5.00",
            "times": 2,
            "met": False,
        }
    ]
    west = await year_end.op(
        "west", "GenerateFeedbackForms", communityId=year_end.cid("west"), year=YEAR
    )
    assert [figures(f) for f in west["forms"]] == [
        ("王五", f"{YEAR}-01-10", f"{YEAR}-12-31", 0, 0, "0.00", 0, 0, 0, 0, False),
        ("李四", f"{YEAR}-07-01", f"{YEAR}-12-31", 0, 1, "3.00", 0, 0, 0, 0, False),
    ]
    # Generated again: the drafts are refreshed, nothing is duplicated.
    again = await year_end.op(
        "east", "GenerateFeedbackForms", communityId=year_end.cid("east"), year=YEAR
    )
    assert (again["created"], again["refreshed"], again["kept"]) == (0, 3, 0)
    before = await year_end.snapshot()
    wang = await year_end.op(
        "east",
        "GenerateFeedbackForms",
        communityId=year_end.cid("east"),
        year=YEAR,
        memberIds=[year_end.county.mid("wang")],
    )
    assert wang == refusal(
        "NOT_REGISTERED_THERE",
        f"王五{YEAR}年未在“东门社区”报到，不能由该社区填写反馈表",
        "memberIds",
    )
    assert await year_end.snapshot() == before
    return by_name


async def grade(
    year_end: YearEnd, form: dict[str, Any], grade: str, comment: str | None = None
) -> Any:
    return await year_end.op(
        "east", "GradeFeedbackForm", id=form["id"], grade=grade, comment=comment
    )


async def graded(year_end: YearEnd, forms: dict[str, dict[str, Any]]) -> None:
    """Grades within the county's rules; the others refused with the reason, nothing
    written."""
    zhang, li, chen = forms["张三"], forms["李四"], forms["陈七"]
    before = await year_end.snapshot()
    assert await grade(year_end, zhang, "EXCELLENT", "服务积极") == refusal(
        "GRADE_NOT_ALLOWED",
        "张三不能评为“优秀”：评为“优秀”须在反馈期间服务满 20 小时，该党员为 11 小时",
        "grade",
    )
    assert await grade(year_end, chen, "GOOD") == refusal(
        "GRADE_NOT_ALLOWED",
        f"陈七不能评为“合格”：未达到服务指标（{YEAR}年服务 3 小时、1 次，要求至少 10 小时），"
        "最高可评为“基本合格”",
        "grade",
    )
    assert await grade(year_end, li, "POOR") == refusal(
        "INVALID_ASSESSMENT", "评为“不合格”须填写「评语」", "comment"
    )
    assert await year_end.snapshot() == before
    done = await grade(year_end, zhang, "GOOD", "热心社区事务，按时参加服务")
    assert {k: done["form"][k] for k in ("status", "grade", "gradeName", "comment")} == {
        "status": "DRAFT",
        "grade": "GOOD",
        "gradeName": "合格",
        "comment": "热心社区事务，按时参加服务",
    }
    assert (await grade(year_end, li, "FAIR"))["form"]["grade"] == "FAIR"
    assert (await grade(year_end, chen, "FAIR", "服务时长不足"))["form"]["grade"] == "FAIR"


async def signed_off(year_end: YearEnd, forms: dict[str, dict[str, Any]]) -> None:
    """The secretary signs them off; a change after that is refused until the secretary
    reopens the form with a reason on record."""
    east = year_end.cid("east")
    assert await year_end.op("street", "SignOffFeedbackForms", communityId=east, year=YEAR) == (
        refusal("FORBIDDEN", "您没有在此范围内进行该操作的权限")
    )
    done = await year_end.op("east", "SignOffFeedbackForms", communityId=east, year=YEAR)
    assert [(f["memberName"], f["status"], f["grade"]) for f in done["forms"]] == [
        ("张三", "SIGNED_OFF", "GOOD"),
        ("李四", "SIGNED_OFF", "FAIR"),
        ("陈七", "SIGNED_OFF", "FAIR"),
    ]
    assert {f["signedOffByName"] for f in done["forms"]} == {"east同志"}
    before = await year_end.snapshot()
    assert await grade(year_end, forms["张三"], "FAIR") == refusal(
        "ASSESSMENT_SIGNED_OFF",
        "该反馈表已签发，不能再修改；如需修改，请社区书记先撤回签发并说明原因",
        "id",
    )
    assert await year_end.op("east", "SignOffFeedbackForms", communityId=east, year=YEAR) == (
        refusal("ASSESSMENT_NOT_READY", f"“东门社区”{YEAR}年没有待签发的反馈表", "communityId")
    )
    # Generating again keeps what is signed off as it is.
    again = await year_end.op("east", "GenerateFeedbackForms", communityId=east, year=YEAR)
    assert (again["created"], again["refreshed"], again["kept"]) == (0, 0, 3)
    assert await year_end.snapshot() == before
    reopened = await year_end.op(
        "east", "ReopenFeedbackForm", id=forms["张三"]["id"], reason="评语需补充服务事例"
    )
    form = reopened["form"]
    assert (form["status"], form["grade"], form["reopenedCount"]) == ("DRAFT", "GOOD", 1)
    assert [(h["change"], h["note"]) for h in form["history"]] == [
        ("GENERATED", None),
        ("REFRESHED", None),
        ("GRADED", "热心社区事务，按时参加服务"),
        ("SIGNED_OFF", None),
        ("REOPENED", "评语需补充服务事例"),
    ]
    await grade(year_end, forms["张三"], "GOOD", "热心社区事务，参与防汛吹哨、微心愿")
    again = await year_end.op("east", "SignOffFeedbackForms", communityId=east, year=YEAR)
    assert [f["memberName"] for f in again["forms"]] == ["张三"]


async def delivered(year_end: YearEnd, forms: dict[str, dict[str, Any]]) -> None:
    """Each form goes to the member's unit at the year's end, and is acknowledged there."""
    zhang, li, chen = (forms[n]["id"] for n in ("张三", "李四", "陈七"))
    power, school = year_end.uid("power"), year_end.uid("school")
    before = await year_end.snapshot()
    assert await year_end.op(
        "east", "DeliverFeedbackForms", ids=[zhang, chen], unitId=power
    ) == refusal(
        "NOT_MEMBERS_UNIT",
        f"陈七{YEAR}年末所在单位为“城关小学”，不能送达“供电公司”：反馈表只能送达党员年末所在单位",
        "unitId",
    )
    assert await year_end.op("east", "AcknowledgeFeedbackForms", ids=[zhang]) == refusal(
        "FORBIDDEN", "您没有在此范围内进行该操作的权限"
    )
    assert await year_end.op("power", "AcknowledgeFeedbackForms", ids=[zhang]) == refusal(
        "ASSESSMENT_NOT_READY", "张三的反馈表已签发，不能签收", "ids"
    )
    assert await year_end.snapshot() == before
    to_power = await year_end.op("east", "DeliverFeedbackForms", ids=[zhang, li], unitId=power)
    assert [(f["memberName"], f["status"]) for f in to_power["forms"]] == [
        ("张三", "DELIVERED"),
        ("李四", "DELIVERED"),
    ]
    to_school = await year_end.op("east", "DeliverFeedbackForms", ids=[chen], unitId=school)
    assert [f["status"] for f in to_school["forms"]] == ["DELIVERED"]
    # Each unit reads what was delivered to it, and acknowledges only that.
    listed = await year_end.op("power", "FeedbackForms", year=YEAR)
    assert [e["node"]["memberName"] for e in listed["edges"]] == ["张三", "李四"]
    assert await year_end.op("school", "AcknowledgeFeedbackForms", ids=[zhang]) == refusal(
        "FORBIDDEN", "您没有在此范围内进行该操作的权限"
    )
    power_ack = await year_end.op("power", "AcknowledgeFeedbackForms", ids=[zhang, li])
    assert [(f["status"], f["acknowledgedByName"]) for f in power_ack["forms"]] == [
        ("ACKNOWLEDGED", "power同志"),
        ("ACKNOWLEDGED", "power同志"),
    ]
    school_ack = await year_end.op("school", "AcknowledgeFeedbackForms", ids=[chen])
    assert [f["status"] for f in school_ack["forms"]] == ["ACKNOWLEDGED"]
    # The member reads their own form once delivered.
    mine = await year_end.op("zhang", "FeedbackForms", year=YEAR)
    assert [(e["node"]["memberName"], e["node"]["gradeName"]) for e in mine["edges"]] == [
        ("张三", "合格")
    ]
    progress = await year_end.op(
        "east", "FeedbackProgress", communityId=year_end.cid("east"), year=YEAR
    )
    assert {k: progress[k] for k in ("registered", "generated", "acknowledged", "outstanding")} == {
        "registered": 3,
        "generated": 3,
        "acknowledged": 3,
        "outstanding": 0,
    }


MEASURES_BEFORE = [
    (
        "collective_activities",
        "18.75",
        "开展集体服务活动 3 次，应开展 4 次（每季度 1 次，共 4 个季度），得 18.75 分（满分 25 分）",
    ),
    ("projects", "12.50", "认领项目 1 个、完成 1 个，每年应认领 2 个，得 12.50 分（满分 25 分）"),
    ("commitments", "0.00", "协议承诺 4 项，社区认定已履行 0 项，得 0.00 分（满分 20 分）"),
    ("registration", "15.00", "在册党员 3 名，已到社区报到 3 名，得 15.00 分（满分 15 分）"),
    (
        "compliance",
        "5.00",
        "已报到党员 3 名中 1 名达到服务指标，得 5.00 分（满分 15 分）",
    ),
]


async def evaluated(year_end: YearEnd) -> dict[str, Any]:
    """The units registered with 东门 and 西门 are scored with the reasons; the community
    finds which commitments were met; the county sees the units ranked."""
    east, west = year_end.cid("east"), year_end.cid("west")
    made = await year_end.op("east", "EvaluateUnits", communityId=east, year=YEAR)
    [power] = made["evaluations"]
    assert (power["unit"]["name"], power["score"], power["status"]) == (
        "供电公司",
        "51.25",
        "DRAFT",
    )
    assert [(m["measure"], m["points"], m["reason"]) for m in power["measures"]] == MEASURES_BEFORE
    assert [(c["number"], c["kindName"], c["text"]) for c in power["commitments"]] == [
        (1, "共建责任", "每季度开展一次集体服务活动"),
        (2, "共建责任", "参与社区安全用电检查"),
        (3, "提供资源", "会议室"),
        (4, "认领项目", "老旧小区线路改造宣传"),
    ]
    before = await year_end.snapshot()
    assert await year_end.op(
        "east", "AssessUnitEvaluation", id=power["id"], commitmentsMet=[1, 5]
    ) == refusal(
        "INVALID_ASSESSMENT",
        "「已履行的承诺」中的第 5 项不存在：协议共有 4 项承诺",
        "commitmentsMet",
    )
    assert await year_end.snapshot() == before
    assessed = await year_end.op(
        "east",
        "AssessUnitEvaluation",
        id=power["id"],
        commitmentsMet=[1, 2, 4],
        comment="共建积极，会议室尚未开放",
    )
    evaluation = assessed["evaluation"]
    assert (evaluation["score"], evaluation["comment"]) == ("66.25", "共建积极，会议室尚未开放")
    assert [c["met"] for c in evaluation["commitments"]] == [True, True, False, True]
    assert evaluation["measures"][2] == {
        "measure": "commitments",
        "points": "15.00",
        "reason": "协议承诺 4 项，社区认定已履行 3 项，得 15.00 分（满分 20 分）",
    }
    # Rescored from the records: the commitments found met stay.
    again = await year_end.op("east", "EvaluateUnits", communityId=east, year=YEAR)
    assert (again["refreshed"], again["evaluations"][0]["score"]) == (1, "66.25")
    school = (await year_end.op("west", "EvaluateUnits", communityId=west, year=YEAR))[
        "evaluations"
    ][0]
    assert (school["unit"]["name"], school["score"]) == ("城关小学", "15.00")
    assert [m["reason"] for m in school["measures"]][2:] == [
        "未签订共驻共建协议，得 0.00 分（满分 20 分）",
        "在册党员 2 名，已到社区报到 2 名，得 15.00 分（满分 15 分）",
        "已报到党员 2 名中 0 名达到服务指标，得 0.00 分（满分 15 分）",
    ]
    for who, community in (("east", east), ("west", west)):
        signed = await year_end.op(who, "SignOffUnitEvaluations", communityId=community, year=YEAR)
        assert [e["status"] for e in signed["evaluations"]] == ["SIGNED_OFF"]
    ranking = await year_end.op("admin", "UnitEvaluations", year=YEAR)
    ranked = [e["node"] for e in ranking["edges"]]
    assert [(e["unit"]["name"], e["community"]["name"], e["score"]) for e in ranked] == [
        ("供电公司", "东门社区", "66.25"),
        ("城关小学", "西门社区", "15.00"),
    ]
    assert ranked[0]["measures"][0]["reason"] == MEASURES_BEFORE[0][2]
    # The unit reads its own, signed off; another unit does not see it.
    assert [
        e["node"]["score"]
        for e in (await year_end.op("power", "UnitEvaluations", year=YEAR))["edges"]
    ] == ["66.25"]
    return dict(ranked[0])


def pdf_text(document: dict[str, Any]) -> str:
    assert document["contentType"] == "application/pdf"
    pdf = pdfium.PdfDocument(base64.b64decode(document["contentBase64"]))
    printed = "".join(page.get_textpage().get_text_range() for page in pdf)
    return re.sub(r"[\r\n \u3000]", "", printed)


async def documents_say_the_same(
    year_end: YearEnd, forms: dict[str, dict[str, Any]], evaluation: dict[str, Any]
) -> None:
    form = await year_end.op("power", "FeedbackFormPdf", id=forms["张三"]["id"])
    assert form["pdf"]["filename"].startswith(f"表现反馈表-{YEAR}-")
    printed = pdf_text(form["pdf"])
    for expected in (
        "在职党员服务社区表现反馈表",
        f"正定县{YEAR}年度",
        "张三",
        "供电公司",
        "东门社区",
        f"{YEAR}年1月10日至{YEAR}年12月31日",
        "3次，共11小时",
        "认领项目1个，完成1个",
        "实现微心愿1个",
        "响应吹哨报到1次",
        "10小时",
        "达标",
        "合格",
        "热心社区事务，参与防汛吹哨、微心愿",
        "东门社区党组织",
        "（盖章）",
        "第1页共1页",
    ):
        assert expected in printed, expected
    found = await year_end.op("admin", "UnitEvaluationPdf", id=evaluation["id"])
    printed = pdf_text(found["pdf"])
    for expected in (
        "单位党组织到社区报到服务评价表",
        "供电公司",
        "东门社区",
        "66.25",
        "开展集体服务活动3次，应开展4次",
        "老旧小区线路改造宣传",
        "已履行",
        "共建积极，会议室尚未开放",
    ):
        assert expected in printed, expected
    book = await year_end.op(
        "power", "UnitFeedbackWorkbook", unitId=year_end.uid("power"), year=YEAR
    )
    assert book["filename"] == f"表现反馈表-供电公司-{YEAR}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(book["contentBase64"]))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:8] == (
        "姓名",
        "报到社区",
        "报到日期",
        "反馈期间起",
        "反馈期间止",
        "参加活动（次）",
        "服务次数",
        "服务时长（小时）",
    )
    # What the unit was delivered: 张三 and 李四's 东门 form (西门 has not signed its off).
    assert [
        (r[0], r[1], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[13], r[15]) for r in rows[1:]
    ] == [
        ("张三", "东门社区", 1, 3, 11.0, 1, 1, 1, 1, "合格", "单位已签收"),
        ("李四", "东门社区", 0, 1, 2.0, 0, 0, 0, 0, "基本合格", "单位已签收"),
    ]
    assert rows[1][3] == datetime(YEAR, 1, 10)


async def test_a_year_end_from_the_records_to_the_units_acknowledgement_and_ranking(
    year_end: YearEnd,
) -> None:
    forms = await generated(year_end)
    await graded(year_end, forms)
    await signed_off(year_end, forms)
    await delivered(year_end, forms)
    evaluation = await evaluated(year_end)
    await documents_say_the_same(year_end, forms, evaluation)
    # Every step's event, each valid against its contract, and each step audited.
    rows = await year_end.county.sql(
        "SELECT type, payload FROM events WHERE type LIKE 'feedback%' OR type LIKE 'unit_eval%' "
        "ORDER BY id"
    )
    types = [row.type for row in rows]
    assert types.count("feedback_form.generated") == 3
    assert types.count("feedback_form.graded") == 4
    assert types.count("feedback_form.signed_off") == 2
    assert types.count("feedback_form.reopened") == 1
    assert types.count("feedback_form.delivered") == 2
    assert types.count("feedback_form.acknowledged") == 2
    assert [t for t in types if t.startswith("unit_evaluation.")] == [
        "unit_evaluation.generated",
        "unit_evaluation.assessed",
        "unit_evaluation.generated",
        "unit_evaluation.generated",
        "unit_evaluation.signed_off",
        "unit_evaluation.signed_off",
    ]
    for row in rows:
        assert [e.message for e in validator(row.type).iter_errors(row.payload)] == [], row.type
    audited = await year_end.county.sql(
        "SELECT action FROM audit_log WHERE outcome = 'succeeded' "
        "AND (action LIKE 'feedback%' OR action LIKE 'unit_eval%') ORDER BY id"
    )
    assert [row.action for row in audited] == types
    # The units' admins hear of the forms delivered to them.
    delivered_to = [row.payload for row in rows if row.type == "feedback_form.delivered"]
    [notice] = notices_for("feedback_form.delivered", delivered_to[0])
    assert (notice.title, notice.body) == (
        "收到在职党员表现反馈表",
        f"东门社区送达本单位党员{YEAR}年度服务社区表现反馈表 2 份，请查阅并签收。",
    )
    assert notice.audience.params == {"unit": year_end.county.units["power"].id}
