"""The alliance's committee at work: part-time members (兼职委员) from its member units,
and its joint meetings (联席会议) with what they resolved."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal, PrincipalKind
from services.alliances import repository
from services.alliances.errors import (
    AlreadyPartTimeMember,
    InvalidJointMeeting,
    InvalidPartTimeMember,
    NotAnAllianceUnit,
    NotAPartTimeMember,
)
from services.alliances.models import (
    DEFAULT_POST,
    Alliance,
    JointMeeting,
    JointMeetingMember,
    JointMeetingUnit,
    PartTimeMember,
)
from services.alliances.service import LABELS, day, named, open_for_change, record_change
from services.alliances.units import get_unit
from services.registry import fields
from services.registry import repository as registry
from services.registry.errors import MemberNotFound
from services.registry.models import Member, RegistryStatus, Unit

TOPIC_MAX_LENGTH = 100
RESOLUTION_MAX_LENGTH = 500
RESOLUTIONS_MAX = 50
POST_MAX_LENGTH = 30

clean_member = fields.Cleaner(InvalidPartTimeMember, LABELS)
clean_meeting = fields.Cleaner(InvalidJointMeeting, LABELS)


@dataclass(frozen=True)
class JointMeetingDraft:
    """A joint meeting as typed in, checked by `record_joint_meeting`."""

    held_on: date
    topic: object = None
    place: object = None
    unit_ids: Sequence[int] = ()
    member_ids: Sequence[int] = ()
    resolutions: Sequence[object] = ()


async def get_member(session: AsyncSession, member_id: int, *, field: str = "memberId") -> Member:
    member = await registry.get_member(session, member_id)
    if member is None:
        raise MemberNotFound("未找到该党员", field=field)
    return member


def _post(value: object) -> str:
    return fields.optional_text(value, POST_MAX_LENGTH) or DEFAULT_POST


async def appoint_part_time_member(
    session: AsyncSession,
    principal: Principal,
    alliance_id: int,
    member_id: int,
    *,
    post: str | None = None,
    from_on: date | None = None,
) -> tuple[Alliance, PartTimeMember, Member]:
    """A member working in a current member unit becomes a part-time member."""
    alliance = await open_for_change(session, principal, alliance_id)
    member = await get_member(session, member_id)
    if member.status is not RegistryStatus.ACTIVE:
        raise InvalidPartTimeMember(f"党员“{member.name}”已退出党员名册", field="memberId")
    unit = await get_unit(session, member.unit_id, field="memberId")
    membership = await repository.current_membership(session, alliance.id, unit.id)
    if membership is None:
        raise NotAnAllianceUnit(
            f"党员“{member.name}”所在单位“{unit.name}”不是该联盟的成员单位", field="memberId"
        )
    if await repository.current_appointment(session, alliance.id, member.id) is not None:
        raise AlreadyPartTimeMember(
            f"党员“{member.name}”已是“{alliance.name}”的兼职委员", field="memberId"
        )
    appointment = PartTimeMember(
        tenant_id=alliance.tenant_id,
        alliance_id=alliance.id,
        member_id=member.id,
        unit_id=unit.id,
        post=clean_member("post", _post, post),
        from_on=day(
            from_on,
            "fromOn",
            InvalidPartTimeMember,
            not_before=membership.joined_on,
            since=f"“{unit.name}”加入联盟的日期",
        ),
    )
    session.add(appointment)
    await session.flush()
    payload = {
        **named(alliance),
        "member_id": member.id,
        "member_name": member.name,
        "unit_id": unit.id,
        "unit_name": unit.name,
        "post": appointment.post,
        "from_on": appointment.from_on.isoformat(),
    }
    await record_change(session, principal, alliance, "part_time_member_appointed", payload)
    return alliance, appointment, member


async def end_part_time_member(
    session: AsyncSession,
    principal: Principal,
    alliance_id: int,
    member_id: int,
    *,
    to_on: date | None = None,
) -> tuple[Alliance, PartTimeMember, Member]:
    """A part-time member's appointment ends (kept as history)."""
    alliance = await open_for_change(session, principal, alliance_id)
    member = await get_member(session, member_id)
    appointment = await repository.current_appointment(session, alliance.id, member.id)
    if appointment is None:
        raise NotAPartTimeMember(
            f"党员“{member.name}”不是“{alliance.name}”的现任兼职委员", field="memberId"
        )
    appointment.to_on = day(
        to_on, "toOn", InvalidPartTimeMember, not_before=appointment.from_on, since="任职日期"
    )
    await session.flush()
    payload = {
        **named(alliance),
        "member_id": member.id,
        "member_name": member.name,
        "post": appointment.post,
        "to_on": appointment.to_on.isoformat(),
    }
    await record_change(session, principal, alliance, "part_time_member_ended", payload)
    return alliance, appointment, member


def _topic(value: object) -> str:
    return fields.required_text(value, TOPIC_MAX_LENGTH)


def _resolutions(values: Sequence[object]) -> list[str]:
    """What the meeting resolved, one item each; blank lines are dropped."""
    kept = [fields.text(value) for value in values if fields.text(value)]
    if len(kept) > RESOLUTIONS_MAX:
        raise fields.FieldProblem(f"不能超过 {RESOLUTIONS_MAX} 项")
    for number, resolution in enumerate(kept, start=1):
        if len(resolution) > RESOLUTION_MAX_LENGTH:
            raise fields.FieldProblem(f"第 {number} 项不能超过 {RESOLUTION_MAX_LENGTH} 个字")
    return kept


