"""A valid onboarding workbook for one county at any size, written in streaming mode.

Townships and communities carry 12-digit statistical codes inside the county's, compounds
local codes (`{community}-07`); units valid credit codes and a community; members unique
valid mobiles, ~70% a unique valid ID-card number, a unit of the 单位 sheet and a compound
or community to live in. From a fixed seed, so the same size gives the same file.

Two layouts of the same rows:
- "excel", as Excel and WPS save a workbook: every text in one shared-string table, cells
  pointing into it, and each sheet's `<dimension>` up front. What clerks upload.
- "openpyxl", as openpyxl's write-only mode saves it: text inline in each cell and no
  `<dimension>`. openpyxl reads that layout far more slowly (a Text object per cell, and
  a full pass over each sheet to find its size), so it would overstate the import's time.
"""

import random
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.utils import get_column_letter

from services.onboarding.demo import GIVEN, SKILLS, SURNAMES
from services.onboarding.workbook import DIVISIONS, MEMBERS, UNITS, Sheet
from services.registry.models import PARTY_ORG_TYPE_NAMES, UNIT_KIND_NAMES
from services.registry.numbers import CREDIT_CODE_CHARS, credit_code_check_char, id_card_check_char

# 统一社会信用代码 registration-authority and kind prefix of each kind of unit.
CREDIT_PREFIXES = {"机关": "11", "事业单位": "12", "社会组织": "51"}
UNIT_KINDS = [kind for kind in UNIT_KIND_NAMES.values() if kind != "其他"]
ORG_TYPES = list(PARTY_ORG_TYPE_NAMES.values())
MOBILE_PREFIXES = "3456789"
Layout = Literal["excel", "openpyxl"]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Style 1 is the text format ("@", number format 49) the template sets on number columns.
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="宋体"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
    '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="49" fontId="0" '
    'fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1">'
    '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


@dataclass(frozen=True)
class CountySize:
    divisions: int = 2_000
    townships: int = 10
    communities: int = 190
    units: int = 1_000
    members: int = 100_000
    id_card_share: float = 0.7

    @property
    def compounds(self) -> int:
        return self.divisions - self.townships - self.communities


@dataclass(frozen=True)
class CountyWorkbook:
    path: Path
    county_code: str
    layout: Layout
    divisions: int
    townships: int
    communities: int
    compounds: int
    units: int
    members: int
    members_with_id_card: int
    bytes: int


Row = list[object]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _divisions(county: str, size: CountySize) -> tuple[list[Row], list[str], list[str]]:
    """Rows of the 区划 sheet; the community codes and the compound codes."""
    if size.compounds < 0 or (size.townships and size.communities < size.townships):
        raise ValueError(f"not a county shape: {size}")
    rows: list[Row] = []
    communities: list[str] = []
    compounds: list[str] = []
    per_township = -(-size.communities // size.townships) if size.townships else 0
    for t in range(size.townships):
        township = f"{county}{t + 1:03d}000"
        rows.append([township, f"第{t + 1}街道", "街道" if t % 2 == 0 else "乡镇", ""])
        for c in range(min(per_township, size.communities - len(communities))):
            community = f"{county}{t + 1:03d}{c + 1:03d}"
            rows.append([community, f"第{t + 1}街道第{c + 1}社区", "社区", township])
            communities.append(community)
    # Compounds dealt round-robin, so every community has about as many.
    counters = dict.fromkeys(communities, 0)
    for index in range(size.compounds):
        community = communities[index % len(communities)]
        counters[community] += 1
        compound = f"{community}-{counters[community]:02d}"
        rows.append([compound, f"{compound[-9:]}小区", "小区", community])
        compounds.append(compound)
    return rows, communities, compounds


def _units(
    county: str, size: CountySize, communities: list[str], rng: random.Random
) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    codes: list[str] = []
    taken: set[str] = set()
    while len(rows) < size.units:
        kind = rng.choice(UNIT_KINDS)
        prefix = CREDIT_PREFIXES.get(kind, "91")
        body = prefix + county + "".join(rng.choice(CREDIT_CODE_CHARS[:10]) for _ in range(9))
        code = body + credit_code_check_char(body)
        if code in taken:
            continue
        taken.add(code)
        codes.append(code)
        number = len(rows) + 1
        rows.append(
            [
                code,
                f"第{number}号{kind}",
                kind,
                rng.choice(ORG_TYPES),
                rng.choice(communities),
                _name(rng),
                f"0311-8{rng.randrange(1_000_000, 9_999_999)}",
            ]
        )
    return rows, codes


def _members(
    county: str,
    size: CountySize,
    units: list[str],
    homes: tuple[list[str], list[str]],
    rng: random.Random,
) -> Iterator[Row]:
    communities, compounds = homes
    # Distinct 9-digit tails make distinct mobiles whatever the prefix.
    tails = rng.sample(range(10**9), size.members)
    id_cards: set[str] = set()
    for index, tail in enumerate(tails):
        male = rng.random() < 0.55
        mobile = f"1{MOBILE_PREFIXES[index % len(MOBILE_PREFIXES)]}{tail:09d}"
        id_card = ""
        if rng.random() < size.id_card_share:
            while not id_card or id_card in id_cards:
                born = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 40))
                sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
                body = f"{county}{born:%Y%m%d}{sequence:03d}"
                id_card = body + id_card_check_char(body)
            id_cards.add(id_card)
        joined = date(1985, 1, 1) + timedelta(days=rng.randrange(365 * 40))
        home = rng.choice(compounds) if compounds and rng.random() < 0.8 else None
        yield [
            _name(rng),
            "男" if male else "女",
            mobile,
            id_card,
            joined.isoformat(),
            rng.choice(units),
            home or rng.choice(communities),
            "、".join(rng.sample(SKILLS, rng.choice((0, 1, 1, 2, 3)))),
        ]


