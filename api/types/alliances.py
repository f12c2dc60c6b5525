"""党建联盟 / 大党委 as clients see them: member units, part-time members, joint meetings.

Part-time members are shown by name; their register entry (with its masked numbers) only
to a caller who may read it in the member register.
"""

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registry import MemberType, UnitType
from services.alliances import committee
from services.alliances.models import (
    Alliance,
    AllianceKind,
    AllianceStatus,
    AllianceUnit,
    JointMeeting,
    PartTimeMember,
)
from services.registry.models import Member, Unit

AllianceKindType = strawberry.enum(
    AllianceKind,
    name="AllianceKind",
    description="联盟类型：党建联盟（大工委，建在乡镇、街道）、大党委（建在社区）",
)
AllianceStatusType = strawberry.enum(
    AllianceStatus, name="AllianceStatus", description="联盟状态：运行中、已撤销"
)


@strawberry.type(name="AllianceUnit", description="联盟成员单位：何时加入，何时退出（在盟时为空）")
class AllianceUnitType:
    unit: UnitType = strawberry.field(description="单位党组织")
    role: str | None = strawberry.field(description="在联盟中的职责，如牵头单位")
    joined_on: date = strawberry.field(description="加入日期")
    left_on: date | None = strawberry.field(description="退出日期")

    @classmethod
    def from_models(cls, membership: AllianceUnit, unit: Unit) -> "AllianceUnitType":
        return cls(
            unit=UnitType.from_model(unit),
            role=membership.role,
            joined_on=membership.joined_on,
            left_on=membership.left_on,
        )


@strawberry.type(name="PartTimeMember", description="兼职委员：由成员单位的在职党员担任")
class PartTimeMemberType:
    name: str = strawberry.field(description="姓名")
    post: str = strawberry.field(description="职务")
    from_on: date = strawberry.field(description="任职日期")
    to_on: date | None = strawberry.field(description="免职日期（在任时为空）")
    unit_id: strawberry.Private[int]
    model: strawberry.Private[Member]

    @classmethod
    def from_models(cls, appointment: PartTimeMember, member: Member) -> "PartTimeMemberType":
        return cls(
            name=member.name,
            post=appointment.post,
            from_on=appointment.from_on,
            to_on=appointment.to_on,
            unit_id=appointment.unit_id,
            model=member,
        )

    @strawberry.field(description="任职时所在的成员单位")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        unit = await info.context.loaders.unit.load(self.unit_id)
        return None if unit is None else UnitType.from_model(unit)

    @strawberry.field(description="党员名册中的该党员（仅当您有权在名册中查看时，否则为空）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        principal = await info.context.principal()
        if not committee.may_see_member(principal, self.model):
            return None
        return MemberType.from_model(self.model)


@strawberry.type(name="JointMeeting", description="联席会议及其议定事项")
class JointMeetingType(relay.Node):
    id: relay.NodeID[int]
    held_on: date = strawberry.field(description="会议日期")
    topic: str = strawberry.field(description="会议议题")
    place: str | None = strawberry.field(description="会议地点")
    resolutions: list[str] = strawberry.field(description="议定事项")
    recorded_by: str = strawberry.field(description="记录人")
    created_at: datetime = strawberry.field(description="记录时间")

    @classmethod
    def from_model(cls, meeting: JointMeeting) -> "JointMeetingType":
        return cls(
            id=meeting.id,
            held_on=meeting.held_on,
            topic=meeting.topic,
            place=meeting.place,
            resolutions=list(meeting.resolutions),
            recorded_by=meeting.recorded_by_name,
            created_at=meeting.created_at,
        )

    @strawberry.field(description="参会成员单位")
    async def attendee_units(self, info: Info[Context, None]) -> list[UnitType]:
        attending = await info.context.loaders.alliance.meeting_units.load(self.id)
        return [UnitType.from_model(unit) for unit in attending]

    @strawberry.field(description="参会兼职委员（会议当日的任职）")
    async def attendee_members(self, info: Info[Context, None]) -> list[PartTimeMemberType]:
        rows = await info.context.loaders.alliance.meeting_members.load(self.id)
        return [PartTimeMemberType.from_models(appointment, m) for appointment, m in rows]


@strawberry.type(
    name="Alliance",
    description="党建联盟（大工委，乡镇、街道一级）或大党委（社区一级）：成员单位、兼职委员、联席会议",
)
class AllianceType(relay.Node):
    id: relay.NodeID[int]
    kind: AllianceKindType = strawberry.field(description="联盟类型")  # type: ignore[valid-type]
    name: str = strawberry.field(description="联盟名称")
    established_on: date = strawberry.field(description="成立日期")
    description: str | None = strawberry.field(description="简介或章程")
    status: AllianceStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    dissolved_on: date | None = strawberry.field(description="撤销日期")
    dissolved_reason: str | None = strawberry.field(description="撤销原因")
    updated_at: datetime = strawberry.field(description="最近修改时间")
    node_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, alliance: Alliance) -> "AllianceType":
        return cls(
            id=alliance.id,
            kind=alliance.kind,
            name=alliance.name,
            established_on=alliance.established_on,
            description=alliance.description,
            status=alliance.status,
            dissolved_on=alliance.dissolved_on,
            dissolved_reason=alliance.dissolved_reason,
            updated_at=alliance.updated_at,
            node_id=alliance.node_id,
        )

    @strawberry.field(description="所在乡镇（街道）或社区")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.node_id)

    @strawberry.field(description="成员单位，按加入先后；includePast 为 true 时含已退出的")
    async def units(
        self, info: Info[Context, None], include_past: bool = False
    ) -> list[AllianceUnitType]:
        rows = await info.context.loaders.alliance.units.load((self.id, include_past))
        return [AllianceUnitType.from_models(membership, unit) for membership, unit in rows]

    @strawberry.field(description="兼职委员，按任职先后；includePast 为 true 时含已免职的")
    async def part_time_members(
        self, info: Info[Context, None], include_past: bool = False
    ) -> list[PartTimeMemberType]:
        rows = await info.context.loaders.alliance.part_time_members.load((self.id, include_past))
        return [PartTimeMemberType.from_models(appointment, m) for appointment, m in rows]

    @strawberry.field(description="联席会议，最近的在前（仅含您有权查看的）")
    async def joint_meetings(
        self, info: Info[Context, None], first: int = 20, after: str | None = None
    ) -> relay.Connection[JointMeetingType]:
        wanted = page(first, after)
        if wanted.after is None:
            result = await info.context.loaders.alliance.first_meetings.load((self.id, first))
        else:
            principal = await info.context.principal()
            session = await info.context.uow.session()
            result = await committee.meetings_of(session, principal, self.id, wanted)
        return connection(result, JointMeetingType.from_model, lambda m: (m.held_on, m.id))
