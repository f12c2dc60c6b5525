"""Where a service came from, and what it says of the record: whose service it was,
who organised it (and so records it: 谁组织谁记录), its title and default times, and the
link the record keeps. One resolver per source; each finds its source, checks that the
caller organised it, then that the service is done."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, now
from policies import access
from policies.principal import Principal
from services.activities import repository as activities
from services.activities.audience import may_join
from services.activities.errors import NotEligible
from services.activities.models import ACTIVITY_STATUS_NAMES, Activity, ActivityStatus
from services.projects import repository as projects
from services.projects.models import CLAIM_STATUS_NAMES, ClaimStatus
from services.records import repository
from services.records.errors import (
    InvalidServiceRecord,
    MemberNotRegisteredHere,
    ServiceNotDone,
    ServiceSourceNotFound,
)
from services.records.models import RecordSource
from services.records.recording import RESOURCE
from services.registry import fields
from services.registry import repository as registry
from services.registry.errors import MemberNotFound
from services.registry.models import Member, RegistryStatus
from services.whistles.models import ANSWER_NAMES, Answer, WhistleStatus
from services.wishes import repository as wishes
from services.wishes.models import WISH_STATUS_NAMES, WishStatus
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.models import NodeStatus
from tenants.rules.service import current_rules

LABELS = {
    "memberId": "党员",
    "startedAt": "开始时间",
    "endedAt": "结束时间",
    "hours": "服务时长",
    "title": "服务内容",
    "postCategory": "岗位类别",
    "note": "备注",
}
TITLE_MAX_LENGTH = 50
NOTE_MAX_LENGTH = 200
clean = fields.Cleaner(InvalidServiceRecord, LABELS)

# The input naming each source, for errors about it.
SOURCE_FIELDS = {
    RecordSource.PROJECT_CLAIM: "source.projectClaimId",
    RecordSource.WISH: "source.wishId",
    RecordSource.WHISTLE_CALL: "source.whistleResponseId",
    RecordSource.ACTIVITY: "source.activityId",
    RecordSource.ENTERED: "source.nodeId",
}
# Where a record's title and post category come from, when not typed by the organiser.
TITLE_FROM = {
    RecordSource.PROJECT_CLAIM: "项目",
    RecordSource.WISH: "微心愿",
    RecordSource.WHISTLE_CALL: "吹哨召集",
    RecordSource.ACTIVITY: "活动",
}
WISH_TITLE_CHARS = 20


@dataclass(frozen=True)
class RecordRequest:
    """What the organiser asks to record: the source (its kind and id) and the rest."""

    source: RecordSource
    source_id: int
    member_id: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    hours: Decimal | None = None
    title: str | None = None
    post_category: str | None = None
    note: str | None = None

    @property
    def field(self) -> str:
        return SOURCE_FIELDS[self.source]


@dataclass(frozen=True)
class Origin:
    """What a source says of the service: whose, organised by whom, called what, when by
    default, and the link the record keeps to it."""

    member_id: int
    node: tuple[int, str]
    organiser_unit_id: int | None
    title: str
    post_category: str | None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    # The times the service must lie within (an activity's).
    window: tuple[datetime, datetime] | None = None
    # What the source is called in a refusal (该认领, 该党员在本活动 …); none for a record
    # entered by the organiser, which no source limits to one.
    named: str | None = None
    # The record's link to its source.
    activity_id: int | None = None
    project_claim_id: int | None = None
    wish_id: int | None = None
    whistle_recipient_id: int | None = None


def in_china(moment: datetime | None) -> datetime | None:
    """A time typed without a zone is China's."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=CHINA)


def shown(moment: datetime) -> str:
    return f"{moment.astimezone(CHINA):%Y-%m-%d %H:%M}"


def _same_member(request: RecordRequest, member_id: int, whose: str) -> None:
    """For a source that names its member, `memberId` may be left out or must agree."""
    if request.member_id is not None and request.member_id != member_id:
        raise InvalidServiceRecord(f"「党员」与{whose}不一致", field="memberId")


