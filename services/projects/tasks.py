"""任务清单: a street or community gives a task to a unit registered in its area; the unit
reports progress and completion; staff may cancel it with a reason. Overdue is not
stored: a task is overdue while it is open past its due date."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now, today
from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.projects import inputs, repository
from services.projects.errors import (
    InvalidTask,
    NotRegisteredHere,
    TaskClosed,
    TaskNotFound,
)
from services.projects.inputs import TASK_PHRASES, clean_task
from services.projects.models import (
    OPEN_TASK_STATUSES,
    Task,
    TaskProgress,
    TaskStatus,
)
from services.projects.projects import PROJECT_NODE_KINDS, node_at
from services.projects.repository import TaskFilter
from services.registry import repository as registry
from services.registry.errors import UnitNotFound
from tenants.hierarchy.models import NodeKind, NodeStatus
from tenants.hierarchy.service import KIND_NAMES, ref

RESOURCE = "task"


@dataclass(frozen=True)
class TaskDraft:
    node_id: int
    unit_id: int
    title: object
    due_on: date
    description: object = None


def here(task: Task) -> tuple[int, str]:
    return task.node_id, task.scope_path


def is_overdue(task: Task, on: date | None = None) -> bool:
    return task.status in OPEN_TASK_STATUSES and task.due_on < (on or today())


async def _log(
    session: AsyncSession, principal: Principal, task: Task, step: str, **detail: Any
) -> None:
    payload = {
        "task_id": task.id,
        "title": task.title,
        "unit_id": task.unit_id,
        "community_id": task.community_id,
        "due_on": task.due_on.isoformat(),
        "status": task.status.value,
        **detail,
    }
    await record_step(
        session,
        principal,
        type=f"task.{step}",
        node=here(task),
        object_type=RESOURCE,
        object_id=task.id,
        payload=payload,
    )


async def get_task(session: AsyncSession, task_id: int, *, for_update: bool = False) -> Task:
    found = await repository.task(session, task_id, for_update=for_update)
    if found is None:
        raise TaskNotFound("未找到该任务", field="id")
    return found


async def give_task(session: AsyncSession, principal: Principal, draft: TaskDraft) -> Task:
    """Give a task to a unit registered with a community within the giver's node."""
    node = await node_at(session, draft.node_id, field="nodeId")
    access.require(session, principal, resource=RESOURCE, action="give", node=ref(node))
    if node.kind not in PROJECT_NODE_KINDS:
        raise InvalidTask(
            f"「交办区划」应为乡镇（街道）或社区（村），而“{node.name}”是{KIND_NAMES[node.kind]}",
            field="nodeId",
        )
    if node.status is NodeStatus.RETIRED:
        raise InvalidTask(f"「交办区划」“{node.name}”已撤销", field="nodeId")
    unit = await registry.get_unit(session, draft.unit_id)
    if unit is None:
        raise UnitNotFound("未找到该单位党组织", field="unitId")
    registration = await repository.unit_registration_within(session, unit.id, node.path)
    if registration is None:
        where = f"“{node.name}”" if node.kind is NodeKind.COMMUNITY else f"“{node.name}”的社区"
        raise NotRegisteredHere(f"“{unit.name}”未在{where}报到，不能向其交办任务", field="unitId")
    task = Task(
        tenant_id=bound_tenant(session),
        node_id=node.id,
        scope_path=node.path,
        unit_id=unit.id,
        community_id=registration.node_id,
        title=clean_task("title", inputs.title, draft.title),
        description=clean_task("description", inputs.long_text, draft.description),
        due_on=clean_task("dueOn", lambda v: inputs.not_before_today(v, today()), draft.due_on),
        status=TaskStatus.ASSIGNED,
        given_by=principal.account_id,
        given_by_name=principal.name,
    )
    session.add(task)
    await session.flush()
    await _log(session, principal, task, "given", unit_name=unit.name, node_name=node.name)
    return task


async def _for_unit(session: AsyncSession, principal: Principal, task_id: int, wanted: str) -> Task:
    """The task, locked, for its unit to report on while it is open."""
    task = await get_task(session, task_id, for_update=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="report",
        node=here(task),
        object_id=str(task.id),
        owned=principal.unit_id == task.unit_id,
    )
    if task.status not in OPEN_TASK_STATUSES:
        raise _closed(task, wanted)
    return task


def _closed(task: Task, wanted: str) -> TaskClosed:
    return TaskClosed(f"任务“{task.title}”{TASK_PHRASES[task.status]}，不能再{wanted}", field="id")


async def report_progress(
    session: AsyncSession,
    principal: Principal,
    task_id: int,
    *,
    note: str,
    percent: int | None = None,
) -> tuple[Task, TaskProgress]:
    """The unit says how the task goes; the first report puts it in progress."""
    task = await _for_unit(session, principal, task_id, "报告进展")
    cleaned = clean_task("note", inputs.required_note, note)
    share = clean_task("percent", inputs.percent, percent)
    progress = TaskProgress(
        tenant_id=task.tenant_id,
        task_id=task.id,
        note=cleaned,
        percent=share,
        reported_by=principal.account_id,
        reported_by_name=principal.name,
    )
    session.add(progress)
    task.status = TaskStatus.IN_PROGRESS
    await session.flush()
    await _log(
        session, principal, task, "progress", progress_id=progress.id, note=cleaned, percent=share
    )
    return task, progress


async def complete_task(
    session: AsyncSession, principal: Principal, task_id: int, *, report: str
) -> Task:
    """The unit reports the task done, with what was done (完成情况)."""
    task = await _for_unit(session, principal, task_id, "报告完成")
    cleaned = clean_task("report", inputs.required_long_text, report)
    task.status, task.completed_at, task.completion_report = TaskStatus.COMPLETED, now(), cleaned
    await session.flush()
    await _log(session, principal, task, "completed", report=cleaned)
    return task


async def cancel_task(
    session: AsyncSession, principal: Principal, task_id: int, *, reason: str
) -> Task:
    """Staff where the task was given withdraw it, with the reason."""
    task = await get_task(session, task_id, for_update=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="give",
        node=here(task),
        object_id=str(task.id),
    )
    if task.status not in OPEN_TASK_STATUSES:
        raise _closed(task, "撤销")
    cleaned = clean_task("reason", inputs.required_note, reason)
    task.status, task.cancelled_at, task.cancel_reason = TaskStatus.CANCELLED, now(), cleaned
    await session.flush()
    await _log(session, principal, task, "cancelled", reason=cleaned)
    return task


async def read_task(session: AsyncSession, principal: Principal, task_id: int) -> Task:
    task = await get_task(session, task_id)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=here(task),
        object_id=str(task.id),
        owned=principal.unit_id == task.unit_id,
    )
    return task


async def list_tasks(
    session: AsyncSession, principal: Principal, page: Page, where: TaskFilter
) -> PageOf[Task]:
    """Staff see the tasks given in their area; a unit the tasks given to it."""
    own = repository.own_tasks(principal.unit_id)
    scope = access.scope_or_own(principal, RESOURCE, "read", Task.scope_path, own)
    return await repository.tasks_page(session, scope, page, where, today())


async def progress_of(session: AsyncSession, task_ids: list[int]) -> list[TaskProgress]:
    return await repository.progress_of(session, task_ids)
