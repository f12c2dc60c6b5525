"""Queries and mutations of alliances: 党建联盟（大工委）and 大党委."""

from datetime import date
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.registry import MEMBER, UNIT
from api.results import MutationError, run_step
from api.types.alliances import (
    AllianceKindType,
    AllianceStatusType,
    AllianceType,
    AllianceUnitType,
    JointMeetingType,
    PartTimeMemberType,
)
from policies.principal import Principal
from services.alliances import committee, service, units
from services.alliances.committee import JointMeetingDraft
from services.alliances.models import DEFAULT_POST, AllianceKind, AllianceStatus
from services.alliances.repository import AllianceFilter
from services.alliances.service import AllianceDraft
from tenants.hierarchy.service import get_node

ALLIANCE = "Alliance"


@strawberry.input(description="新建的党建联盟（大工委）或大党委")
class AllianceInput:
    kind: AllianceKindType = strawberry.field(  # type: ignore[valid-type]
        description="联盟类型：党建联盟建在乡镇（街道），大党委建在社区"
    )
    node_id: relay.GlobalID = strawberry.field(description="所在乡镇（街道）或社区")
    name: str = strawberry.field(description="联盟名称")
    established_on: date | None = strawberry.field(default=None, description="成立日期（默认今天）")
    description: str | None = strawberry.field(default=None, description="简介或章程")

    def draft(self) -> AllianceDraft:
        return AllianceDraft(
            kind=AllianceKind(self.kind),
            node_id=int_id(self.node_id, NODE, "nodeId"),
            name=self.name,
            established_on=self.established_on,
            description=self.description,
        )


@strawberry.input(description="一次联席会议")
class JointMeetingInput:
    held_on: date = strawberry.field(description="会议日期（不能晚于今天）")
    topic: str = strawberry.field(description="会议议题")
    attendee_unit_ids: list[relay.GlobalID] = strawberry.field(
        description="参会成员单位（至少一个，须为会议当日的成员单位）"
    )
    attendee_member_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="参会兼职委员（党员编号，须为会议当日在任）"
    )
    place: str | None = strawberry.field(default=None, description="会议地点")
    resolutions: list[str] = strawberry.field(
        default_factory=list, description="议定事项，每项一条"
    )

    def draft(self) -> JointMeetingDraft:
        return JointMeetingDraft(
            held_on=self.held_on,
            topic=self.topic,
            place=self.place,
            unit_ids=[int_id(i, UNIT, "attendeeUnitIds") for i in self.attendee_unit_ids],
            member_ids=[int_id(i, MEMBER, "attendeeMemberIds") for i in self.attendee_member_ids],
            resolutions=self.resolutions,
        )


@strawberry.type(description="联盟已保存")
class AllianceSuccess:
    alliance: AllianceType


@strawberry.type(description="成员单位已加入或退出")
class AllianceUnitSuccess:
    alliance: AllianceType
    membership: AllianceUnitType


@strawberry.type(description="兼职委员已任职或免职")
class PartTimeMemberSuccess:
    alliance: AllianceType
    part_time_member: PartTimeMemberType


@strawberry.type(description="联席会议已记录")
class JointMeetingSuccess:
    alliance: AllianceType
    joint_meeting: JointMeetingType


AllianceResult = Annotated[AllianceSuccess | MutationError, strawberry.union("AllianceResult")]
AllianceUnitResult = Annotated[
    AllianceUnitSuccess | MutationError, strawberry.union("AllianceUnitResult")
]
PartTimeMemberResult = Annotated[
    PartTimeMemberSuccess | MutationError, strawberry.union("PartTimeMemberResult")
]
JointMeetingResult = Annotated[
    JointMeetingSuccess | MutationError, strawberry.union("JointMeetingResult")
]


@strawberry.type
class AllianceQuery:
    @strawberry.field(
        description="一个党建联盟或大党委（须在您有权查看的范围内，或您的单位是其成员单位）"
    )
    async def alliance(self, info: Info[Context, None], id: relay.GlobalID) -> AllianceType:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        alliance = await service.read_alliance(session, principal, int_id(id, ALLIANCE))
        return AllianceType.from_model(alliance)

    @strawberry.field(
        description="党建联盟和大党委：您有权查看的范围内的，及您的单位所在的；按所在节点排列"
    )
    async def alliances(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        kind: AllianceKindType | None = None,  # type: ignore[valid-type]
        status: AllianceStatusType | None = AllianceStatus.ACTIVE,  # type: ignore[valid-type]
    ) -> relay.Connection[AllianceType]:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        subtree = None
        if within is not None:
            subtree = (await get_node(session, int_id(within, NODE, "within"))).path
        where = AllianceFilter(
            status=None if status is None else AllianceStatus(status),
            kind=None if kind is None else AllianceKind(kind),
            within=subtree,
        )
        result = await service.list_alliances(session, principal, page(first, after), where)
        return connection(result, AllianceType.from_model, lambda a: (a.scope_path, a.id))


