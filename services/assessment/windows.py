"""Who a community assesses for a year, and over which days: each registration with it
that was in force during the year (a member's confirmed slip, a unit's confirmed
registration), from the day it took effect (or 1 January) to the day it ended (or 31
December). A member who moved has one such window per community; read in one query per
community, never per member."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.common import year_bounds
from services.assessment.models import FeedbackForm, FormStatus
from services.registration.models import MemberRegistration, RegistrationStatus, UnitRegistration
from tenants.hierarchy.models import Node

CHINA_ZONE = "Asia/Shanghai"


def china_day(moment: Any) -> Any:
    """The day (in China) of a timestamp column, as SQL."""
    return cast(func.timezone(CHINA_ZONE, moment), Date)


@dataclass(frozen=True)
class Window:
    """A registration in force during (part of) the year: whose (a member or a unit), since
    when, and the days of the year it covers."""

    registration_id: int
    subject_id: int
    registered_on: date
    covers_from: date
    covers_to: date


def _windows(rows: Sequence[Any], year: int) -> list[Window]:
    first, last = year_bounds(year)
    found = []
    for registration_id, subject_id, started, ended in rows:
        found.append(
            Window(
                registration_id=registration_id,
                subject_id=subject_id,
                registered_on=started,
                covers_from=max(started, first),
                covers_to=max(min(ended or last, last), max(started, first)),
            )
        )
    return found


def _member_in_force(year: int) -> tuple[Any, Any, list[Any]]:
    first, last = year_bounds(year)
    started = china_day(
        func.coalesce(MemberRegistration.decided_at, MemberRegistration.submitted_at)
    )
    ended = china_day(MemberRegistration.ended_at)
    conditions = [
        # Confirmed at some time: a receipt was issued (a slip withdrawn unconfirmed has none).
        MemberRegistration.receipt_number.is_not(None),
        MemberRegistration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.ENDED)),
        started <= last,
        or_(MemberRegistration.ended_at.is_(None), ended >= first),
    ]
    return started, ended, conditions


async def member_windows(
    session: AsyncSession, community_id: int, year: int, member_ids: Sequence[int] | None = None
) -> list[Window]:
    """The members' registrations with the community in force during the year (all its
    members, or those named), oldest first."""
    started, ended, conditions = _member_in_force(year)
    query = select(MemberRegistration.id, MemberRegistration.member_id, started, ended).where(
        MemberRegistration.community_id == community_id, *conditions
    )
    if member_ids is not None:
        query = query.where(MemberRegistration.member_id.in_(list(member_ids)))
    rows = (await session.execute(query.order_by(MemberRegistration.id))).all()
    return _windows(rows, year)


def member_registered_during(member_id: Any, first: Any, last: Any) -> Any:
    """SQL: the member (a column) had a confirmed registration in force on some day of
    [first, last] (columns or values), in any community."""
    started = china_day(
        func.coalesce(MemberRegistration.decided_at, MemberRegistration.submitted_at)
    )
    return (
        select(MemberRegistration.id)
        .where(
            MemberRegistration.member_id == member_id,
            MemberRegistration.receipt_number.is_not(None),
            MemberRegistration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.ENDED)),
            started <= last,
            or_(
                MemberRegistration.ended_at.is_(None),
                china_day(MemberRegistration.ended_at) >= first,
            ),
        )
        .exists()
    )


async def unit_windows(session: AsyncSession, community_id: int, year: int) -> list[Window]:
    """The units' registrations with the community in force during the year."""
    first, last = year_bounds(year)
    started = china_day(func.coalesce(UnitRegistration.decided_at, UnitRegistration.submitted_at))
    ended = china_day(UnitRegistration.ended_at)
    query = (
        select(UnitRegistration.id, UnitRegistration.unit_id, started, ended)
        .where(
            UnitRegistration.node_id == community_id,
            or_(
                UnitRegistration.status == RegistrationStatus.CONFIRMED,
                and_(
                    UnitRegistration.status == RegistrationStatus.ENDED,
                    UnitRegistration.decided_at.is_not(None),
                ),
            ),
            started <= last,
            or_(UnitRegistration.ended_at.is_(None), ended >= first),
        )
        .order_by(UnitRegistration.id)
    )
    return _windows((await session.execute(query)).all(), year)


async def outstanding_by_community(session: AsyncSession, year: int) -> list[tuple[int, str, int]]:
    """For each community, how many of its members' registrations in force during the
    year have no form signed off yet (none made, or still a draft): (id, path, count)."""
    _, _, conditions = _member_in_force(year)
    signed = and_(
        FeedbackForm.tenant_id == MemberRegistration.tenant_id,
        FeedbackForm.registration_id == MemberRegistration.id,
        FeedbackForm.year == year,
        FeedbackForm.status != FormStatus.DRAFT,
    )
    query = (
        select(MemberRegistration.community_id, Node.path, func.count())
        .select_from(MemberRegistration)
        .join(
            Node,
            and_(
                Node.tenant_id == MemberRegistration.tenant_id,
                Node.id == MemberRegistration.community_id,
            ),
        )
        .outerjoin(FeedbackForm, signed)
        .where(*conditions, FeedbackForm.id.is_(None))
        .group_by(MemberRegistration.community_id, Node.path)
        .order_by(MemberRegistration.community_id)
    )
    return [(int(c), str(path), int(n)) for c, path, n in await session.execute(query)]
