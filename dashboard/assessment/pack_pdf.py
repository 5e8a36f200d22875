"""The meeting pack as an A4 portrait PDF (fpdf2, offline), Chinese set in Noto Sans CJK SC.

The font is found at run time (Debian's fonts-noto-cjk ships a TrueType collection; fpdf2 reads a
face of it by index), or named by HOTLINE_PDF_FONT. Long tables are cut at `PDF_ROWS` rows with a
line saying how many more the XLSX holds; table headings repeat on every page.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from dashboard.assessment.pack_tables import PDF_ROWS, Section, fmt, sections

# (path, face index in a collection); index 2 of Noto Sans CJK is the Simplified Chinese face.
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
BOLD_SUFFIX = ("-Regular", "-Bold")
INK = (20, 32, 51)
MUTED = (90, 104, 125)
HEAD_FILL = (221, 227, 234)
ZEBRA = (245, 247, 250)
ACCENT = (23, 105, 170)


class FontMissing(RuntimeError):
    """No CJK font on this machine: install fonts-noto-cjk or set HOTLINE_PDF_FONT."""


def find_font(env: dict[str, str] | None = None) -> tuple[Path, int]:
    explicit = (os.environ if env is None else env).get("HOTLINE_PDF_FONT")
    if explicit:
        return Path(explicit), 0
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return Path(path), index
    raise FontMissing("no CJK font found for the PDF: apt-get install fonts-noto-cjk, or set HOTLINE_PDF_FONT")


class PackPDF(FPDF):
    def __init__(self, pack: dict[str, Any]) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.pack = pack
        path, index = find_font()
        self.add_font("cjk", "", str(path), collection_font_number=index)
        bold = Path(str(path).replace(*BOLD_SUFFIX))
        self.add_font("cjk", "B", str(bold if bold.is_file() else path), collection_font_number=index)
        self.set_margins(12, 14, 12)
        self.set_auto_page_break(True, margin=14)
        self.set_text_color(*INK)

    def header(self) -> None:
        self.set_font("cjk", "", 8)
        self.set_text_color(*MUTED)
        p = self.pack
        self.cell(0, 5, f"北京12345接诉即办 · {p['name']} · {p['month']} 月度例会材料", align="L")
        self.cell(0, 5, f"规则 {p['rules_version']}", align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*HEAD_FILL)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("cjk", "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"第 {self.page_no()} 页 · 生成于 {self.pack['generated_at']}", align="C")


def _title(pdf: PackPDF, pack: dict[str, Any]) -> None:
    pdf.set_font("cjk", "B", 18)
    pdf.cell(0, 11, f"{pack['name']} {pack['month']} 接诉即办月度例会材料", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 6, f"考核期 {pack['first_day']} 至 {pack['last_day']}（按回访时间计入）；排名为全市名次。",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_text_color(*INK)
    pdf.ln(2)


def _section(pdf: PackPDF, section: Section) -> None:
    limit = PDF_ROWS.get(section.key)
    rows = section.rows[:limit] if limit else section.rows
    if pdf.will_page_break(30):  # never a heading alone at the foot of a page
        pdf.add_page()
    pdf.set_font("cjk", "B", 11)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 7, section.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font("cjk", "", 8.5)
    if not rows:
        pdf.cell(0, 6, "无", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        return
    widths = tuple(c.width for c in section.columns)
    numeric = ("int", "pct", "score", "delta_int", "delta_score", "delta_pct", "hours", "rank")
    align = tuple("RIGHT" if c.kind in numeric else "LEFT" for c in section.columns)
    heading = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
    style = {"headings_style": heading, "line_height": 5.2, "borders_layout": "HORIZONTAL_LINES",
             "cell_fill_color": ZEBRA, "cell_fill_mode": "ROWS", "align": "LEFT", "repeat_headings": 1}  # fmt: skip
    with pdf.table(col_widths=widths, text_align=align, width=sum(widths), **style) as table:
        head = table.row()
        for c in section.columns:
            head.cell(c.header)
        for r in rows:
            line = table.row()
            for c in section.columns:
                line.cell(fmt(r.get(c.key), c.kind))
    if limit and len(section.rows) > limit:
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 6, f"另有 {len(section.rows) - limit} 条，完整清单见 XLSX。", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
    pdf.ln(4)


def pack_pdf(pack: dict[str, Any]) -> bytes:
    pdf = PackPDF(pack)
    pdf.set_title(f"{pack['name']} {pack['month']} 月度例会材料")
    pdf.add_page()
    _title(pdf, pack)
    for section in sections(pack):
        _section(pdf, section)
    return bytes(pdf.output())
