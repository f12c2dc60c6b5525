"""双考核 beyond the journey (test_year_end.py): who reads and does what, every bad input's
exact refusal writing nothing, the county's assessment rules through setRules, the
reminders before the deadline (once per community and threshold), two generations at
once, and the forms list's fixed number of statements."""

import asyncio
from datetime import date, timedelta
from typing import Any

from services.assessment import schedule
from services.notifications.catalogue import notices_for
from tests.api.graphql_client import global_id, statements_during
from tests.api.test_service_records import COUNTY, nid
from tests.api.test_year_end import grade
from tests.api.year_end_county import YEAR, YearEnd, in_session, operation, refusal, year_end

__all__ = ["year_end"]  # the fixture, shared with the journey

FORBIDDEN = refusal("FORBIDDEN", "您没有在此范围内进行该操作的权限")
RULES = """query($on: Date) { rules(on: $on) { assessment { missedQuotaCeiling excellentMinHours
  commentRequired unitWeights { collectiveActivities projects commitments registration
  compliance } feedbackDeadlineDays reminderDays } } }"""
SET_RULES = """mutation($from: Date!, $rules: RulesInput!) {
  setRules(effectiveFrom: $from, rules: $rules) { __typename
    ... on MutationError { code message field } } }"""


async def generate(year_end: YearEnd, who: str = "east", community: str = "east") -> Any:
    return await year_end.op(
        who, "GenerateFeedbackForms", communityId=year_end.cid(community), year=YEAR
    )


async def test_forms_are_read_and_handled_only_where_the_caller_may(year_end: YearEnd) -> None:
    assert await generate(year_end, who="west") == FORBIDDEN
    assert await generate(year_end, who="power") == FORBIDDEN
    forms = (await generate(year_end))["forms"]
    zhang = forms[0]["id"]

    async def names(who: str, **variables: Any) -> list[str]:
        found = await year_end.op(who, "FeedbackForms", year=YEAR, **variables)
        return [edge["node"]["memberName"] for edge in found["edges"]]

    # Staff where the community is; the units and members only once delivered.
    assert await names("east") == ["张三", "李四", "陈七"]
    assert await names("street") == ["张三", "李四", "陈七"]
    assert await names("west") == []
    assert await names("power") == []
    assert await names("zhang") == []
    assert await names("admin", unitId=year_end.uid("school")) == ["陈七"]
    assert await names("admin", within=year_end.cid("west")) == []
    one = "query($id: ID!) { feedbackForm(id: $id) { memberName } }"
    body = await year_end.county.ask("power", one, id=zhang)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await year_end.call("street", one, id=zhang) == {"memberName": "张三"}
    # Grading, signing off and reopening are the community's: not the street's.
    assert await year_end.op("street", "GradeFeedbackForm", id=zhang, grade="GOOD") == FORBIDDEN
    assert await year_end.op("west", "ReopenFeedbackForm", id=zhang, reason="x") == FORBIDDEN


