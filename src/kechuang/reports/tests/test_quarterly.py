"""The quarterly tech-service analysis per town, from accepted monthly reports (the engine's analyse_towns)."""
from __future__ import annotations

from docx import Document

from kechuang.reports.services import generate_files
from kechuang.reports.wording import placeholders_in

from .conftest import HOME, TOWN_A, TOWN_B, YEAR


def _doc(tmp_path, region):
    gen = generate_files("quarterly", region, YEAR, 3, tmp_path / f"{region}.docx", pdf=False)
    return gen, Document(str(gen.docx))


def test_district_analysis_tables_every_town_with_the_engines_figures(report_data, tmp_path):
    gen, document = _doc(tmp_path, HOME)
    assert document.paragraphs[0].text == f"鄞州区{YEAR}年第三季度科技服务业运行分析"
    overview = next(p.text for p in document.paragraphs if p.text.startswith(f"{YEAR}年1—9月"))
    # 500万元 now against 390万元 a year earlier (yuan in the reports, 万元 in the text)
    assert "全区3家规上科技服务业企业报送月报，实现营业收入500.00万元，同比增长28.2%" in overview
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "镇（街道）" and len(t.columns) == 8)
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in table.rows[1:]}
    # 钟公庙 300万 (+50%), 下应 200万 (+1.1% … 190 → 200: +5.3%)
    assert rows["钟公庙街道"][3:7] == ["300.00", "+50.0%", "60.0%", "1"]
    assert rows["下应街道"][3:7] == ["200.00", "+5.3%", "40.0%", "2"]
    assert rows["下应街道"][7] == "9.1%" and rows["钟公庙街道"][7] == "90.9%"  # contribution to the increment
    assert rows["合计"][3] == "500.00"
    assert placeholders_in("\n".join(p.text for p in document.paragraphs)) == []
    assert any("MonthlyReport" in f.source for _, f in gen.doc.figures)


def test_town_analysis_gives_its_standing_and_its_enterprises(report_data, tmp_path):
    _gen, document = _doc(tmp_path, TOWN_A)
    body = "\n".join(p.text for p in document.paragraphs)
    assert "下应街道2家规上科技服务业企业报送月报" in body
    assert "实现营业收入200.00万元，同比增长5.3%，占全区总量的40.0%，居全区第二位，对全区增长的贡献率为9.1%" in body
    names = [r.cells[1].text for t in document.tables for r in t.rows[1:] if len(t.columns) == 4]
    assert names == ["宁波报告甲科技有限公司", "宁波报告乙科技有限公司"]  # town B's enterprise is not listed
    assert "宁波报告丙科技有限公司" not in body


def test_a_quarter_without_reports_says_no_data(report_data, tmp_path):
    gen = generate_files("quarterly", TOWN_B, YEAR, 1, tmp_path / "q1.docx", pdf=False)
    text = "\n".join(p.text for p in Document(str(gen.docx)).paragraphs)
    assert "营业收入暂无数据" in text and placeholders_in(text) == []
