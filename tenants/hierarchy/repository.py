"""Every query on the node table, and the rewrite of paths when a subtree moves."""

from sqlalchemy import ColumnElement, Text, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import Base, bound_tenant, contains_pattern
from infra.pagination import Page, PageOf, fetch_page
from policies.paths import FOLLOWS_NODE_MOVES, subtree_end
from tenants.hierarchy.models import NODE_ID, Node


async def next_id(session: AsyncSession) -> int:
    node_id = await session.scalar(select(NODE_ID.next_value()))
    assert node_id is not None
    return int(node_id)


async def get(session: AsyncSession, node_id: int) -> Node | None:
    return await session.get(Node, (bound_tenant(session), node_id))


async def next_ids(session: AsyncSession, count: int) -> list[int]:
    """`count` new node ids in one round trip."""
    query = select(NODE_ID.next_value()).select_from(func.generate_series(1, count))
    return [int(i) for i in await session.scalars(query)]


async def every_node(session: AsyncSession) -> list[Node]:
    """The county's whole tree (a few thousand rows at most)."""
    return list(await session.scalars(select(Node).order_by(Node.path)))


async def root(session: AsyncSession) -> Node:
    """The county's own node (there is exactly one)."""
    return (await session.execute(select(Node).where(Node.parent_id.is_(None)))).scalar_one()


async def get_many(session: AsyncSession, node_ids: list[int]) -> dict[int, Node]:
    if not node_ids:
        return {}
    nodes = await session.scalars(select(Node).where(Node.id.in_(node_ids)))
    return {node.id: node for node in nodes}


async def code_owner(session: AsyncSession, code: str) -> int | None:
    owner: int | None = await session.scalar(select(Node.id).where(Node.code == code))
    return owner


async def children(
    session: AsyncSession, parent_id: int, scope: ColumnElement[bool], page: Page
) -> PageOf[Node]:
    query = select(Node).where(Node.parent_id == parent_id, scope)
    return await fetch_page(session, query, [Node.name, Node.id], page)


async def search(
    session: AsyncSession, text: str, scope: ColumnElement[bool], page: Page
) -> PageOf[Node]:
    pattern = contains_pattern(text)
    query = select(Node).where(Node.name.ilike(pattern), scope)
    return await fetch_page(session, query, [Node.path, Node.id], page)


async def move_subtree(session: AsyncSession, old_path: str, new_path: str) -> None:
    """Rewrite `old_path` to `new_path` at the start of every path at or below it, in every
    column that follows node moves (the nodes' own paths included)."""
    tenant_id = bound_tenant(session)
    columns = [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.info.get(FOLLOWS_NODE_MOVES) or (table.name == "nodes" and column.name == "path")
    ]
    for table, column in columns:
        rest = func.substr(column, len(old_path) + 1)
        await session.execute(
            update(table)
            .where(
                table.c.tenant_id == tenant_id,
                column >= old_path,
                column < subtree_end(old_path),
            )
            .values({column.name: literal(new_path, Text) + rest})
            .execution_options(synchronize_session=False)
        )
