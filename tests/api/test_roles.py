"""Every role's permissions, exercised through GraphQL against what the policy says."""

from typing import Any

import pytest

from infra.db import Database
from infra.settings import Settings
from policies.enforcer import default_permissions
from policies.roles import Role
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import bearer, global_id, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_node, add_user, root_of

COUNTY = "130123"


def nid(node: Node) -> str:
    return global_id("HierarchyNode", node.id)


def mutation_outcome(body: dict[str, Any], field: str) -> bool:
    """True if the mutation succeeded; False if refused for lack of permission."""
    result = body["data"][field]
    if result["__typename"] == "MutationError":
        assert result["code"] in ("FORBIDDEN", "GRANT_OUTSIDE_SCOPE", "ROLE_NOT_GRANTABLE"), result
        return False
    return True


def query_outcome(body: dict[str, Any]) -> bool:
    if "errors" in body:
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        return False
    return True


async def seed(graphql: GraphQLCall, admin: str, community: Node) -> dict[str, str]:
    """A user, a grant and a partner key at the community, made by the county admin."""
    made = await graphql(
        """mutation($n: ID!) { createUser(username: "seed", name: "种子", password: "Seed12345",
             nodeId: $n) { ... on UserSuccess { user { id } } } }""",
        {"n": nid(community)},
        county=COUNTY,
        headers=bearer(admin),
    )
    user_id = made["data"]["createUser"]["user"]["id"]  # type: ignore[index]
    await graphql(
        """mutation($u: ID!, $n: ID!) { grantRole(userId: $u, role: MEMBER, nodeId: $n)
             { __typename } }""",
        {"u": user_id, "n": nid(community)},
        county=COUNTY,
        headers=bearer(admin),
    )
    await graphql(
        """mutation($n: ID!) { createApiKey(name: "12345 热线", nodeId: $n) { __typename } }""",
        {"n": nid(community)},
        county=COUNTY,
        headers=bearer(admin),
    )
    return {"user": user_id}


async def observed(
    graphql: GraphQLCall, token: str, community: Node, seeded: dict[str, str]
) -> dict[tuple[str, str], bool]:
    h = bearer(token)
    c = nid(community)

    async def call(query: str, variables: dict[str, object] | None = None) -> dict[str, Any]:
        return await graphql(query, variables or {}, county=COUNTY, headers=h)

    def listed(body: dict[str, Any], field: str) -> bool:
        return bool(body["data"][field]["edges"])

    outcome = {
        ("node", "read"): query_outcome(
            await call("query($id: ID!) { hierarchyNode(id: $id) { name } }", {"id": c})
        ),
        ("node", "create"): mutation_outcome(
            await call(
                """mutation($p: ID!) { createNode(parentId: $p, kind: COMPOUND, name: "新小区")
                     { __typename ... on MutationError { code } } }""",
                {"p": c},
            ),
            "createNode",
        ),
        ("node", "update"): mutation_outcome(
            await call(
                """mutation($id: ID!) { updateNode(id: $id, name: "东门社区")
                     { __typename ... on MutationError { code } } }""",
                {"id": c},
            ),
            "updateNode",
        ),
        ("user", "create"): mutation_outcome(
            await call(
                """mutation($n: ID!) { createUser(username: "new1", name: "新人",
                     password: "Newbie2026", nodeId: $n)
                     { __typename ... on MutationError { code } } }""",
                {"n": c},
            ),
            "createUser",
        ),
        ("user", "read"): listed(
            await call('{ users(search: "seed") { edges { node { id } } } }'), "users"
        ),
        ("role_grant", "read"): listed(
            await call("{ roleGrants { edges { node { role } } } }"), "roleGrants"
        ),
        ("role_grant", "grant:member"): mutation_outcome(
            await call(
                """mutation($u: ID!, $n: ID!) { grantRole(userId: $u, role: COMPOUND_LEADER,
                     nodeId: $n) { __typename ... on MutationError { code } } }""",
                {"u": seeded["user"], "n": c},
            ),
            "grantRole",
        ),
        ("api_key", "read"): listed(
            await call("{ apiKeys { edges { node { name } } } }"), "apiKeys"
        ),
        ("api_key", "create"): mutation_outcome(
            await call(
                """mutation($n: ID!) { createApiKey(name: "数据平台", nodeId: $n)
                     { __typename ... on MutationError { code } } }""",
                {"n": c},
            ),
            "createApiKey",
        ),
        ("audit_log", "read"): listed(
            await call("{ auditLog(first: 5) { edges { node { action } } } }"), "auditLog"
        ),
    }
    return outcome


