"""The adapter to the other modules: with every module present, every figure is answered by the module itself —
none hides an interface error behind 暂无数据 — and each carries its source and what it counted."""
from __future__ import annotations

from kechuang.reports import sources as src

from .conftest import HOME, YEAR

INTERFACE_TROUBLE = ("模块", "接口", "数据接口", "数据字段")


def test_every_figure_is_answered_by_its_module(report_data):
    ctx = src.region_context(HOME, YEAR, 12)
    keys = [*src.SPECS, *(f"panel.{c}" for c in src.PANEL_LABELS)]
    for key in keys:
        fig = src.figure(ctx, key)
        assert not fig.reason.startswith(INTERFACE_TROUBLE), (key, fig.reason)
        assert fig.source and fig.query and fig.unit and fig.label, key
        assert "{" not in fig.source + fig.query, key


def test_figures_count_what_the_fixture_made(report_data):
    ctx = src.region_context(HOME, YEAR, 12)
    assert src.figure(ctx, "hte.certified").value == 2
    assert src.figure(ctx, "rd.new").value == 2
    assert dict(src.figure(ctx, "rd.total").parts) == {"省级": 1, "市级": 1, "区级": 1}
    assert dict(src.figure(ctx, "carriers.by_kind").parts) == {"众创空间": 1, "孵化器": 1}
    assert src.figure(ctx, "carriers.new").value == 1
    assert src.figure(ctx, "monthly.accepted").value == 3
    other = src.region_context("330203", YEAR, 12)  # another district: none of the home district's records
    assert src.figure(other, "hte.certified").value == 0
    assert src.figure(other, "carriers.by_kind").value == 0


def test_panel_figures_carry_the_panel_row(report_data):
    ctx = src.region_context(HOME, YEAR, 12)
    fig = src.panel_figure(ctx, "HT_IND_VA")
    assert fig.row["rank"] == 1 and fig.row["rank_of"] == 10 and fig.unit == "亿元"
    assert fig.source == "指标 HT_IND_VA（指标面板）"
    missing = src.panel_figure(ctx, "HT_IND_INVEST")
    assert missing.value is None and "无数值" in missing.reason


def test_report_month_is_december_for_a_past_year_and_the_last_complete_month_now(report_data):
    import datetime as dt

    assert src.report_month(HOME, YEAR, dt.date(YEAR + 1, 3, 5)) == 12
    assert src.report_month(HOME, YEAR + 1, dt.date(YEAR + 1, 3, 5)) == 2  # no data yet that year: last full month
