"""The typefaces printed documents embed, taken from a Python package.

Noto Sans SC and Noto Serif SC (SIL Open Font License 1.1) come in the
`pylopdf-fonts-zh-cn` wheel as CFF-outlined OpenType files, so a server renders Chinese
with no system fonts installed. The PDF carries only the glyphs a document uses.
"""

from dataclasses import dataclass
from pathlib import Path

import pylopdf_fonts_zh_cn


@dataclass(frozen=True)
class Typeface:
    family: str
    path: Path


def sans() -> Typeface:
    """Headings, labels and the title (黑体 in a printed form)."""
    return Typeface("NotoSansSC", pylopdf_fonts_zh_cn.sans_path())


def serif() -> Typeface:
    """Values and running text (宋体 in a printed form)."""
    return Typeface("NotoSerifSC", pylopdf_fonts_zh_cn.serif_path())
