"""Printable documents: A4 PDFs whose Chinese text is embedded, extractable and legible."""

import logging
import re

import pypdfium2 as pdfium
import pytest
from fontTools.ttLib import TTFont

from services.documents import Document, Field, SealArea, Section, fonts, render
from services.documents.wrap import NO_END, NO_START, wrap

A4 = (595.28, 841.89)  # points
CLAUSE = (
    "甲方（社区党组织）与乙方（单位党组织）本着“资源共享、优势互补、共驻共建”的原则，"
    "就共同开展基层党建工作达成如下协议：乙方每季度至少到社区开展一次集体服务活动，"
    "认领社区项目不少于2个，并为社区提供场地、设备和志愿服务岗位。"
)
FIELDS = (
    Field("姓名", "张三"),
    Field("工作单位", "正定县人民政府办公室 <综合科> & 信息中心"),
    Field("居住地址", "河北省石家庄市正定县常山路街道常山东路社区幸福小区3号楼2单元501室"),
    Field("联系电话", "138****5678"),
)
CONTACTS = (
    ("姓名", "职务", "电话"),
    ("李四", "社区书记", "0311-88886666"),
    ("王五", "支部书记", "无"),
)
SEALS = (SealArea("单位党组织（盖章）"), SealArea("社区党组织（盖章）"))


def long_agreement() -> Document:
    return Document(
        title="共驻共建协议书",
        number="XY2026-000042",
        subtitle="正定县",
        sections=(
            Section(heading="一、双方信息", fields=FIELDS),
            Section(
                heading="二、协议条款",
                paragraphs=tuple(f"第{n}条　{CLAUSE}" for n in range(1, 13)),
            ),
            Section(heading="三、联系人", table=CONTACTS),
        ),
        seal_areas=SEALS,
        footer="本协议一式两份，双方各执一份。",
    )


def one_page_slip() -> Document:
    return Document(
        title="在职党员到社区报到单",
        number="BD2026-000123",
        subtitle="正定县",
        sections=(Section(heading="党员信息", fields=FIELDS),),
        seal_areas=SEALS,
    )


@pytest.fixture(scope="module")
def agreement() -> pdfium.PdfDocument:
    return pdfium.PdfDocument(render(long_agreement()))


@pytest.fixture(scope="module")
def slip() -> bytes:
    return render(one_page_slip())


def page_text(pdf: pdfium.PdfDocument, index: int) -> str:
    return str(pdf[index].get_textpage().get_text_range())


def flat(text: str) -> str:
    """The text without the line breaks that wrapping put in."""
    return re.sub(r"[\r\n]", "", text)


def test_pages_are_a4_portrait(agreement: pdfium.PdfDocument) -> None:
    for page in agreement:
        width, height = page.get_size()
        assert width == pytest.approx(A4[0], abs=1)
        assert height == pytest.approx(A4[1], abs=1)


def test_long_paragraphs_flow_onto_numbered_pages(agreement: pdfium.PdfDocument) -> None:
    assert len(agreement) == 2
    assert "第 1 页 共 2 页" in page_text(agreement, 0)
    assert "第 2 页 共 2 页" in page_text(agreement, 1)
    assert "本协议一式两份，双方各执一份。" in page_text(agreement, 1)


def test_every_text_put_in_comes_out_as_extractable_text(
    agreement: pdfium.PdfDocument,
) -> None:
    text = flat(page_text(agreement, 0) + page_text(agreement, 1))
    expected = [
        "共驻共建协议书",
        "编号：XY2026-000042",
        "正定县",
        "一、双方信息",
        *(f"{field.label}{field.value}" for field in FIELDS),
        f"第1条　{CLAUSE}",
        f"第12条　{CLAUSE}",
        *(cell for row in CONTACTS for cell in row),
        "单位党组织（盖章）",
        "负责人（签字）：",
        "____年____月____日",
    ]
    for string in expected:
        assert flat(string).replace(" ", "") in text.replace(" ", "")


