"""志愿活动 as clients see them: the activity, its counts, the caller's own sign-up and
attendance, and for its organiser the sign-up and attendance lists.

A member on a list is shown by name (masked unless the caller may read the member in the
register); their register entry only to a caller who may read it.
"""

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.projects import ProjectType
from api.types.registry import MemberType, UnitType, load_unit
from infra.personal_data import mask_name
from services.activities import reading
from services.activities.models import (
    ACTIVITY_STATUS_NAMES,
    ATTENDANCE_METHOD_NAMES,
    AUDIENCE_NAMES,
    SIGNUP_STATUS_NAMES,
    Activity,
    ActivitySignup,
    ActivityStatus,
    Attendance,
    AttendanceMethod,
    Audience,
    SignupStatus,
)
from services.activities.repository import Counts
from services.activities.service import is_organiser
from services.projects.claim_steps import may_see_member

ActivityStatusType = strawberry.enum(
    ActivityStatus, name="ActivityStatus", description="活动状态：草稿、已发布、已取消、已结束"
)
ActivityAudienceType = strawberry.enum(
    Audience,
    name="ActivityAudience",
    description="参加对象：在本社区报到的党员、本单位党员、在指定范围内报到的党员",
)
ActivitySignupStatusType = strawberry.enum(
    SignupStatus, name="ActivitySignupStatus", description="报名状态：已报名、候补中、已取消"
)
AttendanceMethodType = strawberry.enum(
    AttendanceMethod,
    name="AttendanceMethod",
    description="签到、签退方式：扫码、组织方登记、活动结束时自动签退",
)


async def _member(info: Info[Context, None], member_id: int) -> MemberType | None:
    """The member's register entry, for a caller who may read it."""
    member = await info.context.loaders.member.load(member_id)
    if member is None or not may_see_member(await info.context.principal(), member):
        return None
    return MemberType.from_model(member)


async def _member_name(info: Info[Context, None], member_id: int) -> str:
    """The member's name, masked (张*) unless the caller may read the member."""
    member = await info.context.loaders.member.load(member_id)
    if member is None:
        return ""
    if may_see_member(await info.context.principal(), member):
        return member.name
    return mask_name(member.name)


@strawberry.type(name="ActivityCounts", description="报名与签到情况（实时）")
class ActivityCountsType:
    signed_up: int = strawberry.field(description="已报名（占名额）的人数")
    waitlisted: int = strawberry.field(description="候补人数")
    checked_in: int = strawberry.field(description="已签到人数（含组织方登记）")
    checked_out: int = strawberry.field(description="已签退人数")
    remaining: int | None = strawberry.field(description="剩余名额；不限人数时为空")

    @classmethod
    def of(cls, counts: Counts, capacity: int | None) -> "ActivityCountsType":
        return cls(
            signed_up=counts.signed_up,
            waitlisted=counts.waitlisted,
            checked_in=counts.checked_in,
            checked_out=counts.checked_out,
            remaining=None if capacity is None else max(capacity - counts.signed_up, 0),
        )


