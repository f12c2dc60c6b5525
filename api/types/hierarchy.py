"""The hierarchy as clients see it: nodes, their place in the tree, their children."""

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from policies.paths import node_ids
from tenants.hierarchy import service
from tenants.hierarchy.models import Node, NodeKind, NodeStatus

NodeKindType = strawberry.enum(
    NodeKind,
    name="NodeKind",
    description="节点类型：县（区）、乡镇（街道）、社区、小区、楼栋、网格",
)
NodeStatusType = strawberry.enum(NodeStatus, name="NodeStatus", description="节点状态")


@strawberry.type(
    name="HierarchyNode",
    description="区划或网格节点：县（区）、乡镇（街道）、社区、小区、楼栋或网格",
)
class HierarchyNodeType(relay.Node):
    id: relay.NodeID[int]
    kind: NodeKindType = strawberry.field(description="节点类型")  # type: ignore[valid-type]
    code: str | None = strawberry.field(description="统计用区划代码（12 位）或本地编码")
    name: str = strawberry.field(description="名称")
    status: NodeStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    depth: int = strawberry.field(description="层级：县（区）为 1")
    parent_id: strawberry.Private[int | None]
    path: strawberry.Private[str]

    @classmethod
    def from_model(cls, node: Node) -> "HierarchyNodeType":
        return cls(
            id=node.id,
            kind=node.kind,
            code=node.code,
            name=node.name,
            status=node.status,
            depth=len(node_ids(node.path)),
            parent_id=node.parent_id,
            path=node.path,
        )

    @strawberry.field(description="上级节点")
    async def parent(self, info: Info[Context, None]) -> "HierarchyNodeType | None":
        if self.parent_id is None:
            return None
        node = await info.context.loaders.node.load(self.parent_id)
        return None if node is None else HierarchyNodeType.from_model(node)

    @strawberry.field(description="全部上级节点，从县（区）开始")
    async def ancestors(self, info: Info[Context, None]) -> list["HierarchyNodeType"]:
        nodes = await info.context.loaders.node.load_many(node_ids(self.path)[:-1])
        return [HierarchyNodeType.from_model(node) for node in nodes if node is not None]

    @strawberry.field(description="下级节点（仅含您有权查看的），按名称排序")
    async def children(
        self, info: Info[Context, None], first: int = 20, after: str | None = None
    ) -> relay.Connection["HierarchyNodeType"]:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        node = await service.get_node(session, self.id)
        result = await service.children(session, principal, node, page(first, after))
        return connection(result, HierarchyNodeType.from_model, lambda n: (n.name, n.id))


async def load_node(info: Info[Context, None], node_id: int | None) -> HierarchyNodeType | None:
    """A node by id through the request's loader (None for none)."""
    if node_id is None:
        return None
    node = await info.context.loaders.node.load(node_id)
    return None if node is None else HierarchyNodeType.from_model(node)
