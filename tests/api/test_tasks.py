"""任务清单 through GraphQL: a street or community gives a task to a registered unit, the
unit reports progress and completion, staff cancel one; overdue tasks; and every refusal
with its exact code, message and field, nothing written."""

from datetime import timedelta
from typing import Any

import pytest

from infra.clock import today
from infra.db import Database
from infra.settings import Settings
from tests.api.graphql_client import global_id
from tests.api.test_projects import FORBIDDEN, County, days, make_county, nid, refusal, uid
from tests.conftest import GraphQLCall, MakeTenant

ERROR = "... on MutationError { code message field }"
TASK = """id title description dueOn status statusName overdue givenBy completionReport
  cancelReason percent unit { name } node { name } community { name }
  progress { note percent reportedBy }"""
TASK_SAVED = f"... on TaskSuccess {{ task {{ {TASK} }} }}"
GIVE = f"""mutation($i: TaskInput!) {{ giveTask(input: $i) {{ {TASK_SAVED} {ERROR} }} }}"""
PROGRESS = f"""mutation($id: ID!, $n: String!, $p: Int) {{
  reportTaskProgress(id: $id, note: $n, percent: $p) {{ {TASK_SAVED} {ERROR} }} }}"""
COMPLETE = f"""mutation($id: ID!, $r: String!) {{
  completeTask(id: $id, report: $r) {{ {TASK_SAVED} {ERROR} }} }}"""
CANCEL = f"""mutation($id: ID!, $r: String!) {{
  cancelTask(id: $id, reason: $r) {{ {TASK_SAVED} {ERROR} }} }}"""
TASKS = """query($w: ID, $u: ID, $s: TaskStatus, $o: Boolean) {
  tasks(first: 100, within: $w, unitId: $u, status: $s, overdue: $o) {
    edges { node { title status overdue unit { name } } } } }"""
ONE_TASK = "query($id: ID!) { task(id: $id) { title } }"


@pytest.fixture
async def county(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> County:
    return await make_county(graphql, make_tenant, db, settings)


def task_input(county: County, **changes: Any) -> dict[str, Any]:
    return {
        "nodeId": nid(county.township),
        "unitId": uid(county.power),
        "title": "创城志愿服务",
        "dueOn": days(14),
        "description": "组织党员清理小区卫生死角",
        **changes,
    }


async def give(county: County, who: str = "street", **changes: Any) -> dict[str, Any]:
    given: dict[str, Any] = await county.step(who, GIVE, "task", i=task_input(county, **changes))
    return given


async def test_a_street_gives_a_task_and_the_unit_reports_progress_and_completion(
    county: County,
) -> None:
    task = await give(county)
    assert {k: v for k, v in task.items() if k != "id"} == {
        "title": "创城志愿服务",
        "description": "组织党员清理小区卫生死角",
        "dueOn": days(14),
        "status": "ASSIGNED",
        "statusName": "已交办",
        "overdue": False,
        "givenBy": "street同志",
        "completionReport": None,
        "cancelReason": None,
        "percent": None,
        "unit": {"name": "供电公司"},
        "node": {"name": "城关镇"},
        "community": {"name": "东门社区"},
        "progress": [],
    }
    # The unit sees it; the street and the county too; another unit and its community not.
    for who in ("power", "street", "admin"):
        assert [t["title"] for t in await county.edges(who, TASKS)] == ["创城志愿服务"], who
    for who in ("school", "east", "west", "southstreet"):
        assert await county.edges(who, TASKS) == [], who

    first = await county.step("power", PROGRESS, "task", id=task["id"], n="已动员党员 20 名", p=30)
    assert (first["status"], first["percent"]) == ("IN_PROGRESS", 30)
    second = await county.step("power", PROGRESS, "task", id=task["id"], n="清理死角 12 处")
    assert second["percent"] == 30
    assert second["progress"] == [
        {"note": "已动员党员 20 名", "percent": 30, "reportedBy": "power同志"},
        {"note": "清理死角 12 处", "percent": None, "reportedBy": "power同志"},
    ]
    done = await county.step("power", COMPLETE, "task", id=task["id"], r="共清理死角 25 处")
    assert (done["status"], done["completionReport"]) == ("COMPLETED", "共清理死角 25 处")
    assert [t["status"] for t in await county.edges("street", TASKS, s="COMPLETED")] == [
        "COMPLETED"
    ]
    assert await county.event_types() == [
        "task.given",
        "task.progress",
        "task.progress",
        "task.completed",
    ]


async def test_a_community_gives_and_cancels_a_task_and_overdue_tasks_are_found(
    county: County,
) -> None:
    kept = await give(county, "east", nodeId=nid(county.east), title="楼栋走访", dueOn=days(0))
    dropped = await give(county, "east", nodeId=nid(county.east), title="文艺汇演")
    cancelled = await county.step("east", CANCEL, "task", id=dropped["id"], r="活动取消")
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "活动取消")
    await county.execute(
        "UPDATE tasks SET due_on = :d WHERE title IN ('楼栋走访', '文艺汇演')",
        d=today() - timedelta(days=1),
    )
    # Overdue: past its due date and still open (a cancelled one is not).
    assert await county.edges("east", TASKS, o=True) == [
        {"title": "楼栋走访", "status": "ASSIGNED", "overdue": True, "unit": {"name": "供电公司"}}
    ]
    assert [t["title"] for t in await county.edges("power", TASKS, o=False)] == ["文艺汇演"]
    await county.step("power", COMPLETE, "task", id=kept["id"], r="走访 30 户")
    assert await county.edges("east", TASKS, o=True) == []
    assert await county.edges("street", TASKS, u=uid(county.school)) == []
    assert len(await county.edges("street", TASKS, w=nid(county.east))) == 2
    assert await county.event_types() == [
        "task.given",
        "task.given",
        "task.cancelled",
        "task.completed",
    ]


