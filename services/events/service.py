"""Writing events in the caller's transaction (the transactional outbox)."""

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant
from policies import audit
from policies.principal import Principal
from services.events.models import Event

# Dotted lower-case names, subject first: `member_registration.confirmed`.
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


async def record_event(
    session: AsyncSession,
    *,
    type: str,
    payload: Mapping[str, Any] | None = None,
    scope_path: str | None = None,
) -> Event:
    """Append an event for the session's tenant; it exists only if the transaction commits."""
    if not EVENT_TYPE.match(type):
        raise ValueError(f"event type must be dotted lower-case words, got {type!r}")
    event = Event(
        tenant_id=bound_tenant(session),
        type=type,
        payload=dict(payload or {}),
        scope_path=scope_path,
    )
    session.add(event)
    await session.flush()
    return event


# Who the audit log names for a step no person took (the workers' schedule).
SCHEDULER = "定时任务"


async def record_step(
    session: AsyncSession,
    principal: Principal | None,
    *,
    type: str,
    node: tuple[int, str],
    object_type: str,
    object_id: object,
    payload: Mapping[str, Any],
    detail: Mapping[str, Any] | None = None,
) -> None:
    """A domain step as both logs keep it, in the step's transaction: the event partners
    follow (`payload`) and the audit entry (`detail`, by default the payload), both
    named `type`, at `node` (id, path). No principal: a step of the schedule."""
    await record_event(session, type=type, payload=payload, scope_path=node[1])
    await audit.record(
        session,
        action=type,
        actor=principal,
        actor_name=None if principal is not None else SCHEDULER,
        node=node,
        object_type=object_type,
        object_id=str(object_id),
        detail=dict(payload if detail is None else detail),
    )
