"""Signing in, refreshing, signing out, and what bad credentials get (through GraphQL)."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from infra.db import Database
from infra.settings import Settings
from policies.audit import AuditEntry
from services.identity.credentials import AccessClaims, IdentityConfig, now
from tests.api.graphql_client import bearer, sign_in, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_platform_admin, add_user, root_of

ME = "{ me { kind name roles { role node { name depth } } } }"
REFRESH = """
mutation($t: String!) {
  refreshSession(refreshToken: $t) {
    __typename
    ... on SignInSuccess { accessToken refreshToken }
    ... on MutationError { code message }
  }
}
"""
SIGN_OUT = "mutation { signOut { __typename } }"


def error_of(body: dict[str, Any]) -> tuple[str, str]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"]


async def test_a_county_admin_signs_in_and_sees_their_roles_read_from_the_database(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    root = await root_of(db, tenant.id)
    await add_user(db, settings, tenant.id, "wang", roles=[("county_admin", root)])
    token = await token_for(graphql, "Wang ", county="130123")
    body = await graphql(ME, county="130123", headers=bearer(token))
    assert body == {
        "data": {
            "me": {
                "kind": "USER",
                "name": "wang同志",
                "roles": [{"role": "COUNTY_ADMIN", "node": {"name": "正定县", "depth": 1}}],
            }
        }
    }


async def test_unknown_account_and_wrong_password_get_the_same_answer_and_are_audited(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123")
    await add_user(db, settings, tenant.id, "wang")
    wrong = await sign_in(graphql, "wang", county="130123", password="nope-1234")
    unknown = await sign_in(graphql, "nobody", county="130123", password="nope-1234")
    expected = {
        "__typename": "MutationError",
        "code": "INVALID_CREDENTIALS",
        "message": "账号或密码错误",
        "field": None,
    }
    assert wrong == unknown == expected
    async with db.tenant_session(tenant.id) as session:
        failures = (
            await session.scalars(
                select(AuditEntry.actor_name).where(AuditEntry.action == "session.sign_in")
            )
        ).all()
    assert sorted(name or "" for name in failures) == ["nobody", "wang"]


async def test_repeated_failures_lock_the_name_whether_or_not_it_exists(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123")
    await add_user(db, settings, tenant.id, "wang")
    for username in ("wang", "nobody"):
        for _ in range(settings.sign_in_failures_before_lock):
            await sign_in(graphql, username, county="130123", password="nope-1234")
    # Locked now: even the right password is refused, with the same words for both names.
    locked = await sign_in(graphql, "wang", county="130123")
    unknown = await sign_in(graphql, "nobody", county="130123")
    assert (
        locked
        == unknown
        == {
            "__typename": "MutationError",
            "code": "ACCOUNT_LOCKED",
            "message": "登录失败次数过多，该账号已暂时锁定，请 1 分钟后再试",
            "field": None,
        }
    )


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123")
    await add_user(db, settings, tenant.id, "wang")
    first = await sign_in(graphql, "wang", county="130123")
    rotated = (await graphql(REFRESH, {"t": first["refreshToken"]}, county="130123"))["data"]
    new = rotated["refreshSession"]  # type: ignore[index]
    assert new["__typename"] == "SignInSuccess"
    assert new["refreshToken"] != first["refreshToken"]
    # The replaced token again: someone copied it, so the whole session ends.
    reused = await graphql(REFRESH, {"t": first["refreshToken"]}, county="130123")
    assert error_of(reused) == ("UNAUTHENTICATED", "登录已失效，请重新登录")
    after = await graphql(REFRESH, {"t": new["refreshToken"]}, county="130123")
    assert error_of(after) == ("UNAUTHENTICATED", "登录已失效，请重新登录")
    me = await graphql(ME, county="130123", headers=bearer(new["accessToken"]))
    assert error_of(me) == ("UNAUTHENTICATED", "登录已失效，请重新登录")


async def test_signing_out_revokes_the_access_token(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123")
    await add_user(db, settings, tenant.id, "wang")
    token = await token_for(graphql, "wang", county="130123")
    out = await graphql(SIGN_OUT, county="130123", headers=bearer(token))
    assert out == {"data": {"signOut": {"__typename": "Done"}}}
    again = await graphql(ME, county="130123", headers=bearer(token))
    assert error_of(again) == ("UNAUTHENTICATED", "登录已失效，请重新登录")


async def test_forged_expired_missing_and_foreign_tokens_are_unauthenticated(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123")
    await make_tenant(county_code="130124")
    user = await add_user(db, settings, tenant.id, "wang")
    token = await token_for(graphql, "wang", county="130123")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    config = IdentityConfig.from_settings(settings)
    claims = AccessClaims(user_id=user.id, tenant_id=tenant.id, session_id=user.id)
    expired, _ = config.access_token(claims, now() - timedelta(hours=1))
    cases = {
        "forged": (forged, "130123", "登录凭证无效，请重新登录"),
        "garbage": ("not-a-token", "130123", "登录凭证无效，请重新登录"),
        "expired": (expired, "130123", "登录已过期，请刷新登录或重新登录"),
        "another county": (token, "130124", "登录凭证不属于该县（区），请重新登录"),
    }
    for name, (presented, county, message) in cases.items():
        body = await graphql(ME, county=county, headers=bearer(presented))
        assert error_of(body) == ("UNAUTHENTICATED", message), name
    assert error_of(await graphql(ME, county="130123")) == ("UNAUTHENTICATED", "请先登录")


async def test_a_platform_admin_signs_in_without_a_county_and_acts_in_any_county(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    await add_platform_admin(db, settings, "ops")
    token = await token_for(graphql, "ops", county=None)
    me = await graphql("{ me { kind name roles { role } } }", headers=bearer(token))
    assert me == {"data": {"me": {"kind": "PLATFORM_ADMIN", "name": "ops同志", "roles": []}}}
    # The same account name in a county is another account.
    county = await sign_in(graphql, "ops", county="130123")
    assert county["code"] == "INVALID_CREDENTIALS"
    root = await root_of(db, tenant.id)
    found = await graphql(
        "query($q: String!) { searchNodes(query: $q) { edges { node { name } } } }",
        {"q": "正定"},
        county="130123",
        headers=bearer(token),
    )
    assert found == {"data": {"searchNodes": {"edges": [{"node": {"name": root.name}}]}}}


async def test_the_audit_log_is_append_only_for_the_app(
    db: Database, make_tenant: MakeTenant, graphql: GraphQLCall
) -> None:
    tenant = await make_tenant(county_code="130123")
    await sign_in(graphql, "nobody", county="130123", password="nope-1234")
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="permission denied for table audit_log"):
            async with db.tenant_session(tenant.id) as session:
                await session.execute(text(statement))
