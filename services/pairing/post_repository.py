"""Every query of member posts."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.pairing.models import CommitmentStatus
from services.pairing.recognition_models import MemberPost, PostKind


async def get_post(session: AsyncSession, post_id: int, *, lock: bool = False) -> MemberPost | None:
    query = select(MemberPost).where(MemberPost.id == post_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found: MemberPost | None = await session.scalar(query)
    return found


async def active_post(
    session: AsyncSession, member_id: int, post: PostKind, node_id: int
) -> MemberPost | None:
    found: MemberPost | None = await session.scalar(
        select(MemberPost).where(
            MemberPost.member_id == member_id,
            MemberPost.post == post,
            MemberPost.node_id == node_id,
            MemberPost.status == CommitmentStatus.ACTIVE,
        )
    )
    return found


def in_force(on: date) -> ColumnElement[bool]:
    return (
        (MemberPost.status == CommitmentStatus.ACTIVE)
        & (MemberPost.starts_on <= on)
        & or_(MemberPost.ends_on.is_(None), MemberPost.ends_on >= on)
    )


@dataclass(frozen=True)
class PostFilter:
    within: str | None = None
    member_id: int | None = None
    post: PostKind | None = None
    in_force_on: date | None = None


async def posts_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: PostFilter
) -> PageOf[MemberPost]:
    conditions = [scope, *in_subtree(MemberPost.scope_path, where.within)]
    if where.member_id is not None:
        conditions.append(MemberPost.member_id == where.member_id)
    if where.post is not None:
        conditions.append(MemberPost.post == where.post)
    if where.in_force_on is not None:
        conditions.append(in_force(where.in_force_on))
    order = [MemberPost.scope_path, MemberPost.id]
    return await fetch_page(session, select(MemberPost).where(*conditions), order, page)


async def lapsed_posts(session: AsyncSession, on: date) -> list[MemberPost]:
    """Active posts whose last day is past, locked (to end them)."""
    rows = await session.scalars(
        select(MemberPost)
        .where(MemberPost.status == CommitmentStatus.ACTIVE, MemberPost.ends_on < on)
        .order_by(MemberPost.id)
        .with_for_update(skip_locked=True)
    )
    return list(rows)