async def test_every_bad_input_is_refused_exactly_and_writes_nothing(year_end: YearEnd) -> None:
    forms = (await generate(year_end))["forms"]
    zhang, li = forms[0], forms[1]
    before = await year_end.snapshot()
    east = year_end.cid("east")
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            "GenerateFeedbackForms",
            {"communityId": east, "year": 1999},
            refusal("INVALID_ASSESSMENT", f"「年份」应在 2000 到 {YEAR + 1} 之间", "year"),
        ),
        (
            "GenerateFeedbackForms",
            {"communityId": nid(year_end.county.street), "year": YEAR},
            refusal(
                "NOT_A_COMMUNITY",
                "「报到社区」应为社区（村），而“城关街道”不是社区，请选择所在的社区",
                "communityId",
            ),
        ),
        (
            "GenerateFeedbackForms",
            {"communityId": east, "year": YEAR, "memberIds": [year_end.county.mid("zhao")]},
            refusal(
                "NOT_REGISTERED_THERE",
                f"赵六{YEAR}年未在“东门社区”报到，不能由该社区填写反馈表",
                "memberIds",
            ),
        ),
        (
            "GradeFeedbackForm",
            {"id": zhang["id"], "grade": "GOOD", "comment": "好" * 501},
            refusal("INVALID_ASSESSMENT", "「评语」不超过 500 个字", "comment"),
        ),
        (
            "GradeFeedbackForm",
            {"id": global_id("FeedbackForm", 999999), "grade": "GOOD"},
            refusal("FEEDBACK_FORM_NOT_FOUND", "未找到该反馈表", "id"),
        ),
        (
            "SignOffFeedbackForms",
            {"communityId": east, "year": YEAR},
            refusal(
                "ASSESSMENT_NOT_READY",
                "还有 3 份反馈表未评定等次（张三、李四、陈七），请评定后再签发",
                "communityId",
            ),
        ),
        (
            "ReopenFeedbackForm",
            {"id": zhang["id"], "reason": "  "},
            refusal("INVALID_ASSESSMENT", "请说明「原因」", "reason"),
        ),
        (
            "ReopenFeedbackForm",
            {"id": zhang["id"], "reason": "评语有误"},
            refusal("ASSESSMENT_NOT_READY", "该反馈表尚未签发，可直接修改", "id"),
        ),
        (
            "DeliverFeedbackForms",
            {"ids": [zhang["id"]], "unitId": year_end.uid("power")},
            refusal("ASSESSMENT_NOT_READY", "张三的反馈表待签发，不能送达", "ids"),
        ),
        (
            "DeliverFeedbackForms",
            {"ids": [], "unitId": year_end.uid("power")},
            refusal("INVALID_ASSESSMENT", "请至少选择一份", "ids"),
        ),
        (
            "SignOffUnitEvaluations",
            {"communityId": east, "year": YEAR},
            refusal("ASSESSMENT_NOT_READY", f"“东门社区”{YEAR}年没有待签发的评价表", "communityId"),
        ),
    ]
    for name, variables, expected in cases:
        assert await year_end.op("east", name, **variables) == expected, name
    assert await year_end.snapshot() == before
    # A grade given, then the figures refreshed under it: sign-off checks again.
    assert (await grade(year_end, zhang, "GOOD"))["form"]["grade"] == "GOOD"
    for form, chosen in ((li, "FAIR"), (forms[2], "FAIR")):
        await grade(year_end, form, chosen)
    await year_end.county.update("UPDATE service_records SET status = 'declined'")
    await generate(year_end)
    assert await year_end.op("east", "SignOffFeedbackForms", communityId=east, year=YEAR) == (
        refusal(
            "GRADE_NOT_ALLOWED",
            f"张三不能评为“合格”：未达到服务指标（{YEAR}年服务 0 小时、0 次，要求至少 10 小时），"
            "最高可评为“基本合格”。请重新评定后再签发",
            "communityId",
        )
    )


async def test_an_evaluation_signed_off_changes_only_once_reopened(year_end: YearEnd) -> None:
    east = year_end.cid("east")
    [power] = (await year_end.op("east", "EvaluateUnits", communityId=east, year=YEAR))[
        "evaluations"
    ]
    assert await year_end.op("west", "EvaluateUnits", communityId=east, year=YEAR) == FORBIDDEN
    await year_end.op("east", "SignOffUnitEvaluations", communityId=east, year=YEAR)
    assert await year_end.op(
        "east", "AssessUnitEvaluation", id=power["id"], commitmentsMet=[1]
    ) == refusal(
        "ASSESSMENT_SIGNED_OFF",
        "该评价表已签发，不能再修改；如需修改，请社区书记先撤回签发并说明原因",
        "id",
    )
    assert (
        await year_end.op("street", "ReopenUnitEvaluation", id=power["id"], reason="重新认定")
        == FORBIDDEN
    )
    reopened = await year_end.op("east", "ReopenUnitEvaluation", id=power["id"], reason="重新认定")
    evaluation = reopened["evaluation"]
    assert (evaluation["status"], evaluation["reopenedCount"]) == ("DRAFT", 1)
    assert [(h["change"], h["note"]) for h in evaluation["history"]] == [
        ("GENERATED", None),
        ("SIGNED_OFF", None),
        ("REOPENED", "重新认定"),
    ]
    assessed = await year_end.op(
        "east", "AssessUnitEvaluation", id=power["id"], commitmentsMet=[1, 2, 3, 4]
    )
    assert assessed["evaluation"]["score"] == "71.25"
    # Until signed off again, the unit does not read it; the street does.
    assert (await year_end.op("power", "UnitEvaluations", year=YEAR))["edges"] == []
    assert len((await year_end.op("street", "UnitEvaluations", year=YEAR))["edges"]) == 1
    assert (await year_end.op("school", "UnitEvaluations", year=YEAR))["edges"] == []


