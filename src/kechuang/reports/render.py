"""DOCX in the layout of official documents (GB/T 9704-2012 党政机关公文格式).

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title 方正小标宋简体 2号 (22 pt) centred; body
仿宋_GB2312 3号 (16 pt), fixed 28 pt line spacing, first line indented by two characters; level-1 headings 黑体
3号, level-2 headings 楷体_GB2312 3号; page numbers 4号 half-width "— 1 —" at the bottom, on the outer side (odd
pages right, even pages left, one character in from the edge of the text block). East Asian font names go into
w:eastAsia (python-docx only sets w:ascii/w:hAnsi); where these fonts are missing, LibreOffice renders them with
Noto CJK through the fontconfig aliases in data/fonts.conf (see pdf.py).
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .document import (
    AttachmentMark,
    Doc,
    Heading,
    PageBreak,
    Para,
    Signature,
    Subtitle,
    Table,
    Title,
)

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_5 = Pt(10.5)  # 五号
LINE = Pt(28)
TITLE_LINE = Pt(35)

PAGE = {"width": Mm(210), "height": Mm(297), "top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}


def set_font(run_or_style, name: str, size=None, *, bold: bool | None = None) -> None:
    """Font of a run or a style, East Asian name included (w:rFonts w:eastAsia)."""
    font = run_or_style.font
    font.name = name
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


#: w:pPr children that come after w:autoSpaceDE/w:autoSpaceDN in the schema's sequence.
_AFTER_AUTOSPACE = {qn(t) for t in ("w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                                    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                                    "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                                    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")}


def no_autospace(ppr) -> None:
    """No automatic space between Chinese and Latin letters or digits ("增加值843.05亿元", as typeset by hand):
    w:autoSpaceDE/w:autoSpaceDN off, placed where the schema wants them."""
    anchor = next((child for child in ppr if child.tag in _AFTER_AUTOSPACE), None)
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        if ppr.find(qn(tag)) is not None:
            continue
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        if anchor is None:
            ppr.append(el)
        else:
            anchor.addprevious(el)


ZERO = Pt(0)


def _fixed(paragraph, line=LINE, *, indent: bool = True, before=ZERO, after=ZERO) -> None:
    no_autospace(paragraph._p.get_or_add_pPr())
    pf = paragraph.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = line
    pf.space_before = before
    pf.space_after = after
    if indent:
        pf.first_line_indent = Pt(32)
        # Word measures the indent in characters too (w:firstLineChars = 200 hundredths of a character).
        ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
        if ind is not None:
            ind.set(qn("w:firstLineChars"), "200")


def _run(paragraph, text: str, font: str, size, *, bold: bool = False):
    run = paragraph.add_run(text)
    set_font(run, font, size, bold=bold)
    return run


def _page_field(paragraph, font: str, size) -> None:
    """'— PAGE —' with a PAGE field."""
    _run(paragraph, "— ", font, size)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        set_font(run, font, size)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text.strip() == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run._r.append(_text_el(text))
    _run(paragraph, " —", font, size)


def _text_el(text: str):
    t = OxmlElement("w:t")
    t.text = text
    return t


def _footer(footer, align) -> None:
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = align
    pf = p.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    # one character (4号) in from the outer edge of the text block
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        pf.right_indent = SIZE_4
    else:
        pf.left_indent = SIZE_4
    _page_field(p, PAGE_NUMBER_FONT, SIZE_4)


def _styles(document) -> None:
    # document defaults: Chinese language and an East Asian font (the template's default is Japanese ＭＳ 明朝)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    rpr = rpr_default.find(qn("w:rPr")) if rpr_default is not None else None
    if rpr is not None:
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is not None:
            for attr in list(rfonts.attrib):
                if attr.lower().endswith("theme"):  # theme fonts would override the names below
                    del rfonts.attrib[attr]
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                rfonts.set(qn(attr), BODY_FONT)
        lang = rpr.find(qn("w:lang"))
        if lang is not None:
            lang.set(qn("w:val"), "zh-CN")
            lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    set_font(normal, BODY_FONT, SIZE_3)
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    no_autospace(normal.element.get_or_add_pPr())
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE
    pf.space_before = pf.space_after = Pt(0)


def _page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE["width"], PAGE["height"]
    section.top_margin, section.bottom_margin = PAGE["top"], PAGE["bottom"]
    section.left_margin, section.right_margin = PAGE["left"], PAGE["right"]
    section.header_distance = Mm(15)
    # the page number's line sits about 7 mm below the text block
    section.footer_distance = Mm(21)
    document.settings.odd_and_even_pages_header_footer = True
    _footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)  # odd pages: right
    _footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)  # even pages: left


def _cell(cell, text: str, *, size, header: bool, align) -> None:
    p = cell.paragraphs[0]
    no_autospace(p._p.get_or_add_pPr())
    p.alignment = align
    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.first_line_indent = Pt(0)
    pf.space_before = pf.space_after = Pt(0)
    _run(p, text, H1_FONT if header else BODY_FONT, size)


def _table(document, block: Table) -> None:
    size = SIZE_5 if block.small else SIZE_4
    if block.caption:
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fixed(p, indent=False)
        _run(p, block.caption, H1_FONT, size)
    table = document.add_table(rows=1 + len(block.rows), cols=len(block.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    width = PAGE["width"] - PAGE["left"] - PAGE["right"]
    rel = block.widths or [1.0] * len(block.headers)
    widths = [int(width * r / sum(rel)) for r in rel]
    for col, w in zip(table.columns, widths):
        col.width = w  # w:gridCol, which LibreOffice follows
    # repeat the header row on every page
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    head = OxmlElement("w:tblHeader")
    head.set(qn("w:val"), "true")
    tr_pr.append(head)
    for i, (row, values) in enumerate(zip(table.rows, [block.headers, *block.rows])):
        cells = row.cells
        if len(values) == 1 and len(cells) > 1:  # a group row: one cell across the table
            merged = cells[0].merge(cells[-1])
            _cell(merged, values[0], size=size, header=True, align=WD_ALIGN_PARAGRAPH.LEFT)
            continue
        for j, (cell, text) in enumerate(zip(cells, values)):
            cell.width = widths[j]
            numeric = i > 0 and _numeric(text)
            align = WD_ALIGN_PARAGRAPH.CENTER if i == 0 or j == 0 else (
                WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT)
            _cell(cell, text, size=size, header=i == 0, align=align)
    document.add_paragraph()  # a blank line after the table (also keeps two tables apart)


def _numeric(text: str) -> bool:
    t = text.replace(".", "", 1).replace("-", "", 1).rstrip("%")
    return t.isdigit()


def render_docx(doc: Doc) -> bytes:
    """The report as DOCX bytes."""
    document = Document()
    _styles(document)
    _page(document)
    props = document.core_properties
    props.title = doc.title
    props.author = "科创平台"
    props.language = "zh-CN"
    body = document.paragraphs[0] if document.paragraphs else None
    if body is not None and not body.text:
        body._p.getparent().remove(body._p)
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Title):
            p = document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            followed = i + 1 < len(doc.blocks) and isinstance(doc.blocks[i + 1], Subtitle)
            _fixed(p, TITLE_LINE, indent=False, after=Pt(0) if followed else LINE)
            for n, line in enumerate(block.lines or [block.text]):
                run = _run(p, line, TITLE_FONT, SIZE_2)
                if n < len(block.lines or [block.text]) - 1:
                    run.add_break()
        elif isinstance(block, Subtitle):
            p = document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _fixed(p, indent=False, after=LINE)
            _run(p, block.text, H2_FONT, SIZE_3)
        elif isinstance(block, Heading):
            p = document.add_paragraph()
            _fixed(p)
            p.paragraph_format.keep_with_next = True
            _run(p, block.text, H1_FONT if block.level == 1 else H2_FONT, SIZE_3)
        elif isinstance(block, Para):
            p = document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            _fixed(p)
            _run(p, block.text, BODY_FONT, SIZE_3)
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, PageBreak):
            p = document.add_paragraph()
            _fixed(p, indent=False)
            p.add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(block, AttachmentMark):
            p = document.add_paragraph()
            _fixed(p, indent=False)
            _run(p, block.text, H1_FONT, SIZE_3)
        elif isinstance(block, Signature):
            first = True
            for line in block.lines:
                p = document.add_paragraph()
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                _fixed(p, indent=False, before=LINE * 2 if first else Pt(0))
                p.paragraph_format.right_indent = Pt(64)  # 4 characters in from the right
                _run(p, line, BODY_FONT, SIZE_3)
                first = False
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def write_docx(doc: Doc, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_docx(doc))
    return path