@strawberry.type
class AllianceMutation:
    @strawberry.mutation(description="成立党建联盟（在乡镇、街道）或大党委（在社区）")
    async def form_alliance(
        self, info: Info[Context, None], input: AllianceInput
    ) -> AllianceResult:
        async def step(session: AsyncSession, principal: Principal) -> AllianceSuccess:
            alliance = await service.form_alliance(session, principal, input.draft())
            return AllianceSuccess(alliance=AllianceType.from_model(alliance))

        return await run_step(info, step)

    @strawberry.mutation(
        description="撤销联盟（保留记录和原因）：成员单位于当日退出，兼职委员于当日免职"
    )
    async def dissolve_alliance(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        reason: str,
        dissolved_on: date | None = None,
    ) -> AllianceResult:
        async def step(session: AsyncSession, principal: Principal) -> AllianceSuccess:
            alliance = await service.dissolve_alliance(
                session, principal, int_id(id, ALLIANCE), reason=reason, dissolved_on=dissolved_on
            )
            return AllianceSuccess(alliance=AllianceType.from_model(alliance))

        return await run_step(info, step)

    @strawberry.mutation(description="单位党组织加入联盟（须在册，且位于联盟所在区划之内）")
    async def add_alliance_unit(
        self,
        info: Info[Context, None],
        alliance_id: relay.GlobalID,
        unit_id: relay.GlobalID,
        joined_on: date | None = None,
        role: str | None = None,
    ) -> AllianceUnitResult:
        async def step(session: AsyncSession, principal: Principal) -> AllianceUnitSuccess:
            alliance, membership, unit = await units.add_unit(
                session,
                principal,
                int_id(alliance_id, ALLIANCE, "allianceId"),
                int_id(unit_id, UNIT, "unitId"),
                joined_on=joined_on,
                role=role,
            )
            return AllianceUnitSuccess(
                alliance=AllianceType.from_model(alliance),
                membership=AllianceUnitType.from_models(membership, unit),
            )

        return await run_step(info, step)

    @strawberry.mutation(description="成员单位退出联盟（保留记录）；该单位的兼职委员须先免职")
    async def remove_alliance_unit(
        self,
        info: Info[Context, None],
        alliance_id: relay.GlobalID,
        unit_id: relay.GlobalID,
        left_on: date | None = None,
    ) -> AllianceUnitResult:
        async def step(session: AsyncSession, principal: Principal) -> AllianceUnitSuccess:
            alliance, membership, unit = await units.remove_unit(
                session,
                principal,
                int_id(alliance_id, ALLIANCE, "allianceId"),
                int_id(unit_id, UNIT, "unitId"),
                left_on=left_on,
            )
            return AllianceUnitSuccess(
                alliance=AllianceType.from_model(alliance),
                membership=AllianceUnitType.from_models(membership, unit),
            )

        return await run_step(info, step)

    @strawberry.mutation(description="任命兼职委员（须为成员单位的在册党员）")
    async def appoint_part_time_member(
        self,
        info: Info[Context, None],
        alliance_id: relay.GlobalID,
        member_id: relay.GlobalID,
        post: str | None = DEFAULT_POST,
        from_on: date | None = None,
    ) -> PartTimeMemberResult:
        async def step(session: AsyncSession, principal: Principal) -> PartTimeMemberSuccess:
            alliance, appointment, member = await committee.appoint_part_time_member(
                session,
                principal,
                int_id(alliance_id, ALLIANCE, "allianceId"),
                int_id(member_id, MEMBER, "memberId"),
                post=post,
                from_on=from_on,
            )
            return PartTimeMemberSuccess(
                alliance=AllianceType.from_model(alliance),
                part_time_member=PartTimeMemberType.from_models(appointment, member),
            )

        return await run_step(info, step)

    @strawberry.mutation(description="免去兼职委员职务（保留记录）")
    async def end_part_time_member(
        self,
        info: Info[Context, None],
        alliance_id: relay.GlobalID,
        member_id: relay.GlobalID,
        to_on: date | None = None,
    ) -> PartTimeMemberResult:
        async def step(session: AsyncSession, principal: Principal) -> PartTimeMemberSuccess:
            alliance, appointment, member = await committee.end_part_time_member(
                session,
                principal,
                int_id(alliance_id, ALLIANCE, "allianceId"),
                int_id(member_id, MEMBER, "memberId"),
                to_on=to_on,
            )
            return PartTimeMemberSuccess(
                alliance=AllianceType.from_model(alliance),
                part_time_member=PartTimeMemberType.from_models(appointment, member),
            )

        return await run_step(info, step)

    @strawberry.mutation(description="记录一次联席会议及其议定事项")
    async def record_joint_meeting(
        self, info: Info[Context, None], alliance_id: relay.GlobalID, input: JointMeetingInput
    ) -> JointMeetingResult:
        async def step(session: AsyncSession, principal: Principal) -> JointMeetingSuccess:
            alliance, meeting = await committee.record_joint_meeting(
                session, principal, int_id(alliance_id, ALLIANCE, "allianceId"), input.draft()
            )
            return JointMeetingSuccess(
                alliance=AllianceType.from_model(alliance),
                joint_meeting=JointMeetingType.from_model(meeting),
            )

        return await run_step(info, step)
