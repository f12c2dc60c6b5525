"""What a unit evaluation is scored on, read for all the units of a community at once:
collective activities and project claims over the days the unit was registered there, its
agreement's commitments, and its members — how many are registered where they live, and
how many of those met their quotas (judged as the feedback forms judge them)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Date, and_, column, func, select, values
from sqlalchemy.ext.asyncio import AsyncSession

from services.activities.models import Activity, ActivityStatus
from services.assessment.figures import month_totals, quota_checks
from services.assessment.windows import Window, china_day, member_registered_during
from services.projects.models import ACTIVE_CLAIM_STATUSES, ClaimStatus, ProjectClaim
from services.registration.models import Agreement
from services.registry.models import Member, RegistryStatus
from tenants.rules.model import Rules


@dataclass(frozen=True)
class UnitFigures:
    collective_activities: int = 0
    claimed: int = 0
    completed: int = 0
    # Active members on the register; those of them registered where they live at some
    # time in the days covered; those of them meeting every quota of those days.
    members: int = 0
    registered: int = 0
    compliant: int = 0
    agreement: Agreement | None = None


def _table(windows: Sequence[Window]) -> Any:
    return values(
        column("registration_id", BigInteger),
        column("unit_id", BigInteger),
        column("first", Date),
        column("last", Date),
        name="windows",
    ).data([(w.registration_id, w.subject_id, w.covers_from, w.covers_to) for w in windows])


async def _counts(session: AsyncSession, w: Any) -> dict[int, tuple[int, int, int, int]]:
    """(collective activities, claims, claims completed, active members) per window."""
    activities = (
        select(func.count())
        .select_from(Activity)
        .where(
            Activity.organiser_unit_id == w.c.unit_id,
            Activity.collective.is_(True),
            Activity.status == ActivityStatus.FINISHED,
            china_day(Activity.starts_at).between(w.c.first, w.c.last),
        )
    )
    claimed = (
        select(func.count())
        .select_from(ProjectClaim)
        .where(
            ProjectClaim.unit_id == w.c.unit_id,
            ProjectClaim.status.in_(ACTIVE_CLAIM_STATUSES),
            china_day(ProjectClaim.claimed_at).between(w.c.first, w.c.last),
        )
    )
    completed = (
        select(func.count())
        .select_from(ProjectClaim)
        .where(
            ProjectClaim.unit_id == w.c.unit_id,
            ProjectClaim.status == ClaimStatus.COMPLETED,
            china_day(ProjectClaim.completed_at).between(w.c.first, w.c.last),
        )
    )
    members = (
        select(func.count())
        .select_from(Member)
        .where(Member.unit_id == w.c.unit_id, Member.status == RegistryStatus.ACTIVE)
    )
    query = select(
        w.c.registration_id,
        *(part.scalar_subquery() for part in (activities, claimed, completed, members)),
    ).select_from(w)
    return {
        row[0]: (int(row[1]), int(row[2]), int(row[3]), int(row[4]))
        for row in await session.execute(query)
    }


async def _registered(session: AsyncSession, w: Any) -> dict[int, list[int]]:
    """The active members of each window's unit registered during its days."""
    query = (
        select(w.c.registration_id, Member.id)
        .select_from(w)
        .join(Member, and_(Member.unit_id == w.c.unit_id, Member.status == RegistryStatus.ACTIVE))
        .where(member_registered_during(Member.id, w.c.first, w.c.last))
    )
    found: dict[int, list[int]] = {}
    for registration_id, member_id in await session.execute(query):
        found.setdefault(registration_id, []).append(member_id)
    return found


async def _agreements(session: AsyncSession, registration_ids: list[int]) -> dict[int, Agreement]:
    """The latest agreement of each registration (in force, or the last one ended)."""
    query = (
        select(Agreement)
        .where(Agreement.registration_id.in_(registration_ids))
        .order_by(Agreement.id)
    )
    return {a.registration_id: a for a in await session.scalars(query)}


async def unit_figures(
    session: AsyncSession, windows: Sequence[Window], rules: Rules, year: int
) -> dict[int, UnitFigures]:
    """Each window's figures, by registration id."""
    if not windows:
        return {}
    w = _table(windows)
    counts = await _counts(session, w)
    registered = await _registered(session, w)
    everyone = sorted({m for ids in registered.values() for m in ids})
    months = await month_totals(session, everyone, year) if everyone else {}
    agreements = await _agreements(session, [x.registration_id for x in windows])
    found = {}
    for window in windows:
        activities, claimed, completed, members = counts[window.registration_id]
        ids = registered.get(window.registration_id, [])
        compliant = sum(
            1
            for member_id in ids
            if all(
                check["met"]
                for check in quota_checks(
                    rules, year, months.get(member_id, {}), window.covers_from, window.covers_to
                )
            )
        )
        found[window.registration_id] = UnitFigures(
            collective_activities=activities,
            claimed=claimed,
            completed=completed,
            members=members,
            registered=len(ids),
            compliant=compliant,
            agreement=agreements.get(window.registration_id),
        )
    return found