@strawberry.type(name="ActivitySignup", description="一名党员的活动报名，或候补")
class ActivitySignupType(relay.Node):
    id: relay.NodeID[int]
    status: ActivitySignupStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    signed_up_at: datetime = strawberry.field(description="报名时间")
    promoted_at: datetime | None = strawberry.field(description="由候补转为已报名的时间")
    cancelled_at: datetime | None = strawberry.field(description="取消时间")
    model: strawberry.Private[ActivitySignup]

    @classmethod
    def from_model(cls, row: ActivitySignup) -> "ActivitySignupType":
        return cls(
            id=row.id,
            status=row.status,
            status_name=SIGNUP_STATUS_NAMES[row.status],
            signed_up_at=row.signed_up_at,
            promoted_at=row.promoted_at,
            cancelled_at=row.cancelled_at,
            model=row,
        )

    @strawberry.field(description="候补名单中的位次（1 为下一个递补）；不在候补中时为空")
    async def waitlist_position(self, info: Info[Context, None]) -> int | None:
        if self.model.status is not SignupStatus.WAITLISTED:
            return None
        return await info.context.loaders.activities.waitlist_position.load(self.model.id)

    @strawberry.field(description="报名的党员（仅本人及有权在名册中查看者可见，否则为空）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await _member(info, self.model.member_id)

    @strawberry.field(description="党员姓名（无权查看该党员时打码，如 张*）")
    async def member_name(self, info: Info[Context, None]) -> str:
        return await _member_name(info, self.model.member_id)


@strawberry.type(name="Attendance", description="一名党员在活动中的签到与签退")
class AttendanceType(relay.Node):
    id: relay.NodeID[int]
    checked_in_at: datetime = strawberry.field(description="签到时间")
    check_in_method: AttendanceMethodType = strawberry.field(  # type: ignore[valid-type]
        description="签到方式"
    )
    check_in_method_name: str = strawberry.field(description="签到方式（中文）")
    checked_out_at: datetime | None = strawberry.field(description="签退时间；尚未签退时为空")
    check_out_method: AttendanceMethodType | None = strawberry.field(  # type: ignore[valid-type]
        description="签退方式"
    )
    check_out_method_name: str | None = strawberry.field(description="签退方式（中文）")
    model: strawberry.Private[Attendance]

    @classmethod
    def from_model(cls, row: Attendance) -> "AttendanceType":
        out = row.check_out_method
        return cls(
            id=row.id,
            checked_in_at=row.checked_in_at,
            check_in_method=row.check_in_method,
            check_in_method_name=ATTENDANCE_METHOD_NAMES[row.check_in_method],
            checked_out_at=row.checked_out_at,
            check_out_method=out,
            check_out_method_name=None if out is None else ATTENDANCE_METHOD_NAMES[out],
            model=row,
        )

    @strawberry.field(description="签到的党员（仅本人及有权在名册中查看者可见，否则为空）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await _member(info, self.model.member_id)

    @strawberry.field(description="党员姓名（无权查看该党员时打码，如 张*）")
    async def member_name(self, info: Info[Context, None]) -> str:
        return await _member_name(info, self.model.member_id)


@strawberry.type(name="Activity", description="志愿活动：报名、签到，结束后生成服务记录")
class ActivityType(relay.Node):
    id: relay.NodeID[int]
    title: str = strawberry.field(description="活动名称")
    description: str | None = strawberry.field(description="活动内容")
    post_category: str = strawberry.field(description="岗位类别（本县规则中的类别之一）")
    place: str = strawberry.field(description="活动地址")
    starts_at: datetime = strawberry.field(description="开始时间")
    ends_at: datetime = strawberry.field(description="结束时间")
    capacity: int | None = strawberry.field(description="招募人数；不限人数时为空")
    signup_opens_at: datetime = strawberry.field(description="报名开始时间")
    signup_closes_at: datetime = strawberry.field(description="报名截止时间")
    audience: ActivityAudienceType = strawberry.field(description="参加对象")  # type: ignore[valid-type]
    audience_name: str = strawberry.field(description="参加对象（中文）")
    collective: bool = strawberry.field(description="是否单位集体活动（计入单位季度活动指标）")
    status: ActivityStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    created_by: str = strawberry.field(description="创建人")
    created_at: datetime = strawberry.field(description="创建时间")
    published_at: datetime | None = strawberry.field(description="发布时间")
    cancelled_at: datetime | None = strawberry.field(description="取消时间")
    cancel_reason: str | None = strawberry.field(description="取消原因")
    finished_at: datetime | None = strawberry.field(description="办结时间（生成服务记录的时间）")
    updated_at: datetime = strawberry.field(description="最近修改时间")
    model: strawberry.Private[Activity]

    @classmethod
    def from_model(cls, row: Activity) -> "ActivityType":
        return cls(
            id=row.id,
            title=row.title,
            description=row.description,
            post_category=row.post_category,
            place=row.place,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            capacity=row.capacity,
            signup_opens_at=row.signup_opens_at,
            signup_closes_at=row.signup_closes_at,
            audience=row.audience,
            audience_name=AUDIENCE_NAMES[row.audience],
            collective=row.collective,
            status=row.status,
            status_name=ACTIVITY_STATUS_NAMES[row.status],
            created_by=row.created_by_name,
            created_at=row.created_at,
            published_at=row.published_at,
            cancelled_at=row.cancelled_at,
            cancel_reason=row.cancel_reason,
            finished_at=row.finished_at,
            updated_at=row.updated_at,
            model=row,
        )

    @strawberry.field(description="举办区划：乡镇（街道）、社区，或社区内的小区、楼栋、网格")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="所在社区（全街道的活动为空）")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="报名范围：其中报到的党员可报名（参加对象为本单位党员时为空）")
    async def audience_scope(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.audience_node_id)

    @strawberry.field(description="组织单位（由单位组织时；其余由举办区划的工作人员组织）")
    async def organiser_unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.organiser_unit_id)

    @strawberry.field(description="所属项目")
    async def project(self, info: Info[Context, None]) -> ProjectType | None:
        if self.model.project_id is None:
            return None
        found = await info.context.loaders.projects.project.load(self.model.project_id)
        return None if found is None else ProjectType.from_model(found)

    @strawberry.field(description="报名与签到情况（实时统计）")
    async def counts(self, info: Info[Context, None]) -> ActivityCountsType:
        found = await info.context.loaders.activities.counts.load(self.model.id)
        return ActivityCountsType.of(found, self.model.capacity)

    @strawberry.field(description="您是否为组织方（可修改、取消、登记签到并办结）")
    async def may_manage(self, info: Info[Context, None]) -> bool:
        return is_organiser(await info.context.principal(), self.model)

    @strawberry.field(description="您的报名：有效的一条，否则最近一条；未报名为空")
    async def my_signup(self, info: Info[Context, None]) -> ActivitySignupType | None:
        member_id = (await info.context.principal()).member_id
        if member_id is None:
            return None
        found = await info.context.loaders.activities.my_signup.load((self.model.id, member_id))
        return None if found is None else ActivitySignupType.from_model(found)

    @strawberry.field(description="您的签到与签退；未签到为空")
    async def my_attendance(self, info: Info[Context, None]) -> AttendanceType | None:
        member_id = (await info.context.principal()).member_id
        if member_id is None:
            return None
        key = (self.model.id, member_id)
        found = await info.context.loaders.activities.my_attendance.load(key)
        return None if found is None else AttendanceType.from_model(found)

    @strawberry.field(
        description="报名名单，按报名先后（候补按递补顺序）；仅组织方及有权查看该地活动的工作人员"
        "可见，否则为空"
    )
    async def signups(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        status: ActivitySignupStatusType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[ActivitySignupType] | None:
        principal, session = await info.context.principal(), await info.context.uow.session()
        result = await reading.signups(
            session,
            principal,
            self.model,
            page(first, after),
            None if status is None else SignupStatus(status),
        )
        if result is None:
            return None
        return connection(result, ActivitySignupType.from_model, lambda s: (s.id,))

    @strawberry.field(
        description="签到名单，按签到先后；仅组织方及有权查看该地活动的工作人员可见，否则为空"
    )
    async def attendances(
        self, info: Info[Context, None], first: int = 20, after: str | None = None
    ) -> relay.Connection[AttendanceType] | None:
        principal, session = await info.context.principal(), await info.context.uow.session()
        result = await reading.attendances(session, principal, self.model, page(first, after))
        if result is None:
            return None
        return connection(result, AttendanceType.from_model, lambda a: (a.id,))


@strawberry.type(name="ActivityCheckInCode", description="现场签到码（每 30 秒更换）")
class CheckInCodeType:
    code: str = strawberry.field(description="6 位签到码")
    refresh_at: datetime = strawberry.field(description="下一个签到码生效的时间：届时刷新展示")
    valid_until: datetime = strawberry.field(description="该签到码最后可用的时间")
    qr_payload: str = strawberry.field(
        description="二维码内容：gongjian:checkin:<活动编号>:<签到码>"
    )


@strawberry.type(name="FinishRefusal", description="办结时未能生成服务记录的签到，及原因")
class FinishRefusalType:
    message: str = strawberry.field(description="原因")
    member_id: strawberry.Private[int]

    @strawberry.field(description="党员（仅有权在名册中查看者可见，否则为空）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await _member(info, self.member_id)

    @strawberry.field(description="党员姓名（无权查看该党员时打码）")
    async def member_name(self, info: Info[Context, None]) -> str:
        return await _member_name(info, self.member_id)
