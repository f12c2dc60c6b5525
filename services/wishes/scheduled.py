"""Steps the workers take on a schedule (no one signed in): the event and the audit entry
in the step's transaction, the actor named as the schedule."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from policies import audit
from services.events.service import record_event

# Who the audit log names for a step no person took.
SCHEDULER = "定时任务"


async def record_scheduled_step(
    session: AsyncSession,
    *,
    type: str,
    node: tuple[int, str],
    object_type: str,
    object_id: object,
    payload: Mapping[str, Any],
) -> None:
    """Like `services.events.service.record_step`, for a step of the schedule."""
    await record_event(session, type=type, payload=payload, scope_path=node[1])
    await audit.record(
        session,
        action=type,
        actor=None,
        actor_name=SCHEDULER,
        node=node,
        object_type=object_type,
        object_id=str(object_id),
        detail=dict(payload),
    )
