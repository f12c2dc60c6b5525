"""Importing a county's workbook: all or nothing, idempotent, with a dry run.

The caller's unit of work commits only when the report says the import was applied; on
a dry run or any problem it must roll back (the rows were written to be checked by the
database too, and counted, then are all undone).
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from infra.personal_data import PersonalData
from policies import access, audit
from policies.audit import AuditOutcome
from policies.principal import Principal
from services.identity.credentials import IdentityConfig
from services.onboarding.accounts import import_accounts
from services.onboarding.divisions import import_divisions
from services.onboarding.registers import import_members, import_units
from services.onboarding.report import ImportReport
from services.onboarding.run import ImportRun
from services.onboarding.workbook import SheetRows, read_sources
from tenants.hierarchy.service import ref, root

IMPORTERS: dict[str, Callable[[ImportRun, SheetRows], Awaitable[None]]] = {
    "divisions": import_divisions,
    "units": import_units,
    "members": import_members,
    "accounts": import_accounts,
}


async def import_workbook(
    session: AsyncSession,
    principal: Principal,
    personal: PersonalData,
    identity: IdentityConfig,
    files: Sequence[tuple[str, IO[bytes]]],
    *,
    dry_run: bool,
) -> ImportReport:
    """Check every row of every sheet, write them if nothing is wrong, and report."""
    county = await root(session)
    access.require(session, principal, resource="import", action="run", node=ref(county))
    report = ImportReport(dry_run=dry_run)
    run = ImportRun(session, principal, personal, identity, report, county)
    for item in read_sources(files):
        if isinstance(item, tuple):
            where, reason = item
            report.problem(where, None, None, reason)
            continue
        for column, message in item.header_problems:
            report.problem(item.sheet.name, 1, column, message)
        if not item.header_problems:
            await IMPORTERS[item.sheet.key](run, item)
            counts = report.sheet(item.sheet.name)
            if not counts.created + counts.updated + counts.unchanged:
                del report.counts[item.sheet.name]  # an empty sheet (as in the template)
    detail = {
        "files": [name for name, _ in files],
        "dry_run": dry_run,
        "counts": {c.sheet: [c.created, c.updated, c.unchanged] for c in report.counts.values()},
        "problems": report.problem_count,
    }
    if report.applied:
        await audit.record(
            session, action="import.applied", actor=principal, node=ref(county), detail=detail
        )
    else:
        # Kept although the import is rolled back: who tried what, and how it went.
        audit.record_refusal(
            session,
            action="import.checked" if not report.problem_count else "import.refused",
            outcome=AuditOutcome.SUCCEEDED if not report.problem_count else AuditOutcome.FAILED,
            actor=principal,
            node=ref(county),
            detail=detail,
        )
    return report
