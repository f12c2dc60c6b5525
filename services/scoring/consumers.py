"""Scoring as records change: the incremental half of the totals (the other half, the full
recompute, is services/scoring/recompute.py; a property test keeps them equal).

- `service_record.confirmed` adds the record to its member's and its member's unit's
  totals, for all time and for the month of its day (a longer period sums its months);
- `service_record.corrected` of a confirmed record takes back what the record counted
  before and adds what it counts after (the event carries both; the day may move);
- `service_record.created` and `.declined` change nothing: only a pending record can be
  declined (services/records/decisions.py), and pending records count for nothing;
- `activity.finished` of a collective activity counts it for its unit, by the day it
  started.

Every change is an addition to the member's row (and the unit's) under its row lock (made
by INSERT … ON CONFLICT when missing), so events of one member consumed at once, or in any
order, sum to the same totals. Points of a record are the
county's points per hour × hours + the points of its kind of contribution, under the
rules in force on its day. A unit is credited through `members.unit_id` as it is when the
event is consumed: the nightly recompute re-attributes a member's past service when the
member changes unit.

When a member's all-time hours reach a higher star (by the county's current thresholds),
`member.star_reached` is written in the same transaction.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, today
from infra.consumers import EventMessage, consumer
from services.events.service import record_event
from services.records.models import RecordSource, RecordStatus
from services.scoring import repository
from services.scoring.months import Delta, Months
from services.scoring.periods import month_of
from tenants.rules.hours import star_level
from tenants.rules.model import ContributionKind, Rules
from tenants.rules.service import rules_on

SCORING = "scoring"
STAR_REACHED = "member.star_reached"
CONTRIBUTION_KINDS = {
    RecordSource.ACTIVITY: ContributionKind.ACTIVITY,
    RecordSource.PROJECT_CLAIM: ContributionKind.PROJECT_CLAIM,
    RecordSource.WISH: ContributionKind.WISH,
    RecordSource.WHISTLE_CALL: ContributionKind.WHISTLE_CALL,
    # A service the organiser entered by hand is an activity of a kind.
    RecordSource.ENTERED: ContributionKind.ACTIVITY,
}


def points(rules: Rules, source: RecordSource, hours: Decimal) -> Decimal:
    """The points of one confirmed record under the rules of its day."""
    per_kind = rules.points.per_contribution[CONTRIBUTION_KINDS[source]]
    return rules.points.per_hour * hours + per_kind


def _day_of(started_at: str) -> date:
    return datetime.fromisoformat(started_at).astimezone(CHINA).date()


def _spread(deltas: Months, day: date, delta: Delta) -> None:
    month = month_of(day)
    deltas[month] = deltas.get(month, Delta()) + delta


async def _counted(session: AsyncSession, source: RecordSource, day: date, hours: Decimal) -> Delta:
    rules = await rules_on(session, day)
    return Delta(hours=hours, times=1, points=points(rules, source, hours))


async def record_deltas(session: AsyncSession, event: EventMessage) -> Months:
    """What a record's event adds to each month of its member's totals."""
    payload = event.payload
    deltas: Months = {}
    step = event.type.removeprefix("service_record.")
    if step not in ("confirmed", "corrected") or payload["status"] != RecordStatus.CONFIRMED:
        return deltas
    source = RecordSource(payload["source"])
    after_day = date.fromisoformat(payload["service_on"])
    _spread(
        deltas, after_day, await _counted(session, source, after_day, Decimal(payload["hours"]))
    )
    if step == "corrected":
        before = payload["before"]
        before_day = _day_of(before["started_at"])
        taken = await _counted(session, source, before_day, Decimal(before["hours"]))
        _spread(deltas, before_day, -taken)
    return deltas


async def add_to_member(session: AsyncSession, member_id: int, deltas: Months) -> None:
    """Add `deltas` to the member's totals and their unit's; move the star level."""
    place = await repository.member_place(session, member_id)
    if place is None:
        raise LookupError(f"member {member_id} is not in this county")
    unit_id, path = place
    row = await repository.add_to_member(session, member_id, deltas)
    await repository.add_to_unit(session, unit_id, deltas)
    if row is None:
        return
    level = star_level(row.hours, await rules_on(session, today()))
    if level == row.star_level:
        return
    held, row.star_level = row.star_level, level
    await session.flush()
    if level > held:
        await record_event(
            session,
            type=STAR_REACHED,
            payload={"member_id": member_id, "star_level": level, "hours": str(row.hours)},
            scope_path=path,
        )


async def _collective(session: AsyncSession, payload: dict[str, Any]) -> None:
    unit_id = payload.get("organiser_unit_id")
    if not payload.get("collective") or unit_id is None:
        return
    started = await repository.activity_start(session, int(payload["activity_id"]))
    if started is None:
        return
    deltas: Months = {}
    _spread(deltas, started.astimezone(CHINA).date(), Delta(collective_activities=1))
    await repository.add_to_unit(session, int(unit_id), deltas)


@consumer(SCORING, types=("service_record.", "activity.finished"))
async def score(session: AsyncSession, event: EventMessage) -> None:
    # Shared with other consumers, exclusive of a recompute: what the last recompute read
    # is then settled, and an event it read is not added twice.
    await repository.hold_scores(session, exclusive=False)
    if await repository.counted_by_recompute(session, event.id):
        return
    if event.type == "activity.finished":
        await _collective(session, event.payload)
        return
    deltas = await record_deltas(session, event)
    if deltas:
        await add_to_member(session, int(event.payload["member_id"]), deltas)
