"""The `gongjian` command as an operator runs it."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from infra import migrate
from tests.conftest import ClonedDatabase

GONGJIAN = str(Path(sys.executable).parent / "gongjian")


def _environment(**overrides: str) -> dict[str, str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GONGJIAN_") and key not in ("DATABASE_URL", "SENTRY_DSN")
    }
    return {**clean, "GONGJIAN_LOG_FORMAT": "text", **overrides}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_line(process: subprocess.Popen[str], marker: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    seen = []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if marker in line:
            return line
    raise AssertionError(f"no {marker!r} in output:\n{''.join(seen)}")


def test_up_runs_on_an_embedded_database_and_stops_it_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    data_dir = tmp_path / "data"
    process = subprocess.Popen(
        [GONGJIAN, "up", "--port", str(port)],
        env=_environment(GONGJIAN_DATA_DIR=str(data_dir)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = _wait_for_line(process, "共建已启动", 90)
        assert line.strip() == f"共建已启动：http://127.0.0.1:{port}/graphql"
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert ready.json() == {"status": "ready", "revision": migrate.head_revision()}
        assert (data_dir / "postgres" / "postmaster.pid").exists()
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "the database was stopped"


def test_up_refuses_a_role_that_bypasses_row_security(test_database: ClonedDatabase) -> None:
    superuser = (
        make_url(test_database.admin_url)
        .set(database=test_database.name)
        .render_as_string(hide_password=False)
    )
    result = subprocess.run(
        [GONGJIAN, "up", "--port", str(_free_port())],
        env=_environment(DATABASE_URL=superuser),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "是超级用户或可绕过行级安全，不能用于运行平台" in result.stderr


def test_migrate_needs_the_owners_connection(test_database: ClonedDatabase) -> None:
    app_url = test_database.app_url.render_as_string(hide_password=False)
    result = subprocess.run(
        [GONGJIAN, "migrate"],
        env=_environment(DATABASE_URL=app_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "迁移需要数据库所有者的连接：请设置 GONGJIAN_OWNER_DATABASE_URL" in result.stderr


@pytest.mark.parametrize("runs", [1, 2])
def test_migrate_brings_the_schema_up_to_date(test_database: ClonedDatabase, runs: int) -> None:
    environment = _environment(
        DATABASE_URL=test_database.app_url.render_as_string(hide_password=False),
        GONGJIAN_OWNER_DATABASE_URL=test_database.owner_url.render_as_string(hide_password=False),
    )
    for _ in range(runs):
        result = subprocess.run(
            [GONGJIAN, "migrate"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (result.returncode, result.stdout) == (0, "数据库结构已是最新版本\n")


def test_tenant_create_opens_a_county_and_refuses_bad_codes(
    test_database: ClonedDatabase,
) -> None:
    environment = _environment(
        DATABASE_URL=test_database.app_url.render_as_string(hide_password=False),
        GONGJIAN_OWNER_DATABASE_URL=test_database.owner_url.render_as_string(hide_password=False),
    )

    def create(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [GONGJIAN, "tenant", "create", "--county-code", code, "--name", "正定县"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    opened, again, bad = create("130123"), create("130123"), create("13")
    assert (opened.returncode, opened.stdout) == (0, "已开通 正定县（130123）\n")
    # Logs share stderr; the answer is its last line.
    assert (again.returncode, again.stderr.splitlines()[-1]) == (1, "县（区）代码 130123 已被使用")
    assert (bad.returncode, bad.stderr.splitlines()[-1]) == (
        1,
        "县（区）代码应为 6 位数字，收到的是“13”",
    )


def test_platform_admin_create_makes_an_account_and_refuses_weak_or_taken_names(
    test_database: ClonedDatabase,
) -> None:
    environment = _environment(
        DATABASE_URL=test_database.app_url.render_as_string(hide_password=False),
        GONGJIAN_OWNER_DATABASE_URL=test_database.owner_url.render_as_string(hide_password=False),
        GONGJIAN_PASSWORD_MEMORY_KIB="1024",
    )

    def create(username: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [GONGJIAN, "platform-admin", "create", "--username", username, "--name", "运维"],
            env=environment,
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    made, weak = create("Ops", "Platform2026"), create("ops2", "short")
    assert (made.returncode, made.stdout) == (0, "已建立平台管理员 ops\n")
    assert (weak.returncode, weak.stderr.splitlines()[-1]) == (
        1,
        "密码应为 8 到 128 位，且同时包含字母和数字",
    )
    again = create("ops", "Platform2026")
    assert (again.returncode, again.stderr.splitlines()[-1]) == (1, "账号 ops 已存在")
