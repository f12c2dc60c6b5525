"""The onboarding workbook: its sheets and columns, the template, and reading it back.

One `.xlsx` workbook with a sheet each for divisions, units, members and staff accounts,
or one CSV file per sheet (named after the sheet: `党员.csv`). Rows are streamed, never
loaded whole, so a large file is read in bounded memory.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from policies.roles import ROLE_NAMES, Role
from services.identity.grants import GRANTABLE_ROLES
from services.registry.models import GENDER_NAMES, PARTY_ORG_TYPE_NAMES, UNIT_KIND_NAMES

# Names of the kinds of division as clerks write them.
DIVISION_KIND_NAMES = ("街道", "乡镇", "社区", "村", "小区", "楼栋", "网格")


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    hint: str = ""
    # Offered as a drop-down in the template.
    choices: tuple[str, ...] = ()
    # Kept as text so spreadsheets do not turn long numbers into floats.
    as_text: bool = False
    width: int = 16


@dataclass(frozen=True)
class Sheet:
    name: str
    key: str
    columns: tuple[Column, ...]
    hint: str

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


DIVISIONS = Sheet(
    name="区划",
    key="divisions",
    hint="乡镇（街道）、社区（村）、小区、楼栋、网格，上级在前在后均可",
    columns=(
        Column(
            "代码",
            "code",
            True,
            "乡镇、社区填 12 位统计用区划代码；小区等填本县自编代码",
            as_text=True,
        ),
        Column("名称", "name", True, width=24),
        Column("类型", "kind", True, choices=DIVISION_KIND_NAMES),
        Column("上级代码", "parent_code", False, "乡镇（街道）可不填：上级即本县", as_text=True),
    ),
)
UNITS = Sheet(
    name="单位",
    key="units",
    hint="单位党组织，按统一社会信用代码识别",
    columns=(
        Column("统一社会信用代码", "credit_code", True, "18 位，含校验位", as_text=True, width=22),
        Column("单位名称", "name", True, width=30),
        Column("单位类型", "kind", True, choices=tuple(UNIT_KIND_NAMES.values())),
        Column("党组织类型", "party_org_type", True, choices=tuple(PARTY_ORG_TYPE_NAMES.values())),
        Column(
            "所在社区代码", "location_code", True, "单位所在社区的代码（见区划表）", as_text=True
        ),
        Column("联系人", "contact_name"),
        Column("联系电话", "contact_phone", as_text=True),
    ),
)
MEMBERS = Sheet(
    name="党员",
    key="members",
    hint="在职党员，按身份证号（未填时按手机号）识别",
    columns=(
        Column("姓名", "name", True),
        Column("性别", "gender", True, choices=tuple(GENDER_NAMES.values()), width=8),
        Column("手机号", "mobile", True, as_text=True),
        Column(
            "身份证号", "id_card", False, "18 位，含校验位；请设为文本格式", as_text=True, width=22
        ),
        Column("入党日期", "joined_party_on", False, "如 2010-07-01"),
        Column(
            "工作单位信用代码",
            "unit_credit_code",
            True,
            "工作单位的统一社会信用代码",
            as_text=True,
            width=22,
        ),
        Column("居住地代码", "residence_code", True, "居住的社区或小区的代码", as_text=True),
        Column("技能特长", "skills", False, "多项用顿号分隔，如 法律咨询、医疗护理", width=24),
    ),
)
ACCOUNTS = Sheet(
    name="账号",
    key="accounts",
    hint="工作人员账号及其角色；已有账号只补充角色，不改密码",
    columns=(
        Column("账号", "username", True),
        Column("姓名", "name", True),
        Column(
            "角色",
            "role",
            True,
            choices=tuple(ROLE_NAMES[Role(r)] for r in GRANTABLE_ROLES),
            width=20,
        ),
        Column(
            "所在节点代码",
            "node_code",
            True,
            "角色所在的节点（县级填本县 12 位代码）",
            as_text=True,
        ),
        Column("初始密码", "password", False, "新账号必填：8 位以上，含字母和数字"),
        Column(
            "管理的单位",
            "unit_code",
            False,
            "单位党组织管理员填所管单位的统一社会信用代码",
            as_text=True,
            width=22,
        ),
        Column("党员手机号", "member_mobile", False, "在职党员本人账号填其手机号", as_text=True),
    ),
)
SHEETS = (DIVISIONS, UNITS, MEMBERS, ACCOUNTS)
SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS} | {sheet.key: sheet for sheet in SHEETS}
GUIDE_SHEET = "说明"
# Columns anyone may add for their own notes; they are not imported.
IGNORED_HEADERS = frozenset({"备注", "序号"})


class UnreadableFile(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class SheetRows:
    """One sheet as it is read: its header (checked) and its data rows, streamed."""

    sheet: Sheet
    source: str
    # Column position of each known key.
    positions: dict[str, int] = field(default_factory=dict)
    header_problems: list[tuple[str, str]] = field(default_factory=list)
    rows: Iterator[tuple[int, tuple[Any, ...]]] = field(default_factory=lambda: iter(()))

    def value(self, row: tuple[Any, ...], key: str) -> Any:
        position = self.positions.get(key)
        if position is None or position >= len(row):
            return None
        value = row[position]
        return value.strip() if isinstance(value, str) else value


def _clean_header(value: Any) -> str:
    return str(value or "").strip().rstrip("*＊").strip()


def _with_header(sheet: Sheet, source: str, rows: Iterator[tuple[Any, ...]]) -> SheetRows:
    result = SheetRows(sheet=sheet, source=source)
    numbered = enumerate(rows, start=1)
    header: tuple[Any, ...] = ()
    for _, row in numbered:
        if any(v not in (None, "") for v in row):
            header = row
            break
    known = {c.header: c.key for c in sheet.columns}
    for position, value in enumerate(header):
        title = _clean_header(value)
        if not title or title in IGNORED_HEADERS:
            continue
        if title not in known:
            result.header_problems.append((title, f"不是本表的列（应为：{'、'.join(known)}）"))
        elif known[title] in result.positions:
            result.header_problems.append((title, "列名重复"))
        else:
            result.positions[known[title]] = position
    for column in sheet.columns:
        if column.required and column.key not in result.positions:
            result.header_problems.append((column.header, "缺少此列"))
    result.rows = (
        (number, row) for number, row in numbered if any(v not in (None, "") for v in row)
    )
    return result


def _kind_of(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("是旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 后再导入")
    if b"\x00" in head:
        raise UnreadableFile("不是 Excel 工作簿（.xlsx）或 CSV 文本文件")
    return "csv"


def _csv_text(file: IO[bytes]) -> io.TextIOWrapper:
    """UTF-8 (with or without BOM), or GB18030 as Excel in China saves CSV."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        while chunk := file.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "gb18030"
    file.seek(0)
    return io.TextIOWrapper(file, encoding=encoding, errors="strict", newline="")


