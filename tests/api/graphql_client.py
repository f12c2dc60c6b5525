"""Signing in through the API and calling it with the token, as a client does."""

from collections.abc import Awaitable
from typing import Any

from sqlalchemy import Connection, event

from infra.db import Database
from tests.conftest import GraphQLCall
from tests.factories import PASSWORD

SIGN_IN = """
mutation($u: String!, $p: String!) {
  signIn(username: $u, password: $p) {
    __typename
    ... on SignInSuccess { accessToken refreshToken user { username } }
    ... on MutationError { code message field }
  }
}
"""


async def sign_in(
    graphql: GraphQLCall, username: str, *, county: str | None, password: str = PASSWORD
) -> dict[str, Any]:
    body = await graphql(SIGN_IN, {"u": username, "p": password}, county=county)
    result: dict[str, Any] = body["data"]["signIn"]  # type: ignore[index]
    return result


async def token_for(graphql: GraphQLCall, username: str, *, county: str | None) -> str:
    result = await sign_in(graphql, username, county=county)
    assert result["__typename"] == "SignInSuccess", result
    token: str = result["accessToken"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def global_id(type_name: str, local: object) -> str:
    import base64

    return base64.b64encode(f"{type_name}:{local}".encode()).decode()


async def statements_during(db: Database, request: Awaitable[dict[str, Any]]) -> int:
    """How many SQL statements the app sent while `request` ran (which must succeed): the
    query-count tests' measure."""
    seen: list[str] = []

    def count(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        body = await request
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert "errors" not in body, body
    return len(seen)
