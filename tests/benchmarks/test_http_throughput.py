"""Requests/s of the full GraphQL stack against a bare Starlette route, in one run.

Target (platform foundation issue): GraphQL / bare ≥ 0.40. The same query with the parse
and validation caches off is measured too, as the baseline the caches are judged by.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from infra.db import Database
from tests.benchmarks.load import LoadResult, http_request, run_load
from tests.conftest import ClonedDatabase, MakeTenant

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = 16
GONGJIAN = str(Path(sys.executable).parent / "gongjian")
QUERY = "query CurrentTenant { tenant { id countyCode name status } }"


@contextmanager
def running_server(test_database: ClonedDatabase, **settings: str) -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")},
        "DATABASE_URL": test_database.app_url.render_as_string(hide_password=False),
        "GONGJIAN_LOG_LEVEL": "WARNING",
        **settings,
    }
    process = subprocess.Popen(
        [GONGJIAN, "up", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("server did not become ready")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _measure(port: int, request: bytes, accept: bytes) -> LoadResult:
    await run_load(port, request, seconds=2, connections=CONNECTIONS, accept=accept)  # warm up
    result = await run_load(port, request, seconds=SECONDS, connections=CONNECTIONS, accept=accept)
    assert result.failures == 0
    return result


def _line(name: str, result: LoadResult) -> str:
    p50, p99 = (result.percentile(share) * 1000 for share in (0.5, 0.99))
    return f"{name:<36} {result.per_second:8.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"


async def test_graphql_throughput_against_a_bare_route(
    test_database: ClonedDatabase, db: Database, make_tenant: MakeTenant
) -> None:
    await make_tenant(county_code="130123", name="正定县")
    bare = http_request("GET", "/healthz", {})
    graphql = http_request(
        "POST",
        "/graphql",
        {"Content-Type": "application/json", "X-County-Code": "130123"},
        json.dumps({"query": QUERY}).encode(),
    )
    with running_server(test_database) as port:
        a = await _measure(port, bare, b'"ok"')
        b = await _measure(port, graphql, b'"countyCode":"130123"')
    with running_server(test_database, GONGJIAN_GRAPHQL_CACHE_SIZE="0") as port:
        uncached = await _measure(port, graphql, b'"countyCode":"130123"')

    print()
    print(_line("(a) bare Starlette JSON route", a))
    print(_line("(b) GraphQL, tenant transaction", b))
    print(_line("(b') same, parse/validation uncached", uncached))
    print(f"ratio b/a  = {b.per_second / a.per_second:.2f}   (target ≥ 0.40)")
    print(f"ratio b'/a = {uncached.per_second / a.per_second:.2f}")