def read_sources(files: Sequence[tuple[str, IO[bytes]]]) -> Iterator[SheetRows | tuple[str, str]]:
    """Each known sheet of the files, in the order the import needs them (divisions,
    units, members, accounts); a problem with a file or sheet as (where, reason)."""
    found: dict[str, SheetRows] = {}
    workbooks: list[Any] = []
    for filename, file in files:
        head = file.read(512)
        file.seek(0)
        try:
            kind = _kind_of(head)
        except UnreadableFile as error:
            yield filename, error.reason
            continue
        if kind == "xlsx":
            try:
                book = openpyxl.load_workbook(file, read_only=True, data_only=True)
            except (zipfile.BadZipFile, KeyError, ValueError, OSError):
                yield filename, "不是有效的 Excel 工作簿（.xlsx），可能已损坏"
                continue
            workbooks.append(book)
            for worksheet in book.worksheets:
                if worksheet.title == GUIDE_SHEET:
                    continue
                sheet = SHEETS_BY_NAME.get(worksheet.title.strip())
                if sheet is None:
                    names = "、".join(s.name for s in SHEETS)
                    yield worksheet.title, f"不是导入模板中的工作表（应为：{names}）"
                elif sheet.name in found:
                    yield worksheet.title, "工作表重复"
                else:
                    rows = worksheet.iter_rows(values_only=True)
                    found[sheet.name] = _with_header(sheet, worksheet.title, rows)
        else:
            stem = PurePath(filename).stem.strip()
            sheet = SHEETS_BY_NAME.get(stem)
            if sheet is None:
                names = "、".join(f"{s.name}.csv" for s in SHEETS)
                yield filename, f"CSV 文件名应为工作表名（{names}）"
                continue
            if sheet.name in found:
                yield filename, "工作表重复"
                continue
            try:
                text = _csv_text(file)
            except OSError:
                yield filename, "文件无法读取"
                continue
            rows = (tuple(r) for r in csv.reader(text))
            found[sheet.name] = _with_header(sheet, filename, rows)
    if not found and files:
        yield "", "没有找到可导入的工作表（区划、单位、党员、账号）"
    for sheet in SHEETS:
        if sheet.name in found:
            yield found[sheet.name]
    for book in workbooks:
        book.close()


def write_template(target: IO[bytes] | str) -> None:
    """The empty workbook clerks fill in: a guide, then one sheet per kind of row."""
    book = openpyxl.Workbook()
    guide = book.active
    assert guide is not None
    guide.title = GUIDE_SHEET
    guide.append(["共建平台 县（区）数据导入模板"])
    guide.append(
        ["带 * 的列必须填写。可整表导入，也可只填其中几张表；重复导入同一文件不会重复登记。"]
    )
    guide.append([])
    guide.append(["工作表", "列", "必填", "说明"])
    for sheet in SHEETS:
        guide.append([sheet.name, "", "", sheet.hint])
        for column in sheet.columns:
            choices = f"可选：{'、'.join(column.choices)}" if column.choices else ""
            guide.append(
                ["", column.header, "是" if column.required else "", column.hint or choices]
            )
    guide.column_dimensions["A"].width = 10
    guide.column_dimensions["B"].width = 20
    guide.column_dimensions["D"].width = 60
    for sheet in SHEETS:
        worksheet = book.create_sheet(sheet.name)
        worksheet.append([f"{c.header}*" if c.required else c.header for c in sheet.columns])
        worksheet.freeze_panes = "A2"
        for index, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(index)
            worksheet.column_dimensions[letter].width = column.width
            if column.as_text:
                worksheet.column_dimensions[letter].number_format = "@"
            if column.choices:
                validation = DataValidation(
                    type="list",
                    formula1=f'"{",".join(column.choices)}"',
                    allow_blank=not column.required,
                    showErrorMessage=True,
                    errorTitle="请从列表中选择",
                    error=f"{column.header}应为：{'、'.join(column.choices)}",
                )
                validation.add(f"{letter}2:{letter}100000")
                worksheet.add_data_validation(validation)
    book.save(target)