def _openpyxl_sheet(book: openpyxl.Workbook, sheet: Sheet, rows: Iterable[Row]) -> None:
    worksheet = book.create_sheet(sheet.name)
    worksheet.append([column.header for column in sheet.columns])
    for row in rows:
        worksheet.append(row)


class _ExcelWriter:
    """Sheets streamed into the archive; the shared strings, which must know every text,
    written last."""

    def __init__(self, path: Path) -> None:
        self.archive = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.strings: dict[str, int] = {}
        self.references = 0
        self.sheets: list[str] = []

    def sheet(self, sheet: Sheet, rows: Iterable[Row], count: int) -> None:
        """One sheet: its header, then `count` rows."""
        self.sheets.append(sheet.name)
        text_columns = {i for i, column in enumerate(sheet.columns) if column.as_text}
        letters = [get_column_letter(i + 1) for i in range(len(sheet.columns))]
        with self.archive.open(f"xl/worksheets/sheet{len(self.sheets)}.xml", "w") as part:
            part.write(
                f'{XML_HEAD}<worksheet xmlns="{MAIN}">'
                f'<dimension ref="A1:{letters[-1]}{count + 1}"/>'
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                "<sheetData>".encode()
            )
            header: Row = [column.header for column in sheet.columns]
            part.write(self._row(1, header, letters, set()))
            for number, row in enumerate(rows, start=2):
                part.write(self._row(number, row, letters, text_columns))
            part.write(b"</sheetData></worksheet>")

    def _row(self, number: int, row: Row, letters: list[str], text_columns: set[int]) -> bytes:
        cells = []
        for position, value in enumerate(row):
            if value is None or value == "":
                continue
            self.references += 1
            index = self.strings.setdefault(str(value), len(self.strings))
            style = ' s="1"' if position in text_columns else ""
            cells.append(f'<c r="{letters[position]}{number}"{style} t="s"><v>{index}</v></c>')
        return f'<row r="{number}">{"".join(cells)}</row>'.encode()

    def close(self) -> None:
        with self.archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(
                f'{XML_HEAD}<sst xmlns="{MAIN}" count="{self.references}" '
                f'uniqueCount="{len(self.strings)}">'.encode()
            )
            for text in self.strings:
                part.write(f"<si><t>{escape(text)}</t></si>".encode())
            part.write(b"</sst>")
        sheets = "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(self.sheets, start=1)
        )
        self.archive.writestr(
            "xl/workbook.xml",
            f'{XML_HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>{sheets}'
            "</sheets></workbook>",
        )
        kinds = [f"{RELATIONSHIPS}/worksheet"] * len(self.sheets)
        kinds += [f"{RELATIONSHIPS}/sharedStrings", f"{RELATIONSHIPS}/styles"]
        targets = [f"worksheets/sheet{i}.xml" for i in range(1, len(self.sheets) + 1)]
        targets += ["sharedStrings.xml", "styles.xml"]
        links = "".join(
            f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
            for i, (kind, target) in enumerate(zip(kinds, targets, strict=True), start=1)
        )
        self.archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{XML_HEAD}<Relationships xmlns="{PACKAGE}/relationships">{links}</Relationships>',
        )
        self.archive.writestr("xl/styles.xml", XML_HEAD + STYLES)
        self.archive.writestr(
            "_rels/.rels",
            f'{XML_HEAD}<Relationships xmlns="{PACKAGE}/relationships"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        parts = [("/xl/workbook.xml", f"{CONTENT}.sheet.main+xml")]
        parts += [
            (f"/xl/worksheets/sheet{i}.xml", f"{CONTENT}.worksheet+xml")
            for i in range(1, len(self.sheets) + 1)
        ]
        parts += [
            ("/xl/sharedStrings.xml", f"{CONTENT}.sharedStrings+xml"),
            ("/xl/styles.xml", f"{CONTENT}.styles+xml"),
        ]
        overrides = "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in parts)
        self.archive.writestr(
            "[Content_Types].xml",
            f'{XML_HEAD}<Types xmlns="{PACKAGE}/content-types"><Default Extension="rels" '
            f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>',
        )
        self.archive.close()


def write_county_workbook(
    path: Path,
    county_code: str,
    size: CountySize | None = None,
    *,
    layout: Layout = "excel",
    seed: int = 20_261_122,
) -> CountyWorkbook:
    """Write the workbook of a county of `size` (empty sheets for a size of zeros)."""
    size = size or CountySize()
    rng = random.Random(seed)  # made-up people, not secrets
    divisions, communities, compounds = _divisions(county_code, size)
    units, unit_codes = _units(county_code, size, communities, rng)
    with_id_card = 0

    def members() -> Iterator[Row]:
        nonlocal with_id_card
        for row in _members(county_code, size, unit_codes, (communities, compounds), rng):
            with_id_card += bool(row[3])
            yield row

    if layout == "excel":
        writer = _ExcelWriter(path)
        writer.sheet(DIVISIONS, divisions, len(divisions))
        writer.sheet(UNITS, units, len(units))
        writer.sheet(MEMBERS, members(), size.members)
        writer.close()
    else:
        book = openpyxl.Workbook(write_only=True)
        _openpyxl_sheet(book, DIVISIONS, divisions)
        _openpyxl_sheet(book, UNITS, units)
        _openpyxl_sheet(book, MEMBERS, members())
        book.save(path)
    return CountyWorkbook(
        path=path,
        county_code=county_code,
        layout=layout,
        divisions=len(divisions),
        townships=size.townships,
        communities=len(communities),
        compounds=len(compounds),
        units=len(units),
        members=size.members,
        members_with_id_card=with_id_card,
        bytes=path.stat().st_size,
    )
