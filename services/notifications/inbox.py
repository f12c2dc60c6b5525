"""A user's inbox: their notifications newest first, how many are unread, marking read."""

from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.errors import InvalidInput
from infra.pagination import Page, PageOf, fetch_page
from policies.principal import Principal, PrincipalKind
from services.notifications.errors import NoInbox, NotificationNotFound
from services.notifications.models import Category, Notification

MARK_AT_ONCE = 200


def owner(principal: Principal) -> UUID:
    """The account whose inbox the caller reads: their own, as a county user."""
    if principal.kind is not PrincipalKind.USER:
        raise NoInbox("站内消息只属于本县（区）的用户账号；合作系统和平台管理员没有站内消息")
    return principal.id


async def page_of(
    session: AsyncSession,
    principal: Principal,
    page: Page,
    *,
    unread: bool | None = None,
    category: Category | None = None,
) -> PageOf[Notification]:
    query = select(Notification).where(Notification.user_id == owner(principal))
    if unread is not None:
        query = query.where(
            Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None)
        )
    if category is not None:
        query = query.where(Notification.category == category)
    return await fetch_page(session, query, [Notification.id], page, descending=True)


async def unread_count(session: AsyncSession, principal: Principal) -> int:
    query = select(func.count()).where(
        Notification.user_id == owner(principal), Notification.read_at.is_(None)
    )
    return int(await session.scalar(query) or 0)


async def mark_read(
    session: AsyncSession, principal: Principal, ids: list[int]
) -> list[Notification]:
    """Mark the caller's notifications read (those read already keep their time); any id
    not theirs fails the whole call."""
    user_id = owner(principal)
    wanted = list(dict.fromkeys(ids))
    if not 1 <= len(wanted) <= MARK_AT_ONCE:
        raise InvalidInput(f"一次可标记 1 至 {MARK_AT_ONCE} 条消息", field="ids")
    found = list(
        await session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.id.in_(wanted))
            .order_by(Notification.id)
            .with_for_update()
        )
    )
    if len(found) != len(wanted):
        raise NotificationNotFound("未找到其中部分消息，均未标记为已读", field="ids")
    at = now()
    for notification in found:
        if notification.read_at is None:
            notification.read_at = at
    await session.flush()
    return sorted(found, key=lambda n: wanted.index(n.id))


async def mark_all_read(session: AsyncSession, principal: Principal) -> int:
    """Every unread notification of the caller, read now: how many."""
    result = await session.execute(
        update(Notification)
        .where(Notification.user_id == owner(principal), Notification.read_at.is_(None))
        .values(read_at=now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
