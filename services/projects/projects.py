"""项目清单: a community (or a street, street-wide) writes a project or post, publishes it,
and closes it when done or cancels it with a reason; who may read which projects."""

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
from services.projects.errors import InvalidProject, ProjectNotFound, ProjectNotOpen
from services.projects.inputs import PROJECT_PHRASES, clean_project
from services.projects.models import (
    ClaimantKind,
    ClaimStatus,
    Project,
    ProjectClaimMode,
    ProjectStatus,
)
from services.projects.repository import ProjectFilter, Standing
from services.registration import standing
from services.registry import fields
from tenants.hierarchy.errors import NodeNotFound
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.hierarchy.service import KIND_NAMES, get_node, ref
from tenants.rules.service import current_rules

RESOURCE = "project"
PROJECT_NODE_KINDS = (NodeKind.COMMUNITY, NodeKind.TOWNSHIP)


@dataclass(frozen=True)
class ProjectDraft:
    """A project as typed in, checked before it is saved."""

    node_id: int
    title: object
    category: object
    claimant_kind: ClaimantKind
    capacity: int
    starts_on: date
    ends_on: date
    claim_mode: ProjectClaimMode
    description: object = None


def here(project: Project) -> tuple[int, str]:
    return project.node_id, project.scope_path


async def record(
    session: AsyncSession,
    principal: Principal,
    project: Project,
    type: str,
    *,
    object_type: str = RESOURCE,
    object_id: int | None = None,
    **detail: Any,
) -> None:
    """The event and audit entry of a step on the project (or on one of its claims)."""
    payload = {
        "project_id": project.id,
        "project_title": project.title,
        "node_id": project.node_id,
        **detail,
    }
    await record_step(
        session,
        principal,
        type=type,
        node=here(project),
        object_type=object_type,
        object_id=project.id if object_id is None else object_id,
        payload=payload,
    )


async def node_at(session: AsyncSession, node_id: int, *, field: str) -> Node:
    try:
        return await get_node(session, node_id)
    except NodeNotFound as missing:
        raise NodeNotFound(missing.message, field=field) from None


async def get_project(
    session: AsyncSession, project_id: int, *, field: str = "id", for_update: bool = False
) -> Project:
    found = await repository.project(session, project_id, for_update=for_update)
    if found is None:
        raise ProjectNotFound("未找到该项目", field=field)
    return found


async def standing_of(session: AsyncSession, principal: Principal) -> Standing:
    """Where the caller's unit, and the caller as a member, stand registered."""
    unit_places: frozenset[int] = frozenset()
    member_places: frozenset[int] = frozenset()
    if principal.unit_id is not None:
        communities = await standing.unit_communities(session, principal.unit_id)
        unit_places = await repository.with_townships(session, communities)
    if principal.member_id is not None:
        community = await standing.member_community(session, principal.member_id)
        if community is not None:
            member_places = await repository.with_townships(session, [community])
    return Standing(principal.unit_id, unit_places, principal.member_id, member_places)


# --- checking what was typed ---------------------------------------------------------


def check_node(node: Node) -> Node:
    """Projects are published by a community, or street-wide by a township."""
    if node.kind not in PROJECT_NODE_KINDS:
        raise InvalidProject(
            f"「发布区划」应为社区（村）或乡镇（街道），而“{node.name}”是{KIND_NAMES[node.kind]}",
            field="nodeId",
        )
    if node.status is NodeStatus.RETIRED:
        raise InvalidProject(f"「发布区划」“{node.name}”已撤销", field="nodeId")
    return node


async def category(session: AsyncSession, value: object) -> str:
    """One of the county's post categories (岗位类别) in force today."""
    name = fields.text(value)
    if not name:
        raise InvalidProject("「岗位类别」不能为空", field="category")
    allowed = (await current_rules(session)).post_categories
    if name not in allowed:
        raise InvalidProject(
            f"「岗位类别」“{name[:20]}”不是本县现行的岗位类别，应为{'、'.join(allowed)}之一",
            field="category",
        )
    return name


