"""The onboarding workbook as a county admin uses it: template, fill, upload, read back."""

import base64
import io
import json
from typing import Any

import httpx
import openpyxl
from sqlalchemy import func, select

from infra.db import Database
from infra.settings import Settings
from services.registry.models import Member
from services.registry.numbers import credit_code_check_char, id_card_check_char
from tenants.models import Tenant
from tests.api.graphql_client import bearer, sign_in, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_user, root_of

COUNTY = "130123"
TEMPLATE = "query { importTemplate { filename contentType contentBase64 } }"
IMPORT = """
mutation($files: [Upload!]!, $dryRun: Boolean!) {
  importWorkbook(files: $files, dryRun: $dryRun) {
    __typename
    ... on ImportReportType {
      applied dryRun summary problemCount
      counts { sheet created updated unchanged }
      problems { text }
    }
    ... on MutationError { code message }
  }
}
"""
MEMBERS = """
query {
  members(first: 100) { edges { node {
    name gender mobile(clear: true) idCard(clear: true) joinedPartyOn skills
    unit { creditCode } residence { code }
  } } }
}
"""
UNITS = """
query { units(first: 100) { edges { node {
  name kind creditCode partyOrgType contactName contactPhone location { code }
} } } }
"""


def credit_code(serial: int) -> str:
    body = f"91{COUNTY}{serial:09d}"
    return body + credit_code_check_char(body)


def id_card(serial: int) -> str:
    body = f"{COUNTY}19800101{serial:03d}"
    return body + id_card_check_char(body)


DIVISIONS = [
    ["130123001000", "城关街道", "街道", ""],
    ["130123001001", "阳和社区", "社区", "130123001000"],
    ["130123001001-01", "金地小区", "小区", "130123001001"],
]
UNITS_ROWS = [
    [credit_code(1), "正定县财政局", "机关", "党委", "130123001001", "王强", "0311-88001234"],
    [credit_code(2), "正定恒信科技有限公司", "非公企业", "党支部", "130123001001", "", ""],
]
MEMBER_ROWS = [
    [
        "张伟",
        "男",
        "13800000001",
        id_card(11),
        "2010-07-01",
        credit_code(1),
        "130123001001-01",
        "法律咨询、书法",
    ],
    ["李娜", "女", "13800000002", "", "", credit_code(2), "130123001001", ""],
]
ACCOUNT_ROWS = [["yanghe", "阳和社区书记", "社区管理员", "130123001001", "Yanghe2026"]]


