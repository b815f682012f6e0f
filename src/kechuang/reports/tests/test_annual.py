"""The annual work summary: figures equal the indicator panel, wording follows the data, every figure is traced,
no placeholder, official layout, PDF through LibreOffice."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

import pytest
from docx import Document
from docx.shared import Pt

from kechuang.reports.annual import HEADLINE
from kechuang.reports.services import generate_files
from kechuang.reports.wording import placeholders_in

from .conftest import HOME, YEAR

CN_RANK = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}
COUNTS = {"家", "件"}


def _generate(tmp_path, region=HOME, year=YEAR, pdf=False):
    return generate_files("annual", region, year, None, tmp_path / "annual.docx", pdf=pdf)


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    for section in document.sections:
        for footer in (section.footer, section.even_page_footer):
            parts.extend(p.text for p in footer.paragraphs)
    return "\n".join(parts)


def _half_up(value, places: int) -> str:
    d = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{abs(d) if d.is_zero() else d:f}"


def _panel(region=HOME, year=YEAR, month=12):
    from kechuang.indicators.engine import Period
    from kechuang.indicators.selectors import panel

    return {r["code"]: r for r in panel(region, Period(year, month))}


def _headline_paragraph(document) -> str:
    for p in document.paragraphs:
        if "主要科技指标运行情况" in p.text:
            return p.text
    raise AssertionError("no headline paragraph")


def test_headline_figures_in_the_docx_equal_the_indicator_panel(report_data, tmp_path):
    gen = _generate(tmp_path)
    document = Document(str(gen.docx))
    text = _headline_paragraph(document)
    clauses = text.split("：", 1)[-1].split("；")
    rows = _panel()
    checked = 0
    for code, _verb, name, _link in HEADLINE:
        row = rows[code]
        clause = next(c for c in clauses if name in c or (code == "HTE_NET_NEW" and "高新技术企业净减少" in c))
        if row["value"] is None:
            assert clause.endswith(f"{name}暂无数据"), clause
            continue
        unit = row["unit"]
        places = 0 if unit in COUNTS else 2
        m = re.search(re.escape(name) + r"(?:达)?(-?\d+(?:\.\d+)?)" + re.escape(unit), clause)
        assert m, (code, clause)
        assert m.group(1) == _half_up(row["value"], places), (code, m.group(1), row["value"])
        if row["kind"] == "ratio":
            pp = Decimal(_half_up(row["yoy_pp"], 2))
            word = "提高" if pp > 0 else "下降"
            assert f"同比{word}{abs(pp):f}个百分点" in clause, (code, clause)
            assert "占全市总量" not in clause
        else:
            g = Decimal(_half_up(row["yoy_pct"], 1))
            word = "增长" if g > 0 else "下降"
            assert f"同比{word}{abs(g):f}%" in clause, (code, clause)
            assert f"占全市总量的{_half_up(row['share_pct'], 1)}%" in clause, (code, clause)
        assert f"居全市第{CN_RANK[row['rank']]}位" in clause, (code, clause)
        checked += 1
    assert checked >= 10


def test_wording_follows_the_data_decline_and_rank(report_data, tmp_path):
    gen = _generate(tmp_path)
    text = _headline_paragraph(Document(str(gen.docx)))
    rows = _panel()
    assert rows["PAT_GRANT"]["rank"] == 3 and rows["PAT_GRANT"]["yoy_pct"] < 0
    patents = next(c for c in text.split("；") if "专利授权量" in c and "发明" not in c)
    assert "同比下降" in patents and "增长" not in patents
    assert "居全市第三位" in patents and "第一位" not in patents
    va = next(c for c in text.split("；") if "高新技术产业增加值" in c and "比重" not in c)
    assert rows["HT_IND_VA"]["rank"] == 1 and "居全市第一位" in va and "同比增长" in va
    # 第一位 appears exactly once per headline indicator ranked first
    firsts = sum(1 for code, *_ in HEADLINE if rows[code]["rank"] == 1 and rows[code]["value"])
    assert text.count("居全市第一位") == firsts


def test_a_figure_without_data_says_so_in_words(report_data, tmp_path):
    gen = _generate(tmp_path)
    text = _headline_paragraph(Document(str(gen.docx)))
    assert "高新技术产业投资暂无数据" in text


def test_no_placeholder_anywhere_even_without_any_data(report_data, tmp_path):
    for region in (HOME, "330203"):
        gen = _generate(tmp_path, region=region)
        text = _all_text(Document(str(gen.docx)))
        assert placeholders_in(text) == [], placeholders_in(text)
    # a year with no data at all: every figure reads 暂无数据, still nothing left unfilled
    gen = _generate(tmp_path, year=YEAR - 10)
    text = _all_text(Document(str(gen.docx)))
    assert placeholders_in(text) == []
    assert text.count("暂无数据") > 10


def test_appendix_lists_every_figure_with_its_indicator_or_query(report_data, tmp_path):
    gen = _generate(tmp_path)
    document = Document(str(gen.docx))
    appendix = document.tables[-1]
    header = [c.text for c in appendix.rows[0].cells]
    assert header == ["序号", "数据项", "报告中的数值", "指标代码或查询", "统计口径"]
    rows = [[c.text for c in r.cells] for r in appendix.rows[1:]]
    figure_rows = [r for r in rows if r[0].isdigit()]
    assert len(figure_rows) == len(gen.doc.figures)
    sources = "\n".join(r[3] for r in figure_rows)
    for code, *_ in HEADLINE:
        assert f"指标 {code}" in sources
    for query in ("enterprises.Qualification", "carriers.Carrier", "enterprises.RDInstitution",
                  "indicators.models.MonthlyReport", "market.TechContract", "finance.VoucherGrant",
                  "policies.selectors.event_counts", "indicators.models.Target"):
        assert query in sources, query
    invest = next(r for r in figure_rows if "HT_IND_INVEST" in r[3])
    assert invest[2] == "暂无数据" and "暂无数据" in invest[4]


def test_sections_and_targets_table(report_data, tmp_path):
    gen = _generate(tmp_path)
    document = Document(str(gen.docx))
    texts = [p.text for p in document.paragraphs]
    for heading in ("一、主要工作和成效", "（一）科技管理", "（二）创新主体培育", "（三）创新平台建设", "（四）科技合作",
                    "（五）创新创业环境", f"二、{YEAR + 1}年工作思路"):
        assert heading in texts, heading
    body = "\n".join(texts)
    # counts from the platform's records, as the fixture made them
    assert "认定（含重新认定）高新技术企业2家" in body
    assert "共有企业研发机构3家，其中省级1家、市级1家、区级1家" in body
    assert "共有双创平台载体2家，其中众创空间1家、孵化器1家" in body
    assert "其中优秀（A）1家、良好（B）1家" in body
    targets = next(t for t in document.tables if t.rows[0].cells[1].text == "指标")
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in targets.rows[1:]}
    assert rows["高新技术产业增加值"][4] == _half_up(Decimal("843.0549") * Decimal("1.1"), 2)
    assert rows["高新技术产业增加值"][5] == "10.0%"
    assert rows["有效高新技术企业数"][4] == "270"
    assert rows["高新技术产业增加值占规上工业增加值比重"][5].startswith("提高")


def test_a_missing_module_reads_as_no_data_and_the_appendix_says_why(report_data, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "kechuang.market.models", None)  # the marketplace has not landed
    gen = _generate(tmp_path)
    document = Document(str(gen.docx))
    text = _all_text(document)
    assert "技术库在库成果暂无数据" in text
    assert "认定登记技术合同暂无数据" in text
    assert placeholders_in(text) == []
    reasons = [r.cells[4].text for r in document.tables[-1].rows if "market.TechContract" in r.cells[3].text]
    assert reasons and all("模块" in r for r in reasons)


def test_official_document_layout(report_data, tmp_path):
    gen = _generate(tmp_path)
    document = Document(str(gen.docx))
    s = document.sections[0]
    def mm(length):
        return round(length.mm, 1)  # stored in twips

    assert (mm(s.page_width), mm(s.page_height)) == (210, 297)
    assert (mm(s.top_margin), mm(s.bottom_margin), mm(s.left_margin), mm(s.right_margin)) == (37, 35, 28, 26)

    def east_asia(run):
        return run._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")

    title = document.paragraphs[0]
    assert title.alignment == 1  # centred
    assert east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    h1 = next(p for p in document.paragraphs if p.text == "一、主要工作和成效")
    assert east_asia(h1.runs[0]) == "黑体" and h1.runs[0].font.size == Pt(16)
    h2 = next(p for p in document.paragraphs if p.text == "（一）科技管理")
    assert east_asia(h2.runs[0]) == "楷体_GB2312"
    body = next(p for p in document.paragraphs if "主要科技指标运行情况" in p.text)
    assert east_asia(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size == Pt(16)
    pf = body.paragraph_format
    assert pf.line_spacing == Pt(28) and pf.line_spacing_rule == 4  # EXACTLY
    assert pf.first_line_indent == Pt(32)
    # page numbers "— N —" on the outer side: odd pages right, even pages left
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = s.footer.paragraphs[0], s.even_page_footer.paragraphs[0]
    assert odd.alignment == 2 and even.alignment == 0
    for p in (odd, even):
        xml = p._p.xml
        assert "PAGE" in xml and p.text.startswith("— ") and p.text.endswith(" —")
        assert p.runs[0].font.size == Pt(14)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_the_report_renders_to_pdf(report_data, tmp_path):
    gen = _generate(tmp_path, pdf=True)
    assert gen.pdf_error == ""
    assert gen.pdf == tmp_path / "annual.pdf" and gen.pdf.exists()
    assert gen.pdf.read_bytes()[:4] == b"%PDF"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(gen.pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        compact = re.sub(r"\s+", "", text)
        assert f"鄞州区科技局{YEAR}年工作总结" in compact
        assert "主要工作和成效" in compact
        assert "—1—" in compact
