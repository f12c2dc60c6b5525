"""Printable documents — slips, receipts, agreements, feedback forms, certificates — as A4
PDFs.

A `Document` says what is printed; `render` lays it out with fpdf2: the title, a bordered
form table per section, wrapped paragraphs, plain tables (columns of given widths and
alignments, if asked), the lines set flush right (落款), and the seal blocks at the
bottom of the last page. Text is real text in an embedded subset of Noto Sans/Serif SC.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import Align, TextMode, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from services.documents import fonts
from services.documents.wrap import wrap


@dataclass(frozen=True)
class Field:
    """One "label: value" line of a form, e.g. Field("姓名", "张三")."""

    label: str
    value: str


@dataclass(frozen=True)
class Section:
    heading: str | None = None
    fields: tuple[Field, ...] = ()
    paragraphs: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()  # the first row is the header
    # The table's columns: relative widths (equal when empty) and alignments, "L", "C" or
    # "R" (left when empty): a date, a long name and a number need not share alike.
    widths: tuple[float, ...] = ()
    aligns: tuple[str, ...] = ()
    # Lines set flush right after the rest, as a letter's sender and date (落款), and the
    # label of a seal box drawn over them, where the issuer stamps its name and date.
    closing: tuple[str, ...] = ()
    closing_seal: str | None = None


@dataclass(frozen=True)
class SealArea:
    """Where a body stamps and its responsible person signs."""

    label: str
    signer: str = "负责人（签字）"
    dated: bool = True


@dataclass(frozen=True)
class Document:
    title: str
    number: str | None = None
    subtitle: str | None = None
    sections: tuple[Section, ...] = ()
    seal_areas: tuple[SealArea, ...] = ()
    footer: str | None = None


MARGIN = 20.0  # mm, all four sides of the text area
FOOTER_ROOM = 6.0  # mm more at the bottom, so text ends above the footer
BODY_PT = 11.0
LINE = 6.2  # mm per line of body text
SEALS_PER_ROW = 3
MAX_SEALS = 2 * SEALS_PER_ROW  # two rows: the block still fits on one page
SEAL_BOX = 40.0  # mm: a 党组织 seal is 38-45 mm across
SEAL_GUTTER = 8.0
SEAL_ROW = 8.0 + SEAL_BOX + 3.0 + 2 * 8.0  # label, box, gap, signer and date lines
SHADE = (242, 242, 242)
FORM_COLUMNS = (1, 3)  # label : value
FORM_PADDING = (1.5, 2.5)  # mm, vertical and horizontal
TABLE_PT = 10.5
TABLE_PADDING = (1.2, 2.0)
MAX_COLUMNS = 10
SLACK = 0.5  # mm kept free in each line, for rounding between our widths and fpdf2's

# fpdf2 writes the page count where this string stands once the document is closed. It is
# made of private-use characters, which `_clean` removes from every text a caller gives,
# so nothing but the footer can ask for it (fpdf2's default "{nb}" could be typed).
_PAGE_COUNT = "\ue000" * 3
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ue000-\uf8ff]")


def _clean(text: str) -> str:
    return _UNPRINTABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))


class _Printer(FPDF):
    def __init__(self, footer: str | None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer
        self.sans = fonts.sans()
        self.serif = fonts.serif()
        self.add_font(self.sans.family, fname=self.sans.path)
        self.add_font(self.serif.family, fname=self.serif.path)
        # Noto Serif SC has every character of the basic and Ext-A CJK blocks; Sans lacks 26.
        self.set_fallback_fonts([self.serif.family])
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + FOOTER_ROOM)
        self.alias_nb_pages(_PAGE_COUNT)
        self.set_lang("zh-CN")
        self.set_creator("Gongjian")

    def footer(self) -> None:
        self.set_y(-MARGIN - 2)
        self.set_text_color(90)
        if self.footer_text:
            self.set_font(self.serif.family, size=8)
            self.lines(4, self.footer_text, Align.C)
        self.set_font(self.serif.family, size=9)
        self.cell(0, 5, f"第 {self.page_no()} 页 共 {_PAGE_COUNT} 页", align=Align.C)
        self.set_text_color(0)

    @contextmanager
    def heavy(self, stroke: float) -> Iterator[None]:
        """Print thicker strokes: the fonts come in one weight, so bold is drawn."""
        with self.local_context(text_mode=TextMode.FILL_STROKE, line_width=stroke):
            yield

    def body(self, size: float = BODY_PT) -> None:
        self.set_font(self.serif.family, size=size)

    def strong(self, size: float = BODY_PT) -> None:
        self.set_font(self.sans.family, size=size)

    def wrapped(self, text: str, width: float) -> str:
        """`text` broken into lines of at most `width` in the current font.

        `wrap` chooses the breaks, since fpdf2 knows no Chinese line-breaking rules; what
        fpdf2 then wraps by itself (never less than `width` - SLACK) stays within a line.
        """
        return "\n".join(wrap(text, width - SLACK, self.get_string_width))

    def lines(self, height: float, text: str, align: Align = Align.L) -> None:
        """Wrapped text across the full width, leaving the cursor on the next line.

        Always the full width: fpdf2's character wrapping loops forever on a zero width.
        """
        self.set_x(self.l_margin)
        self.multi_cell(
            self.epw,
            height,
            self.wrapped(text, self.epw - 2 * self.c_margin),
            align=align,
            wrapmode=WrapMode.CHAR,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def render(document: Document) -> bytes:
    """Lay `document` out on A4 pages and return the PDF."""
    pdf = _Printer(_clean(document.footer) if document.footer else None)
    pdf.set_title(_clean(document.title))
    pdf.add_page()
    _heading(pdf, document)
    for section in document.sections:
        _section(pdf, section)
    if document.seal_areas:
        _seals(pdf, document.seal_areas)
    return bytes(pdf.output())


def _heading(pdf: _Printer, document: Document) -> None:
    if document.number:
        pdf.body(10)
        pdf.lines(5, f"编号：{_clean(document.number)}", Align.R)
        pdf.ln(2)
    pdf.strong(18)
    with pdf.heavy(0.25):
        pdf.lines(10, _clean(document.title), Align.C)
    if document.subtitle:
        pdf.body(12)
        pdf.lines(7, _clean(document.subtitle), Align.C)
    pdf.ln(4)


def _section(pdf: _Printer, section: Section) -> None:
    if section.heading:
        # A heading never stands alone at the foot of a page.
        if pdf.will_page_break(LINE * 4):
            pdf.add_page()
        pdf.ln(2)
        pdf.strong(12.5)
        with pdf.heavy(0.12):
            pdf.lines(8, _clean(section.heading))
        pdf.ln(1)
    if section.fields:
        _form(pdf, section.fields)
    pdf.body()
    for paragraph in section.paragraphs:
        pdf.lines(LINE, _clean(paragraph))
        pdf.ln(1.5)
    if section.table:
        _table(pdf, section)
    if section.closing:
        _closing(pdf, section)


def _closing(pdf: _Printer, section: Section) -> None:
    """The closing lines flush right, with the seal box (if any) centred over them."""
    lines = [_clean(line) for line in section.closing]
    height = len(lines) * (LINE + 1)
    room = max(0.0, SEAL_BOX - height) / 2 if section.closing_seal else 0.0
    if pdf.will_page_break(height + 2 * room):
        pdf.add_page()
    pdf.ln(room)
    top = pdf.get_y()
    pdf.body()
    width = max(pdf.get_string_width(line) for line in lines) + 2 * pdf.c_margin
    for line in lines:
        pdf.lines(LINE + 1, line, Align.R)
    if section.closing_seal:
        centre = (pdf.l_margin + pdf.epw - width / 2, top + height / 2)
        left, upper = centre[0] - SEAL_BOX / 2, centre[1] - SEAL_BOX / 2
        dashes = {"dash": 1.2, "gap": 1}
        with pdf.local_context(line_width=0.3, draw_color=120, dash_pattern=dashes):
            pdf.rect(left, upper, SEAL_BOX, SEAL_BOX)
        pdf.body(9)
        with pdf.local_context(text_color=120):
            pdf.set_xy(left, upper + SEAL_BOX - 6)
            pdf.cell(SEAL_BOX, 5, _clean(section.closing_seal), align=Align.C)
        pdf.set_xy(pdf.l_margin, top + height + room)
    pdf.ln(2)


def _form(pdf: _Printer, fields: tuple[Field, ...]) -> None:
    label_width = pdf.epw * FORM_COLUMNS[0] / sum(FORM_COLUMNS) - 2 * FORM_PADDING[1]
    value_width = pdf.epw * FORM_COLUMNS[1] / sum(FORM_COLUMNS) - 2 * FORM_PADDING[1]
    rows = []
    for field in fields:
        pdf.strong()
        label = pdf.wrapped(_clean(field.label), label_width)
        pdf.body()
        rows.append((label, pdf.wrapped(_clean(field.value), value_width)))
    label_style = FontFace(family=pdf.sans.family, size_pt=BODY_PT, fill_color=SHADE)
    with pdf.table(
        col_widths=FORM_COLUMNS,
        first_row_as_headings=False,
        line_height=LINE,
        padding=FORM_PADDING,
        text_align=(Align.C, Align.L),
        wrapmode=WrapMode.CHAR,
        min_row_height=9,
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=label_style)
            row.cell(value)
    pdf.ln(3)


def _columns(section: Section, columns: int) -> tuple[tuple[float, ...], tuple[Align, ...]]:
    """The table's relative widths and alignments, one per column."""
    widths = section.widths or (1.0,) * columns
    aligns = section.aligns or ("L",) * columns
    if len(widths) != columns or len(aligns) != columns:
        raise ValueError(f"a table of {columns} columns needs as many widths and alignments")
    if min(widths) * MAX_COLUMNS < sum(widths):
        # No column narrower than an equal tenth, for the same reason as MAX_COLUMNS.
        raise ValueError(f"a table column is at least 1/{MAX_COLUMNS} of the table's width")
    if not set(aligns) <= {"L", "C", "R"}:
        raise ValueError(f"table columns align L, C or R, not {aligns}")
    return widths, tuple(Align.coerce(align) for align in aligns)


