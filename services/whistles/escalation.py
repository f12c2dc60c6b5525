"""逐级上报: a call whose deadline passed short of what it asked goes up a level. It is
marked escalated, and a new call is raised at the node above for the shortfall, asking
the registered units and members there who were not asked yet. The workers run
`escalate_due` every few minutes; a raised call that falls short goes up again.
"""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant
from policies.paths import node_ids
from services.events.service import record_step
from services.whistles import repository
from services.whistles.models import WhistleCall, WhistleKind, WhistleStatus
from services.whistles.repository import Counts
from services.whistles.service import RESOURCE, answered, blown_payload, described, here
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.models import Node

# How long the level above has to answer a raised call (never past the call's end).
ESCALATION_WINDOW = {
    WhistleKind.EMERGENCY: timedelta(hours=2),
    WhistleKind.ROUTINE: timedelta(hours=24),
}


def _raised(
    session: AsyncSession, call: WhistleCall, parent: Node, found: Counts, now: datetime
) -> WhistleCall:
    return WhistleCall(
        tenant_id=bound_tenant(session),
        node_id=parent.id,
        scope_path=parent.path,
        kind=call.kind,
        title=call.title,
        details=call.details,
        members_wanted=max(0, call.members_wanted - found.accepted_members),
        units_wanted=max(0, call.units_wanted - found.accepted_units),
        skills=list(call.skills),
        place=call.place,
        starts_at=call.starts_at,
        ends_at=call.ends_at,
        respond_by=min(now + ESCALATION_WINDOW[call.kind], call.ends_at),
        need_id=call.need_id,
        status=WhistleStatus.OPEN,
        escalated_from_id=call.id,
    )


async def escalate_due(session: AsyncSession, now: datetime) -> list[WhistleCall]:
    """Escalate every call due; returns the calls raised above them."""
    due = await repository.due_for_escalation(session, now)
    if not due:
        return []
    found = await repository.counts(session, [call.id for call in due])
    parents = await hierarchy.get_many(session, [node_ids(call.scope_path)[-2] for call in due])
    made = []
    for call in due:
        counted = found.get(call.id, Counts())
        parent = parents[node_ids(call.scope_path)[-2]]
        raised = _raised(session, call, parent, counted, now)
        session.add(raised)
        call.status, call.escalated_at = WhistleStatus.ESCALATED, now
        await session.flush()
        already = await repository.chain(session, call)
        await repository.ask_recipients(session, raised, already_asked=already)
        asked_above = (await repository.counts(session, [raised.id])).get(raised.id, Counts())
        await record_step(
            session,
            None,
            type="whistle_call.escalated",
            node=here(call),
            object_type=RESOURCE,
            object_id=call.id,
            payload={
                **described(call),
                **answered(counted),
                "members_short": raised.members_wanted,
                "units_short": raised.units_wanted,
                "escalated_to_id": raised.id,
                "escalated_to_node_id": parent.id,
            },
        )
        await record_step(
            session,
            None,
            type="whistle_call.blown",
            node=here(raised),
            object_type=RESOURCE,
            object_id=raised.id,
            payload=blown_payload(raised, asked_above),
        )
        made.append(raised)
    return made
