"""Every query on role grants."""

from uuid import UUID

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant
from infra.pagination import Page, PageOf, fetch_page
from policies.models import RoleGrant
from policies.principal import Grant


async def grants_of(session: AsyncSession, user_id: UUID) -> tuple[Grant, ...]:
    rows = await session.execute(
        select(RoleGrant.role, RoleGrant.node_id, RoleGrant.scope_path)
        .where(RoleGrant.user_id == user_id)
        .order_by(RoleGrant.scope_path, RoleGrant.role)
    )
    return tuple(Grant(role=role, node_id=node_id, path=path) for role, node_id, path in rows)


async def get(session: AsyncSession, grant_id: int) -> RoleGrant | None:
    return await session.get(RoleGrant, (bound_tenant(session), grant_id))


async def find(session: AsyncSession, user_id: UUID, role: str, node_id: int) -> RoleGrant | None:
    grant: RoleGrant | None = await session.scalar(
        select(RoleGrant).where(
            RoleGrant.user_id == user_id, RoleGrant.role == role, RoleGrant.node_id == node_id
        )
    )
    return grant


async def for_users(session: AsyncSession, user_ids: list[UUID]) -> list[RoleGrant]:
    if not user_ids:
        return []
    rows = await session.scalars(
        select(RoleGrant).where(RoleGrant.user_id.in_(user_ids)).order_by(RoleGrant.id)
    )
    return list(rows)


async def page(session: AsyncSession, scope: ColumnElement[bool], page: Page) -> PageOf[RoleGrant]:
    # By place in the tree: a subtree is then one index range, read in order.
    order = [RoleGrant.scope_path, RoleGrant.id]
    return await fetch_page(session, select(RoleGrant).where(scope), order, page)