def workbook(template: bytes, sheets: dict[str, list[list[Any]]]) -> bytes:
    """The template, filled in as a clerk would."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    for name, rows in sheets.items():
        for row in rows:
            book[name].append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def upload(
    client: httpx.AsyncClient,
    token: str,
    files: list[tuple[str, bytes]],
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    operations = {
        "query": IMPORT,
        "variables": {"files": [None] * len(files), "dryRun": dry_run},
    }
    mapping = {str(i): [f"variables.files.{i}"] for i in range(len(files))}
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(i): (name, content) for i, (name, content) in enumerate(files)},
        headers={**bearer(token), "X-County-Code": COUNTY},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["data"]["importWorkbook"]
    return result


async def county_admin(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> tuple[Tenant, str]:
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    root = await root_of(db, tenant.id)
    await add_user(db, settings, tenant.id, "admin", node=root, roles=[("county_admin", root)])
    return tenant, await token_for(graphql, "admin", county=COUNTY)


async def template_of(graphql: GraphQLCall, token: str) -> bytes:
    body = await graphql(TEMPLATE, county=COUNTY, headers=bearer(token))
    download: dict[str, str] = body["data"]["importTemplate"]  # type: ignore[index]
    assert download["filename"].endswith(".xlsx")
    return base64.b64decode(download["contentBase64"])


def counts(report: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    return {c["sheet"]: (c["created"], c["updated"], c["unchanged"]) for c in report["counts"]}


async def member_count(db: Database, tenant: Tenant) -> int:
    async with db.tenant_session(tenant.id) as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_a_filled_template_imports_and_reads_back_as_it_was_written(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    tenant, token = await county_admin(graphql, make_tenant, db, settings)
    template = await template_of(graphql, token)
    filled = workbook(
        template,
        {"区划": DIVISIONS, "单位": UNITS_ROWS, "党员": MEMBER_ROWS, "账号": ACCOUNT_ROWS},
    )

    report = await upload(client, token, [("正定县.xlsx", filled)])

    assert report["problems"] == []
    assert report["applied"] is True
    assert counts(report) == {
        "区划": (3, 0, 0),
        "单位": (2, 0, 0),
        "党员": (2, 0, 0),
        "账号": (1, 0, 0),
    }
    units = await graphql(UNITS, county=COUNTY, headers=bearer(token))
    read_units = [e["node"] for e in units["data"]["units"]["edges"]]  # type: ignore[index]
    assert sorted(
        (u["creditCode"], u["name"], u["kind"], u["partyOrgType"], u["location"]["code"])
        for u in read_units
    ) == [
        (credit_code(1), "正定县财政局", "GOVERNMENT", "COMMITTEE", "130123001001"),
        (credit_code(2), "正定恒信科技有限公司", "PRIVATE_ENTERPRISE", "BRANCH", "130123001001"),
    ]
    body = await graphql(MEMBERS, county=COUNTY, headers=bearer(token))
    members = {e["node"]["name"]: e["node"] for e in body["data"]["members"]["edges"]}  # type: ignore[index]
    assert members["张伟"] == {
        "name": "张伟",
        "gender": "MALE",
        "mobile": "13800000001",
        "idCard": id_card(11),
        "joinedPartyOn": "2010-07-01",
        "skills": ["法律咨询", "书法"],
        "unit": {"creditCode": credit_code(1)},
        "residence": {"code": "130123001001-01"},
    }
    assert members["李娜"]["idCard"] is None
    assert members["李娜"]["residence"] == {"code": "130123001001"}
    # The staff account signs in with the role at its community.
    signed_in = await sign_in(graphql, "yanghe", county=COUNTY, password="Yanghe2026")
    assert signed_in["__typename"] == "SignInSuccess"
    assert await member_count(db, tenant) == 2


async def test_importing_the_same_workbook_again_changes_nothing_and_a_changed_row_updates(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    _, token = await county_admin(graphql, make_tenant, db, settings)
    template = await template_of(graphql, token)
    sheets = {"区划": DIVISIONS, "单位": UNITS_ROWS, "党员": MEMBER_ROWS, "账号": ACCOUNT_ROWS}
    await upload(client, token, [("a.xlsx", workbook(template, sheets))])

    again = await upload(client, token, [("a.xlsx", workbook(template, sheets))])
    assert counts(again) == {
        "区划": (0, 0, 3),
        "单位": (0, 0, 2),
        "党员": (0, 0, 2),
        "账号": (0, 0, 1),
    }

    moved = [row[:] for row in MEMBER_ROWS]
    moved[1][2] = "13900000002"  # 李娜 has no ID card: matched by mobile, so a new member
    moved[0][0] = "张伟民"  # 张伟 is matched by ID card: renamed
    changed = await upload(client, token, [("b.xlsx", workbook(template, {"党员": moved}))])
    assert counts(changed) == {"党员": (1, 1, 0)}
    body = await graphql(MEMBERS, county=COUNTY, headers=bearer(token))
    names = sorted(e["node"]["name"] for e in body["data"]["members"]["edges"])  # type: ignore[index]
    assert names == ["张伟民", "李娜", "李娜"]


async def test_a_dry_run_reports_what_would_happen_and_saves_nothing(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    tenant, token = await county_admin(graphql, make_tenant, db, settings)
    template = await template_of(graphql, token)
    sheets = {"区划": DIVISIONS, "单位": UNITS_ROWS, "党员": MEMBER_ROWS}

    report = await upload(client, token, [("a.xlsx", workbook(template, sheets))], dry_run=True)

    assert report["applied"] is False
    assert report["dryRun"] is True
    assert report["summary"].startswith("试导入通过（未保存）")
    assert counts(report)["党员"] == (2, 0, 0)
    assert await member_count(db, tenant) == 0


async def test_every_problem_is_reported_by_sheet_row_and_column_and_nothing_is_imported(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    tenant, token = await county_admin(graphql, make_tenant, db, settings)
    template = await template_of(graphql, token)
    bad_id = id_card(12)[:-1] + ("0" if id_card(12)[-1] != "0" else "1")
    members = [
        *MEMBER_ROWS,
        ["王芳", "女", "13800000003", bad_id, "", credit_code(1), "130123001001", ""],
        ["赵磊", "男", "13800000001", "", "", credit_code(1), "130123001001", ""],
        ["孙丽", "女", "13800000004", "", "", credit_code(9), "130123001001", ""],
        ["周杰", "未知", "1380000", "", "2099-01-01", credit_code(1), "130123009009", ""],
    ]
    units = [*UNITS_ROWS, [credit_code(1), "重复单位", "机关", "党委", "130123001001", "", ""]]
    filled = workbook(template, {"区划": DIVISIONS, "单位": units, "党员": members})

    report = await upload(client, token, [("a.xlsx", filled)])

    assert report["applied"] is False
    assert [p["text"] for p in report["problems"]] == [
        "单位 第4行「统一社会信用代码」与第2行重复",
        "党员 第4行「身份证号」校验位错误",
        "党员 第5行「手机号」与第2行重复",
        f"党员 第6行「工作单位信用代码」{credit_code(9)} 在单位表和系统中都找不到",
        "党员 第7行「性别」应为男、女之一，收到“未知”",
        "党员 第7行「手机号」应为 11 位手机号码（1 开头）",
        "党员 第7行「入党日期」应在 1921-07-01 与今天之间",
        "党员 第7行「居住地代码」130123009009 在区划表和系统中都找不到",
    ]
    assert report["summary"].startswith("发现 8 处问题，未导入任何数据")
    assert await member_count(db, tenant) == 0


async def test_wrong_files_and_sheets_are_refused_with_the_reason(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    _, token = await county_admin(graphql, make_tenant, db, settings)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "花名册"
    sheet.append(["姓名"])
    other = book.create_sheet("党员")
    other.append(["姓名", "电话"])
    buffer = io.BytesIO()
    book.save(buffer)

    report = await upload(
        client,
        token,
        [
            ("名册.xlsx", buffer.getvalue()),
            ("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
            ("照片.png", b"\x89PNG\r\n\x1a\n\x00\x00"),
            ("名单.csv", "姓名\n张三\n".encode()),
        ],
    )

    assert [p["text"] for p in report["problems"]] == [
        "花名册不是导入模板中的工作表（应为：区划、单位、党员、账号）",
        "旧表.xls是旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 后再导入",
        "照片.png不是 Excel 工作簿（.xlsx）或 CSV 文本文件",
        "名单.csvCSV 文件名应为工作表名（区划.csv、单位.csv、党员.csv、账号.csv）",
        "党员 第1行「电话」不是本表的列（应为：姓名、性别、手机号、身份证号、入党日期、"
        "工作单位信用代码、居住地代码、技能特长）",
        "党员 第1行「性别」缺少此列",
        "党员 第1行「手机号」缺少此列",
        "党员 第1行「工作单位信用代码」缺少此列",
        "党员 第1行「居住地代码」缺少此列",
    ]


async def test_csv_files_one_per_sheet_import_in_utf8_or_gb18030(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    tenant, token = await county_admin(graphql, make_tenant, db, settings)

    def csv_text(header: list[str], rows: list[list[Any]]) -> str:
        return "\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n"

    divisions = csv_text(["代码", "名称", "类型", "上级代码"], DIVISIONS)
    units = csv_text(
        [
            "统一社会信用代码",
            "单位名称",
            "单位类型",
            "党组织类型",
            "所在社区代码",
            "联系人",
            "联系电话",
        ],
        UNITS_ROWS,
    )
    members = csv_text(
        ["姓名", "性别", "手机号", "身份证号", "入党日期", "工作单位信用代码", "居住地代码"],
        [row[:7] for row in MEMBER_ROWS],
    )

    report = await upload(
        client,
        token,
        [
            ("党员.csv", members.encode("gb18030")),
            ("区划.csv", divisions.encode("utf-8-sig")),
            ("单位.csv", units.encode()),
        ],
    )

    assert report["problems"] == []
    assert counts(report) == {"区划": (3, 0, 0), "单位": (2, 0, 0), "党员": (2, 0, 0)}
    assert await member_count(db, tenant) == 2


async def test_an_upload_above_the_limit_is_refused_before_it_is_read(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
) -> None:
    from tests.conftest import asgi_client

    _, token = await county_admin(graphql, make_tenant, db, settings)
    small = settings.model_copy(update={"import_max_bytes": 4096})
    async with asgi_client(small, db) as limited:
        response = await limited.post(
            "/graphql",
            data={"operations": "{}", "map": "{}"},
            files={"0": ("党员.csv", b"x" * 5000)},
            headers={**bearer(token), "X-County-Code": COUNTY},
        )
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"] == (
        "上传的文件过大：不能超过 0.0 MB，请分成几个文件导入"
    )


async def test_only_who_may_onboard_the_county_may_import(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    tenant, token = await county_admin(graphql, make_tenant, db, settings)
    template = await template_of(graphql, token)
    root = await root_of(db, tenant.id)
    await add_user(db, settings, tenant.id, "auditor", node=root, roles=[("auditor", root)])
    auditor = await token_for(graphql, "auditor", county=COUNTY)

    result = await upload(client, auditor, [("a.xlsx", workbook(template, {"区划": DIVISIONS}))])

    assert result == {
        "__typename": "MutationError",
        "code": "FORBIDDEN",
        "message": "您没有在此范围内进行该操作的权限",
    }


async def test_a_division_under_a_row_in_error_is_told_where_to_look(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    _, token = await county_admin(graphql, make_tenant, db, settings)
    template = await template_of(graphql, token)
    divisions = [
        ["130123001001", "阳和社区", "社区", "130123002001"],
        ["130123002001", "常山社区", "社区", "130123001001"],
        ["130123003000", "新华街道", "小区", ""],
        ["130123003001", "兴荣社区", "社区", "130123003000"],
    ]

    report = await upload(client, token, [("a.xlsx", workbook(template, {"区划": divisions}))])

    assert [p["text"] for p in report["problems"]] == [
        "区划 第3行「上级代码」上下级关系形成循环",
        "区划 第2行「上级代码」上级 130123002001 所在行有误，请先更正该行",
        "区划 第4行「上级代码」小区的上级应为社区（村），而“正定县”是县（区）",
        "区划 第5行「上级代码」上级 130123003000 所在行有误，请先更正该行",
    ]
