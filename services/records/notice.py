"""公示: while the county's notice period runs, a community's pending records are shown to
those who serve there — its staff, and the units and members registered with it — so
that anyone may object (the organiser then declines or corrects) before they count.
Names are masked on the board: it is for checking the service, not for reading people."""

from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.pagination import Page, PageOf
from policies import access
from policies.paths import in_subtree
from policies.principal import Principal
from services.records import repository
from services.records.models import RecordStatus, ServiceRecord
from services.records.recording import RESOURCE
from services.records.repository import RecordFilter
from services.registration import standing
from tenants.hierarchy.service import get_node, ref


async def on_notice(
    session: AsyncSession, principal: Principal, node_id: int, page: Page
) -> PageOf[ServiceRecord]:
    """The records on notice today organised at the node or below, the latest service
    first: for staff who may read records there, and for whoever is registered with it."""
    node = await get_node(session, node_id)
    registered = node.id in await standing.principal_communities(session, principal)
    access.require(
        session, principal, resource=RESOURCE, action="read", node=ref(node), owned=registered
    )
    board = and_(
        *in_subtree(ServiceRecord.scope_path, node.path),
        ServiceRecord.status == RecordStatus.PENDING,
        ServiceRecord.notice_until >= today(),
    )
    return await repository.records_page(session, board, page, RecordFilter())