def _table(pdf: _Printer, section: Section) -> None:
    rows = section.table
    columns = max(len(row) for row in rows)
    if columns > MAX_COLUMNS:
        # Cells narrower than one character would make fpdf2's wrapping loop forever.
        raise ValueError(f"a table has at most {MAX_COLUMNS} columns, not {columns}")
    if not columns:
        return
    widths, aligns = _columns(section, columns)
    texts = []
    for number, cells in enumerate(rows):
        pdf.set_font(pdf.sans.family if number == 0 else pdf.serif.family, size=TABLE_PT)
        padded = (*cells, *("",) * (columns - len(cells)))
        texts.append(
            [
                pdf.wrapped(_clean(text), pdf.epw * share / sum(widths) - 2 * TABLE_PADDING[1])
                for text, share in zip(padded, widths, strict=True)
            ]
        )
    pdf.body(TABLE_PT)
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(family=pdf.sans.family, size_pt=TABLE_PT, fill_color=SHADE),
        line_height=5.8,
        padding=TABLE_PADDING,
        text_align=aligns,
        wrapmode=WrapMode.CHAR,
        repeat_headings=1,
    ) as table:
        for wrapped in texts:
            row = table.row()
            for text in wrapped:
                row.cell(text)
    pdf.ln(3)


def _seals(pdf: _Printer, seal_areas: tuple[SealArea, ...]) -> None:
    """The seal blocks, side by side, kept together at the bottom of the last page."""
    if len(seal_areas) > MAX_SEALS:
        raise ValueError(f"a document has at most {MAX_SEALS} seal areas, not {len(seal_areas)}")
    rows = [seal_areas[i : i + SEALS_PER_ROW] for i in range(0, len(seal_areas), SEALS_PER_ROW)]
    height = len(rows) * SEAL_ROW + (len(rows) - 1) * SEAL_GUTTER
    bottom = pdf.h - pdf.b_margin
    if pdf.get_y() + SEAL_GUTTER + height > bottom:
        pdf.add_page()
    # Drawn by coordinates, so no line of it may start a new page.
    pdf.set_auto_page_break(False)
    top = bottom - height
    for row in rows:
        width = (pdf.epw - (len(row) - 1) * SEAL_GUTTER) / len(row)
        for i, seal in enumerate(row):
            _seal(pdf, seal, x=pdf.l_margin + i * (width + SEAL_GUTTER), y=top, width=width)
        top += SEAL_ROW + SEAL_GUTTER
    pdf.set_auto_page_break(True, margin=MARGIN + FOOTER_ROOM)


