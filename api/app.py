"""The Starlette application: GraphQL, health, readiness and metrics."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from api.context import COUNTY_HEADER, Context
from api.schema import build_schema
from api.uploads import UploadLimit
from api.websocket import (
    SUBSCRIPTIONS_OVER_WEBSOCKET,
    EventStreamHandler,
    EventStreams,
    StreamContext,
    StreamLimits,
    is_subscription,
)
from infra import migrate
from infra.db import Database, libpq_url
from infra.observability import RequestMiddleware
from infra.personal_data import PersonalData
from infra.settings import Settings
from policies.listener import GrantListener
from services.identity.credentials import IdentityConfig


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = EventStreamHandler

    def __init__(self, settings: Settings, database: Database, streams: EventStreams) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.debug else None,
            allow_queries_via_get=False,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            # Workbook imports arrive as GraphQL multipart uploads (the size is checked
            # before the body is read, by UploadLimit).
            multipart_uploads_enabled=True,
            # EventStreamHandler applies its own limit, refusing in zh-CN.
            max_subscriptions_per_connection=None,
        )
        self.settings = settings
        self.database = database
        self.identity = IdentityConfig.from_settings(settings)
        self.personal = PersonalData.from_settings(settings)
        self.streams = streams

    def encode_json(self, data: object) -> str:
        # Chinese as it is, not \\u escapes: readable and a third of the size.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        if isinstance(request, WebSocket):
            # Lives as long as the connection; the county comes with connection_init.
            return StreamContext(
                request=request,
                settings=self.settings,
                identity=self.identity,
                personal=self.personal,
                uow=self.database.unit_of_work(),
                county_code=None,
                streams=self.streams,
            )
        return Context(
            request=request,
            settings=self.settings,
            identity=self.identity,
            personal=self.personal,
            uow=self.database.unit_of_work(),
            county_code=request.headers.get(COUNTY_HEADER),
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        # Over plain HTTP a subscription would run as a query and answer null.
        if is_subscription(request_data.query, request_data.operation_name):
            raise HTTPException(400, SUBSCRIPTIONS_OVER_WEBSOCKET)
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

    async def on_ws_connect(self, context: Context) -> None:
        assert isinstance(context, StreamContext)
        await context.connect()


def create_app(settings: Settings, database: Database) -> Starlette:
    """The app over a provisioned database; its connections are closed at shutdown."""

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        try:
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                current = await migrate.current_revision(connection)
        except (OSError, SQLAlchemyError):
            return JSONResponse({"status": "unavailable", "reason": "数据库无法连接"}, 503)
        head = migrate.head_revision()
        if current != head:
            return JSONResponse(
                {
                    "status": "unavailable",
                    "reason": "数据库结构不是最新版本，请运行 gongjian migrate",
                    "revision": current,
                    "expected": head,
                },
                503,
            )
        return JSONResponse({"status": "ready", "revision": current})

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    streams = EventStreams(
        database,
        StreamLimits(
            subscriptions_per_connection=settings.subscriptions_per_connection,
            connections_per_api_key=settings.subscription_connections_per_api_key,
        ),
    )
    graphql = GraphQLView(settings, database, streams)
    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        listener = GrantListener(libpq_url(database.url))
        listener.start()
        try:
            yield
        finally:
            await listener.stop()
            await streams.stop()
            await database.dispose()

    app = Starlette(debug=settings.debug, routes=routes, lifespan=lifespan)
    known_paths = frozenset(route.path for route in routes if isinstance(route, Route))
    app.add_middleware(UploadLimit, max_bytes=settings.import_max_bytes)
    app.add_middleware(RequestMiddleware, known_paths=known_paths)
    return app
