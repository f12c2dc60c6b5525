"""Every query of recognition campaigns and nominations."""

from collections.abc import Collection

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.pairing.recognition_models import (
    CampaignStatus,
    Nomination,
    NominationStatus,
    RecognitionCampaign,
)


async def get_campaign(
    session: AsyncSession, campaign_id: int, *, lock: bool = False
) -> RecognitionCampaign | None:
    query = select(RecognitionCampaign).where(RecognitionCampaign.id == campaign_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found: RecognitionCampaign | None = await session.scalar(query)
    return found


async def campaigns_by_id(
    session: AsyncSession, ids: Collection[int]
) -> dict[int, RecognitionCampaign]:
    rows = await session.scalars(
        select(RecognitionCampaign).where(RecognitionCampaign.id.in_(list(ids)))
    )
    return {row.id: row for row in rows}


async def campaigns_page(
    session: AsyncSession,
    visible: ColumnElement[bool],
    page: Page,
    within: str | None,
    status: CampaignStatus | None,
) -> PageOf[RecognitionCampaign]:
    """Newest first."""
    conditions = [visible, *in_subtree(RecognitionCampaign.scope_path, within)]
    if status is not None:
        conditions.append(RecognitionCampaign.status == status)
    return await fetch_page(
        session,
        select(RecognitionCampaign).where(*conditions),
        [RecognitionCampaign.id],
        page,
        descending=True,
    )


async def get_nomination(
    session: AsyncSession, nomination_id: int, *, lock: bool = False
) -> Nomination | None:
    query = select(Nomination).where(Nomination.id == nomination_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found: Nomination | None = await session.scalar(query)
    return found


async def nomination_of(
    session: AsyncSession, campaign_id: int, member_id: int
) -> Nomination | None:
    found: Nomination | None = await session.scalar(
        select(Nomination).where(
            Nomination.campaign_id == campaign_id, Nomination.member_id == member_id
        )
    )
    return found


async def nominations_page(
    session: AsyncSession,
    campaign_id: int,
    visible: ColumnElement[bool],
    page: Page,
    status: NominationStatus | None,
) -> PageOf[Nomination]:
    conditions = [Nomination.campaign_id == campaign_id, visible]
    if status is not None:
        conditions.append(Nomination.status == status)
    return await fetch_page(session, select(Nomination).where(*conditions), [Nomination.id], page)


async def undecided(session: AsyncSession, campaign_id: int) -> int:
    count = await session.scalar(
        select(func.count()).where(
            Nomination.campaign_id == campaign_id,
            Nomination.status == NominationStatus.NOMINATED,
        )
    )
    return int(count or 0)


async def selected(session: AsyncSession, campaign_id: int) -> list[Nomination]:
    rows = await session.scalars(
        select(Nomination)
        .where(
            Nomination.campaign_id == campaign_id,
            Nomination.status == NominationStatus.SELECTED,
        )
        .order_by(Nomination.id)
    )
    return list(rows)


async def awards_page(session: AsyncSession, member_id: int, page: Page) -> PageOf[Nomination]:
    """The member's selections in published campaigns, newest first."""
    published = select(RecognitionCampaign.id).where(
        RecognitionCampaign.status == CampaignStatus.PUBLISHED
    )
    query = select(Nomination).where(
        Nomination.member_id == member_id,
        Nomination.status == NominationStatus.SELECTED,
        Nomination.campaign_id.in_(published),
    )
    return await fetch_page(session, query, [Nomination.id], page, descending=True)