def _no_title(request: RecordRequest) -> None:
    """A source's title and post category are its own: none may be typed over them."""
    source = TITLE_FROM[request.source]
    if fields.text(request.title):
        raise InvalidServiceRecord(f"「服务内容」取自该{source}，无需填写", field="title")
    if fields.text(request.post_category):
        raise InvalidServiceRecord(f"「岗位类别」随该{source}确定，无需填写", field="postCategory")


async def _member(session: AsyncSession, member_id: int | None) -> Member:
    """The member an organiser names (activity and entered records)."""
    if member_id is None:
        raise InvalidServiceRecord("「党员」不能为空", field="memberId")
    member = await registry.get_member(session, member_id)
    if member is None:
        raise MemberNotFound("未找到该党员", field="memberId")
    if member.status is not RegistryStatus.ACTIVE:
        raise InvalidServiceRecord(f"党员{member.name}已退出名册，不能再记录服务", field="memberId")
    return member


async def _from_claim(
    session: AsyncSession, principal: Principal, request: RecordRequest
) -> Origin:
    claim = await projects.claim(session, request.source_id)
    project = None if claim is None else await projects.project(session, claim.project_id)
    if claim is None or project is None:
        raise ServiceSourceNotFound("未找到该项目认领", field=request.field)
    node = (project.node_id, project.scope_path)
    access.require(session, principal, resource=RESOURCE, action="record", node=node)
    if claim.member_id is None:
        raise InvalidServiceRecord(
            "这是单位党组织的认领：服务记录记到党员个人，请为参加服务的党员逐一登记",
            field=request.field,
        )
    if claim.status is not ClaimStatus.COMPLETED:
        raise ServiceNotDone(
            f"该认领当前为“{CLAIM_STATUS_NAMES[claim.status]}”，社区确认完成后才能记录服务",
            field=request.field,
        )
    _same_member(request, claim.member_id, "该认领的认领人")
    _no_title(request)
    return Origin(
        member_id=claim.member_id,
        node=node,
        organiser_unit_id=None,
        title=project.title,
        post_category=project.category,
        project_claim_id=claim.id,
        named="该认领",
    )


async def _from_wish(session: AsyncSession, principal: Principal, request: RecordRequest) -> Origin:
    wish = await wishes.get_wish(session, request.source_id)
    community = None if wish is None else await hierarchy.get(session, wish.community_id)
    if wish is None or community is None:
        raise ServiceSourceNotFound("未找到该微心愿", field=request.field)
    node = (community.id, community.path)
    access.require(session, principal, resource=RESOURCE, action="record", node=node)
    if wish.status is not WishStatus.CONFIRMED or wish.claimed_by_member_id is None:
        raise ServiceNotDone(
            f"该微心愿当前为“{WISH_STATUS_NAMES[wish.status]}”，社区确认完成后才能记录服务",
            field=request.field,
        )
    _same_member(request, wish.claimed_by_member_id, "该微心愿的认领人")
    _no_title(request)
    return Origin(
        member_id=wish.claimed_by_member_id,
        node=node,
        organiser_unit_id=None,
        title=f"微心愿：{wish.content[:WISH_TITLE_CHARS]}",
        post_category=None,
        wish_id=wish.id,
        named="该微心愿",
    )


async def _from_whistle(
    session: AsyncSession, principal: Principal, request: RecordRequest
) -> Origin:
    found = await repository.whistle_response(session, request.source_id)
    if found is None:
        raise ServiceSourceNotFound("未找到该吹哨响应", field=request.field)
    response, call = found
    node = (call.node_id, call.scope_path)
    access.require(session, principal, resource=RESOURCE, action="record", node=node)
    if response.member_id is None:
        raise InvalidServiceRecord(
            "这是单位党组织的响应：服务记录记到党员个人，请为参加服务的党员逐一登记",
            field=request.field,
        )
    if response.status is not Answer.ACCEPTED:
        raise ServiceNotDone(
            f"该党员的回应为“{ANSWER_NAMES[response.status]}”，接受召集的才能记录服务",
            field=request.field,
        )
    if call.status is WhistleStatus.CANCELLED:
        raise ServiceNotDone("该吹哨召集已取消，不能记录服务", field=request.field)
    if call.starts_at > now():
        raise ServiceNotDone(
            f"该吹哨召集 {shown(call.starts_at)} 才开始，开始后才能记录服务",
            field=request.field,
        )
    _same_member(request, response.member_id, "该吹哨响应的党员")
    _no_title(request)
    return Origin(
        member_id=response.member_id,
        node=node,
        organiser_unit_id=None,
        title=call.title,
        post_category=None,
        started_at=call.starts_at,
        ended_at=call.ends_at,
        whistle_recipient_id=response.id,
        named="该吹哨响应",
    )