async def test_the_assessment_rules_are_set_and_checked_like_the_others(
    year_end: YearEnd,
) -> None:
    county = year_end.county
    shown = (await county.call("east", RULES))["assessment"]
    assert shown == {
        "missedQuotaCeiling": "FAIR",
        "excellentMinHours": 20.0,
        "commentRequired": ["EXCELLENT", "POOR"],
        "unitWeights": {
            "collectiveActivities": 25,
            "projects": 25,
            "commitments": 20,
            "registration": 15,
            "compliance": 15,
        },
        "feedbackDeadlineDays": 31,
        "reminderDays": [14, 7, 3, 1],
    }
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    bad = [
        (
            {"unitWeights": {"projects": 15}},
            ("单位评价各项权重之和应为 100，现为 90", "assessment.unitWeights"),
        ),
        (
            {"unitWeights": {"projects": -5, "commitments": 50}},
            ("单位评价中“项目认领”的权重不能为负数", "assessment.unitWeights.projects"),
        ),
        (
            {"feedbackDeadlineDays": 120},
            (
                "反馈表签发截止日应在年末前 60 天到年末后 90 天之间",
                "assessment.feedbackDeadlineDays",
            ),
        ),
        ({"reminderDays": [7, 7]}, ("提醒天数 7 重复了", "assessment.reminderDays[1]")),
        (
            {"excellentMinHours": 0.125},
            ("评为“优秀”所需的最少服务时长最多保留两位小数", "assessment.excellentMinHours"),
        ),
    ]
    for given, (message, field) in bad:
        result = await county.call(
            "admin", SET_RULES, rules={"assessment": given}, **{"from": tomorrow}
        )
        assert result == {
            "__typename": "MutationError",
            "code": "INVALID_RULES",
            "message": message,
            "field": field,
        }, given
    set_ = await county.call(
        "admin",
        SET_RULES,
        rules={"assessment": {"missedQuotaCeiling": "POOR", "commentRequired": []}},
        **{"from": tomorrow},
    )
    assert set_ == {"__typename": "RulesSuccess"}
    later = (await county.call("east", RULES, on=tomorrow))["assessment"]
    assert (later["missedQuotaCeiling"], later["commentRequired"]) == ("POOR", [])


async def test_communities_with_forms_outstanding_are_reminded_once_per_threshold(
    year_end: YearEnd,
) -> None:
    county = year_end.county
    deadline = date(YEAR + 1, 1, 31)

    async def remind(days_before: int) -> list[dict[str, Any]]:
        day = deadline - timedelta(days=days_before)
        await in_session(county, lambda s: schedule.remind(s, day))
        rows = await county.sql(
            "SELECT payload FROM events WHERE type = 'feedback.reminder' ORDER BY id"
        )
        return [row.payload for row in rows]

    assert await remind(20) == []
    # 东门 signs off its forms first: only the others are reminded at 7 days.
    forms = (await generate(year_end))["forms"]
    first = await remind(14)
    east, west, south = (getattr(county, n).id for n in ("east", "west", "south"))
    assert first == [
        {
            "community_id": c,
            "year": YEAR,
            "deadline": deadline.isoformat(),
            "outstanding": n,
            "days_left": 14,
        }
        for c, n in sorted(((east, 3), (west, 2), (south, 1)))
    ]
    assert await remind(10) == first
    for form, chosen in zip(forms, ("GOOD", "FAIR", "FAIR"), strict=True):
        await grade(year_end, form, chosen)
    await year_end.op("east", "SignOffFeedbackForms", communityId=year_end.cid("east"), year=YEAR)
    seven = (await remind(7))[len(first) :]
    assert [(p["community_id"], p["outstanding"], p["days_left"]) for p in seven] == sorted(
        [(west, 2, 7), (south, 1, 7)]
    )
    assert await remind(-1) == first + seven
    [notice] = notices_for("feedback.reminder", seven[0])
    assert (notice.title, notice.audience.params) == (
        f"{YEAR}年度表现反馈表签发提醒",
        {"node": seven[0]["community_id"]},
    )
    assert notice.body == (
        f"本社区{YEAR}年度在职党员服务社区表现反馈表还有 {seven[0]['outstanding']} 份未签发，"
        "请于1月31日前完成评定、签发（还有 7 天）。"
    )
    audited = await county.sql(
        "SELECT actor_name FROM audit_log WHERE action = 'feedback.reminder'"
    )
    assert {row.actor_name for row in audited} == {"定时任务"}


async def test_two_generations_at_once_make_each_form_once(year_end: YearEnd) -> None:
    results = await asyncio.gather(generate(year_end), generate(year_end))
    outcomes = sorted(r.get("code") or r["__typename"] for r in results)
    assert outcomes in (
        ["ASSESSMENT_CONFLICT", "GenerateFeedbackFormsSuccess"],
        ["GenerateFeedbackFormsSuccess", "GenerateFeedbackFormsSuccess"],
    )
    rows = await year_end.county.sql("SELECT count(*) FROM feedback_forms")
    assert rows[0][0] == 3


async def test_the_list_of_forms_takes_a_fixed_number_of_statements(year_end: YearEnd) -> None:
    await generate(year_end)
    query = operation("FeedbackForms")

    async def count(first: int) -> int:
        request = year_end.county.graphql(
            query,
            {"year": YEAR, "first": first},
            county=COUNTY,
            headers=year_end.county.tokens["admin"],
        )
        return await statements_during(year_end.county.db, request)

    one, all_of_them = await count(1), await count(100)
    assert one == all_of_them
