"""Checking an activity as typed in against the county: where it is held, its post
category, its organising unit, its audience and its project; then writing it all."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, now
from policies import access
from policies.paths import is_within
from policies.principal import Principal
from services.activities import inputs
from services.activities.audience import community_of
from services.activities.errors import InvalidActivity
from services.activities.inputs import ActivityDraft
from services.activities.models import Activity, Audience
from services.projects import repository as projects
from services.projects.errors import ProjectNotFound
from services.projects.inputs import PROJECT_PHRASES
from services.projects.models import ClaimStatus, ProjectStatus
from services.registration import standing
from services.registry import fields
from services.registry import repository as registry
from services.registry.models import RegistryStatus
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.errors import NodeNotFound
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.hierarchy.service import KIND_NAMES
from tenants.rules.service import rules_on

PLACE_KINDS = (
    NodeKind.TOWNSHIP,
    NodeKind.COMMUNITY,
    NodeKind.COMPOUND,
    NodeKind.BUILDING,
    NodeKind.GRID,
)
# A unit may link a project it is serving: claimed, or with the service under way.
SERVING = (ClaimStatus.CLAIMED, ClaimStatus.STARTED)


async def place(session: AsyncSession, node_id: int) -> Node:
    node = await hierarchy.get(session, node_id)
    if node is None:
        raise NodeNotFound("未找到该区划或网格节点", field="placeId")
    return node


def _check_place(node: Node) -> None:
    if node.kind not in PLACE_KINDS:
        raise InvalidActivity(
            f"「举办区划」应为乡镇（街道）、社区（村）或其下的小区、楼栋、网格，"
            f"而“{node.name}”是{KIND_NAMES[node.kind]}",
            field="placeId",
        )
    if node.status is NodeStatus.RETIRED:
        raise InvalidActivity(f"「举办区划」“{node.name}”已撤销", field="placeId")


async def category(session: AsyncSession, value: object, starts_at: datetime) -> str:
    """One of the county's post categories (岗位类别) under the rules of the activity's day."""
    name = fields.text(value)
    if not name:
        raise InvalidActivity("「岗位类别」不能为空", field="postCategory")
    allowed = (await rules_on(session, starts_at.astimezone(CHINA).date())).post_categories
    if name not in allowed:
        raise InvalidActivity(
            f"「岗位类别」“{name[:20]}”不是本县现行的岗位类别，应为{'、'.join(allowed)}之一",
            field="postCategory",
        )
    return name


async def _organiser_unit(
    session: AsyncSession, unit_id: int, community: Node | None, node: Node
) -> None:
    """A unit holds its activities in communities where it is registered (confirmed)."""
    unit = await registry.get_unit(session, unit_id)
    if unit is None or unit.status is not RegistryStatus.ACTIVE:
        raise InvalidActivity("「组织单位」已不在单位名册中，不能组织活动", field="organiserUnitId")
    registered = await standing.unit_communities(session, unit_id)
    if community is None or community.id not in registered:
        raise InvalidActivity(
            f"「举办区划」“{node.name}”不在“{unit.name}”已报到的社区内", field="placeId"
        )


async def _audience(
    session: AsyncSession, draft: ActivityDraft, node: Node, community: Node | None
) -> Node | None:
    """The node whose registered members may join (None: the unit's own members)."""
    if draft.audience is not Audience.SCOPE and draft.audience_scope_id is not None:
        raise InvalidActivity(
            "「报名范围」只在参加对象为“在指定范围内报到的党员”时填写", field="audienceScopeId"
        )
    if draft.audience is Audience.COMMUNITY:
        if community is None:
            raise InvalidActivity(
                f"「参加对象」为本社区报到的党员时，举办区划应在社区内，而“{node.name}”是"
                f"{KIND_NAMES[node.kind]}",
                field="audience",
            )
        return community
    if draft.audience is Audience.UNIT:
        if draft.organiser_unit_id is None:
            raise InvalidActivity("「参加对象」为本单位党员时，活动须由单位组织", field="audience")
        return None
    if draft.audience_scope_id is None:
        raise InvalidActivity("「报名范围」不能为空", field="audienceScopeId")
    scope = await hierarchy.get(session, draft.audience_scope_id)
    if scope is None:
        raise NodeNotFound("未找到该区划或网格节点", field="audienceScopeId")
    if not is_within(node.path, scope.path):
        raise InvalidActivity(
            f"「报名范围」“{scope.name}”应包含举办区划“{node.name}”", field="audienceScopeId"
        )
    return scope


async def _project(
    session: AsyncSession, principal: Principal, project_id: int, organiser_unit_id: int | None
) -> None:
    """Staff link a project of their area; a unit, a project it is serving (认领)."""
    project = await projects.project(session, project_id)
    if project is None:
        raise ProjectNotFound("未找到该项目", field="projectId")
    if project.status not in (ProjectStatus.PUBLISHED, ProjectStatus.CLOSED):
        raise InvalidActivity(
            f"「所属项目」“{project.title}”{PROJECT_PHRASES[project.status]}", field="projectId"
        )
    if organiser_unit_id is None:
        if not access.may(principal, project.scope_path, "project", "read"):
            raise InvalidActivity(
                f"「所属项目」“{project.title}”不在您管辖的范围内", field="projectId"
            )
        return
    claim = await projects.active_claim(
        session, project.id, unit_id=organiser_unit_id, member_id=None
    )
    if claim is None or claim.status not in SERVING:
        raise InvalidActivity(
            f"「所属项目」“{project.title}”不是本单位已认领、正在服务的项目", field="projectId"
        )


async def fill(
    session: AsyncSession,
    principal: Principal,
    activity: Activity,
    node: Node,
    draft: ActivityDraft,
) -> None:
    """Check every field of the draft, then write them all to the activity."""
    _check_place(node)
    community = await community_of(session, node)
    checked = inputs.checked(draft, now())
    chosen = await category(session, draft.post_category, checked.starts_at)
    if draft.organiser_unit_id is not None:
        await _organiser_unit(session, draft.organiser_unit_id, community, node)
    audience = await _audience(session, draft, node, community)
    if draft.project_id is not None:
        await _project(session, principal, draft.project_id, draft.organiser_unit_id)
    if draft.collective and draft.organiser_unit_id is None:
        raise InvalidActivity("「单位集体活动」只能由单位组织", field="collective")
    activity.node_id, activity.scope_path = node.id, node.path
    activity.community_id = None if community is None else community.id
    activity.organiser_unit_id, activity.project_id = draft.organiser_unit_id, draft.project_id
    activity.collective = draft.collective
    activity.title, activity.description = checked.title, checked.description
    activity.post_category, activity.place = chosen, checked.place
    activity.starts_at, activity.ends_at = checked.starts_at, checked.ends_at
    activity.capacity = checked.capacity
    activity.signup_opens_at = checked.signup_opens_at
    activity.signup_closes_at = checked.signup_closes_at
    activity.audience = draft.audience
    activity.audience_node_id = None if audience is None else audience.id
    activity.audience_path = None if audience is None else audience.path
