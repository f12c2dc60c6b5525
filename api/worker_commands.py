"""`gongjian worker`, `gongjian relay`, `gongjian scheduler`, and the background work
`gongjian up` runs beside the web server."""

import asyncio
import contextlib
import importlib
import logging
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from typing import Any

import dramatiq
from dramatiq import Worker
from prometheus_client import start_http_server

from infra.actors import worker_database
from infra.broker import BrokerNotConfigured, build_broker, is_in_process
from infra.db import Database
from infra.observability import init_sentry
from infra.relay import Relay
from infra.scheduler import Scheduler
from infra.settings import Settings
from services.notifications import channels as notification_channels

log = logging.getLogger("gongjian")

NEEDS_BROKER = (
    "未设置 BROKER_URL：不设置时，消息队列和 worker 随 gongjian up 在同一进程内运行；"
    "要单独运行 {command}，请设置 BROKER_URL（redis://… 或 amqp://…）"
)
NEEDS_DATABASE = (
    "单独运行 {command} 需要 DATABASE_URL：内嵌数据库只随 gongjian up 运行，"
    "请把它指向 gongjian up 所用的（或外部的）PostgreSQL"
)
# How long stopping workers waits for the messages in hand (milliseconds).
WORKER_STOP_MS = 30_000


def import_modules(modules: Iterable[str]) -> None:
    """Modules that register more consumers or jobs (plug-ins, tests) by being imported."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            sys.exit(f"无法导入模块 {module}：{error}")


def _require(settings: Settings, command: str, *, broker: bool) -> None:
    if broker and not settings.broker_url:
        sys.exit(NEEDS_BROKER.format(command=command))
    if not settings.database_url:
        sys.exit(NEEDS_DATABASE.format(command=command))


def _broker(settings: Settings) -> dramatiq.Broker:
    try:
        return build_broker(settings)
    except BrokerNotConfigured as error:
        sys.exit(str(error))


def _serve_metrics(settings: Settings) -> None:
    if settings.metrics_port is not None:
        start_http_server(settings.metrics_port)


def _until_signalled() -> threading.Event:
    """An event set by SIGINT or SIGTERM (the first; a second one is left to the default)."""
    stopping = threading.Event()

    def handle(signum: int, _frame: object) -> None:
        stopping.set()
        signal.signal(signum, signal.SIG_DFL)

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stopping


def start_worker(settings: Settings, broker: dramatiq.Broker, database_url: str) -> Worker:
    worker_database.configure(database_url, pool_size=settings.worker_threads)
    worker = Worker(broker, worker_threads=settings.worker_threads)
    worker.start()
    return worker


def run_worker(settings: Settings, modules: list[str]) -> None:
    _require(settings, "worker", broker=True)
    import_modules(modules)
    init_sentry(settings)
    broker = _broker(settings)
    _serve_metrics(settings)
    stopping = _until_signalled()
    assert settings.database_url is not None
    worker = start_worker(settings, broker, settings.database_url)
    print(f"worker 已启动：{settings.worker_threads} 个线程", flush=True)
    stopping.wait()
    worker.stop(timeout=WORKER_STOP_MS)
    print("worker 已停止", flush=True)


async def _until_stopped(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


def run_relay(settings: Settings, modules: list[str]) -> None:
    _require(settings, "relay", broker=True)
    import_modules(modules)
    init_sentry(settings)
    broker = _broker(settings)
    _serve_metrics(settings)

    _run_until_stopped(
        settings, "relay", lambda database, stop: _relay(settings, database, broker).run(stop)
    )


def run_scheduler(settings: Settings, modules: list[str]) -> None:
    _require(settings, "scheduler", broker=False)
    import_modules(modules)
    init_sentry(settings)
    _serve_metrics(settings)

    _run_until_stopped(
        settings,
        "scheduler",
        lambda database, stop: _scheduler(settings, database).run_forever(stop),
    )


def _run_until_stopped(
    settings: Settings,
    name: str,
    loop: Callable[[Database, asyncio.Event], Coroutine[Any, Any, None]],
) -> None:
    """Run `loop` on its own small pool until SIGINT or SIGTERM, then let it finish."""

    async def work() -> None:
        assert settings.database_url is not None
        database = Database(settings.database_url, pool_size=2, max_overflow=0)
        stop = asyncio.Event()
        try:
            running = asyncio.create_task(loop(database, stop))
            print(f"{name} 已启动", flush=True)
            await _until_stopped(stop)
            await running
        finally:
            await database.dispose()

    asyncio.run(work())
    print(f"{name} 已停止", flush=True)


def _relay(settings: Settings, database: Database, broker: dramatiq.Broker) -> Relay:
    return Relay(
        database,
        broker,
        batch_size=settings.relay_batch_size,
        message_size=settings.relay_message_size,
        poll_seconds=settings.relay_poll_seconds,
        max_backoff_seconds=settings.relay_max_backoff_seconds,
    )


def _scheduler(settings: Settings, database: Database) -> Scheduler:
    """The scheduler, with the notification channels its sender job sends through."""
    notification_channels.configure(settings)
    return Scheduler(database)


@asynccontextmanager
async def background(
    settings: Settings, database: Database, database_url: str
) -> AsyncIterator[None]:
    """What `gongjian up` runs beside the web server: the relay; and with no BROKER_URL
    the in-process broker's worker and the scheduler too. Stopped when the block ends."""
    broker = _broker(settings)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_relay(settings, database, broker).run(stop), name="relay")]
    worker: Worker | None = None
    if is_in_process(broker):
        worker = start_worker(settings, broker, database_url)
        scheduler = _scheduler(settings, database)
        tasks.append(asyncio.create_task(scheduler.run_forever(stop), name="scheduler"))
    try:
        yield
    finally:
        stop.set()
        try:
            for task in tasks:
                with contextlib.suppress(Exception):
                    await task
        finally:
            # Even if cancelled: the worker's threads would keep the process alive.
            if worker is not None:
                worker.stop(WORKER_STOP_MS)