def _seal(pdf: _Printer, seal: SealArea, *, x: float, y: float, width: float) -> None:
    label = _clean(seal.label)
    pdf.strong()
    if (wide := pdf.get_string_width(label)) > width:
        pdf.strong(BODY_PT * width / wide)  # a long name shrinks rather than overflow
    pdf.set_xy(x, y)
    pdf.cell(width, 8, label, align=Align.C)
    box = min(width, SEAL_BOX + 10)
    with pdf.local_context(line_width=0.3, draw_color=120, dash_pattern={"dash": 1.2, "gap": 1}):
        pdf.rect(x + (width - box) / 2, y + 8, box, SEAL_BOX)
    pdf.body(10.5)
    pdf.set_xy(x, y + 8 + SEAL_BOX + 3)
    signer = f"{_clean(seal.signer)}："
    pdf.cell(width, 8, signer, align=Align.L)
    start = x + pdf.c_margin + pdf.get_string_width(signer) + 1
    if start < x + width - 10:
        with pdf.local_context(line_width=0.2):
            pdf.line(start, y + 8 + SEAL_BOX + 3 + 6, x + width, y + 8 + SEAL_BOX + 3 + 6)
    if seal.dated:
        pdf.set_xy(x, y + 8 + SEAL_BOX + 3 + 8)
        pdf.cell(width, 8, "____年____月____日", align=Align.R)