# The grant above is of compound_leader; the policy line it exercises:
GRANT_CHECKED = ("role_grant", "grant:compound_leader")


@pytest.mark.parametrize(
    "role",
    [r for r in Role if r not in (Role.PLATFORM_ADMIN, Role.PARTNER)],
    ids=lambda r: r.value,
)
async def test_each_role_may_do_exactly_what_the_policy_grants_at_its_node(
    role: Role, graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code=COUNTY)
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道")
    community = await add_node(db, street, NodeKind.COMMUNITY, "东门社区")
    await add_user(db, settings, tenant.id, "county", roles=[("county_admin", root)])
    await add_user(
        db, settings, tenant.id, "holder", node=community, roles=[(role.value, community)]
    )
    seeded = await seed(graphql, await token_for(graphql, "county", county=COUNTY), community)
    token = await token_for(graphql, "holder", county=COUNTY)

    seen = await observed(graphql, token, community, seeded)

    permissions = default_permissions()
    expected = {
        (resource, action): permissions.allows(
            role.value, resource, GRANT_CHECKED[1] if action == "grant:member" else action
        )
        for resource, action in seen
    }
    assert seen == expected


async def test_a_partner_key_reads_its_subtree_and_changes_nothing(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code=COUNTY)
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道")
    other = await add_node(db, root, NodeKind.TOWNSHIP, "城南街道")
    await add_user(db, settings, tenant.id, "county", roles=[("county_admin", root)])
    admin = bearer(await token_for(graphql, "county", county=COUNTY))
    created = await graphql(
        """mutation($n: ID!) { createApiKey(name: "12345 热线", nodeId: $n) {
             ... on ApiKeyCreated { key apiKey { id prefix lastUsedAt } } } }""",
        {"n": nid(street)},
        county=COUNTY,
        headers=admin,
    )
    made = created["data"]["createApiKey"]  # type: ignore[index]
    assert made["key"].startswith(made["apiKey"]["prefix"])
    assert made["apiKey"]["lastUsedAt"] is None
    key = bearer(made["key"])

    me = await graphql(
        "{ me { kind name roles { role node { name } } } }", county=COUNTY, headers=key
    )
    assert me == {
        "data": {
            "me": {
                "kind": "API_KEY",
                "name": "12345 热线",
                "roles": [{"role": "PARTNER", "node": {"name": "城关街道"}}],
            }
        }
    }
    outside = await graphql(
        "query($id: ID!) { hierarchyNode(id: $id) { name } }",
        {"id": nid(other)},
        county=COUNTY,
        headers=key,
    )
    assert outside["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]
    listed = await graphql(
        "{ apiKeys { edges { node { lastUsedAt } } } }", county=COUNTY, headers=admin
    )
    assert listed["data"]["apiKeys"]["edges"][0]["node"]["lastUsedAt"] is not None  # type: ignore[index]

    revoked = await graphql(
        "mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }",
        {"id": made["apiKey"]["id"]},
        county=COUNTY,
        headers=admin,
    )
    assert revoked == {"data": {"revokeApiKey": {"__typename": "ApiKeyRevoked"}}}
    after = await graphql("{ me { kind } }", county=COUNTY, headers=key)
    assert after["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
    assert after["errors"][0]["message"] == "该接口密钥已吊销"  # type: ignore[index]
