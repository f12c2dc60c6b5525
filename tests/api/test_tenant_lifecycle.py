"""Counties opened, suspended, resumed and archived by platform admins, through GraphQL."""

from typing import Any

from sqlalchemy import select

from infra.db import Database
from infra.settings import Settings
from tenants.hierarchy.models import NodeKind
from tenants.models import PLATFORM_TENANT_ID, Tenant
from tests.api.graphql_client import bearer, global_id, sign_in, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import PASSWORD, add_node, add_platform_admin, add_user, root_of

COUNTY = "130123"
SUSPENDED = "正定县已暂停使用本平台，请联系平台管理员"
OPEN = """
mutation($code: String!, $name: String!, $admin: FirstAdminInput!) {
  openCounty(countyCode: $code, name: $name, admin: $admin) {
    __typename
    ... on OpenCountySuccess {
      tenant { countyCode name status statusReason }
      admin { username name roles { role node { name depth } } }
    }
    ... on MutationError { code message field }
  }
}
"""
RESULT = """__typename ... on MutationError { code message field }
  ... on TenantSuccess { tenant { countyCode status statusReason } }"""
SUSPEND = f"""mutation($code: String!, $reason: String!) {{
  suspendTenant(countyCode: $code, reason: $reason) {{ {RESULT} }} }}"""
RESUME = f"mutation($code: String!) {{ resumeTenant(countyCode: $code) {{ {RESULT} }} }}"
ARCHIVE = f"""mutation($code: String!, $reason: String!) {{
  archiveTenant(countyCode: $code, reason: $reason) {{ {RESULT} }} }}"""
TENANTS = "query($s: TenantStatus) { tenants(status: $s) { edges { node { countyCode name } } } }"
REFRESH = """mutation($t: String!) { refreshSession(refreshToken: $t) {
  __typename ... on MutationError { code message field } } }"""
ME = "{ me { kind name roles { role node { name depth } } } }"
CHILDREN = """
query($id: ID!) { hierarchyNode(id: $id) { name children { edges { node { name } } } } }
"""
AUDIT = """
query($action: String) {
  auditLog(action: $action) {
    edges { node { action actorKind actorName objectType objectId detail } }
  }
}
"""
FIRST_ADMIN = {"username": "wang", "name": "王县管", "password": PASSWORD}


def error_of(body: dict[str, Any]) -> tuple[str, str]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"]


