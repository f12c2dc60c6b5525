"""A consumer the fault tests' worker processes import (`--import`): each time it applies
an event it adds a row to `fault_effects` (made by the test), in the consumer's
transaction, so a row per event says the effect was applied exactly once.

An event whose payload names a `hold` file is held on its first delivery: the consumer
writes its process id there and waits, so the test can kill the worker mid-message.
"""

import asyncio
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from infra.consumers import EventMessage, consumer

NAME = "fault_test"


@consumer(NAME, types=("fault_test.",))
async def apply(session: AsyncSession, events: list[EventMessage]) -> None:
    for event in events:
        await session.execute(
            text("INSERT INTO fault_effects (event_id, pid) VALUES (:event, :pid)"),
            {"event": event.id, "pid": os.getpid()},
        )
        hold = event.payload.get("hold")
        if hold and await asyncio.to_thread(_first_time, Path(hold)):
            # Killed before this ends: the transaction (and its effect) never commits.
            await asyncio.sleep(60)


def _first_time(hold: Path) -> bool:
    """Whether the message is delivered for the first time (saying who holds it)."""
    if hold.exists():
        return False
    hold.write_text(str(os.getpid()))
    return True
