"""Every query of micro-wishes."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.wishes.models import Wish, WishStatus


async def get_wish(session: AsyncSession, wish_id: int, *, for_update: bool = False) -> Wish | None:
    query = select(Wish).where(Wish.id == wish_id)
    if for_update:
        # Re-read under the lock: a claim taken meanwhile must be seen, not the cache.
        query = query.with_for_update().execution_options(populate_existing=True)
    found: Wish | None = await session.scalar(query)
    return found


def own_wishes(member_id: int | None, community_id: int | None, today: date) -> ColumnElement[bool]:
    """What a member reads as their own: the wishes they claimed, and the open wishes of
    the community where they are registered that can still be claimed."""
    if member_id is None:
        return false()
    claimed = Wish.claimed_by_member_id == member_id
    if community_id is None:
        return claimed
    claimable = and_(
        Wish.community_id == community_id,
        Wish.status == WishStatus.OPEN,
        Wish.deadline >= today,
    )
    return or_(claimed, claimable)


@dataclass(frozen=True)
class WishFilter:
    within: str | None = None
    status: WishStatus | None = None


async def wishes_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: WishFilter
) -> PageOf[Wish]:
    query = select(Wish).where(scope, *in_subtree(Wish.scope_path, where.within))
    if where.status is not None:
        query = query.where(Wish.status == where.status)
    return await fetch_page(session, query, [Wish.id], page, descending=True)


async def lapsed_claims(session: AsyncSession, today: date) -> list[Wish]:
    """Claims whose last day is before `today`, locked; rows another run holds are left
    to it (SKIP LOCKED), so two runs never release one claim twice."""
    query = (
        select(Wish)
        .where(Wish.status == WishStatus.CLAIMED, Wish.claim_due_on < today)
        .order_by(Wish.id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list(await session.scalars(query))
