import datetime as dt
from decimal import Decimal

import pytest

from kechuang.core.fields import parse_bool, parse_date, parse_decimal, parse_int
from kechuang.core.importing import normalise_header
from kechuang.core.exporting import safe_cell


def test_int_accepts_excel_floats_but_not_fractions_or_text():
    assert parse_int(12.0) == 12
    assert parse_int("35") == 35
    with pytest.raises(ValueError, match="整数"):
        parse_int("12.5")
    with pytest.raises(ValueError, match="整数"):
        parse_int("十二")
    with pytest.raises(ValueError, match="不能小于0"):
        parse_int(-3)


def test_decimal_is_exact():
    assert parse_decimal(0.1) + parse_decimal(0.2) == Decimal("0.3")
    assert parse_decimal("1,234.50") == Decimal("1234.50")
    with pytest.raises(ValueError):
        parse_decimal("NaN")


def test_dates_in_common_chinese_spellings():
    for text in ("2020-01-05", "2020/1/5", "2020年1月5日", "20200105", dt.datetime(2020, 1, 5, 0, 0)):
        assert parse_date(text) == dt.date(2020, 1, 5)
    with pytest.raises(ValueError, match="晚于今天"):
        parse_date(dt.date.today() + dt.timedelta(days=1), not_future=True)
    with pytest.raises(ValueError, match="有效日期"):
        parse_date("2021-02-30")


def test_bool_words():
    assert parse_bool("是") is True and parse_bool("否") is False
    with pytest.raises(ValueError):
        parse_bool("也许")


def test_headers_match_without_units_or_required_marks():
    assert normalise_header("销售收入（万元）*") == normalise_header("销售收入")
    assert normalise_header(" Name ") == "name"


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2", "@cmd"])
def test_export_neutralises_formula_injection(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell("正常文本") == "正常文本"
