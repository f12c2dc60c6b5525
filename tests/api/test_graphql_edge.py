"""The GraphQL edge as a client meets it: the county header, limits, masked faults."""

import base64

import httpx
import pytest
from sqlalchemy import update

from api.errors import INTERNAL_ERROR_MESSAGE, MALFORMED_ID_MESSAGE
from infra import migrate
from infra.db import Database
from infra.settings import Settings
from tenants.models import Tenant, TenantStatus
from tests.api.graphql_client import bearer, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_user, root_of

TENANT_QUERY = "query CurrentTenant { tenant { id countyCode name status } }"


async def test_a_client_reads_its_county(graphql: GraphQLCall, make_tenant: MakeTenant) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    body = await graphql(TENANT_QUERY, county="130123")
    global_id = base64.b64encode(f"Tenant:{tenant.id}".encode()).decode()
    assert body == {
        "data": {
            "tenant": {
                "id": global_id,
                "countyCode": "130123",
                "name": "正定县",
                "status": "ACTIVE",
            }
        }
    }


@pytest.mark.parametrize(
    ("county", "code", "message"),
    [
        (
            None,
            "TENANT_NOT_FOUND",
            "请求未指明县（区）：请在请求头 X-County-Code 中给出县（区）代码",
        ),
        ("990000", "TENANT_NOT_FOUND", "未找到县（区）代码为 990000 的县（区）"),
        ("13-123", "INVALID_COUNTY_CODE", "县（区）代码应为 6 位数字，收到的是“13-123”"),
    ],
)
async def test_a_request_without_a_known_county_gets_a_clear_error(
    graphql: GraphQLCall, county: str | None, code: str, message: str
) -> None:
    body = await graphql(TENANT_QUERY, county=county)
    assert body["data"] is None
    errors = body["errors"]
    assert isinstance(errors, list)
    assert [(e["message"], e["extensions"]["code"]) for e in errors] == [(message, code)]


async def test_a_suspended_county_is_told_so(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database
) -> None:
    tenant = await make_tenant(county_code="130123", name="正定县")
    async with db.unit_of_work() as uow:
        await (await uow.session()).execute(
            update(Tenant).where(Tenant.id == tenant.id).values(status=TenantStatus.SUSPENDED)
        )
    body = await graphql(TENANT_QUERY, county="130123")
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "正定县已暂停使用本平台，请联系平台管理员",
                "locations": [{"line": 1, "column": 23}],
                "path": ["tenant"],
                "extensions": {"code": "TENANT_SUSPENDED"},
            }
        ],
    }


async def test_an_unexpected_fault_is_masked(
    graphql: GraphQLCall, make_tenant: MakeTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_tenant(county_code="130123")

    def broken(tenant: Tenant) -> None:
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr("api.types.tenant.TenantType.from_model", broken)
    body = await graphql(TENANT_QUERY, county="130123")
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": INTERNAL_ERROR_MESSAGE,
            "locations": [{"line": 1, "column": 23}],
            "path": ["tenant"],
            "extensions": {"code": "INTERNAL_ERROR"},
        }
    ]


async def test_too_many_aliases_are_refused(graphql: GraphQLCall) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(31))
    body = await graphql(f"{{ {aliases} }}")
    errors = body["errors"]
    assert isinstance(errors, list)
    assert [e["message"] for e in errors] == [
        "31 aliases found. Allowed: 30",
    ]


async def test_a_query_of_too_many_tokens_is_refused(graphql: GraphQLCall) -> None:
    body = await graphql("{ " + "__typename " * 4001 + "}")
    errors = body["errors"]
    assert isinstance(errors, list)
    assert [e["message"] for e in errors] == [
        "Syntax Error: Document contains more than 4000 tokens. Parsing aborted."
    ]


async def test_queries_are_not_served_over_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code in (400, 404, 405)


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    ready = await client.get("/readyz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "ready", "revision": migrate.head_revision()},
    )


async def test_responses_carry_the_request_id(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    made = await client.get("/healthz")
    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    await client.get("/no/such/page")
    metrics = (await client.get("/metrics")).text
    assert 'gongjian_http_requests_total{method="GET",path="/healthz",status="200"}' in metrics
    assert 'path="/no/such/page"' not in metrics
    assert 'gongjian_http_requests_total{method="GET",path="other",status="404"}' in metrics


async def test_an_id_that_is_not_an_id_is_refused_as_bad_input(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code="130123")
    root = await root_of(db, tenant.id)
    await add_user(db, settings, tenant.id, "admin", node=root, roles=[("county_admin", root)])
    token = bearer(await token_for(graphql, "admin", county="130123"))
    body = await graphql(
        'query { activity(id: "garbage!") { id } }', county="130123", headers=token
    )
    assert body["errors"] == [
        {
            "message": MALFORMED_ID_MESSAGE,
            "locations": [{"line": 1, "column": 9}],
            "path": ["activity"],
            "extensions": {"code": "INVALID_INPUT"},
        }
    ]
