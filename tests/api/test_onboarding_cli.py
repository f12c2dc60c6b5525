"""Onboarding from the command line: the template, an import, the demo county, key rotation."""

import subprocess
from pathlib import Path

import openpyxl
from cryptography.fernet import Fernet
from sqlalchemy import select

from infra.db import Database
from infra.personal_data import PersonalData
from services.identity.models import User
from services.registry.models import Member
from tenants.service import enter_tenant
from tests.api.test_cli import GONGJIAN, _environment
from tests.api.test_import import DIVISIONS, MEMBER_ROWS, UNITS_ROWS
from tests.conftest import ClonedDatabase


def _database_environment(test_database: ClonedDatabase, tmp_path: Path) -> dict[str, str]:
    return _environment(
        DATABASE_URL=test_database.app_url.render_as_string(hide_password=False),
        GONGJIAN_OWNER_DATABASE_URL=test_database.owner_url.render_as_string(hide_password=False),
        GONGJIAN_DATA_DIR=str(tmp_path / "data"),
    )


def _run(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GONGJIAN, *args], env=environment, capture_output=True, text=True, timeout=180
    )


def test_template_then_import_with_a_dry_run_first(
    test_database: ClonedDatabase, tmp_path: Path
) -> None:
    environment = _database_environment(test_database, tmp_path)
    template = tmp_path / "模板.xlsx"
    assert _run(environment, "template", str(template)).returncode == 0
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["说明", "区划", "单位", "党员", "账号"]
    for name, rows in (("区划", DIVISIONS), ("单位", UNITS_ROWS), ("党员", MEMBER_ROWS)):
        for row in rows:
            book[name].append(row)
    filled = tmp_path / "正定县.xlsx"
    book.save(filled)
    opened = _run(environment, "tenant", "create", "--county-code", "130123", "--name", "正定县")
    assert opened.returncode == 0, opened.stderr

    dry = _run(environment, "import", "130123", str(filled), "--dry-run")
    done = _run(environment, "import", "130123", str(filled))
    again = _run(environment, "import", "130123", str(filled))

    assert dry.stdout.splitlines()[0] == (
        "试导入通过（未保存）；区划：新增 3，更新 0，未变 0；单位：新增 2，更新 0，未变 0；"
        "党员：新增 2，更新 0，未变 0"
    )
    assert done.stdout.splitlines()[0].startswith("导入完成；区划：新增 3，")
    assert again.stdout.splitlines()[0] == (
        "导入完成；区划：新增 0，更新 0，未变 3；单位：新增 0，更新 0，未变 2；"
        "党员：新增 0，更新 0，未变 2"
    )


def test_an_import_with_problems_lists_them_and_fails(
    test_database: ClonedDatabase, tmp_path: Path
) -> None:
    environment = _database_environment(test_database, tmp_path)
    assert _run(environment, "tenant", "create", "--county-code", "130123", "--name", "正定县")
    members = tmp_path / "党员.csv"
    members.write_text("姓名,性别,手机号,工作单位信用代码,居住地代码\n张三,男,123,,\n")

    result = _run(environment, "import", "130123", str(members))

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "发现 3 处问题，未导入任何数据",
        "  党员 第2行「手机号」应为 11 位手机号码（1 开头）",
        "  党员 第2行「工作单位信用代码」不能为空",
        "  党员 第2行「居住地代码」不能为空",
    ]


async def test_the_demo_county_is_seeded_through_the_import_and_seeding_again_changes_nothing(
    test_database: ClonedDatabase, tmp_path: Path, db: Database
) -> None:
    environment = _database_environment(test_database, tmp_path)

    first = _run(environment, "demo")
    second = _run(environment, "demo")

    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "演示县：正定县（请求头 X-County-Code: 130123）"
    created = lines[1]
    assert created.startswith("导入完成；区划：新增 ")
    assert "党员：新增 5000，更新 0，未变 0" in created
    assert "账号：新增 6" in created
    assert "  county     县（区）管理员  县委组织部管理员" in lines
    assert second.stdout.splitlines()[1].endswith(
        "党员：新增 0，更新 0，未变 5000；账号：新增 0，更新 0，未变 6"
    )
    # The demo's unit admin acts for its unit, the demo member for themself.
    async with db.unit_of_work() as uow:
        session = await uow.session()
        await enter_tenant(session, "130123")
        rows = await session.execute(
            select(User.username, User.unit_id.is_not(None), User.member_id.is_not(None))
        )
        linked = {name: (unit, member) for name, unit, member in rows}
    assert {name for name, (unit, _) in linked.items() if unit} == {"unit"}
    assert {name for name, (_, member) in linked.items() if member} == {"member"}


async def test_rotating_the_key_reseals_every_number_so_the_old_key_can_go(
    test_database: ClonedDatabase, tmp_path: Path, db: Database
) -> None:
    environment = _database_environment(test_database, tmp_path)
    assert _run(environment, "demo").returncode == 0
    old_key = (tmp_path / "data" / "personal_data_keys").read_text().strip()
    new_key = Fernet.generate_key().decode()

    rotated = _run(
        {**environment, "GONGJIAN_PERSONAL_DATA_KEYS": f"{new_key},{old_key}"},
        "personal-data",
        "rotate",
    )

    assert rotated.returncode == 0, rotated.stderr
    assert "正定县：重新加密 10000 项" in rotated.stdout.splitlines()
    index_key = (tmp_path / "data" / "personal_data_index_key").read_text().strip().encode()
    new_only = PersonalData.from_keys([new_key.encode()], index_key)
    async with db.unit_of_work() as uow:
        session = await uow.session()
        await enter_tenant(session, "130123")
        members = (await session.scalars(select(Member).limit(50))).all()
        assert all(new_only.open(m.mobile_sealed).startswith("1") for m in members)
