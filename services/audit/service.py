"""Reading the audit log."""

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from policies import access
from policies.audit import AuditEntry, AuditOutcome
from policies.paths import SEPARATOR
from policies.principal import Principal


async def entries(
    session: AsyncSession,
    principal: Principal,
    page: Page,
    *,
    action: str | None = None,
    outcome: AuditOutcome | None = None,
) -> PageOf[AuditEntry]:
    """The log, newest first, where the principal may read it. Entries tied to no node
    (failed sign-ins) belong to the whole county: only a county-wide reader sees them."""
    scope = access.scope(principal, "audit_log", "read", AuditEntry.scope_path)
    subtrees = access.allowed_subtrees(principal, "audit_log", "read")
    county_wide = subtrees is None or any(p.count(SEPARATOR) == 1 for p in subtrees)
    query = select(AuditEntry).where(
        or_(scope, AuditEntry.scope_path.is_(None)) if county_wide else scope
    )
    if action:
        query = query.where(AuditEntry.action == action)
    if outcome:
        query = query.where(AuditEntry.outcome == outcome)
    return await fetch_page(session, query, [AuditEntry.id], page, descending=True)
