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


async def record_step(
    session: AsyncSession,
    principal: Principal,
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
    named `type`, at `node` (id, path)."""
    await record_event(session, type=type, payload=payload, scope_path=node[1])
    await audit.record(
        session,
        action=type,
        actor=principal,
        node=node,
        object_type=object_type,
        object_id=str(object_id),
        detail=dict(payload if detail is None else detail),
    )
