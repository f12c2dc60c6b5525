"""Faults reach Sentry with the county as a tag and without what the client sent."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from infra.db import Database
from infra.observability import init_sentry
from infra.settings import Settings
from tenants.models import Tenant
from tests.conftest import MakeTenant, asgi_client


class MemoryTransport(Transport):
    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        for item in envelope.items:
            if item.type == "event":
                payload = item.payload.json
                assert payload is not None
                self.events.append(payload)


@pytest.fixture
def sentry(settings: Settings) -> Iterator[MemoryTransport]:
    transport = MemoryTransport()
    with_dsn = settings.model_copy(update={"sentry_dsn": "http://public@sentry.invalid/1"})
    assert init_sentry(with_dsn, transport=transport)
    try:
        yield transport
    finally:
        sentry_sdk.get_client().close()
        # An inert client: no DSN, and no integrations left patching later tests' apps.
        sentry_sdk.init(default_integrations=False, auto_enabling_integrations=False)


def test_sentry_stays_off_without_a_dsn(settings: Settings) -> None:
    assert init_sentry(settings) is False


async def test_an_unexpected_resolver_error_reaches_sentry_with_the_tenant_tag(
    sentry: MemoryTransport,
    settings: Settings,
    db: Database,
    make_tenant: MakeTenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await make_tenant(county_code="130123", name="正定县")

    def broken(tenant: Tenant) -> None:
        raise RuntimeError("resolver fault")

    monkeypatch.setattr("api.types.tenant.TenantType.from_model", broken)
    async with asgi_client(settings, db) as client:
        response = await client.post(
            "/graphql",
            json={
                "query": "query Who($show: Boolean!) { tenant { name @include(if: $show) } }"
                " # 联系电话 13800138000",
                "variables": {"show": True},
            },
            headers={"X-County-Code": "130123", "Authorization": "Bearer secret-token"},
        )
    sentry_sdk.flush()
    assert response.json()["errors"][0].get("extensions") == {"code": "INTERNAL_ERROR"}, (
        response.json()
    )

    assert len(sentry.events) == 1, [e.get("exception") for e in sentry.events]
    event = sentry.events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["exception"]["values"][-1]["value"] == "resolver fault"
    assert event["tags"]["tenant"] == "130123"
    assert "data" not in event.get("request", {})
    everything = json.dumps(event, ensure_ascii=False)
    assert "13800138000" not in everything
    assert "secret-token" not in everything
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert all("vars" not in frame for frame in frames)


async def test_expected_errors_do_not_reach_sentry(
    sentry: MemoryTransport, settings: Settings, db: Database
) -> None:
    async with asgi_client(settings, db) as client:
        not_found = await client.post(
            "/graphql", json={"query": "{ tenant { name } }"}, headers={"X-County-Code": "990000"}
        )
        invalid = await client.post("/graphql", json={"query": "{ nothing }"})
    sentry_sdk.flush()
    assert not_found.json()["errors"][0]["extensions"] == {"code": "TENANT_NOT_FOUND"}
    assert invalid.json()["errors"]
    assert sentry.events == []
