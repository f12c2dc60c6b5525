"""The hierarchy's rules: what may sit under what, official codes, moving a subtree."""

import re

from sqlalchemy.ext.asyncio import AsyncSession

from infra.pagination import Page, PageOf
from policies import access, audit
from policies.listener import announce_grants_changed
from policies.paths import child_path, is_within, node_ids
from policies.principal import Principal
from tenants.hierarchy import repository
from tenants.hierarchy.errors import InvalidNode, NodeCodeTaken, NodeMoveRefused, NodeNotFound
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.models import Tenant

KIND_NAMES = {
    NodeKind.COUNTY: "县（区）",
    NodeKind.TOWNSHIP: "乡镇（街道）",
    NodeKind.COMMUNITY: "社区（村）",
    NodeKind.COMPOUND: "小区",
    NodeKind.BUILDING: "楼栋",
    NodeKind.GRID: "网格",
}
PARENT_KINDS = {
    NodeKind.TOWNSHIP: {NodeKind.COUNTY},
    NodeKind.COMMUNITY: {NodeKind.TOWNSHIP},
    NodeKind.COMPOUND: {NodeKind.COMMUNITY},
    NodeKind.BUILDING: {NodeKind.COMPOUND},
    NodeKind.GRID: {NodeKind.COMMUNITY, NodeKind.COMPOUND},
}
# 统计用区划代码: county (6 digits) + township (3) + village or community (3).
DIVISION_CODE = re.compile(r"^[0-9]{12}$")
LOCAL_CODE = re.compile(r"^[0-9A-Za-z-]{1,32}$")
NAME_MAX_LENGTH = 64


def ref(node: Node) -> tuple[int, str]:
    """The (id, path) pair authorization and the audit log take."""
    return node.id, node.path


async def create_root(session: AsyncSession, tenant: Tenant) -> Node:
    """The county itself, made with the tenant."""
    node_id = await repository.next_id(session)
    root = Node(
        tenant_id=tenant.id,
        id=node_id,
        kind=NodeKind.COUNTY,
        code=f"{tenant.county_code}000000",
        name=tenant.name,
        parent_id=None,
        path=child_path(None, node_id),
        status=NodeStatus.ACTIVE,
    )
    session.add(root)
    await session.flush()
    return root


async def get_node(session: AsyncSession, node_id: int) -> Node:
    """A node of this county (another county's id reads as not found)."""
    node = await repository.get(session, node_id)
    if node is None:
        raise NodeNotFound("未找到该区划或网格节点")
    return node


async def root(session: AsyncSession) -> Node:
    """The county's own node."""
    return await repository.root(session)


async def read_node(session: AsyncSession, principal: Principal, node_id: int) -> Node:
    node = await get_node(session, node_id)
    access.require(session, principal, resource="node", action="read", node=ref(node))
    return node


async def ancestors(session: AsyncSession, node: Node) -> list[Node]:
    """The node's ancestors, the county first: whoever sees a node sees where it sits."""
    ids = node_ids(node.path)[:-1]
    found = await repository.get_many(session, ids)
    return [found[i] for i in ids]


async def children(
    session: AsyncSession, principal: Principal, node: Node, page: Page
) -> PageOf[Node]:
    scope = access.scope(principal, "node", "read", Node.path)
    return await repository.children(session, node.id, scope, page)