async def _attending_units(
    session: AsyncSession, alliance: Alliance, unit_ids: Sequence[int], held_on: date
) -> list[int]:
    """The attending units: each a member unit on the day of the meeting."""
    wanted = list(dict.fromkeys(unit_ids))
    if not wanted:
        raise InvalidJointMeeting("「参会成员单位」至少要有一个", field="attendeeUnitIds")
    members = await repository.units_member_on(session, alliance.id, wanted, held_on)
    for unit_id in wanted:
        if unit_id not in members:
            unit = await get_unit(session, unit_id, field="attendeeUnitIds")
            raise NotAnAllianceUnit(
                f"“{unit.name}”在会议当日（{held_on}）不是“{alliance.name}”的成员单位",
                field="attendeeUnitIds",
            )
    return wanted


async def _attending_members(
    session: AsyncSession, alliance: Alliance, member_ids: Sequence[int], held_on: date
) -> list[PartTimeMember]:
    """The appointments the attending part-time members held on the day of the meeting."""
    wanted = list(dict.fromkeys(member_ids))
    held = await repository.appointments_on(session, alliance.id, wanted, held_on)
    for member_id in wanted:
        if member_id not in held:
            member = await get_member(session, member_id, field="attendeeMemberIds")
            raise NotAPartTimeMember(
                f"党员“{member.name}”在会议当日（{held_on}）不是“{alliance.name}”的兼职委员",
                field="attendeeMemberIds",
            )
    return [held[member_id] for member_id in wanted]


async def record_joint_meeting(
    session: AsyncSession, principal: Principal, alliance_id: int, draft: JointMeetingDraft
) -> tuple[Alliance, JointMeeting]:
    """Record a joint meeting held (today or before) and what it resolved."""
    alliance = await open_for_change(
        session, principal, alliance_id, resource="joint_meeting", action="record"
    )
    topic = clean_meeting("topic", _topic, draft.topic)
    place = clean_meeting("place", fields.optional_text, draft.place)
    held_on = day(
        draft.held_on,
        "heldOn",
        InvalidJointMeeting,
        not_before=alliance.established_on,
        since="联盟成立日期",
    )
    resolutions = clean_meeting("resolutions", _resolutions, draft.resolutions)
    unit_ids = await _attending_units(session, alliance, draft.unit_ids, held_on)
    appointments = await _attending_members(session, alliance, draft.member_ids, held_on)
    meeting = JointMeeting(
        tenant_id=alliance.tenant_id,
        alliance_id=alliance.id,
        held_on=held_on,
        topic=topic,
        place=place,
        resolutions=resolutions,
        recorded_by=principal.id if principal.kind is PrincipalKind.USER else None,
        recorded_by_name=principal.name,
    )
    session.add(meeting)
    await session.flush()
    session.add_all(
        JointMeetingUnit(tenant_id=meeting.tenant_id, joint_meeting_id=meeting.id, unit_id=unit_id)
        for unit_id in unit_ids
    )
    session.add_all(
        JointMeetingMember(
            tenant_id=meeting.tenant_id,
            joint_meeting_id=meeting.id,
            part_time_member_id=appointment.id,
        )
        for appointment in appointments
    )
    await session.flush()
    payload = {
        **named(alliance),
        "joint_meeting_id": meeting.id,
        "held_on": held_on.isoformat(),
        "topic": topic,
        "unit_ids": unit_ids,
        "member_ids": [appointment.member_id for appointment in appointments],
        "resolutions": len(resolutions),
    }
    await record_change(
        session,
        principal,
        alliance,
        "joint_meeting_recorded",
        payload,
        object_type="joint_meeting",
        object_id=meeting.id,
    )
    return alliance, meeting


def _meeting_scope(principal: Principal) -> ColumnElement[bool]:
    """Alliances whose joint meetings the principal may read: where its grants let it,
    and those its unit is a current member of."""
    own = repository.alliances_of_unit(principal.unit_id)
    return access.scope_or_own(principal, "joint_meeting", "read", Alliance.scope_path, own)


async def meetings_of(
    session: AsyncSession, principal: Principal, alliance_id: int, page: Page
) -> PageOf[JointMeeting]:
    """One alliance's joint meetings the principal may read, the newest first."""
    return await repository.meetings_page(session, _meeting_scope(principal), alliance_id, page)


async def first_meetings_of(
    session: AsyncSession, principal: Principal, alliance_ids: list[int], first: int
) -> dict[int, PageOf[JointMeeting]]:
    """The first page of joint meetings of each of these alliances, in one query."""
    found = await repository.first_meetings(session, _meeting_scope(principal), alliance_ids, first)
    return {
        alliance_id: PageOf(
            rows=found.get(alliance_id, [])[:first],
            has_next=len(found.get(alliance_id, [])) > first,
        )
        for alliance_id in alliance_ids
    }


async def part_time_members_of(
    session: AsyncSession, alliance_ids: list[int], *, include_past: bool
) -> list[tuple[PartTimeMember, Member]]:
    """The part-time members of alliances already read (current ones, or all ever)."""
    return await repository.part_time_members_of(session, alliance_ids, include_past=include_past)


async def attending_units(session: AsyncSession, meeting_ids: list[int]) -> list[tuple[int, Unit]]:
    """The units at each of these joint meetings, as (meeting id, unit)."""
    return await repository.meeting_units(session, meeting_ids)


async def attending_members(
    session: AsyncSession, meeting_ids: list[int]
) -> list[tuple[int, PartTimeMember, Member]]:
    """The part-time members at each of these joint meetings, in the appointment they
    then held."""
    return await repository.meeting_members(session, meeting_ids)


def may_see_member(principal: Principal, member: Member) -> bool:
    """Whether the principal may open the member's register entry (masked numbers
    included); alliance views otherwise show a part-time member by name only."""
    return access.may(principal, member.scope_path, "member", "read")
