"""Imports of indicator values, targets and monthly reports: every row's errors at once, all or nothing."""
import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest

from kechuang.conftest import TOWN_A, TOWN_B
from kechuang.core.importing import run_import
from kechuang.indicators.models import IndicatorValue, MonthlyReport, MonthlyReportTask, Target

pytestmark = pytest.mark.django_db


def to_csv(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def test_long_format_with_chinese_headers_imports_and_reimport_updates(bureau):
    data = to_csv(["区划代码", "期间", "指标代码", "数值"], [
        ["330212", "2025-11", "GDP", "550.25"], ["330212", "2025-10", "gdp", "480"],
        ["3302", "2025-11", "GDP", "3000"], ["330203", "2025-11", "PAT_GRANT", "100"],
        [TOWN_A, "2025/11", "TECH_TRADE", "1.5"],
    ])
    result = run_import("indicator_values", data, "v.csv", user=bureau)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (5, 0)
    v = IndicatorValue.objects.get(region_id="330212", indicator_id="GDP", year=2025, month=11)
    assert v.value == D("550.25") and v.source == "imported"
    again = run_import("indicator_values", to_csv(["区划代码", "期间", "指标代码", "数值"],
                                                  [["330212", "2025-11", "GDP", "551"]]), "v.csv", user=bureau)
    assert (again.created, again.updated) == (0, 1)
    assert IndicatorValue.objects.get(region_id="330212", indicator_id="GDP", year=2025, month=11).value == 551


def test_english_headers_are_accepted(bureau):
    data = to_csv(["region_code", "period", "indicator_code", "value"], [["330212", "2025-11", "GDP", "1"]])
    assert run_import("indicator_values", data, "v.csv", user=bureau).ok


def test_every_bad_row_is_reported_and_nothing_is_imported(bureau):
    future = (dt.date.today().replace(day=1) + dt.timedelta(days=40)).strftime("%Y-%m")
    rows = [["330212", "2025-11", "GDP", "550"]] * 1 + [
        ["999999", "2025-11", "GDP", "1"],            # row 3: unknown region
        ["330212", "2025-13", "GDP", "1"],            # row 4: bad period
        ["330212", "2025-11", "NOPE", "1"],           # row 5: unknown indicator
        ["330212", "2025-11", "PAT_GRANT", "1.5"],    # row 6: a count with a fraction
        ["330212", "2025-11", "IND_VA", "abc"],       # row 7: not a number
        ["330212", "2025-11", "GDP", "2"],            # row 8: duplicate of row 2
        ["330203", "2025-11", "GDP", "1"],            # row 9: a sibling district: allowed (share and rank need it)
        ["330203001", "2025-11", "GDP", "1"],         # row 10: a town of another district: outside scope
        ["330212", future, "GDP", "1"],               # row 11: a future month
        ["330212", "2025-11", "PAT_APPLY", "-3"],     # row 12: negative
    ]
    result = run_import("indicator_values", to_csv(["区划代码", "期间", "指标代码", "数值"], rows), "v.csv",
                        user=bureau)
    got = {(e.row, e.column, e.code) for e in result.errors}
    assert got == {(3, "区划代码", "unknown_region"), (4, "期间", "invalid"), (5, "指标代码", "unknown_indicator"),
                   (6, "数值", "not_integer"), (7, "数值", "invalid"), (8, "指标代码", "duplicate"),
                   (10, "区划代码", "out_of_scope"), (11, "期间", "future_period"), (12, "数值", "negative")}
    assert IndicatorValue.objects.count() == 0


def test_town_assistant_cannot_import_statistics(assistant_a):
    data = to_csv(["区划代码", "期间", "指标代码", "数值"], [[TOWN_B, "2025-11", "GDP", "1"]])
    result = run_import("indicator_values", data, "v.csv", user=assistant_a)
    assert [e.code for e in result.errors] == ["out_of_scope"]


def test_targets_import_with_value_or_growth(bureau):
    data = to_csv(["区划代码", "年度", "指标代码", "目标值", "目标增速(%)", "说明"], [
        ["330212", "2026", "TECH_TRADE", "60", "15", "技术交易额突破60亿元，增长15%"],
        ["330212", "2026", "GDP", "", "6.5", ""],
        ["330212", "2026", "HTE_VALID", "", "", ""],          # row 4: neither
        ["330203", "2026", "GDP", "1", "", ""],               # row 5: another district's target: outside scope
        ["330212", "2026", "RD_GDP_RATIO", "", "5", ""],      # row 6: a ratio needs a value
    ])
    result = run_import("targets", data, "t.csv", user=bureau)
    assert {(e.row, e.code) for e in result.errors} == {(4, "required"), (5, "out_of_scope"), (6, "ratio_growth")}
    ok = run_import("targets", to_csv(["区划代码", "年度", "指标代码", "目标值", "目标增速", "说明"], [
        ["330212", "2026", "TECH_TRADE", "60", "15", "突破60亿元"], ["330212", "2026", "GDP", "", "6.5", ""]]),
        "t.csv", user=bureau)
    assert ok.ok and ok.created == 2
    t = Target.objects.get(region_id="330212", indicator_id="TECH_TRADE", year=2026)
    assert (t.value, t.growth_pct, t.note) == (60, D("15"), "突破60亿元")


@pytest.fixture
def tasks():
    return {m: MonthlyReportTask.objects.create(region_id="330212", year=2025, month=m, deadline=dt.date(2025, m + 1, 10))
            for m in (9, 10)}


REPORT_HEADER = ["统一社会信用代码", "期间", "营业收入", "增加值", "从业人员", "研发费用", "情况说明"]


def test_monthly_reports_import_runs_the_form_checks_across_rows(bureau, ent_a, ent_b, tasks, make_enterprise):
    other = make_enterprise(town_id="330203001")
    third = make_enterprise(town_id=TOWN_B)
    rows = [
        [ent_a.uscc, "2025-09", "900", "300", "50", "40", ""],
        [ent_a.uscc, "2025-10", "850", "320", "50", "45", ""],      # row 3: revenue below September's (row 2)
        [ent_b.uscc, "2025-10", "1000", "1200", "30", "-1", ""],    # row 4: negative R&D; VA > revenue unexplained
        [other.uscc, "2025-10", "1", "1", "1", "1", ""],            # row 5: another district
        [third.uscc, "2024-10", "1", "1", "1", "1", ""],            # row 6: no task for that month
    ]
    result = run_import("monthly_reports", to_csv(REPORT_HEADER, rows), "m.csv", user=bureau)
    got = {(e.row, e.column, e.code) for e in result.errors}
    assert got == {(3, "营业收入", "below_previous_month"), (4, "研发费用", "negative"),
                   (5, "统一社会信用代码", "out_of_scope"), (6, "期间", "no_task")}
    assert MonthlyReport.objects.count() == 0
    fixed = [rows[0], [ent_a.uscc, "2025-10", "950", "320", "50", "45", ""],
             [ent_b.uscc, "2025-10", "1000", "1200", "30", "1", "含代收代付的转包收入"]]
    result = run_import("monthly_reports", to_csv(REPORT_HEADER, fixed), "m.csv", user=bureau)
    assert result.ok, result.errors
    r = MonthlyReport.objects.get(enterprise=ent_a, year=2025, month=10)
    assert (r.operating_revenue, r.status, r.events.count()) == (D("9500000.00"), "submitted", 1)


def test_town_assistant_imports_only_their_towns_reports(assistant_a, ent_a, ent_b, tasks):
    rows = [[ent_a.uscc, "2025-10", "10", "3", "5", "1", ""], [ent_b.uscc, "2025-10", "10", "3", "5", "1", ""]]
    result = run_import("monthly_reports", to_csv(REPORT_HEADER, rows), "m.csv", user=assistant_a)
    assert [(e.row, e.code) for e in result.errors] == [(3, "out_of_scope")]
