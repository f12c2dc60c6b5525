"""The steps of projects, claims and tasks as mutations: each one transaction, answered
with the saved record or a typed error (and then nothing is saved)."""

from datetime import date
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.registration import optional_id
from api.registry import MEMBER, UNIT
from api.results import MutationError, run_step
from api.types.projects import (
    ProjectClaimantKindType,
    ProjectClaimantType,
    ProjectClaimModeType,
    ProjectClaimType,
    ProjectType,
    TaskType,
)
from policies.principal import Principal
from services.projects import claim_steps, claims, projects, tasks
from services.projects.claims import ClaimAs
from services.projects.models import ClaimantKind, Project, ProjectClaim, ProjectClaimMode
from services.projects.projects import ProjectDraft
from services.projects.tasks import TaskDraft

PROJECT = "Project"
PROJECT_CLAIM = "ProjectClaim"
TASK = "Task"


@strawberry.input(description="项目或志愿服务岗位的内容")
class ProjectInput:
    node_id: relay.GlobalID = strawberry.field(description="发布的社区；全街道的项目为乡镇（街道）")
    title: str = strawberry.field(description="项目名称")
    category: str = strawberry.field(description="岗位类别：本县现行规则中的类别之一")
    claimant_kind: ProjectClaimantKindType = strawberry.field(  # type: ignore[valid-type]
        description="认领对象：单位党组织、在职党员或二者皆可"
    )
    capacity: int = strawberry.field(description="名额（至少 1 个）")
    starts_on: date = strawberry.field(description="开始日期")
    ends_on: date = strawberry.field(description="结束日期（不早于开始日期和今天）")
    claim_mode: ProjectClaimModeType = strawberry.field(  # type: ignore[valid-type]
        description="认领方式：自主认领、指定认领或二者皆可"
    )
    description: str | None = strawberry.field(default=None, description="项目说明")

    def draft(self) -> ProjectDraft:
        return ProjectDraft(
            node_id=int_id(self.node_id, NODE, "nodeId"),
            title=self.title,
            category=self.category,
            claimant_kind=ClaimantKind(self.claimant_kind),
            capacity=self.capacity,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            claim_mode=ProjectClaimMode(self.claim_mode),
            description=self.description,
        )


@strawberry.input(description="交办给单位党组织的任务")
class TaskInput:
    node_id: relay.GlobalID = strawberry.field(description="交办的乡镇（街道）或社区")
    unit_id: relay.GlobalID = strawberry.field(description="承办单位（须已在交办区划内的社区报到）")
    title: str = strawberry.field(description="任务名称")
    due_on: date = strawberry.field(description="完成期限（不早于今天）")
    description: str | None = strawberry.field(default=None, description="任务要求")

    def draft(self) -> TaskDraft:
        return TaskDraft(
            node_id=int_id(self.node_id, NODE, "nodeId"),
            unit_id=int_id(self.unit_id, UNIT, "unitId"),
            title=self.title,
            due_on=self.due_on,
            description=self.description,
        )


@strawberry.type(description="项目已保存")
class ProjectSuccess:
    project: ProjectType


@strawberry.type(description="认领已保存")
class ProjectClaimSuccess:
    claim: ProjectClaimType
    project: ProjectType


@strawberry.type(description="任务已保存")
class TaskSuccess:
    task: TaskType


ProjectResult = Annotated[ProjectSuccess | MutationError, strawberry.union("ProjectResult")]
ProjectClaimResult = Annotated[
    ProjectClaimSuccess | MutationError, strawberry.union("ProjectClaimResult")
]
TaskResult = Annotated[TaskSuccess | MutationError, strawberry.union("TaskResult")]


def _project(row: Project) -> ProjectSuccess:
    return ProjectSuccess(project=ProjectType.from_model(row))


def _claim(row: tuple[ProjectClaim, Project]) -> ProjectClaimSuccess:
    claim, project = row
    return ProjectClaimSuccess(
        claim=ProjectClaimType.from_model(claim), project=ProjectType.from_model(project)
    )


