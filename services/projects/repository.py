"""Every query of projects, claims and tasks."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.projects.models import (
    ACTIVE_CLAIM_STATUSES,
    OPEN_TASK_STATUSES,
    ClaimantKind,
    ClaimStatus,
    Project,
    ProjectClaim,
    ProjectClaimMode,
    ProjectStatus,
    Task,
    TaskProgress,
    TaskStatus,
)
from services.registration.models import (
    MemberRegistration,
    RegistrationStatus,
    UnitRegistration,
)
from services.registration.standing import (
    in_communities,
    registered_members_within,
    registered_units_within,
)
from tenants.hierarchy.models import Node


def _locked(query: Any, for_update: bool) -> Any:
    # Re-read under the lock: a step taken meanwhile must be seen, not the session's copy.
    return (
        query.with_for_update().execution_options(populate_existing=True) if for_update else query
    )


# --- where a claimant stands ---------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """The caller as a claimant: its unit and itself as a member, each with the places
    (communities where registered, and their townships) whose projects it may take up."""

    unit_id: int | None = None
    unit_places: frozenset[int] = field(default_factory=frozenset)
    member_id: int | None = None
    member_places: frozenset[int] = field(default_factory=frozenset)

    @property
    def places(self) -> frozenset[int]:
        return self.unit_places | self.member_places

    @property
    def acts_for_itself(self) -> bool:
        return self.unit_id is not None or self.member_id is not None


async def with_townships(session: AsyncSession, communities: Collection[int]) -> frozenset[int]:
    """The communities and the townships (streets) they lie in."""
    if not communities:
        return frozenset()
    rows = await session.execute(select(Node.id, Node.parent_id).where(Node.id.in_(communities)))
    found: set[int] = set()
    for node_id, parent_id in rows:
        found.add(node_id)
        if parent_id is not None:
            found.add(parent_id)
    return frozenset(found)


async def unit_registered_within(session: AsyncSession, unit_id: int, path: str) -> bool:
    query = registered_units_within(path).where(UnitRegistration.unit_id == unit_id)
    return bool(await session.scalar(select(exists(query))))


async def member_registered_within(session: AsyncSession, member_id: int, path: str) -> bool:
    query = registered_members_within(path).where(MemberRegistration.member_id == member_id)
    return bool(await session.scalar(select(exists(query))))


async def unit_registration_within(
    session: AsyncSession, unit_id: int, path: str
) -> UnitRegistration | None:
    """The unit's confirmed registration with a community in the subtree at `path`."""
    query = select(UnitRegistration).where(
        UnitRegistration.unit_id == unit_id,
        UnitRegistration.status == RegistrationStatus.CONFIRMED,
        *in_subtree(UnitRegistration.scope_path, path),
    )
    found: UnitRegistration | None = await session.scalar(query.limit(1))
    return found


# --- projects ------------------------------------------------------------------------


async def project(
    session: AsyncSession, project_id: int, *, for_update: bool = False
) -> Project | None:
    query = _locked(select(Project).where(Project.id == project_id), for_update)
    found: Project | None = await session.scalar(query)
    return found


async def projects_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Project]:
    rows = await session.scalars(select(Project).where(Project.id.in_(list(ids))))
    return {row.id: row for row in rows}


def _active_claims() -> Any:
    return ProjectClaim.status.in_(ACTIVE_CLAIM_STATUSES)


def _claimed_count() -> Any:
    """Places taken on the project of the row, as a correlated subquery."""
    return (
        select(func.count(ProjectClaim.id))
        .where(ProjectClaim.project_id == Project.id, _active_claims())
        .scalar_subquery()
    )


async def claimed_count(session: AsyncSession, project_id: int) -> int:
    query = select(func.count(ProjectClaim.id)).where(
        ProjectClaim.project_id == project_id, _active_claims()
    )
    return int(await session.scalar(query) or 0)


async def claimed_counts(session: AsyncSession, ids: Collection[int]) -> dict[int, int]:
    query = (
        select(ProjectClaim.project_id, func.count(ProjectClaim.id))
        .where(ProjectClaim.project_id.in_(list(ids)), _active_claims())
        .group_by(ProjectClaim.project_id)
    )
    return {int(project_id): int(count) for project_id, count in await session.execute(query)}


def claims_of(unit_id: int | None, member_id: int | None) -> ColumnElement[bool]:
    """Claims made by the unit or by the member, as an SQL condition."""
    conditions = []
    if unit_id is not None:
        conditions.append(ProjectClaim.unit_id == unit_id)
    if member_id is not None:
        conditions.append(ProjectClaim.member_id == member_id)
    return or_(*conditions) if conditions else false()


def visible_to_claimant(standing: Standing) -> ColumnElement[bool]:
    """Published projects where the caller's unit or the caller is registered, and those
    it has claimed (whatever became of them since)."""
    mine = select(ProjectClaim.project_id).where(claims_of(standing.unit_id, standing.member_id))
    return or_(
        and_(
            Project.status == ProjectStatus.PUBLISHED,
            in_communities(Project.node_id, set(standing.places)),
        ),
        Project.id.in_(mine),
    )


def _could_claim(kind: ClaimantKind, places: frozenset[int], claimant: Any) -> Any:
    holding = exists().where(ProjectClaim.project_id == Project.id, claimant, _active_claims())
    return and_(
        Project.claimant_kind != kind,
        in_communities(Project.node_id, set(places)),
        not_(holding),
    )