def check_period(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise InvalidProject(
            f"「结束日期」不能早于开始日期（{starts_on.isoformat()}）", field="endsOn"
        )
    first_day = today()
    if ends_on < first_day:
        raise InvalidProject(f"「结束日期」不能早于今天（{first_day.isoformat()}）", field="endsOn")


async def _fill(session: AsyncSession, project: Project, node: Node, draft: ProjectDraft) -> None:
    """Check every field of the draft, then write them all to the project."""
    title = clean_project("title", inputs.title, draft.title)
    chosen = await category(session, draft.category)
    description = clean_project("description", inputs.long_text, draft.description)
    capacity = clean_project("capacity", inputs.capacity, draft.capacity)
    check_period(draft.starts_on, draft.ends_on)
    project.node_id, project.scope_path = node.id, node.path
    project.title, project.category, project.description = title, chosen, description
    project.claimant_kind, project.capacity = draft.claimant_kind, capacity
    project.starts_on, project.ends_on = draft.starts_on, draft.ends_on
    project.claim_mode = draft.claim_mode


def _terms(project: Project) -> dict[str, Any]:
    return {
        "category": project.category,
        "claimant_kind": project.claimant_kind.value,
        "claim_mode": project.claim_mode.value,
        "capacity": project.capacity,
        "starts_on": project.starts_on.isoformat(),
        "ends_on": project.ends_on.isoformat(),
        "status": project.status.value,
    }


# --- the project's steps -------------------------------------------------------------


async def create_project(
    session: AsyncSession, principal: Principal, draft: ProjectDraft, *, publish: bool
) -> Project:
    """A new project, published at once or kept as a draft to publish later."""
    node = await node_at(session, draft.node_id, field="nodeId")
    access.require(session, principal, resource=RESOURCE, action="publish", node=ref(node))
    check_node(node)
    project = Project(
        tenant_id=bound_tenant(session),
        status=ProjectStatus.PUBLISHED if publish else ProjectStatus.DRAFT,
        created_by=principal.account_id,
        created_by_name=principal.name,
        published_at=now() if publish else None,
    )
    await _fill(session, project, node, draft)
    session.add(project)
    await session.flush()
    step = "project.published" if publish else "project.drafted"
    await record(session, principal, project, step, **_terms(project))
    return project


async def _open_for_change(session: AsyncSession, principal: Principal, project_id: int) -> Project:
    project = await get_project(session, project_id, for_update=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="publish",
        node=here(project),
        object_id=str(project.id),
    )
    return project


def not_open(project: Project, wanted: str, *, field: str = "id") -> ProjectNotOpen:
    return ProjectNotOpen(
        f"项目“{project.title}”{PROJECT_PHRASES[project.status]}，不能{wanted}", field=field
    )


async def revise_project(
    session: AsyncSession, principal: Principal, project_id: int, draft: ProjectDraft
) -> Project:
    """Change a draft (once published, a project's terms hold for those who claimed it)."""
    project = await _open_for_change(session, principal, project_id)
    if project.status is not ProjectStatus.DRAFT:
        raise not_open(project, "再修改")
    node = await node_at(session, draft.node_id, field="nodeId")
    if node.id != project.node_id:
        access.require(session, principal, resource=RESOURCE, action="publish", node=ref(node))
    check_node(node)
    await _fill(session, project, node, draft)
    await session.flush()
    await record(session, principal, project, "project.revised", **_terms(project))
    return project


async def publish_project(session: AsyncSession, principal: Principal, project_id: int) -> Project:
    """Publish a draft; its category and period are checked against today."""
    project = await _open_for_change(session, principal, project_id)
    if project.status is not ProjectStatus.DRAFT:
        raise not_open(project, "再发布")
    project.category = await category(session, project.category)
    check_period(project.starts_on, project.ends_on)
    project.status, project.published_at = ProjectStatus.PUBLISHED, now()
    await session.flush()
    await record(session, principal, project, "project.published", **_terms(project))
    return project


async def close_project(
    session: AsyncSession, principal: Principal, project_id: int, *, note: str | None = None
) -> Project:
    """Stop taking claims (结项); claims already made go on to completion."""
    project = await _open_for_change(session, principal, project_id)
    if project.status is not ProjectStatus.PUBLISHED:
        raise not_open(project, "结项")
    cleaned = clean_project("note", inputs.note, note)
    project.status, project.closed_at, project.close_note = ProjectStatus.CLOSED, now(), cleaned
    await session.flush()
    claimed = await repository.claimed_count(session, project.id)
    await record(session, principal, project, "project.closed", note=cleaned, claimed=claimed)
    return project


async def cancel_project(
    session: AsyncSession, principal: Principal, project_id: int, *, reason: str
) -> Project:
    """Cancel a draft or a published project; claims not yet finished end with it."""
    project = await _open_for_change(session, principal, project_id)
    if project.status not in (ProjectStatus.DRAFT, ProjectStatus.PUBLISHED):
        raise not_open(project, "取消")
    cleaned = clean_project("reason", inputs.required_note, reason)
    at = now()
    project.status, project.cancelled_at, project.cancel_reason = (
        ProjectStatus.CANCELLED,
        at,
        cleaned,
    )
    ended = await repository.open_claims_for_update(session, project.id)
    for claim in ended:
        claim.status, claim.cancelled_at = ClaimStatus.CANCELLED, at
    await session.flush()
    for claim in ended:
        await record(
            session,
            principal,
            project,
            "claim.cancelled",
            object_type="project_claim",
            object_id=claim.id,
            claim_id=claim.id,
            unit_id=claim.unit_id,
            member_id=claim.member_id,
            reason=cleaned,
        )
    await record(
        session,
        principal,
        project,
        "project.cancelled",
        reason=cleaned,
        claims_cancelled=len(ended),
    )
    return project


# --- reading -------------------------------------------------------------------------


async def _visible_as_claimant(
    session: AsyncSession, principal: Principal, project: Project
) -> bool:
    """Published where the caller's unit or the caller is registered, or claimed by them."""
    if not access.may_own(principal, RESOURCE, "read"):
        return False
    found = await standing_of(session, principal)
    if project.status is ProjectStatus.PUBLISHED and project.node_id in found.places:
        return True
    claims = await repository.claims_for_projects(
        session, [project.id], principal.unit_id, principal.member_id
    )
    return bool(claims)


async def read_project(session: AsyncSession, principal: Principal, project_id: int) -> Project:
    project = await get_project(session, project_id)
    staff = access.may(principal, project.scope_path, RESOURCE, "read")
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=here(project),
        object_id=str(project.id),
        owned=not staff and await _visible_as_claimant(session, principal, project),
    )
    return project


async def list_projects(
    session: AsyncSession, principal: Principal, page: Page, where: ProjectFilter
) -> PageOf[Project]:
    """Staff see the projects in their area; units and members those published where they
    are registered, and those they claimed."""
    found = await standing_of(session, principal)
    own = repository.visible_to_claimant(found)
    scope = access.scope_or_own(principal, RESOURCE, "read", Project.scope_path, own)
    return await repository.projects_page(
        session, scope, page, where, today=today(), standing=found
    )
