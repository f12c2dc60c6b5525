"""Database engine, the declarative base and the tenant-scoped unit of work."""

import enum
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from sqlalchemy import Enum, MetaData, func, select, text
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import UserDefinedType

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TENANT_SETTING = "app.tenant_id"

log = logging.getLogger(__name__)

Write = Callable[[AsyncSession], Awaitable[None]]


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (`xid8`)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


# Reflection (alembic's autogenerate) then knows the type instead of warning about it.
ischema_names["xid8"] = Xid8


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """A PostgreSQL enum type holding the members' values (not their Python names)."""
    return Enum(enum_class, name=name, values_callable=lambda members: [m.value for m in members])


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own `%`, `_` and `\\` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def async_url(url: str | URL) -> URL:
    """The same URL with the asyncpg driver, whatever driver it named."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+asyncpg")


def libpq_url(url: str | URL) -> str:
    """The URL as asyncpg.connect takes it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Database:
    """The app's engine and session factory."""

    def __init__(self, url: str | URL, *, pool_size: int = 10, max_overflow: int = 10) -> None:
        self.url = async_url(url)
        self.engine: AsyncEngine = create_async_engine(
            self.url, pool_size=pool_size, max_overflow=max_overflow
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    async def dispose(self) -> None:
        await self.engine.dispose()

    def unit_of_work(self) -> "UnitOfWork":
        return UnitOfWork(self)

    @asynccontextmanager
    async def tenant_session(self, tenant_id: UUID) -> AsyncIterator[AsyncSession]:
        """A transaction bound to one tenant: committed on success, rolled back on error."""
        async with self.unit_of_work() as uow:
            session = await uow.session()
            await bind_tenant(session, tenant_id)
            yield session


async def bind_tenant(session: AsyncSession, tenant_id: UUID) -> None:
    """Set the tenant for the rest of this transaction only (`set_config(..., true)`)."""
    await session.execute(select(func.set_config(TENANT_SETTING, str(tenant_id), True)))
    session.info["tenant_id"] = tenant_id


def bound_tenant(session: AsyncSession) -> UUID:
    """The tenant this session's transaction is bound to."""
    tenant_id: UUID | None = session.info.get("tenant_id")
    if tenant_id is None:
        raise RuntimeError("this session is not bound to a tenant")
    return tenant_id


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once this unit of work has committed (never if it rolls back)."""
    session.info.setdefault("on_commit", []).append(callback)


def write_regardless(session: AsyncSession, tenant_id: UUID, write: Write) -> None:
    """Run `write` in a transaction of its own once this unit of work ends, whether it
    commits or rolls back: for what must outlive a refused operation (the audit of a
    denial, the count of failed sign-ins)."""
    session.info.setdefault("regardless", []).append((tenant_id, write))


class UnitOfWork:
    """One transaction, opened on first use and finished once: the only place that commits.

    A GraphQL request, an actor or a CLI command owns one; services only receive its session.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._session: AsyncSession | None = None
        self.rollback_only = False

    @property
    def started(self) -> bool:
        return self._session is not None

    async def session(self) -> AsyncSession:
        if self._session is None:
            session = self._database.sessionmaker()
            await session.begin()
            self._session = session
        return self._session

    async def finish(self, *, commit: bool) -> None:
        """Commit (unless marked rollback-only) or roll back, then release the connection."""
        session, self._session = self._session, None
        if session is None:
            return
        callbacks: list[Callable[[], None]] = session.info.pop("on_commit", [])
        regardless: list[tuple[UUID, Write]] = session.info.pop("regardless", [])
        committed = False
        try:
            if commit and not self.rollback_only:
                await session.commit()
                committed = True
            else:
                await session.rollback()
        finally:
            await session.close()
            for tenant_id, write in regardless:
                await self._write_alone(tenant_id, write)
        if committed:
            for callback in callbacks:
                callback()

    async def _write_alone(self, tenant_id: UUID, write: Write) -> None:
        try:
            async with self._database.tenant_session(tenant_id) as session:
                await write(session)
        except Exception:
            # The operation's own outcome stands; this write's loss is logged and reported.
            log.exception("a write that should outlive its operation failed")

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.finish(commit=exc is None)


class UnsafeAppRole(RuntimeError):
    pass


async def verify_app_role(database: Database) -> None:
    """Refuse to serve as a role that row-level security does not bind."""
    async with database.engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles "
                    "WHERE rolname = current_user"
                )
            )
        ).one()
    if row.rolsuper or row.rolbypassrls:
        raise UnsafeAppRole(
            f"数据库角色 {row.name} 是超级用户或可绕过行级安全，不能用于运行平台；"
            "请按 README 使用 gongjian_app 这样的普通角色连接"
        )
