"""Every query on accounts, sessions, sign-in throttles and API keys."""

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, Table, case, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant, contains_pattern
from infra.pagination import Page, PageOf, fetch_page
from services.identity.models import ApiKey, SignInThrottle, User, UserSession


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.username == username))
    return user


async def get_user(session: AsyncSession, user_id: UUID) -> User | None:
    return await session.get(User, (bound_tenant(session), user_id))


async def account_of_member(session: AsyncSession, member_id: int | None) -> User | None:
    """The account a member signs in with, if any."""
    if member_id is None:
        return None
    found: User | None = await session.scalar(select(User).where(User.member_id == member_id))
    return found


async def get_users(session: AsyncSession, user_ids: list[UUID]) -> dict[UUID, User]:
    if not user_ids:
        return {}
    rows = await session.scalars(select(User).where(User.id.in_(user_ids)))
    return {user.id: user for user in rows}


async def users(
    session: AsyncSession, scope: ColumnElement[bool], search: str | None, page: Page
) -> PageOf[User]:
    query = select(User).where(scope)
    if search:
        pattern = contains_pattern(search)
        query = query.where(User.name.ilike(pattern) | User.username.ilike(pattern))
    return await fetch_page(session, query, [User.username], page)


async def throttle(session: AsyncSession, username: str) -> SignInThrottle | None:
    return await session.get(SignInThrottle, (bound_tenant(session), username))


async def count_failure(
    session: AsyncSession,
    username: str,
    *,
    at: datetime,
    forget_before: datetime,
    failures_before_lock: int,
    max_lock: timedelta,
) -> None:
    """One more failure for the name (atomic under concurrent attempts); from the
    threshold on, lock it for 1, 2, 4 … minutes, up to `max_lock`."""
    table = SignInThrottle.__table__
    assert isinstance(table, Table)
    stored = insert(table).values(
        tenant_id=bound_tenant(session), username=username, failures=1, last_failure_at=at
    )
    failures: int = await session.scalar(
        stored.on_conflict_do_update(
            index_elements=[table.c.tenant_id, table.c.username],
            set_={
                # A run of failures long ago does not count against today.
                "failures": case(
                    (table.c.last_failure_at < forget_before, 1), else_=table.c.failures + 1
                ),
                "last_failure_at": at,
            },
        ).returning(table.c.failures)
    )
    if failures >= failures_before_lock:
        lock = min(timedelta(minutes=2 ** min(failures - failures_before_lock, 16)), max_lock)
        await session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.username == username)
            .values(locked_until=at + lock)
        )


async def clear_failures(session: AsyncSession, username: str) -> None:
    await session.execute(delete(SignInThrottle).where(SignInThrottle.username == username))


async def session_for_update(session: AsyncSession, session_id: UUID) -> UserSession | None:
    row: UserSession | None = await session.scalar(
        select(UserSession).where(UserSession.id == session_id).with_for_update()
    )
    return row


async def session_and_user(
    session: AsyncSession, session_id: UUID, user_id: UUID
) -> tuple[UserSession, User] | None:
    row = (
        await session.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.id == session_id, User.id == user_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def revoke_session(session: AsyncSession, session_id: UUID, at: datetime) -> None:
    await session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def get_api_key(session: AsyncSession, key_id: UUID) -> ApiKey | None:
    return await session.get(ApiKey, (bound_tenant(session), key_id))


async def touch_api_key(session: AsyncSession, key_id: UUID, at: datetime) -> None:
    """Record use, at most once a minute (not a write per request)."""
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            (ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < at - timedelta(minutes=1)),
        )
        .values(last_used_at=at)
    )


async def api_keys(session: AsyncSession, scope: ColumnElement[bool], page: Page) -> PageOf[ApiKey]:
    return await fetch_page(
        session, select(ApiKey).where(scope), [ApiKey.created_at, ApiKey.id], page
    )
