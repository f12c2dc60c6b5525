"""Granting and revoking roles: within the granter's subtree, never above their own role."""

from typing import Any

from infra.db import Database
from infra.settings import Settings
from tenants.hierarchy.models import NodeKind
from tests.api.graphql_client import bearer, global_id, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_node, add_user, root_of

COUNTY = "130123"
GRANT = """
mutation($u: ID!, $r: Role!, $n: ID!) {
  grantRole(userId: $u, role: $r, nodeId: $n) {
    __typename
    ... on RoleGrantSuccess { grant { id role node { name } user { username } } }
    ... on MutationError { code message field }
  }
}
"""
REVOKE = """
mutation($g: ID!) {
  revokeRole(grantId: $g) { __typename ... on MutationError { code message } }
}
"""
NODE = "query($id: ID!) { hierarchyNode(id: $id) { name } }"
AUDIT = """
{ auditLog(outcome: DENIED) { edges { node { action actorName detail node { name } } } } }
"""


async def test_grants_inside_scope_take_effect_at_once_and_outside_are_refused_and_audited(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code=COUNTY)
    root = await root_of(db, tenant.id)
    east = await add_node(db, root, NodeKind.TOWNSHIP, "东街道")
    west = await add_node(db, root, NodeKind.TOWNSHIP, "西街道")
    community = await add_node(db, east, NodeKind.COMMUNITY, "新华社区")
    await add_user(db, settings, tenant.id, "county", roles=[("county_admin", root)])
    await add_user(db, settings, tenant.id, "east", roles=[("township_admin", east)])
    staff = await add_user(db, settings, tenant.id, "staff", node=community)
    township = bearer(await token_for(graphql, "east", county=COUNTY))
    staff_token = bearer(await token_for(graphql, "staff", county=COUNTY))
    user_id = global_id("User", staff.id)

    async def grant(headers: dict[str, str], role: str, node: Any) -> dict[str, Any]:
        variables = {"u": user_id, "r": role, "n": global_id("HierarchyNode", node.id)}
        body = await graphql(GRANT, variables, county=COUNTY, headers=headers)
        data: Any = body["data"]
        result: dict[str, Any] = data["grantRole"]
        return result

    before = await graphql(
        NODE, {"id": global_id("HierarchyNode", community.id)}, county=COUNTY, headers=staff_token
    )
    assert before["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]

    given = await grant(township, "COMMUNITY_ADMIN", community)
    assert given["grant"]["role"] == "COMMUNITY_ADMIN"
    assert given["grant"]["user"] == {"username": "staff"}
    # Roles are read on the server: the same token now carries the new role.
    after = await graphql(
        NODE, {"id": global_id("HierarchyNode", community.id)}, county=COUNTY, headers=staff_token
    )
    assert after == {"data": {"hierarchyNode": {"name": "新华社区"}}}

    assert await grant(township, "COMMUNITY_ADMIN", west) == {
        "__typename": "MutationError",
        "code": "GRANT_OUTSIDE_SCOPE",
        "message": "该节点不在您可以授予此角色的范围内",
        "field": None,
    }
    assert await grant(township, "COUNTY_ADMIN", east) == {
        "__typename": "MutationError",
        "code": "ROLE_NOT_GRANTABLE",
        "message": "您不能授予此角色（不能授予高于本人的角色）",
        "field": None,
    }
    assert (await grant(township, "COMMUNITY_ADMIN", community))["code"] == "GRANT_EXISTS"

    county = bearer(await token_for(graphql, "county", county=COUNTY))
    denied = await graphql(AUDIT, county=COUNTY, headers=county)
    entries = [edge["node"] for edge in denied["data"]["auditLog"]["edges"]]  # type: ignore[index]
    summary = [
        (e["action"], e["actorName"], e["detail"].get("code"), e["node"]["name"]) for e in entries
    ]
    assert summary == [
        ("role_grant.grant:county_admin", "east同志", "ROLE_NOT_GRANTABLE", "东街道"),
        ("role_grant.grant:community_admin", "east同志", "GRANT_OUTSIDE_SCOPE", "西街道"),
        ("node.read", "staff同志", None, "新华社区"),
    ]

    revoked = await graphql(REVOKE, {"g": given["grant"]["id"]}, county=COUNTY, headers=township)
    assert revoked == {"data": {"revokeRole": {"__typename": "RoleGrantSuccess"}}}
    gone = await graphql(
        NODE, {"id": global_id("HierarchyNode", community.id)}, county=COUNTY, headers=staff_token
    )
    assert gone["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]