def result_of(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    [result] = body["data"].values()
    return dict(result)


def failure(code: str, message: str, field: str | None = "countyCode") -> dict[str, Any]:
    return {"__typename": "MutationError", "code": code, "message": message, "field": field}


async def platform_token(graphql: GraphQLCall, db: Database, settings: Settings) -> dict[str, str]:
    await add_platform_admin(db, settings, "ops")
    return bearer(await token_for(graphql, "ops", county=None))


async def open_county(
    graphql: GraphQLCall, ops: dict[str, str], admin: dict[str, str] = FIRST_ADMIN
) -> dict[str, Any]:
    variables = {"code": COUNTY, "name": " 正定县 ", "admin": admin}
    return result_of(await graphql(OPEN, variables, headers=ops))


async def change(
    graphql: GraphQLCall, ops: dict[str, str], mutation: str, **variables: str
) -> dict[str, Any]:
    return result_of(await graphql(mutation, {"code": COUNTY, **variables}, headers=ops))


async def test_a_platform_admin_opens_a_county_whose_first_admin_signs_in_at_its_root(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    ops = await platform_token(graphql, db, settings)
    opened = await open_county(graphql, ops)
    assert opened == {
        "__typename": "OpenCountySuccess",
        "tenant": {
            "countyCode": COUNTY,
            "name": "正定县",
            "status": "ACTIVE",
            "statusReason": None,
        },
        "admin": {
            "username": "wang",
            "name": "王县管",
            "roles": [{"role": "COUNTY_ADMIN", "node": {"name": "正定县", "depth": 1}}],
        },
    }
    admin = bearer(await token_for(graphql, "wang", county=COUNTY))
    me = await graphql(ME, county=COUNTY, headers=admin)
    assert me == {
        "data": {
            "me": {
                "kind": "USER",
                "name": "王县管",
                "roles": [{"role": "COUNTY_ADMIN", "node": {"name": "正定县", "depth": 1}}],
            }
        }
    }
    await make_tenant(county_code="110101", name="东城区")
    listed = result_of(await graphql(TENANTS, headers=ops))
    assert listed == {
        "edges": [
            {"node": {"countyCode": "110101", "name": "东城区"}},
            {"node": {"countyCode": COUNTY, "name": "正定县"}},
        ]
    }
    again = await open_county(graphql, ops, {**FIRST_ADMIN, "username": "li"})
    assert again == failure("COUNTY_CODE_TAKEN", f"县（区）代码 {COUNTY} 已被使用")


async def test_opening_a_county_with_a_weak_admin_password_leaves_no_county_behind(
    graphql: GraphQLCall, db: Database, settings: Settings
) -> None:
    ops = await platform_token(graphql, db, settings)
    refused = await open_county(graphql, ops, {**FIRST_ADMIN, "password": "12345678"})
    assert refused == failure(
        "WEAK_PASSWORD", "密码应为 8 到 128 位，且同时包含字母和数字", "admin.password"
    )
    assert result_of(await graphql(TENANTS, headers=ops)) == {"edges": []}
    async with db.tenant_session(PLATFORM_TENANT_ID) as session:
        assert (await session.scalars(select(Tenant.county_code))).all() == ["000000"]
    signed = await sign_in(graphql, "wang", county=COUNTY)
    assert signed["code"] == "TENANT_NOT_FOUND"
    assert signed["message"] == f"未找到县（区）代码为 {COUNTY} 的县（区）"
    # Nothing half-made stands in the way of opening it properly.
    assert (await open_county(graphql, ops))["__typename"] == "OpenCountySuccess"


async def test_a_suspended_county_refuses_every_request_and_resumes_with_nothing_lost(
    graphql: GraphQLCall, db: Database, settings: Settings
) -> None:
    ops = await platform_token(graphql, db, settings)
    await open_county(graphql, ops)
    tenant = await _tenant(db)
    root = await root_of(db, tenant.id)
    await add_node(db, root, NodeKind.TOWNSHIP, "城关镇")
    await add_user(db, settings, tenant.id, "clerk", node=root)
    session = await sign_in(graphql, "wang", county=COUNTY)
    admin = bearer(session["accessToken"])
    made = await graphql(
        """mutation($n: ID!) { createApiKey(name: "数据平台", nodeId: $n) {
             ... on ApiKeyCreated { key } } }""",
        {"n": global_id("HierarchyNode", root.id)},
        county=COUNTY,
        headers=admin,
    )
    key = bearer(result_of(made)["key"])

    suspended = await change(graphql, ops, SUSPEND, reason=" 数据核查 ")
    assert suspended == {
        "__typename": "TenantSuccess",
        "tenant": {"countyCode": COUNTY, "status": "SUSPENDED", "statusReason": "数据核查"},
    }
    assert await sign_in(graphql, "wang", county=COUNTY) == failure(
        "TENANT_SUSPENDED", SUSPENDED, None
    )
    refreshed = await graphql(REFRESH, {"t": session["refreshToken"]}, county=COUNTY)
    assert result_of(refreshed) == failure("TENANT_SUSPENDED", SUSPENDED, None)
    # The county's staff, its partner's key, and a platform admin working inside it.
    for headers in (admin, key, ops):
        body = await graphql(ME, county=COUNTY, headers=headers)
        assert error_of(body) == ("TENANT_SUSPENDED", SUSPENDED)
    again = await change(graphql, ops, SUSPEND, reason="再次")
    assert again == failure("TENANT_STATUS_REFUSED", "正定县当前已暂停，不能暂停")

    resumed = await change(graphql, ops, RESUME)
    assert resumed == {
        "__typename": "TenantSuccess",
        "tenant": {"countyCode": COUNTY, "status": "ACTIVE", "statusReason": None},
    }
    assert (await graphql(ME, county=COUNTY, headers=admin))["data"] == {
        "me": {
            "kind": "USER",
            "name": "王县管",
            "roles": [{"role": "COUNTY_ADMIN", "node": {"name": "正定县", "depth": 1}}],
        }
    }
    tree = await graphql(
        CHILDREN, {"id": global_id("HierarchyNode", root.id)}, county=COUNTY, headers=admin
    )
    assert tree["data"] == {
        "hierarchyNode": {"name": "正定县", "children": {"edges": [{"node": {"name": "城关镇"}}]}}
    }
    assert (await sign_in(graphql, "clerk", county=COUNTY))["__typename"] == "SignInSuccess"
    assert (await graphql(ME, county=COUNTY, headers=key))["data"] == {
        "me": {
            "kind": "API_KEY",
            "name": "数据平台",
            "roles": [{"role": "PARTNER", "node": {"name": "正定县", "depth": 1}}],
        }
    }


async def test_an_archived_county_is_closed_for_good(
    graphql: GraphQLCall, db: Database, settings: Settings
) -> None:
    ops = await platform_token(graphql, db, settings)
    await open_county(graphql, ops)
    admin = bearer(await token_for(graphql, "wang", county=COUNTY))
    archived = await change(graphql, ops, ARCHIVE, reason="撤县设区")
    assert archived == {
        "__typename": "TenantSuccess",
        "tenant": {"countyCode": COUNTY, "status": "ARCHIVED", "statusReason": "撤县设区"},
    }
    closed = ("TENANT_ARCHIVED", "正定县已停止使用本平台（已归档）")
    assert error_of(await graphql(ME, county=COUNTY, headers=admin)) == closed
    signed = await sign_in(graphql, "wang", county=COUNTY)
    assert (signed["code"], signed["message"]) == closed
    for mutation, variables in ((RESUME, {}), (SUSPEND, {"reason": "再核查"})):
        refused = await change(graphql, ops, mutation, **variables)
        verb = "恢复" if mutation is RESUME else "暂停"
        assert refused == failure("TENANT_STATUS_REFUSED", f"正定县当前已归档，不能{verb}")
    archived_list = await graphql(TENANTS, {"s": "ARCHIVED"}, headers=ops)
    assert result_of(archived_list) == {
        "edges": [{"node": {"countyCode": COUNTY, "name": "正定县"}}]
    }


async def test_suspending_needs_a_reason_a_known_county_and_a_platform_admin(
    graphql: GraphQLCall, db: Database, settings: Settings
) -> None:
    ops = await platform_token(graphql, db, settings)
    await open_county(graphql, ops)
    assert await change(graphql, ops, SUSPEND, reason="  ") == failure(
        "TENANT_STATUS_REFUSED", "暂停须说明原因", "reason"
    )
    assert await change(graphql, ops, ARCHIVE, reason="") == failure(
        "TENANT_STATUS_REFUSED", "归档须说明原因", "reason"
    )
    assert await change(graphql, ops, SUSPEND, reason="长" * 201) == failure(
        "TENANT_STATUS_REFUSED", "原因不超过 200 个字", "reason"
    )
    unknown = await graphql(SUSPEND, {"code": "130999", "reason": "核查"}, headers=ops)
    assert result_of(unknown) == failure(
        "TENANT_NOT_FOUND", "未找到县（区）代码为 130999 的县（区）"
    )
    platform = await graphql(SUSPEND, {"code": "000000", "reason": "核查"}, headers=ops)
    assert result_of(platform)["code"] == "INVALID_COUNTY_CODE"

    admin = bearer(await token_for(graphql, "wang", county=COUNTY))
    forbidden = await graphql(
        SUSPEND, {"code": COUNTY, "reason": "自行暂停"}, county=COUNTY, headers=admin
    )
    assert result_of(forbidden) == failure("FORBIDDEN", "您没有在此范围内进行该操作的权限", None)
    listed = await graphql(TENANTS, county=COUNTY, headers=admin)
    assert error_of(listed) == ("FORBIDDEN", "您没有在此范围内进行该操作的权限")
    assert (await graphql(ME, county=COUNTY, headers=admin))["data"] is not None


async def test_each_step_of_a_county_is_told_in_the_platform_audit_log(
    graphql: GraphQLCall, db: Database, settings: Settings
) -> None:
    ops = await platform_token(graphql, db, settings)
    await open_county(graphql, ops)
    await change(graphql, ops, SUSPEND, reason="数据核查")
    await change(graphql, ops, RESUME)
    await change(graphql, ops, ARCHIVE, reason="撤县设区")
    body = await graphql(AUDIT, headers=ops)
    entries = [edge["node"] for edge in result_of(body)["edges"]]
    lifecycle = [e for e in entries if e["action"].startswith("tenant.")]
    assert lifecycle == [
        {
            "action": action,
            "actorKind": "platform_admin",
            "actorName": "ops同志",
            "objectType": "tenant",
            "objectId": COUNTY,
            "detail": detail,
        }
        for action, detail in [
            (
                "tenant.archived",
                {"name": "正定县", "from": "active", "to": "archived", "reason": "撤县设区"},
            ),
            (
                "tenant.resumed",
                {"name": "正定县", "from": "suspended", "to": "active", "reason": None},
            ),
            (
                "tenant.suspended",
                {"name": "正定县", "from": "active", "to": "suspended", "reason": "数据核查"},
            ),
            ("tenant.created", {"name": "正定县", "admin": "wang"}),
        ]
    ]


async def test_a_step_taken_with_the_county_named_is_still_told_in_the_platform_log(
    graphql: GraphQLCall, db: Database, settings: Settings
) -> None:
    ops = await platform_token(graphql, db, settings)
    await open_county(graphql, ops)
    named = await graphql(SUSPEND, {"code": COUNTY, "reason": "核查"}, county=COUNTY, headers=ops)
    assert result_of(named)["__typename"] == "TenantSuccess"
    body = await graphql(AUDIT, {"action": "tenant.suspended"}, headers=ops)
    entries = [edge["node"] for edge in result_of(body)["edges"]]
    assert [(e["action"], e["objectId"]) for e in entries] == [("tenant.suspended", COUNTY)]


async def _tenant(db: Database) -> Tenant:
    async with db.tenant_session(PLATFORM_TENANT_ID) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.county_code == COUNTY))
    assert tenant is not None
    return tenant