async def search(
    session: AsyncSession, principal: Principal, text: str, page: Page
) -> PageOf[Node]:
    """Nodes whose name contains `text`, among those the principal may see."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidNode(f"搜索词不能为空，且不超过 {NAME_MAX_LENGTH} 个字", field="query")
    scope = access.scope(principal, "node", "read", Node.path)
    return await repository.search(session, cleaned, scope, page)


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidNode(f"名称不能为空，且不超过 {NAME_MAX_LENGTH} 个字", field="name")
    return cleaned


def check_code_shape(code: str, kind: NodeKind, parent: Node) -> str:
    """A node's code as the division rules want it: official 12-digit codes for townships
    and communities (inside their parent's), short local codes below."""
    code = code.strip()
    if kind in (NodeKind.TOWNSHIP, NodeKind.COMMUNITY):
        level = KIND_NAMES[kind]
        if not DIVISION_CODE.match(code):
            raise InvalidNode(f"{level}代码应为 12 位统计用区划代码", field="code")
        township_part, village_part = code[6:9], code[9:]
        shape_ok = (
            township_part != "000" and village_part == "000"
            if kind is NodeKind.TOWNSHIP
            else village_part != "000"
        )
        if not shape_ok:
            raise InvalidNode(f"代码 {code} 不是{level}一级的区划代码", field="code")
        prefix = 6 if kind is NodeKind.TOWNSHIP else 9
        if parent.code and code[:prefix] != parent.code[:prefix]:
            raise InvalidNode(
                f"代码 {code} 不在上级“{parent.name}”（{parent.code}）的区划范围内", field="code"
            )
    elif not LOCAL_CODE.match(code):
        raise InvalidNode("编码只能由字母、数字和连字符组成，且不超过 32 位", field="code")
    return code


async def _check_code(
    session: AsyncSession, code: str | None, kind: NodeKind, parent: Node, node_id: int | None
) -> str | None:
    if code is None or not code.strip():
        return None
    code = check_code_shape(code, kind, parent)
    owner = await repository.code_owner(session, code)
    if owner is not None and owner != node_id:
        raise NodeCodeTaken(f"代码 {code} 已被本县（区）的另一个节点使用", field="code")
    return code


def check_parent(kind: NodeKind, parent: Node) -> None:
    """Whether a node of `kind` may sit under `parent`."""
    allowed = PARENT_KINDS.get(kind)
    if allowed is None:
        raise InvalidNode("县（区）节点随县（区）开通而建立，不能另行添加", field="kind")
    if parent.kind not in allowed:
        expected = "或".join(KIND_NAMES[k] for k in sorted(allowed))
        raise InvalidNode(
            f"{KIND_NAMES[kind]}的上级应为{expected}，而“{parent.name}”是{KIND_NAMES[parent.kind]}",
            field="parentId",
        )
    if parent.status is NodeStatus.RETIRED:
        raise InvalidNode(f"“{parent.name}”已撤销，不能在其下添加节点", field="parentId")


async def create_node(
    session: AsyncSession,
    principal: Principal,
    *,
    parent_id: int,
    kind: NodeKind,
    name: str,
    code: str | None = None,
) -> Node:
    parent = await get_node(session, parent_id)
    access.require(session, principal, resource="node", action="create", node=ref(parent))
    check_parent(kind, parent)
    cleaned_name = _clean_name(name)
    cleaned_code = await _check_code(session, code, kind, parent, None)
    node_id = await repository.next_id(session)
    node = Node(
        tenant_id=parent.tenant_id,
        id=node_id,
        kind=kind,
        code=cleaned_code,
        name=cleaned_name,
        parent_id=parent.id,
        path=child_path(parent.path, node_id),
        status=NodeStatus.ACTIVE,
    )
    session.add(node)
    await session.flush()
    await audit.record(
        session,
        action="node.created",
        actor=principal,
        node=ref(node),
        object_type="node",
        object_id=str(node.id),
        detail={"name": node.name, "kind": node.kind.value},
    )
    return node


async def update_node(
    session: AsyncSession,
    principal: Principal,
    node_id: int,
    *,
    name: str | None = None,
    code: str | None = None,
) -> Node:
    """Rename a node or correct its code."""
    node = await get_node(session, node_id)
    access.require(session, principal, resource="node", action="update", node=ref(node))
    before = {"name": node.name, "code": node.code}
    if name is not None:
        node.name = _clean_name(name)
    if code is not None and node.parent_id is not None:
        parent = await get_node(session, node.parent_id)
        node.code = await _check_code(session, code, node.kind, parent, node.id)
    await session.flush()
    await audit.record(
        session,
        action="node.updated",
        actor=principal,
        node=ref(node),
        object_type="node",
        object_id=str(node.id),
        detail={"before": before, "after": {"name": node.name, "code": node.code}},
    )
    return node


async def move_node(
    session: AsyncSession, principal: Principal, node_id: int, *, new_parent_id: int
) -> Node:
    """Put a node (and everything below it) under another parent, in one transaction."""
    node = await get_node(session, node_id)
    new_parent = await get_node(session, new_parent_id)
    access.require(session, principal, resource="node", action="move", node=ref(node))
    access.require(session, principal, resource="node", action="move", node=ref(new_parent))
    if node.parent_id is None:
        raise NodeMoveRefused("县（区）根节点不能移动", field="id")
    if is_within(new_parent.path, node.path):
        raise NodeMoveRefused(
            f"不能把“{node.name}”移到它自己或它的下级“{new_parent.name}”之下", field="parentId"
        )
    check_parent(node.kind, new_parent)
    if node.code and new_parent.code:
        await _check_code(session, node.code, node.kind, new_parent, node.id)
    old_path, new_path = node.path, child_path(new_parent.path, node.id)
    old_parent_id, tenant_id = node.parent_id, node.tenant_id
    if new_parent.id != old_parent_id:
        node.parent_id = new_parent.id
        await session.flush()
        await repository.move_subtree(session, old_path, new_path)
        session.expire_all()
        # Grants below moved with their nodes: every cached grant of the county is stale.
        await announce_grants_changed(session, tenant_id)
    node = await get_node(session, node_id)
    await audit.record(
        session,
        action="node.moved",
        actor=principal,
        node=ref(node),
        object_type="node",
        object_id=str(node.id),
        detail={"from_parent": old_parent_id, "to_parent": new_parent_id, "from_path": old_path},
    )
    return node