@strawberry.type
class ProjectMutation:
    @strawberry.mutation(
        description="社区（或街道，全街道的项目）新建项目或岗位：publish 为 false 时存为草稿"
    )
    async def create_project(
        self, info: Info[Context, None], input: ProjectInput, publish: bool = True
    ) -> ProjectResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectSuccess:
            made = await projects.create_project(session, principal, input.draft(), publish=publish)
            return _project(made)

        return await run_step(info, step)

    @strawberry.mutation(description="修改草稿（发布后不能再改）")
    async def revise_project(
        self, info: Info[Context, None], id: relay.GlobalID, input: ProjectInput
    ) -> ProjectResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectSuccess:
            project_id = int_id(id, PROJECT)
            return _project(
                await projects.revise_project(session, principal, project_id, input.draft())
            )

        return await run_step(info, step)

    @strawberry.mutation(description="发布草稿，开始接受认领")
    async def publish_project(self, info: Info[Context, None], id: relay.GlobalID) -> ProjectResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectSuccess:
            return _project(await projects.publish_project(session, principal, int_id(id, PROJECT)))

        return await run_step(info, step)

    @strawberry.mutation(description="结项：不再接受认领，已有的认领继续到完成")
    async def close_project(
        self, info: Info[Context, None], id: relay.GlobalID, note: str | None = None
    ) -> ProjectResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectSuccess:
            project_id = int_id(id, PROJECT)
            return _project(await projects.close_project(session, principal, project_id, note=note))

        return await run_step(info, step)

    @strawberry.mutation(description="取消草稿或认领中的项目（须写明原因）；未完成的认领随之取消")
    async def cancel_project(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> ProjectResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectSuccess:
            project_id = int_id(id, PROJECT)
            return _project(
                await projects.cancel_project(session, principal, project_id, reason=reason)
            )

        return await run_step(info, step)

    @strawberry.mutation(
        description="自主认领：单位党组织管理员为本单位、党员为自己认领（须已在该社区报到）；"
        "账号同时关联单位和党员本人时用 claimant 选择身份"
    )
    async def claim_project(
        self,
        info: Info[Context, None],
        project_id: relay.GlobalID,
        claimant: ProjectClaimantType | None = None,  # type: ignore[valid-type]
    ) -> ProjectClaimResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectClaimSuccess:
            made = await claims.claim_project(
                session,
                principal,
                int_id(project_id, PROJECT, "projectId"),
                claim_as=None if claimant is None else ClaimAs(claimant),
            )
            return _claim(made)

        return await run_step(info, step)

    @strawberry.mutation(
        description="指定认领：社区或街道指定一个单位党组织或一名党员（须已在项目范围内报到）"
    )
    async def assign_project(
        self,
        info: Info[Context, None],
        project_id: relay.GlobalID,
        unit_id: relay.GlobalID | None = None,
        member_id: relay.GlobalID | None = None,
    ) -> ProjectClaimResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectClaimSuccess:
            made = await claims.assign_project(
                session,
                principal,
                int_id(project_id, PROJECT, "projectId"),
                unit_id=optional_id(unit_id, UNIT, "unitId"),
                member_id=optional_id(member_id, MEMBER, "memberId"),
            )
            return _claim(made)

        return await run_step(info, step)

    @strawberry.mutation(description="标记开始服务（社区工作人员或认领者本人）")
    async def start_claim(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> ProjectClaimResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectClaimSuccess:
            return _claim(
                await claim_steps.start_claim(session, principal, int_id(id, PROJECT_CLAIM))
            )

        return await run_step(info, step)

    @strawberry.mutation(description="开始服务前退出认领（认领者本人或社区），名额随即空出")
    async def withdraw_claim(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str | None = None
    ) -> ProjectClaimResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectClaimSuccess:
            claim_id = int_id(id, PROJECT_CLAIM)
            return _claim(
                await claim_steps.withdraw_claim(session, principal, claim_id, reason=reason)
            )

        return await run_step(info, step)

    @strawberry.mutation(description="开始服务后申请退出（认领者本人，须写明原因），由社区审批")
    async def request_claim_withdrawal(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> ProjectClaimResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectClaimSuccess:
            claim_id = int_id(id, PROJECT_CLAIM)
            return _claim(
                await claim_steps.request_withdrawal(session, principal, claim_id, reason=reason)
            )

        return await run_step(info, step)

    @strawberry.mutation(description="社区同意退出申请：认领退出，名额空出")
    async def approve_claim_withdrawal(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> ProjectClaimResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectClaimSuccess:
            claim_id = int_id(id, PROJECT_CLAIM)
            return _claim(await claim_steps.approve_withdrawal(session, principal, claim_id))

        return await run_step(info, step)

    @strawberry.mutation(description="社区不同意退出申请（须写明理由）：认领回到服务中")
    async def refuse_claim_withdrawal(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> ProjectClaimResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectClaimSuccess:
            claim_id = int_id(id, PROJECT_CLAIM)
            return _claim(
                await claim_steps.refuse_withdrawal(session, principal, claim_id, reason=reason)
            )

        return await run_step(info, step)

    @strawberry.mutation(description="社区确认认领已完成（可附说明）")
    async def complete_claim(
        self, info: Info[Context, None], id: relay.GlobalID, note: str | None = None
    ) -> ProjectClaimResult:
        async def step(session: AsyncSession, principal: Principal) -> ProjectClaimSuccess:
            claim_id = int_id(id, PROJECT_CLAIM)
            return _claim(await claim_steps.complete_claim(session, principal, claim_id, note=note))

        return await run_step(info, step)

    @strawberry.mutation(description="街道或社区向已报到的单位党组织交办任务")
    async def give_task(self, info: Info[Context, None], input: TaskInput) -> TaskResult:
        async def step(session: AsyncSession, principal: Principal) -> TaskSuccess:
            return TaskSuccess(
                task=TaskType.from_model(await tasks.give_task(session, principal, input.draft()))
            )

        return await run_step(info, step)

    @strawberry.mutation(description="承办单位报告任务进展（可附完成进度 0–100）")
    async def report_task_progress(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        note: str,
        percent: int | None = None,
    ) -> TaskResult:
        async def step(session: AsyncSession, principal: Principal) -> TaskSuccess:
            task, _ = await tasks.report_progress(
                session, principal, int_id(id, TASK), note=note, percent=percent
            )
            return TaskSuccess(task=TaskType.from_model(task))

        return await run_step(info, step)

    @strawberry.mutation(description="承办单位报告任务完成（须写明完成情况）")
    async def complete_task(
        self, info: Info[Context, None], id: relay.GlobalID, report: str
    ) -> TaskResult:
        async def step(session: AsyncSession, principal: Principal) -> TaskSuccess:
            task = await tasks.complete_task(session, principal, int_id(id, TASK), report=report)
            return TaskSuccess(task=TaskType.from_model(task))

        return await run_step(info, step)

    @strawberry.mutation(description="交办的街道或社区撤销任务（须写明原因）")
    async def cancel_task(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> TaskResult:
        async def step(session: AsyncSession, principal: Principal) -> TaskSuccess:
            task = await tasks.cancel_task(session, principal, int_id(id, TASK), reason=reason)
            return TaskSuccess(task=TaskType.from_model(task))

        return await run_step(info, step)
