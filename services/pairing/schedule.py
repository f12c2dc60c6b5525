"""Pairing's place in the schedule: overdue-visit reminders each morning, and posts whose
period ran out ended (their roles revoked) each night.

Reminders: one event per member — `pairing.visit_overdue` — and per unit —
`pairing.unit_visit_overdue` — with households overdue for a visit (paired, in force, the
next visit due before today), at most once a day each: a `visit_reminders` row (day,
member or unit) is written with the event and never changed. The notifications consumer
turns the events into messages.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA
from infra.scheduler import scheduled
from services.events.service import record_event
from services.pairing import posts, repository
from services.pairing.models import Pairing, ReminderSubject

VISIT_OVERDUE = "pairing.visit_overdue"
UNIT_VISIT_OVERDUE = "pairing.unit_visit_overdue"


def _payload(rows: list[Pairing], on: date) -> dict[str, Any]:
    due = min(p.next_visit_due_on for p in rows if p.next_visit_due_on is not None)
    return {
        "households": sorted({p.household_id for p in rows}),
        "pairings": [p.id for p in rows],
        "overdue_since": (due + timedelta(days=1)).isoformat(),
        "remind_on": on.isoformat(),
    }


async def remind_overdue(session: AsyncSession, on: date) -> int:
    """Write today's reminders not yet written; how many were written."""
    grouped: dict[tuple[ReminderSubject, int], list[Pairing]] = defaultdict(list)
    for pairing in await repository.overdue_pairings(session, on):
        if pairing.member_id is not None:
            grouped[(ReminderSubject.MEMBER, pairing.member_id)].append(pairing)
        elif pairing.unit_id is not None:
            grouped[(ReminderSubject.UNIT, pairing.unit_id)].append(pairing)
    written = 0
    for (subject, subject_id), rows in grouped.items():
        if not await repository.claim_reminder(session, on, subject, subject_id):
            continue
        # The place of the longest overdue household: its community's staff follow it.
        path = rows[0].scope_path
        if subject is ReminderSubject.MEMBER:
            payload = {"member_id": subject_id, **_payload(rows, on)}
            await record_event(session, type=VISIT_OVERDUE, payload=payload, scope_path=path)
        else:
            payload = {"unit_id": subject_id, **_payload(rows, on)}
            await record_event(session, type=UNIT_VISIT_OVERDUE, payload=payload, scope_path=path)
        written += 1
    return written


@scheduled("pairing.visit_reminders", daily_at=time(8, 30))
async def visit_reminders(session: AsyncSession, due: datetime) -> None:
    await remind_overdue(session, due.astimezone(CHINA).date())


@scheduled("pairing.end_lapsed_posts", daily_at=time(0, 20))
async def end_lapsed_posts(session: AsyncSession, due: datetime) -> None:
    await posts.end_lapsed(session, due.astimezone(CHINA).date())
