"""`gongjian`: run the platform, migrate the database, open a county, export the schema.

It lives in api/ because it composes every layer (it serves the app): the top of the
one-way import flow, so nothing below it has to import `api`.
"""

import argparse
import asyncio
import contextlib
import getpass
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from api.worker_commands import (
    background,
    import_modules,
    run_relay,
    run_scheduler,
    run_worker,
)
from infra import migrate
from infra.bootstrap import Provisioned, provision
from infra.db import Database, verify_app_role
from infra.errors import DomainError
from infra.observability import configure_logging, init_sentry
from infra.settings import Settings, get_settings

# The app, the schema and the domains are imported by the commands that use them: loading
# them all (the schema, the policy) takes seconds, which `gongjian worker`, `relay` and
# `scheduler` — restarted by an orchestrator at any time — should not pay.

log = logging.getLogger("gongjian")

T = TypeVar("T")

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "graphql" / "schema.graphql"


IMPORT_ARGS = ("--import",)
IMPORT_OPTIONS: dict[str, Any] = {
    "dest": "modules",
    "action": "append",
    "default": [],
    "metavar": "MODULE",
    "help": "先导入该模块（登记更多事件消费者或定时任务），可重复",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gongjian", description="共建：双报到、双服务平台")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="运行平台（未设置 DATABASE_URL 时使用内嵌 PostgreSQL）")
    up.add_argument("--host", help="监听地址（默认 GONGJIAN_HOST 或 127.0.0.1）")
    up.add_argument("--port", type=int, help="监听端口（默认 GONGJIAN_PORT 或 8000）")
    up.add_argument(
        "--demo", action="store_true", help="没有演示县时先建立演示县（正定县），并打印登录信息"
    )
    up.add_argument(*IMPORT_ARGS, **IMPORT_OPTIONS)
    worker = commands.add_parser(
        "worker", help="运行处理消息的 worker（需要 BROKER_URL 和 DATABASE_URL）"
    )
    worker.add_argument(*IMPORT_ARGS, **IMPORT_OPTIONS)
    relay = commands.add_parser(
        "relay", help="运行事件中继：把新事件交给消息队列（需要 BROKER_URL 和 DATABASE_URL）"
    )
    relay.add_argument(*IMPORT_ARGS, **IMPORT_OPTIONS)
    scheduler = commands.add_parser(
        "scheduler", help="运行定时任务（需要 DATABASE_URL；多个进程同时运行也只执行一次）"
    )
    scheduler.add_argument(*IMPORT_ARGS, **IMPORT_OPTIONS)
    commands.add_parser("demo", help="建立（或按同一数据重新导入）演示县，并打印登录信息")
    template = commands.add_parser("template", help="写出数据导入模板（.xlsx）")
    template.add_argument("file", type=Path, help="写到哪个文件，如 模板.xlsx")
    importing = commands.add_parser(
        "import", help="导入县（区）数据：一个 .xlsx 工作簿，或每表一个 CSV 文件"
    )
    importing.add_argument("county_code", help="县（区）代码（6 位）")
    importing.add_argument("files", type=Path, nargs="+", help="工作簿或 CSV 文件")
    importing.add_argument("--dry-run", action="store_true", help="只检查，不保存")
    commands.add_parser("migrate", help="把数据库结构升级到最新版本")
    tenant = commands.add_parser("tenant", help="县（区）")
    tenant_commands = tenant.add_subparsers(dest="tenant_command", required=True)
    create = tenant_commands.add_parser("create", help="开通一个县（区）")
    create.add_argument("--county-code", required=True, help="6 位行政区划代码")
    create.add_argument("--name", required=True, help="县（区）名称")
    admin = commands.add_parser("platform-admin", help="平台管理员")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    add_admin = admin_commands.add_parser(
        "create", help="建立平台管理员账号（密码从标准输入读取，或交互输入）"
    )
    add_admin.add_argument("--username", required=True, help="账号")
    add_admin.add_argument("--name", required=True, help="姓名")
    personal = commands.add_parser("personal-data", help="个人信息（手机号、身份证号）")
    personal_commands = personal.add_subparsers(dest="personal_command", required=True)
    personal_commands.add_parser(
        "rotate",
        help="用 GONGJIAN_PERSONAL_DATA_KEYS 的第一个密钥重新加密全部个人信息（之后可删去旧密钥）",
    )
    policy = commands.add_parser("policy", help="授权策略")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    policy_commands.add_parser("matrix", help="由 policies/policy.csv 生成 policies/README.md")
    schema = commands.add_parser("schema", help="GraphQL 契约")
    schema_commands = schema.add_subparsers(dest="schema_command", required=True)
    export = schema_commands.add_parser("export", help="导出 graphql/schema.graphql")
    export.add_argument("--output", type=Path, default=SCHEMA_FILE)
    return parser


async def _prepare(settings: Settings) -> Provisioned:
    """Provision the database and bring its schema up to date where we may."""
    provisioned = await provision(settings)
    try:
        if provisioned.owner_url is not None:
            await migrate.upgrade(provisioned.owner_url, app_role=settings.app_role)
    except BaseException:
        provisioned.stop()
        raise
    return provisioned


async def _refuse_unsafe_start(database: Database) -> None:
    await verify_app_role(database)
    async with database.engine.connect() as connection:
        current = await migrate.current_revision(connection)
    if current != migrate.head_revision():
        raise SystemExit(
            f"数据库结构版本为 {current}，应为 {migrate.head_revision()}：请先运行 gongjian migrate"
        )


async def _create_tenant(database: Database, county_code: str, name: str) -> str:
    """Open a county from the command line; what to print."""
    from tenants.service import create_tenant

    async with database.unit_of_work() as uow:
        tenant = await create_tenant(await uow.session(), county_code=county_code, name=name)
    return f"已开通 {tenant.name}（{tenant.county_code}）"


async def _create_platform_admin(
    database: Database, settings: Settings, username: str, name: str, password: str
) -> str:
    from services.identity.credentials import IdentityConfig
    from services.identity.service import create_platform_admin
    from tenants.service import enter_platform

    async with database.unit_of_work() as uow:
        session = await uow.session()
        await enter_platform(session)
        user = await create_platform_admin(
            session,
            IdentityConfig.from_settings(settings),
            username=username,
            name=name,
            password=password,
        )
    return f"已建立平台管理员 {user.username}"


async def _with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run `work` on a provisioned, migrated database, then stop it."""
    provisioned = await _prepare(settings)
    database = Database(provisioned.app_url)
    try:
        return await work(database)
    finally:
        await database.dispose()
        provisioned.stop()


def _run(settings: Settings, work: Callable[[Database], Awaitable[str]]) -> None:
    """Run a command's work and print its answer, or leave with its error in zh-CN."""
    try:
        answer = asyncio.run(_with_database(settings, work))
    except DomainError as error:
        sys.exit(error.message)
    print(answer, flush=True)


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("密码：")
        if getpass.getpass("再输入一次：") != password:
            sys.exit("两次输入的密码不一致")
        return password
    return sys.stdin.readline().rstrip("\n")


def _import(settings: Settings, county_code: str, paths: list[Path], dry_run: bool) -> None:
    from api.onboarding_commands import import_paths, print_report
    from services.onboarding.report import ImportReport

    for path in paths:
        if not path.is_file():
            sys.exit(f"找不到文件 {path}")
        if path.stat().st_size > settings.import_max_bytes:
            sys.exit(f"{path} 过大：不能超过 {settings.import_max_bytes // 2**20} MB")

    async def work(database: Database) -> ImportReport:
        return await import_paths(database, settings, county_code, paths, dry_run=dry_run)

    try:
        report = asyncio.run(_with_database(settings, work))
    except DomainError as error:
        sys.exit(error.message)
    print_report(report)
    if report.problem_count:
        sys.exit(1)


def _demo(settings: Settings, *, only_if_missing: bool) -> str:
    from api.onboarding_commands import seed_demo

    return asyncio.run(
        _with_database(
            settings,
            lambda database: seed_demo(database, settings, only_if_missing=only_if_missing),
        )
    )


class _Server(uvicorn.Server):
    """uvicorn's server, keeping Ctrl-C to itself: uvicorn re-raises a signal once it has
    shut down, which would cancel `up` while it still stops the relay, the in-process
    worker (whose threads then kept the process alive) and the database. Signals stay
    with the server for the rest of `up`: a second Ctrl-C only hurries the server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self.handle_exit)
        yield


def up(
    settings: Settings,
    host: str,
    port: int,
    *,
    demo: bool = False,
    modules: list[str] | None = None,
) -> None:
    from api.app import create_app

    import_modules(modules or [])
    init_sentry(settings)
    signed_in = _demo(settings, only_if_missing=True) if demo else None
    provisioned = asyncio.run(_prepare(settings))
    try:
        database = Database(
            provisioned.app_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        config = uvicorn.Config(
            create_app(settings, database),
            host=host,
            port=port,
            log_config=None,
            lifespan="auto",
        )
        server = _Server(config)

        async def serve() -> None:
            await _refuse_unsafe_start(database)
            app_url = provisioned.app_url.render_as_string(hide_password=False)
            # The relay (and without a broker the worker and the scheduler) stop after
            # the web server, so a request's events are still relayed.
            async with background(settings, database, app_url):
                serving = asyncio.create_task(server.serve())
                # uvicorn exposes `started` only as a flag, so it is polled.
                while not server.started and not serving.done():  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
                if server.started:
                    print(f"共建已启动：http://{host}:{port}/graphql", flush=True)
                    if signed_in:
                        print(signed_in, flush=True)
                await serving

        asyncio.run(serve())
    finally:
        # A second Ctrl-C must not cut the database's clean stop short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        provisioned.stop()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings)
    if args.command == "up":
        up(
            settings,
            args.host or settings.host,
            args.port or settings.port,
            demo=args.demo,
            modules=args.modules,
        )
    elif args.command == "worker":
        run_worker(settings, args.modules)
    elif args.command == "relay":
        run_relay(settings, args.modules)
    elif args.command == "scheduler":
        run_scheduler(settings, args.modules)
    elif args.command == "demo":
        from api.onboarding_commands import seed_demo

        _run(settings, lambda database: seed_demo(database, settings, only_if_missing=False))
    elif args.command == "template":
        from services.onboarding.workbook import write_template

        write_template(str(args.file))
        print(f"已写入 {args.file}", flush=True)
    elif args.command == "import":
        _import(settings, args.county_code, args.files, args.dry_run)
    elif args.command == "migrate":
        provisioned = asyncio.run(_prepare(settings))
        provisioned.stop()
        if provisioned.owner_url is None:
            sys.exit("迁移需要数据库所有者的连接：请设置 GONGJIAN_OWNER_DATABASE_URL")
        print("数据库结构已是最新版本", flush=True)
    elif args.command == "tenant":
        _run(settings, lambda database: _create_tenant(database, args.county_code, args.name))
    elif args.command == "platform-admin":
        password = _read_password()
        _run(
            settings,
            lambda database: _create_platform_admin(
                database, settings, args.username, args.name, password
            ),
        )
    elif args.command == "personal-data":
        from api.onboarding_commands import reseal_personal_data

        _run(settings, lambda database: reseal_personal_data(database, settings))
    elif args.command == "policy":
        from policies.matrix import README_FILE, write

        write()
        print(f"已写入 {README_FILE}", flush=True)
    elif args.command == "schema":
        from api.schema import build_schema

        args.output.write_text(build_schema(settings).as_str() + "\n", encoding="utf-8")
        print(f"已写入 {args.output}", flush=True)