async def _from_activity(
    session: AsyncSession, principal: Principal, request: RecordRequest
) -> Origin:
    activity: Activity | None = await activities.get_activity(session, request.source_id)
    if activity is None:
        raise ServiceSourceNotFound("未找到该活动", field=request.field)
    node = (activity.node_id, activity.scope_path)
    access.require_organiser(
        session,
        principal,
        resource=RESOURCE,
        action="record",
        node=node,
        organiser_unit_id=activity.organiser_unit_id,
    )
    if activity.status is not ActivityStatus.FINISHED:
        raise ServiceNotDone(
            f"该活动当前为“{ACTIVITY_STATUS_NAMES[activity.status]}”，结束后才能补记服务",
            field=request.field,
        )
    member = await _member(session, request.member_id)
    # Those it was open to, and those who signed up (an organiser may have let them in).
    eligible = await may_join(session, activity, member)
    if not eligible and not await repository.signed_up(session, activity.id, member.id):
        raise NotEligible(f"党员{member.name}不在该活动的参加范围内，也没有报名", field="memberId")
    _no_title(request)
    return Origin(
        member_id=member.id,
        node=node,
        organiser_unit_id=activity.organiser_unit_id,
        title=activity.title,
        post_category=activity.post_category,
        started_at=activity.starts_at,
        ended_at=activity.ends_at,
        window=(activity.starts_at, activity.ends_at),
        activity_id=activity.id,
        named="该党员在本活动",
    )


async def _post_category(session: AsyncSession, value: str | None) -> str | None:
    """None, or one of the county's post categories (岗位类别) in force today."""
    name = fields.text(value)
    if not name:
        return None
    allowed = (await current_rules(session)).post_categories
    if name not in allowed:
        raise InvalidServiceRecord(
            f"「岗位类别」“{name[:20]}”不是本县现行的岗位类别，应为{'、'.join(allowed)}之一",
            field="postCategory",
        )
    return name


async def _entered(session: AsyncSession, principal: Principal, request: RecordRequest) -> Origin:
    node = await hierarchy.get(session, request.source_id)
    if node is None:
        raise ServiceSourceNotFound("未找到该区划节点", field=request.field)
    access.require(
        session, principal, resource=RESOURCE, action="record", node=(node.id, node.path)
    )
    if node.status is NodeStatus.RETIRED:
        raise InvalidServiceRecord(f"“{node.name}”已撤销，不能再登记服务", field=request.field)
    member = await _member(session, request.member_id)
    if not await projects.member_registered_within(session, member.id, node.path):
        raise MemberNotRegisteredHere(
            f"党员{member.name}未在“{node.name}”范围内的社区报到，不能由此登记服务",
            field="memberId",
        )
    title = clean("title", lambda v: fields.required_text(v, TITLE_MAX_LENGTH), request.title)
    return Origin(
        member_id=member.id,
        node=(node.id, node.path),
        organiser_unit_id=None,
        title=title,
        post_category=await _post_category(session, request.post_category),
    )


Resolve = Callable[[AsyncSession, Principal, RecordRequest], Awaitable[Origin]]
RESOLVERS: dict[RecordSource, Resolve] = {
    RecordSource.PROJECT_CLAIM: _from_claim,
    RecordSource.WISH: _from_wish,
    RecordSource.WHISTLE_CALL: _from_whistle,
    RecordSource.ACTIVITY: _from_activity,
    RecordSource.ENTERED: _entered,
}
