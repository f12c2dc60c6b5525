"""Every query on alliances, their member units, part-time members and joint meetings."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from infra.db import bound_tenant
from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.alliances.models import (
    Alliance,
    AllianceKind,
    AllianceStatus,
    AllianceUnit,
    JointMeeting,
    JointMeetingMember,
    JointMeetingUnit,
    PartTimeMember,
)
from services.registry.models import Member, Unit


@dataclass(frozen=True)
class AllianceFilter:
    status: AllianceStatus | None = AllianceStatus.ACTIVE
    kind: AllianceKind | None = None
    # Only alliances formed in this subtree (a node's path).
    within: str | None = None


async def get_alliance(
    session: AsyncSession, alliance_id: int, *, for_update: bool = False
) -> Alliance | None:
    """An alliance; `for_update` locks it, so changes to one alliance happen one at a time
    and each sees the memberships the one before it left."""
    return await session.get(
        Alliance, (bound_tenant(session), alliance_id), with_for_update=for_update
    )


def alliances_of_unit(unit_id: int | None) -> ColumnElement[bool]:
    """Alliances the unit is currently a member of (what its org admin reads as its own)."""
    if unit_id is None:
        return false()
    current = select(AllianceUnit.alliance_id).where(
        AllianceUnit.unit_id == unit_id, AllianceUnit.left_on.is_(None)
    )
    return Alliance.id.in_(current)


async def is_current_unit(session: AsyncSession, alliance_id: int, unit_id: int | None) -> bool:
    if unit_id is None:
        return False
    return await current_membership(session, alliance_id, unit_id) is not None


async def alliances_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: AllianceFilter
) -> PageOf[Alliance]:
    query = select(Alliance).where(scope, *in_subtree(Alliance.scope_path, where.within))
    if where.status is not None:
        query = query.where(Alliance.status == where.status)
    if where.kind is not None:
        query = query.where(Alliance.kind == where.kind)
    return await fetch_page(session, query, [Alliance.scope_path, Alliance.id], page)


async def current_membership(
    session: AsyncSession, alliance_id: int, unit_id: int
) -> AllianceUnit | None:
    query = select(AllianceUnit).where(
        AllianceUnit.alliance_id == alliance_id,
        AllianceUnit.unit_id == unit_id,
        AllianceUnit.left_on.is_(None),
    )
    return (await session.execute(query)).scalar_one_or_none()


async def units_member_on(
    session: AsyncSession, alliance_id: int, unit_ids: Collection[int], day: date
) -> set[int]:
    """Which of these units were members of the alliance on `day`."""
    query = select(AllianceUnit.unit_id).where(
        AllianceUnit.alliance_id == alliance_id,
        AllianceUnit.unit_id.in_(list(unit_ids)),
        AllianceUnit.joined_on <= day,
        or_(AllianceUnit.left_on.is_(None), AllianceUnit.left_on >= day),
    )
    return set(await session.scalars(query))


async def current_appointment(
    session: AsyncSession, alliance_id: int, member_id: int
) -> PartTimeMember | None:
    query = select(PartTimeMember).where(
        PartTimeMember.alliance_id == alliance_id,
        PartTimeMember.member_id == member_id,
        PartTimeMember.to_on.is_(None),
    )
    return (await session.execute(query)).scalar_one_or_none()


async def current_appointments_from_unit(
    session: AsyncSession, alliance_id: int, unit_id: int
) -> int:
    query = select(func.count()).where(
        PartTimeMember.alliance_id == alliance_id,
        PartTimeMember.unit_id == unit_id,
        PartTimeMember.to_on.is_(None),
    )
    return int(await session.scalar(query) or 0)


async def appointments_on(
    session: AsyncSession, alliance_id: int, member_ids: Collection[int], day: date
) -> dict[int, PartTimeMember]:
    """The appointment each of these members held in the alliance on `day`, if any."""
    query = select(PartTimeMember).where(
        PartTimeMember.alliance_id == alliance_id,
        PartTimeMember.member_id.in_(list(member_ids)),
        PartTimeMember.from_on <= day,
        or_(PartTimeMember.to_on.is_(None), PartTimeMember.to_on >= day),
    )
    return {row.member_id: row for row in await session.scalars(query)}


async def latest_current_start(session: AsyncSession, alliance_id: int) -> date | None:
    """The latest day a current member unit joined or a current part-time member was
    appointed: an alliance cannot be dissolved before it."""
    joined = select(func.max(AllianceUnit.joined_on)).where(
        AllianceUnit.alliance_id == alliance_id, AllianceUnit.left_on.is_(None)
    )
    appointed = select(func.max(PartTimeMember.from_on)).where(
        PartTimeMember.alliance_id == alliance_id, PartTimeMember.to_on.is_(None)
    )
    latest = await session.scalar(
        select(func.greatest(joined.scalar_subquery(), appointed.scalar_subquery()))
    )
    return latest if isinstance(latest, date) else None


async def end_everything(session: AsyncSession, alliance_id: int, day: date) -> tuple[int, int]:
    """End every current membership and appointment of the alliance on `day`; how many of
    each were ended."""
    units = await session.execute(
        update(AllianceUnit)
        .where(AllianceUnit.alliance_id == alliance_id, AllianceUnit.left_on.is_(None))
        .values(left_on=day)
        .execution_options(synchronize_session=False)
    )
    members = await session.execute(
        update(PartTimeMember)
        .where(PartTimeMember.alliance_id == alliance_id, PartTimeMember.to_on.is_(None))
        .values(to_on=day)
        .execution_options(synchronize_session=False)
    )
    return int(units.rowcount), int(members.rowcount)  # type: ignore[attr-defined]


async def units_of(
    session: AsyncSession, alliance_ids: Collection[int], *, include_past: bool
) -> list[tuple[AllianceUnit, Unit]]:
    """The memberships of these alliances with their units, in the order they joined."""
    query = (
        select(AllianceUnit, Unit)
        .join(Unit, (Unit.tenant_id == AllianceUnit.tenant_id) & (Unit.id == AllianceUnit.unit_id))
        .where(AllianceUnit.alliance_id.in_(list(alliance_ids)))
        .order_by(AllianceUnit.joined_on, AllianceUnit.id)
    )
    if not include_past:
        query = query.where(AllianceUnit.left_on.is_(None))
    return [(row[0], row[1]) for row in await session.execute(query)]


async def part_time_members_of(
    session: AsyncSession, alliance_ids: Collection[int], *, include_past: bool
) -> list[tuple[PartTimeMember, Member]]:
    """The appointments of these alliances with their members, in the order appointed."""
    query = (
        select(PartTimeMember, Member)
        .join(
            Member,
            (Member.tenant_id == PartTimeMember.tenant_id)
            & (Member.id == PartTimeMember.member_id),
        )
        .where(PartTimeMember.alliance_id.in_(list(alliance_ids)))
        .order_by(PartTimeMember.from_on, PartTimeMember.id)
    )
    if not include_past:
        query = query.where(PartTimeMember.to_on.is_(None))
    return [(row[0], row[1]) for row in await session.execute(query)]


def _meeting_visible(scope: ColumnElement[bool]) -> Any:
    """Meetings of alliances within `scope` (a predicate on `Alliance`)."""
    return JointMeeting.alliance_id.in_(select(Alliance.id).where(scope))


async def meetings_page(
    session: AsyncSession, scope: ColumnElement[bool], alliance_id: int, page: Page
) -> PageOf[JointMeeting]:
    """One alliance's joint meetings, the newest first."""
    query = select(JointMeeting).where(
        JointMeeting.alliance_id == alliance_id, _meeting_visible(scope)
    )
    order = [JointMeeting.held_on, JointMeeting.id]
    return await fetch_page(session, query, order, page, descending=True)


