"""The node tree through GraphQL: scope, siblings sharing a prefix, other counties, moves."""

from typing import Any

from sqlalchemy import select

from infra.db import Database
from infra.settings import Settings
from policies.models import RoleGrant
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import bearer, global_id, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_node, add_user, root_of

NODE = """
query($id: ID!) {
  hierarchyNode(id: $id) {
    name depth
    ancestors { name }
    children { edges { node { name } } }
  }
}
"""
MOVE = """
mutation($id: ID!, $parent: ID!) {
  moveNode(id: $id, parentId: $parent) {
    __typename
    ... on NodeSuccess { node { name ancestors { name } } }
    ... on MutationError { code message field }
  }
}
"""
CREATE = """
mutation($parent: ID!, $kind: NodeKind!, $name: String!, $code: String) {
  createNode(parentId: $parent, kind: $kind, name: $name, code: $code) {
    __typename
    ... on NodeSuccess { node { name code kind depth } }
    ... on MutationError { code message field }
  }
}
"""


def node_id(node: Node) -> str:
    return global_id("HierarchyNode", node.id)


def error_of(body: dict[str, Any]) -> tuple[str, str]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"]


async def test_a_grant_covers_its_subtree_and_never_a_sibling_whose_id_shares_its_prefix(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道", node_id=9000)
    mine = await add_node(db, street, NodeKind.COMMUNITY, "东门社区", node_id=9005)
    sibling = await add_node(db, street, NodeKind.COMMUNITY, "西门社区", node_id=90055)
    compound = await add_node(db, mine, NodeKind.COMPOUND, "阳光小区", node_id=90056)
    await add_node(db, sibling, NodeKind.COMPOUND, "月光小区", node_id=900551)
    await add_user(db, settings, tenant.id, "li", roles=[("community_admin", mine)])
    token = await token_for(graphql, "li", county="130123")

    own = await graphql(NODE, {"id": node_id(mine)}, county="130123", headers=bearer(token))
    assert own == {
        "data": {
            "hierarchyNode": {
                "name": "东门社区",
                "depth": 3,
                "ancestors": [{"name": "正定县"}, {"name": "城关街道"}],
                "children": {"edges": [{"node": {"name": "阳光小区"}}]},
            }
        }
    }
    below = await graphql(NODE, {"id": node_id(compound)}, county="130123", headers=bearer(token))
    assert below["data"]["hierarchyNode"]["name"] == "阳光小区"  # type: ignore[index]
    denied = await graphql(NODE, {"id": node_id(sibling)}, county="130123", headers=bearer(token))
    assert error_of(denied) == ("FORBIDDEN", "您没有在此范围内进行该操作的权限")
    search = await graphql(
        '{ searchNodes(query: "小区") { edges { node { name } } } }',
        county="130123",
        headers=bearer(token),
    )
    assert search == {"data": {"searchNodes": {"edges": [{"node": {"name": "阳光小区"}}]}}}
    # The street's children, seen from the community: only the community itself.
    street_children = await graphql(
        NODE, {"id": node_id(street)}, county="130123", headers=bearer(token)
    )
    assert error_of(street_children)[0] == "FORBIDDEN"


async def test_an_id_from_another_county_reads_as_not_found(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    here = await make_tenant(county_code="130123")
    there = await make_tenant(county_code="130124")
    await add_user(
        db, settings, here.id, "wang", roles=[("county_admin", await root_of(db, here.id))]
    )
    elsewhere = await add_node(db, await root_of(db, there.id), NodeKind.TOWNSHIP, "外县街道")
    token = await token_for(graphql, "wang", county="130123")
    body = await graphql(NODE, {"id": node_id(elsewhere)}, county="130123", headers=bearer(token))
    assert error_of(body) == ("NODE_NOT_FOUND", "未找到该区划或网格节点")
    moved = await graphql(
        MOVE,
        {"id": node_id(elsewhere), "parent": node_id(await root_of(db, here.id))},
        county="130123",
        headers=bearer(token),
    )
    assert moved["data"]["moveNode"]["code"] == "NODE_NOT_FOUND"  # type: ignore[index]


async def test_creating_nodes_checks_kinds_and_division_codes(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123")
    root = await root_of(db, tenant.id)
    await add_user(db, settings, tenant.id, "wang", roles=[("county_admin", root)])
    token = await token_for(graphql, "wang", county="130123")

    async def create(parent: str, kind: str, name: str, code: str | None) -> dict[str, Any]:
        variables = {"parent": parent, "kind": kind, "name": name, "code": code}
        body = await graphql(CREATE, variables, county="130123", headers=bearer(token))
        result: dict[str, Any] = body["data"]["createNode"]  # type: ignore[index]
        return result

    street = await create(node_id(root), "TOWNSHIP", " 城关镇 ", "130123100000")
    assert street == {
        "__typename": "NodeSuccess",
        "node": {"name": "城关镇", "code": "130123100000", "kind": "TOWNSHIP", "depth": 2},
    }
    assert await create(node_id(root), "COMMUNITY", "东门社区", None) == {
        "__typename": "MutationError",
        "code": "INVALID_NODE",
        "message": "社区（村）的上级应为乡镇（街道），而“测试县”是县（区）",
        "field": "parentId",
    }
    assert (await create(node_id(root), "TOWNSHIP", "外镇", "130999100000"))["message"] == (
        "代码 130999100000 不在上级“测试县”（130123000000）的区划范围内"
    )
    assert (await create(node_id(root), "TOWNSHIP", "重名镇", "130123100000"))["code"] == (
        "NODE_CODE_TAKEN"
    )
    assert (await create(node_id(root), "TOWNSHIP", "", None))["message"] == (
        "名称不能为空，且不超过 64 个字"
    )


async def test_moving_a_community_carries_its_subtree_and_grants_and_refuses_cycles(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    root = await root_of(db, tenant.id)
    east = await add_node(db, root, NodeKind.TOWNSHIP, "东街道")
    west = await add_node(db, root, NodeKind.TOWNSHIP, "西街道")
    community = await add_node(db, east, NodeKind.COMMUNITY, "新华社区")
    compound = await add_node(db, community, NodeKind.COMPOUND, "幸福小区")
    await add_user(db, settings, tenant.id, "wang", roles=[("county_admin", root)])
    await add_user(db, settings, tenant.id, "east", roles=[("township_admin", east)])
    await add_user(db, settings, tenant.id, "leader", roles=[("compound_leader", compound)])
    admin = await token_for(graphql, "wang", county="130123")
    east_admin = await token_for(graphql, "east", county="130123")
    leader = await token_for(graphql, "leader", county="130123")
    # Warm the enforcer cache, so the move must invalidate it.
    seen = await graphql(NODE, {"id": node_id(compound)}, county="130123", headers=bearer(leader))
    assert seen["data"]["hierarchyNode"]["ancestors"][1]["name"] == "东街道"  # type: ignore[index]

    moved = await graphql(
        MOVE,
        {"id": node_id(community), "parent": node_id(west)},
        county="130123",
        headers=bearer(admin),
    )
    assert moved == {
        "data": {
            "moveNode": {
                "__typename": "NodeSuccess",
                "node": {"name": "新华社区", "ancestors": [{"name": "正定县"}, {"name": "西街道"}]},
            }
        }
    }
    after = await graphql(NODE, {"id": node_id(compound)}, county="130123", headers=bearer(leader))
    assert [a["name"] for a in after["data"]["hierarchyNode"]["ancestors"]] == [  # type: ignore[index]
        "正定县",
        "西街道",
        "新华社区",
    ]
    lost = await graphql(
        NODE, {"id": node_id(compound)}, county="130123", headers=bearer(east_admin)
    )
    assert error_of(lost)[0] == "FORBIDDEN"
    async with db.tenant_session(tenant.id) as session:
        paths = (await session.scalars(select(RoleGrant.scope_path).order_by(RoleGrant.id))).all()
    assert paths[2] == f"{root.id}.{west.id}.{community.id}.{compound.id}."

    cycle = await graphql(
        MOVE,
        {"id": node_id(west), "parent": node_id(community)},
        county="130123",
        headers=bearer(admin),
    )
    assert cycle["data"]["moveNode"] == {  # type: ignore[index]
        "__typename": "MutationError",
        "code": "NODE_MOVE_REFUSED",
        "message": "不能把“西街道”移到它自己或它的下级“新华社区”之下",
        "field": "parentId",
    }
    wrong_level = await graphql(
        MOVE,
        {"id": node_id(community), "parent": node_id(root)},
        county="130123",
        headers=bearer(admin),
    )
    assert wrong_level["data"]["moveNode"] == {  # type: ignore[index]
        "__typename": "MutationError",
        "code": "INVALID_NODE",
        "message": "社区（村）的上级应为乡镇（街道），而“正定县”是县（区）",
        "field": "parentId",
    }


async def test_the_depth_limit_refuses_a_query_nested_too_deep(
    graphql: GraphQLCall, make_tenant: MakeTenant, settings: Settings
) -> None:
    await make_tenant(county_code="130123")
    nested = "name"
    for _ in range(settings.graphql_max_depth):
        nested = f"children {{ edges {{ node {{ {nested} }} }} }}"
    body = await graphql(f'{{ hierarchyNode(id: "x") {{ {nested} }} }}', county="130123")
    errors: Any = body["errors"]
    [error] = errors
    assert "exceeds maximum operation depth" in error["message"]