async def test_a_task_is_given_only_to_a_unit_registered_in_the_area(county: County) -> None:
    before = await county.snapshot()
    for who, changes, code, message, field in [
        (
            "street",
            {"unitId": uid(county.water)},
            "NOT_REGISTERED_HERE",
            "“自来水公司”未在“城关镇”的社区报到，不能向其交办任务",
            "unitId",
        ),
        (
            "east",
            {"nodeId": nid(county.east), "unitId": uid(county.school)},
            "NOT_REGISTERED_HERE",
            "“城关小学”未在“东门社区”报到，不能向其交办任务",
            "unitId",
        ),
        (
            "street",
            {"unitId": global_id("Unit", 999999)},
            "UNIT_NOT_FOUND",
            "未找到该单位党组织",
            "unitId",
        ),
        (
            "street",
            {"dueOn": days(-1)},
            "INVALID_TASK",
            f"「完成期限」不能早于今天（{days(0)}）",
            "dueOn",
        ),
        ("street", {"title": ""}, "INVALID_TASK", "「任务名称」不能为空", "title"),
        (
            "street",
            {"description": "要" * 2001},
            "INVALID_TASK",
            "「任务要求」不能超过 2000 个字",
            "description",
        ),
        (
            "admin",
            {"nodeId": nid(county.sun)},
            "INVALID_TASK",
            "「交办区划」应为乡镇（街道）或社区（村），而“阳光小区”是小区",
            "nodeId",
        ),
        ("west", {"nodeId": nid(county.east)}, *FORBIDDEN, None),
        ("southstreet", {}, *FORBIDDEN, None),
        ("power", {"nodeId": nid(county.east)}, *FORBIDDEN, None),
        ("zhang", {"nodeId": nid(county.east)}, *FORBIDDEN, None),
    ]:
        result = await county.mutate(who, GIVE, i=task_input(county, **changes))
        assert result == refusal(code, message, field), (who, message)
    await county.unchanged(before)


async def test_only_the_unit_reports_on_its_task_and_only_the_giver_cancels_it(
    county: County,
) -> None:
    task = (await give(county))["id"]
    before = await county.snapshot()
    steps: list[tuple[str, str, dict[str, Any], tuple[str, str] | tuple[str, str, str]]] = [
        ("school", PROGRESS, {"n": "进展"}, FORBIDDEN),
        ("street", PROGRESS, {"n": "进展"}, FORBIDDEN),
        ("zhang", COMPLETE, {"r": "完成"}, FORBIDDEN),
        ("power", PROGRESS, {"n": " "}, ("INVALID_TASK", "「进展情况」不能为空", "note")),
        (
            "power",
            PROGRESS,
            {"n": "进展", "p": 101},
            ("INVALID_TASK", "「完成进度」应在 0 到 100 之间", "percent"),
        ),
        (
            "power",
            PROGRESS,
            {"n": "进展", "p": -1},
            ("INVALID_TASK", "「完成进度」应在 0 到 100 之间", "percent"),
        ),
        ("power", COMPLETE, {"r": ""}, ("INVALID_TASK", "「完成情况」不能为空", "report")),
        ("power", CANCEL, {"r": "不做了"}, FORBIDDEN),
        ("east", CANCEL, {"r": "不做了"}, FORBIDDEN),  # given by the street, not the community
        ("street", CANCEL, {"r": " "}, ("INVALID_TASK", "「撤销原因」不能为空", "reason")),
    ]
    for who, query, variables, expected in steps:
        result = await county.mutate(who, query, id=task, **variables)
        assert result == refusal(*expected), (who, expected)
    for who in ("school", "east", "zhang"):
        body = await county.ask(who, ONE_TASK, id=task)
        assert body["errors"][0]["message"] == FORBIDDEN[1], who
    await county.unchanged(before)

    await county.step("power", COMPLETE, "task", id=task, r="完成")
    before = await county.snapshot()
    for who, query, variables, wanted in [
        ("power", PROGRESS, {"n": "补充"}, "报告进展"),
        ("power", COMPLETE, {"r": "再次"}, "报告完成"),
        ("street", CANCEL, {"r": "撤销"}, "撤销"),
    ]:
        result = await county.mutate(who, query, id=task, **variables)
        assert result == refusal(
            "TASK_CLOSED", f"任务“创城志愿服务”已完成，不能再{wanted}", "id"
        ), wanted
    missing = await county.mutate("power", PROGRESS, id=global_id("Task", 999999), n="进展")
    assert missing == refusal("TASK_NOT_FOUND", "未找到该任务", "id")
    await county.unchanged(before)