async def first_meetings(
    session: AsyncSession, scope: ColumnElement[bool], alliance_ids: Collection[int], first: int
) -> dict[int, list[JointMeeting]]:
    """The newest `first` + 1 joint meetings of each of these alliances, in one query
    (the extra one tells whether there are more)."""
    rank = (
        func.row_number()
        .over(
            partition_by=JointMeeting.alliance_id,
            order_by=(JointMeeting.held_on.desc(), JointMeeting.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(JointMeeting, rank)
        .where(JointMeeting.alliance_id.in_(list(alliance_ids)), _meeting_visible(scope))
        .subquery()
    )
    meeting = aliased(JointMeeting, ranked)
    query = (
        select(meeting)
        .where(ranked.c.rank <= first + 1)
        .order_by(ranked.c.alliance_id, ranked.c.rank)
    )
    found: dict[int, list[JointMeeting]] = {}
    for row in await session.scalars(query):
        found.setdefault(row.alliance_id, []).append(row)
    return found


async def meeting_units(
    session: AsyncSession, meeting_ids: Collection[int]
) -> list[tuple[int, Unit]]:
    query = (
        select(JointMeetingUnit.joint_meeting_id, Unit)
        .join(
            Unit,
            (Unit.tenant_id == JointMeetingUnit.tenant_id) & (Unit.id == JointMeetingUnit.unit_id),
        )
        .where(JointMeetingUnit.joint_meeting_id.in_(list(meeting_ids)))
        .order_by(Unit.name, Unit.id)
    )
    return [(row[0], row[1]) for row in await session.execute(query)]


async def meeting_members(
    session: AsyncSession, meeting_ids: Collection[int]
) -> list[tuple[int, PartTimeMember, Member]]:
    query = (
        select(JointMeetingMember.joint_meeting_id, PartTimeMember, Member)
        .join(
            PartTimeMember,
            (PartTimeMember.tenant_id == JointMeetingMember.tenant_id)
            & (PartTimeMember.id == JointMeetingMember.part_time_member_id),
        )
        .join(
            Member,
            (Member.tenant_id == PartTimeMember.tenant_id)
            & (Member.id == PartTimeMember.member_id),
        )
        .where(JointMeetingMember.joint_meeting_id.in_(list(meeting_ids)))
        .order_by(PartTimeMember.from_on, PartTimeMember.id)
    )
    return [(row[0], row[1], row[2]) for row in await session.execute(query)]