def claimable(today: date, standing: Standing) -> ColumnElement[bool]:
    """Open for claiming by oneself (published, in its period, places left, self-claims
    allowed); for a caller acting for its unit or itself, one of them may take it up."""
    open_now = and_(
        Project.status == ProjectStatus.PUBLISHED,
        Project.ends_on >= today,
        Project.claim_mode != ProjectClaimMode.ASSIGNED,
        _claimed_count() < Project.capacity,
    )
    if not standing.acts_for_itself:
        return open_now
    who = []
    if standing.unit_id is not None:
        unit = ProjectClaim.unit_id == standing.unit_id
        who.append(_could_claim(ClaimantKind.MEMBERS, standing.unit_places, unit))
    if standing.member_id is not None:
        member = ProjectClaim.member_id == standing.member_id
        who.append(_could_claim(ClaimantKind.UNITS, standing.member_places, member))
    return and_(open_now, or_(*who))


@dataclass(frozen=True)
class ProjectFilter:
    within: str | None = None
    status: ProjectStatus | None = None
    category: str | None = None
    claimable: bool | None = None


async def projects_page(
    session: AsyncSession,
    scope: ColumnElement[bool],
    page: Page,
    where: ProjectFilter,
    *,
    today: date,
    standing: Standing,
) -> PageOf[Project]:
    query = select(Project).where(scope, *in_subtree(Project.scope_path, where.within))
    if where.status is not None:
        query = query.where(Project.status == where.status)
    if where.category is not None:
        query = query.where(Project.category == where.category)
    if where.claimable is not None:
        condition = claimable(today, standing)
        query = query.where(condition if where.claimable else not_(condition))
    return await fetch_page(session, query, [Project.id], page, descending=True)


# --- claims --------------------------------------------------------------------------


async def claim(
    session: AsyncSession, claim_id: int, *, for_update: bool = False
) -> ProjectClaim | None:
    query = _locked(select(ProjectClaim).where(ProjectClaim.id == claim_id), for_update)
    found: ProjectClaim | None = await session.scalar(query)
    return found


async def active_claim(
    session: AsyncSession, project_id: int, *, unit_id: int | None, member_id: int | None
) -> ProjectClaim | None:
    query = select(ProjectClaim).where(
        ProjectClaim.project_id == project_id, claims_of(unit_id, member_id), _active_claims()
    )
    found: ProjectClaim | None = await session.scalar(query)
    return found


async def open_claims_for_update(session: AsyncSession, project_id: int) -> list[ProjectClaim]:
    """The project's claims not yet finished, locked in id order."""
    query = (
        select(ProjectClaim)
        .where(
            ProjectClaim.project_id == project_id,
            ProjectClaim.status.in_(
                (ClaimStatus.CLAIMED, ClaimStatus.STARTED, ClaimStatus.WITHDRAW_REQUESTED)
            ),
        )
        .order_by(ProjectClaim.id)
    )
    return list(await session.scalars(_locked(query, True)))


async def claims_for_projects(
    session: AsyncSession, project_ids: Collection[int], unit_id: int | None, member_id: int | None
) -> list[ProjectClaim]:
    """The claims of a unit or member on these projects, oldest first."""
    query = (
        select(ProjectClaim)
        .where(ProjectClaim.project_id.in_(list(project_ids)), claims_of(unit_id, member_id))
        .order_by(ProjectClaim.id)
    )
    return list(await session.scalars(query))


@dataclass(frozen=True)
class ClaimFilter:
    project_id: int | None = None
    unit_id: int | None = None
    member_id: int | None = None
    status: ClaimStatus | None = None


async def claims_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: ClaimFilter
) -> PageOf[ProjectClaim]:
    query = select(ProjectClaim).where(scope)
    if where.project_id is not None:
        query = query.where(ProjectClaim.project_id == where.project_id)
    if where.unit_id is not None:
        query = query.where(ProjectClaim.unit_id == where.unit_id)
    if where.member_id is not None:
        query = query.where(ProjectClaim.member_id == where.member_id)
    if where.status is not None:
        query = query.where(ProjectClaim.status == where.status)
    return await fetch_page(session, query, [ProjectClaim.id], page, descending=True)


# --- tasks ---------------------------------------------------------------------------


async def task(session: AsyncSession, task_id: int, *, for_update: bool = False) -> Task | None:
    found: Task | None = await session.scalar(
        _locked(select(Task).where(Task.id == task_id), for_update)
    )
    return found


def overdue(today: date) -> ColumnElement[bool]:
    return and_(Task.due_on < today, Task.status.in_(OPEN_TASK_STATUSES))


@dataclass(frozen=True)
class TaskFilter:
    within: str | None = None
    unit_id: int | None = None
    status: TaskStatus | None = None
    overdue: bool | None = None


async def tasks_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: TaskFilter, today: date
) -> PageOf[Task]:
    query = select(Task).where(scope, *in_subtree(Task.scope_path, where.within))
    if where.unit_id is not None:
        query = query.where(Task.unit_id == where.unit_id)
    if where.status is not None:
        query = query.where(Task.status == where.status)
    if where.overdue is not None:
        late = overdue(today)
        query = query.where(late if where.overdue else not_(late))
    return await fetch_page(session, query, [Task.due_on, Task.id], page)


async def progress_of(session: AsyncSession, task_ids: Collection[int]) -> list[TaskProgress]:
    query = (
        select(TaskProgress)
        .where(TaskProgress.task_id.in_(list(task_ids)))
        .order_by(TaskProgress.task_id, TaskProgress.id)
    )
    return list(await session.scalars(query))


def own_tasks(unit_id: int | None) -> ColumnElement[bool]:
    return Task.unit_id == unit_id if unit_id is not None else false()
