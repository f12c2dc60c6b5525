"""Queries and mutations of the hierarchy."""

from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.ids import int_id
from api.results import MutationError, attempt
from api.types.hierarchy import HierarchyNodeType, NodeKindType
from tenants.hierarchy import service
from tenants.hierarchy.models import NodeKind

NODE = "HierarchyNode"


@strawberry.type(description="节点已保存")
class NodeSuccess:
    node: HierarchyNodeType


NodeResult = Annotated[NodeSuccess | MutationError, strawberry.union("NodeResult")]


@strawberry.type
class HierarchyQuery:
    @strawberry.field(description="一个节点（须在您有权查看的范围内）")
    async def hierarchy_node(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> HierarchyNodeType:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        node = await service.read_node(session, principal, int_id(id, NODE))
        return HierarchyNodeType.from_model(node)

    @strawberry.field(description="按名称搜索您有权查看的节点")
    async def search_nodes(
        self, info: Info[Context, None], query: str, first: int = 20, after: str | None = None
    ) -> relay.Connection[HierarchyNodeType]:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        result = await service.search(session, principal, query, page(first, after))
        return connection(result, HierarchyNodeType.from_model, lambda n: (n.path, n.id))


@strawberry.type
class HierarchyMutation:
    @strawberry.mutation(description="在某节点下添加下级节点")
    async def create_node(
        self,
        info: Info[Context, None],
        parent_id: relay.GlobalID,
        kind: NodeKindType,  # type: ignore[valid-type]
        name: str,
        code: str | None = None,
    ) -> NodeResult:
        async def work() -> NodeSuccess:
            principal = await info.context.principal()
            node = await service.create_node(
                await info.context.uow.session(),
                principal,
                parent_id=int_id(parent_id, NODE, "parentId"),
                kind=NodeKind(kind),
                name=name,
                code=code,
            )
            return NodeSuccess(node=HierarchyNodeType.from_model(node))

        return await attempt(info, work)

    @strawberry.mutation(description="修改节点名称或代码")
    async def update_node(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        name: str | None = None,
        code: str | None = None,
    ) -> NodeResult:
        async def work() -> NodeSuccess:
            principal = await info.context.principal()
            node = await service.update_node(
                await info.context.uow.session(), principal, int_id(id, NODE), name=name, code=code
            )
            return NodeSuccess(node=HierarchyNodeType.from_model(node))

        return await attempt(info, work)

    @strawberry.mutation(description="把节点（连同其全部下级）调整到另一个上级之下")
    async def move_node(
        self, info: Info[Context, None], id: relay.GlobalID, parent_id: relay.GlobalID
    ) -> NodeResult:
        async def work() -> NodeSuccess:
            principal = await info.context.principal()
            node = await service.move_node(
                await info.context.uow.session(),
                principal,
                int_id(id, NODE),
                new_parent_id=int_id(parent_id, NODE, "parentId"),
            )
            return NodeSuccess(node=HierarchyNodeType.from_model(node))

        return await attempt(info, work)
