"""Queries of projects and posts (项目清单), their claims, and tasks (任务清单); the
mutations are in api/project_mutations.py."""

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.ids import int_id
from api.project_mutations import PROJECT, TASK, ProjectMutation
from api.registration import optional_id
from api.registry import MEMBER, UNIT, subtree
from api.types.projects import (
    ProjectClaimStatusType,
    ProjectClaimType,
    ProjectStatusType,
    ProjectType,
    TaskStatusType,
    TaskType,
)
from services.projects import claim_steps, projects, tasks
from services.projects.models import ClaimStatus, ProjectStatus, TaskStatus
from services.projects.repository import ClaimFilter, ProjectFilter, TaskFilter

__all__ = ["ProjectMutation", "ProjectQuery"]


@strawberry.type
class ProjectQuery:
    @strawberry.field(
        description="一个项目（您有权查看的范围内，或您已报到社区发布的、您认领过的）"
    )
    async def project(self, info: Info[Context, None], id: relay.GlobalID) -> ProjectType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        found = await projects.read_project(session, principal, int_id(id, PROJECT))
        return ProjectType.from_model(found)

    @strawberry.field(
        description="项目清单，新的在前：工作人员看辖区内的；单位、党员看已报到社区（及其街道）"
        "正在认领的项目和自己认领过的。claimable：可自主认领（认领中、未过期、有余额；单位或"
        "党员还须可由自己认领且尚未认领）"
    )
    async def projects(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        status: ProjectStatusType | None = None,  # type: ignore[valid-type]
        category: str | None = None,
        claimable: bool | None = None,
    ) -> relay.Connection[ProjectType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = ProjectFilter(
            within=await subtree(info, within),
            status=None if status is None else ProjectStatus(status),
            category=category.strip() if category else None,
            claimable=claimable,
        )
        result = await projects.list_projects(session, principal, page(first, after), where)
        return connection(result, ProjectType.from_model, lambda p: (p.id,))

    @strawberry.field(
        description="项目认领，新的在前：工作人员看辖区内项目的；单位看本单位的，党员看自己的"
    )
    async def claims(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        project_id: relay.GlobalID | None = None,
        unit_id: relay.GlobalID | None = None,
        member_id: relay.GlobalID | None = None,
        status: ProjectClaimStatusType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[ProjectClaimType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = ClaimFilter(
            project_id=optional_id(project_id, PROJECT, "projectId"),
            unit_id=optional_id(unit_id, UNIT, "unitId"),
            member_id=optional_id(member_id, MEMBER, "memberId"),
            status=None if status is None else ClaimStatus(status),
        )
        result = await claim_steps.list_claims(session, principal, page(first, after), where)
        return connection(result, ProjectClaimType.from_model, lambda c: (c.id,))

    @strawberry.field(description="一项任务（交办范围内的工作人员，或承办单位）")
    async def task(self, info: Info[Context, None], id: relay.GlobalID) -> TaskType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        return TaskType.from_model(await tasks.read_task(session, principal, int_id(id, TASK)))

    @strawberry.field(
        description="任务清单，期限近的在前：工作人员看辖区内交办的，单位看交给本单位的；"
        "overdue：已过期限仍未完成"
    )
    async def tasks(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        unit_id: relay.GlobalID | None = None,
        status: TaskStatusType | None = None,  # type: ignore[valid-type]
        overdue: bool | None = None,
    ) -> relay.Connection[TaskType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = TaskFilter(
            within=await subtree(info, within),
            unit_id=optional_id(unit_id, UNIT, "unitId"),
            status=None if status is None else TaskStatus(status),
            overdue=overdue,
        )
        result = await tasks.list_tasks(session, principal, page(first, after), where)
        return connection(result, TaskType.from_model, lambda t: (t.due_on, t.id))
