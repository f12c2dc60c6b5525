"""Queries and mutations of activities: publishing, sign-up, check-in and finishing."""

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.registry import MEMBER, UNIT, subtree
from api.results import MutationError, run_step
from api.types.activities import (
    ActivityAudienceType,
    ActivitySignupType,
    ActivityStatusType,
    ActivityType,
    AttendanceType,
    CheckInCodeType,
    FinishRefusalType,
)
from api.types.records import ServiceRecordType
from policies.principal import Principal
from services.activities import checkin, codes, finishing, reading, service, signups
from services.activities.inputs import ActivityDraft
from services.activities.models import (
    Activity,
    ActivitySignup,
    ActivityStatus,
    Attendance,
    Audience,
)
from services.activities.repository import ActivityFilter

ACTIVITY = "Activity"
ACTIVITY_SIGNUP = "ActivitySignup"
PROJECT = "Project"


@strawberry.input(description="一次志愿活动")
class ActivityInput:
    place_id: relay.GlobalID = strawberry.field(
        description="举办区划：乡镇（街道）、社区，或社区内的小区、楼栋、网格"
    )
    title: str = strawberry.field(description="活动名称（50 字以内）")
    post_category: str = strawberry.field(description="岗位类别：本县规则中的类别之一")
    place: str = strawberry.field(description="活动地址（100 字以内）")
    starts_at: datetime = strawberry.field(description="开始时间（晚于现在）；未写时区的按北京时间")
    ends_at: datetime = strawberry.field(description="结束时间（晚于开始时间，至多 7 天）")
    audience: ActivityAudienceType = strawberry.field(  # type: ignore[valid-type]
        description="参加对象"
    )
    description: str | None = strawberry.field(default=None, description="活动内容（2000 字以内）")
    capacity: int | None = strawberry.field(
        default=None, description="招募人数（1–10000）；不填为不限人数"
    )
    signup_opens_at: datetime | None = strawberry.field(
        default=None, description="报名开始时间；不填为现在"
    )
    signup_closes_at: datetime | None = strawberry.field(
        default=None, description="报名截止时间；不填为活动开始时间，且不能晚于它"
    )
    audience_scope_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="报名范围（参加对象为“在指定范围内报到的党员”时必填，须包含举办区划）",
    )
    organiser_unit_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="组织单位：由单位组织时填写（仅该单位管理员可操作，举办区划须在其已报到的社区内）",
    )
    project_id: relay.GlobalID | None = strawberry.field(
        default=None, description="所属项目（单位只能选本单位已认领、正在服务的项目）"
    )
    collective: bool = strawberry.field(
        default=False, description="单位集体活动（仅由单位组织时；计入单位季度活动指标）"
    )

    def draft(self) -> ActivityDraft:
        def optional(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
            return None if value is None else int_id(value, type_name, field)

        return ActivityDraft(
            place_id=int_id(self.place_id, NODE, "placeId"),
            audience=Audience(self.audience),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            title=self.title,
            post_category=self.post_category,
            place=self.place,
            description=self.description,
            capacity=self.capacity,
            signup_opens_at=self.signup_opens_at,
            signup_closes_at=self.signup_closes_at,
            audience_scope_id=optional(self.audience_scope_id, NODE, "audienceScopeId"),
            organiser_unit_id=optional(self.organiser_unit_id, UNIT, "organiserUnitId"),
            project_id=optional(self.project_id, PROJECT, "projectId"),
            collective=self.collective,
        )


@strawberry.type(description="活动已保存")
class ActivitySuccess:
    activity: ActivityType


@strawberry.type(description="报名已保存")
class ActivitySignupSuccess:
    activity: ActivityType
    signup: ActivitySignupType


@strawberry.type(description="签到或签退已保存")
class AttendanceSuccess:
    activity: ActivityType
    attendance: AttendanceType


@strawberry.type(description="活动已办结：签到生成了待确认的服务记录")
class FinishActivitySuccess:
    activity: ActivityType
    records: list[ServiceRecordType] = strawberry.field(description="生成的服务记录（待确认）")
    refused: list[FinishRefusalType] = strawberry.field(description="未能生成服务记录的签到")


ActivityResult = Annotated[ActivitySuccess | MutationError, strawberry.union("ActivityResult")]
ActivitySignupResult = Annotated[
    ActivitySignupSuccess | MutationError, strawberry.union("ActivitySignupResult")
]
AttendanceResult = Annotated[
    AttendanceSuccess | MutationError, strawberry.union("AttendanceResult")
]
FinishActivityResult = Annotated[
    FinishActivitySuccess | MutationError, strawberry.union("FinishActivityResult")
]


@strawberry.type
class ActivityQuery:
    @strawberry.field(
        description="一次志愿活动（工作人员看其范围内的，单位、党员看向其开放或参加过的）"
    )
    async def activity(self, info: Info[Context, None], id: relay.GlobalID) -> ActivityType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        found = await reading.read_activity(session, principal, int_id(id, ACTIVITY))
        return ActivityType.from_model(found)

    @strawberry.field(
        description="志愿活动，开始时间晚的在前（joinable 为真时按开始时间先后）：工作人员看其"
        "范围内的；单位管理员看本单位组织的及在本单位已报到社区发布的；党员看向其开放的已发布活动及其"
        "报名、参加过的"
    )
    async def activities(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        status: ActivityStatusType | None = None,  # type: ignore[valid-type]
        organiser_unit_id: relay.GlobalID | None = None,
        collective: bool | None = None,
        joinable: Annotated[
            bool | None,
            strawberry.argument(description="真：现在可报名、您尚未报名的；假：其余的"),
        ] = None,
        joined: Annotated[
            bool | None,
            strawberry.argument(description="真：您已报名（含候补）或签到过的；假：其余的"),
        ] = None,
    ) -> relay.Connection[ActivityType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = ActivityFilter(
            within=await subtree(info, within),
            status=None if status is None else ActivityStatus(status),
            organiser_unit_id=None
            if organiser_unit_id is None
            else int_id(organiser_unit_id, UNIT, "organiserUnitId"),
            collective=collective,
            joinable=joinable,
            joined=joined,
        )
        result = await reading.list_activities(session, principal, page(first, after), where)
        return connection(result, ActivityType.from_model, lambda a: (a.starts_at, a.id))

    @strawberry.field(
        description="现场签到码（组织方在签到时间内获取，每 30 秒更换，用于生成二维码）"
    )
    async def activity_check_in_code(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> CheckInCodeType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        activity, found = await checkin.check_in_code(session, principal, int_id(id, ACTIVITY))
        return CheckInCodeType(
            code=found.code,
            refresh_at=found.refresh_at,
            valid_until=found.valid_until,
            qr_payload=codes.qr_payload(
                str(relay.GlobalID(ACTIVITY, str(activity.id))), found.code
            ),
        )


def _saved(activity: Activity) -> ActivitySuccess:
    return ActivitySuccess(activity=ActivityType.from_model(activity))


def _signup(found: tuple[Activity, ActivitySignup]) -> ActivitySignupSuccess:
    activity, signup = found
    return ActivitySignupSuccess(
        activity=ActivityType.from_model(activity), signup=ActivitySignupType.from_model(signup)
    )


def _attendance(found: tuple[Activity, Attendance]) -> AttendanceSuccess:
    activity, attendance = found
    return AttendanceSuccess(
        activity=ActivityType.from_model(activity),
        attendance=AttendanceType.from_model(attendance),
    )


@strawberry.type
class ActivityMutation:
    @strawberry.mutation(description="创建志愿活动（草稿）；由单位组织时须为该单位管理员")
    async def create_activity(
        self, info: Info[Context, None], input: ActivityInput
    ) -> ActivityResult:
        async def step(session: AsyncSession, principal: Principal) -> ActivitySuccess:
            return _saved(await service.create_activity(session, principal, input.draft()))

        return await run_step(info, step)

    @strawberry.mutation(
        description="修改活动：草稿随时可改；已发布的在开始前可改（举办区划、参加对象不变，"
        "招募人数不少于已报名人数，增加的名额由候补依次递补）"
    )
    async def update_activity(
        self, info: Info[Context, None], id: relay.GlobalID, input: ActivityInput
    ) -> ActivityResult:
        async def step(session: AsyncSession, principal: Principal) -> ActivitySuccess:
            activity_id = int_id(id, ACTIVITY)
            return _saved(
                await service.update_activity(session, principal, activity_id, input.draft())
            )

        return await run_step(info, step)

    @strawberry.mutation(description="发布活动（开始时间须在将来）")
    async def publish_activity(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> ActivityResult:
        async def step(session: AsyncSession, principal: Principal) -> ActivitySuccess:
            activity_id = int_id(id, ACTIVITY)
            return _saved(await service.publish_activity(session, principal, activity_id))

        return await run_step(info, step)

    @strawberry.mutation(description="取消活动（须写明原因）；所有报名随之取消")
    async def cancel_activity(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> ActivityResult:
        async def step(session: AsyncSession, principal: Principal) -> ActivitySuccess:
            activity_id = int_id(id, ACTIVITY)
            return _saved(
                await service.cancel_activity(session, principal, activity_id, reason=reason)
            )

        return await run_step(info, step)

    @strawberry.mutation(description="报名参加活动：名额已满时进入候补名单")
    async def sign_up_for_activity(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> ActivitySignupResult:
        async def step(session: AsyncSession, principal: Principal) -> ActivitySignupSuccess:
            return _signup(await signups.sign_up(session, principal, int_id(id, ACTIVITY)))

        return await run_step(info, step)

    @strawberry.mutation(description="取消报名（活动开始前）；空出的名额由候补第一位递补")
    async def cancel_activity_signup(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> ActivitySignupResult:
        async def step(session: AsyncSession, principal: Principal) -> ActivitySignupSuccess:
            return _signup(await signups.cancel_signup(session, principal, int_id(id, ACTIVITY)))

        return await run_step(info, step)

    @strawberry.mutation(description="组织方移除一条报名；空出的名额由候补第一位递补")
    async def remove_activity_signup(
        self, info: Info[Context, None], signup_id: relay.GlobalID
    ) -> ActivitySignupResult:
        async def step(session: AsyncSession, principal: Principal) -> ActivitySignupSuccess:
            found = int_id(signup_id, ACTIVITY_SIGNUP, "signupId")
            return _signup(await signups.remove_signup(session, principal, found))

        return await run_step(info, step)

    @strawberry.mutation(description="扫码签到（活动开始前 30 分钟至结束，须已报名）")
    async def check_in_to_activity(
        self, info: Info[Context, None], id: relay.GlobalID, code: str
    ) -> AttendanceResult:
        async def step(session: AsyncSession, principal: Principal) -> AttendanceSuccess:
            return _attendance(
                await checkin.check_in(session, principal, int_id(id, ACTIVITY), code)
            )

        return await run_step(info, step)

    @strawberry.mutation(description="扫码签退（须已签到）")
    async def check_out_of_activity(
        self, info: Info[Context, None], id: relay.GlobalID, code: str
    ) -> AttendanceResult:
        async def step(session: AsyncSession, principal: Principal) -> AttendanceSuccess:
            return _attendance(
                await checkin.check_out(session, principal, int_id(id, ACTIVITY), code)
            )

        return await run_step(info, step)

    @strawberry.mutation(
        description="组织方登记签到（含未报名到场的参加对象），可同时登记签退；时间须在签到时间内"
        "且不晚于现在"
    )
    async def mark_attendance(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        member_id: relay.GlobalID,
        checked_in_at: datetime,
        checked_out_at: datetime | None = None,
    ) -> AttendanceResult:
        async def step(session: AsyncSession, principal: Principal) -> AttendanceSuccess:
            found = await checkin.mark_attendance(
                session,
                principal,
                int_id(id, ACTIVITY),
                int_id(member_id, MEMBER, "memberId"),
                checked_in_at=checked_in_at,
                checked_out_at=checked_out_at,
            )
            return _attendance(found)

        return await run_step(info, step)

    @strawberry.mutation(description="组织方登记或更正签退时间（为忘记签退的党员）")
    async def mark_check_out(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        member_id: relay.GlobalID,
        checked_out_at: datetime,
    ) -> AttendanceResult:
        async def step(session: AsyncSession, principal: Principal) -> AttendanceSuccess:
            found = await checkin.mark_check_out(
                session,
                principal,
                int_id(id, ACTIVITY),
                int_id(member_id, MEMBER, "memberId"),
                checked_out_at=checked_out_at,
            )
            return _attendance(found)

        return await run_step(info, step)

    @strawberry.mutation(
        description="办结活动（活动结束后）：未签退的按结束时间签退，按本县规则生成待确认的服务记录"
    )
    async def finish_activity(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> FinishActivityResult:
        async def step(session: AsyncSession, principal: Principal) -> FinishActivitySuccess:
            done = await finishing.finish_activity(session, principal, int_id(id, ACTIVITY))
            return FinishActivitySuccess(
                activity=ActivityType.from_model(done.activity),
                records=[ServiceRecordType.from_model(record) for record in done.records],
                refused=[
                    FinishRefusalType(message=refusal.message, member_id=refusal.member_id)
                    for refusal in done.refused
                ],
            )

        return await run_step(info, step)