def test_markup_characters_are_printed_as_typed(agreement: pdfium.PdfDocument) -> None:
    assert "正定县人民政府办公室 <综合科> & 信息中心" in page_text(agreement, 0)


def test_seal_areas_stay_together_at_the_bottom_of_the_last_page(
    agreement: pdfium.PdfDocument,
) -> None:
    first, last = page_text(agreement, 0), page_text(agreement, 1)
    assert "盖章" not in first
    assert last.count("盖章") == 2
    page = agreement[1]
    textpage = page.get_textpage()
    for seal in SEALS:
        start, _count = textpage.search(seal.label).get_next()
        _left, bottom, _right, _top = textpage.get_charbox(start)
        assert bottom < page.get_height() / 3  # PDF y grows upwards


def test_chinese_glyphs_are_drawn_in_the_title_area(agreement: pdfium.PdfDocument) -> None:
    image = agreement[0].render(scale=1).to_pil().convert("L")
    width, _ = image.size
    title_band = image.crop((0, 75, width, 115))
    assert sum(title_band.histogram()[:100]) > 500  # dark pixels: strokes, not blank boxes
    top_margin = image.crop((0, 5, width, 45))
    assert sum(top_margin.histogram()[:250]) == 0


def test_fonts_are_embedded_as_subsets(slip: bytes) -> None:
    assert slip.startswith(b"%PDF-")
    assert slip.count(b"/FontFile3") == 2
    assert set(re.findall(rb"/BaseFont /([A-Z]{6}\+\w+)", slip)) == {
        b"MPDFAA+NotoSansSC",
        b"MPDFAA+NotoSerifSC",
    }


def test_no_character_falls_back_to_a_missing_glyph(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        render(long_agreement())
    assert not [record for record in caplog.records if "missing" in record.getMessage()]
    cmap = TTFont(fonts.serif().path, lazy=True).getBestCmap()
    assert all(ord(char) in cmap for char in CLAUSE + "".join(f.value for f in FIELDS))


def test_a_one_page_slip_is_one_small_page(slip: bytes) -> None:
    pdf = pdfium.PdfDocument(slip)
    assert len(pdf) == 1
    assert "第 1 页 共 1 页" in page_text(pdf, 0)
    assert len(slip) < 150_000  # 60 kB measured: fonts are subset, not 20 MB of Noto


def test_the_page_count_cannot_be_asked_for_by_a_value() -> None:
    document = Document(
        title="报到单",
        sections=(Section(fields=(Field("备注", "{nb} 页\ue000"),)),),
    )
    text = page_text(pdfium.PdfDocument(render(document)), 0)
    assert "{nb} 页" in text
    assert "\ue000" not in text


def test_tables_wider_than_ten_columns_are_refused() -> None:
    document = Document(title="表", sections=(Section(table=(tuple("ABCDEFGHIJK"),)),))
    with pytest.raises(ValueError, match="at most 10 columns"):
        render(document)


def test_more_seal_areas_than_fit_on_a_page_are_refused() -> None:
    document = Document(title="表", seal_areas=(SealArea("（盖章）"),) * 7)
    with pytest.raises(ValueError, match="at most 6 seal areas"):
        render(document)


def test_wrapped_lines_never_start_with_closing_punctuation() -> None:
    lines = wrap(CLAUSE * 3, width=20, measure=len)
    assert "".join(lines) == CLAUSE * 3
    assert all(len(line) <= 20 for line in lines)
    assert not [line for line in lines[1:] if line[0] in NO_START]
    assert not [line for line in lines[:-1] if line[-1] in NO_END]


def test_wrapping_keeps_numbers_and_latin_words_whole() -> None:
    text = "联系电话13800138000，邮箱party@example.cn"
    lines = wrap(text, width=12, measure=len)
    assert lines == ["联系电话", "13800138000，", "邮箱party@", "example.cn"]
    assert wrap("13800138000", width=5, measure=len) == ["13800", "13800", "0"]
    assert wrap("第一行\n第二行", width=10, measure=len) == ["第一行", "第二行"]
