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

A batch of events is summed per member and per unit first, then added to each row under
its row lock (made by INSERT … ON CONFLICT when missing), members in id order and then
units, so events consumed at once, in any order or batching, sum to the same totals.
Points of a record are the county's points per hour × hours + the points of its kind of
contribution, under the rules in force on its day. A unit is credited through
`members.unit_id` as it is when the event is consumed: the nightly recompute
re-attributes a member's past service when the member changes unit.

When a member's all-time hours reach a higher star (by the county's current thresholds),
`member.star_reached` is written in the same transaction, once for each level reached.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, today
from infra.consumers import EventMessage, consumer
from services.events.service import record_event
from services.records.models import RecordSource, RecordStatus
from services.scoring import nodes, repository
from services.scoring.months import Delta, Months
from services.scoring.months import read as read_months
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
    RecordSource.VISIT: ContributionKind.VISIT,
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


class _Batch:
    """What a batch of events adds: to members and to units, by month; and the rules of
    each day it reads, read once."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.members: dict[int, Months] = {}
        self.units: dict[int, Months] = {}
        self._rules: dict[date, Rules] = {}

    async def rules(self, day: date) -> Rules:
        if day not in self._rules:
            self._rules[day] = await rules_on(self.session, day)
        return self._rules[day]

    async def counted(self, source: RecordSource, day: date, hours: Decimal) -> Delta:
        return Delta(hours=hours, times=1, points=points(await self.rules(day), source, hours))


def _add(totals: dict[int, Months], subject_id: int, deltas: Months) -> None:
    held = totals.setdefault(subject_id, {})
    for month, delta in deltas.items():
        held[month] = held.get(month, Delta()) + delta


async def record_deltas(batch: _Batch, event: EventMessage) -> Months:
    """What a record's event adds to each month of its member's totals."""
    payload = event.payload
    deltas: Months = {}
    step = event.type.removeprefix("service_record.")
    if step not in ("confirmed", "corrected") or payload["status"] != RecordStatus.CONFIRMED:
        return deltas
    source = RecordSource(payload["source"])
    after_day = date.fromisoformat(payload["service_on"])
    _spread(deltas, after_day, await batch.counted(source, after_day, Decimal(payload["hours"])))
    if step == "corrected":
        before = payload["before"]
        before_day = _day_of(before["started_at"])
        taken = await batch.counted(source, before_day, Decimal(before["hours"]))
        _spread(deltas, before_day, -taken)
    return deltas


async def _collective(batch: _Batch, payload: dict[str, Any]) -> None:
    unit_id = payload.get("organiser_unit_id")
    if not payload.get("collective") or unit_id is None:
        return
    started = await repository.activity_start(batch.session, int(payload["activity_id"]))
    if started is None:
        return
    deltas: Months = {}
    _spread(deltas, started.astimezone(CHINA).date(), Delta(collective_activities=1))
    _add(batch.units, int(unit_id), deltas)


async def apply(batch: _Batch) -> None:
    """Add the batch to its members' totals, then their units', then their nodes', each
    in id order (so two batches of a county lock rows in one order), and move the
    members' star levels: `member.star_reached` for each level a member rises to."""
    session = batch.session
    current = await batch.rules(today())
    quotas = nodes.quotas_of(current)
    at_nodes: dict[tuple[int, str], nodes.NodeDelta] = {}
    for member_id in sorted(batch.members):
        place = await repository.member_place(session, member_id)
        if place is None:
            raise LookupError(f"member {member_id} is not in this county")
        deltas = batch.members[member_id]
        _add(batch.units, place.unit_id, deltas)
        before, held, row = await repository.add_to_member(session, member_id, deltas)
        level = 0 if row is None else star_level(row.hours, current)
        after = {} if row is None else read_months(row)
        nodes.gather(
            at_nodes, place.node_id, nodes.member_change(before, after, (held, level), quotas)
        )
        if row is None or level == row.star_level:
            continue
        row.star_level = level
        await session.flush()
        for reached in range(held + 1, level + 1):
            await record_event(
                session,
                type=STAR_REACHED,
                payload={"member_id": member_id, "star_level": reached, "hours": str(row.hours)},
                scope_path=place.path,
            )
    for unit_id in sorted(batch.units):
        await repository.add_to_unit(session, unit_id, batch.units[unit_id])
    await nodes.add(session, at_nodes)


@consumer(SCORING, types=("service_record.", "activity.finished"))
async def score(session: AsyncSession, events: list[EventMessage]) -> None:
    # Shared with other consumers, exclusive of a recompute: what the last recompute read
    # is then settled, and an event it read is not added twice.
    await repository.hold_scores(session, exclusive=False)
    counted = await repository.counted_by_recompute(session, [event.id for event in events])
    batch = _Batch(session)
    for event in events:
        if event.id in counted:
            continue
        if event.type == "activity.finished":
            await _collective(batch, event.payload)
            continue
        deltas = await record_deltas(batch, event)
        if deltas:
            _add(batch.members, int(event.payload["member_id"]), deltas)
    await apply(batch)
