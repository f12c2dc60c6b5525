"""Every query on rules versions (row-level security keeps each to its county)."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from tenants.rules.models import RulesVersion


async def version_on(session: AsyncSession, day: date) -> RulesVersion | None:
    """The version in force on `day`: the latest effective date not after it, and of two
    versions for the same day the one set last."""
    version: RulesVersion | None = await session.scalar(
        select(RulesVersion)
        .where(RulesVersion.effective_from <= day)
        .order_by(RulesVersion.effective_from.desc(), RulesVersion.id.desc())
        .limit(1)
    )
    return version


async def add(session: AsyncSession, version: RulesVersion) -> RulesVersion:
    session.add(version)
    await session.flush()
    return version


async def history(session: AsyncSession, page: Page) -> PageOf[RulesVersion]:
    """Every version, the one set last first."""
    return await fetch_page(session, select(RulesVersion), [RulesVersion.id], page, descending=True)
