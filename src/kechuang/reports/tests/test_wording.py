"""Wording rules, as plain functions: rounding half-up, 增长/下降 by sign, 第一位 only for rank 1, placeholders."""
from decimal import Decimal

import pytest

from kechuang.reports import wording as w


@pytest.mark.parametrize("value, places, text", [
    (Decimal("2.345"), 2, "2.35"), (Decimal("-2.345"), 2, "-2.35"), (Decimal("0.05"), 1, "0.1"),
    (Decimal("0.04999"), 1, "0.0"), (Decimal("-0.04"), 1, "0.0"), (Decimal("9954.5"), 0, "9955"),
    (Decimal("1E+2"), 0, "100"), (7, 2, "7.00"), ("843.0549", 2, "843.05"),
])
def test_numbers_round_half_up_without_exponent_or_minus_zero(value, places, text):
    assert w.num(value, places) == text


def test_a_missing_value_reads_no_data():
    assert w.num(None, 2) == "暂无数据"
    assert w.amount(None, "亿元") == "暂无数据"
    assert w.amount(Decimal(241), "家") == "241家"
    assert w.amount(Decimal("45.546"), "万平方米") == "45.55万平方米"


@pytest.mark.parametrize("yoy, text", [
    (Decimal("9.70"), "同比增长9.7%"), (Decimal("-76.71"), "同比下降76.7%"), (Decimal("0.04"), "与上年同期持平"),
    (Decimal("-0.04"), "与上年同期持平"), (Decimal("0.05"), "同比增长0.1%"), (None, ""),
])
def test_growth_says_increase_or_decrease_by_the_sign_of_the_rounded_rate(yoy, text):
    assert w.growth(yoy) == text


def test_ratio_growth_is_in_percentage_points():
    assert w.growth_pp(Decimal("3.454")) == "同比提高3.45个百分点"
    assert w.growth_pp(Decimal("-0.275")) == "同比下降0.28个百分点"
    assert w.growth_pp(None) == ""


@pytest.mark.parametrize("rank, text", [(1, "居全市第一位"), (2, "居全市第二位"), (3, "居全市第三位"),
                                        (10, "居全市第十位"), (12, "居全市第十二位"), (None, "")])
def test_first_place_only_for_rank_one(rank, text):
    assert w.rank(rank, "全市") == text


def test_share_and_area_words():
    assert w.share(Decimal("16.2749"), "全市") == "占全市总量的16.3%"
    assert w.share(None, "全市") == ""
    assert w.area_word("city") == "全市" and w.area_word("district") == "全区"


@pytest.mark.parametrize("n, text", [(0, "零"), (1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"),
                                     (100, "一百"), (105, "一百零五"), (110, "一百一十"), (999, "九百九十九")])
def test_chinese_numerals(n, text):
    assert w.cn_number(n) == text
    assert w.cn_count(2) == "两"


def test_placeholders_are_found_as_words_not_inside_words():
    assert w.placeholders_in("finance.VoucherGrant；Decimal 计算；Nanjing") == []
    assert w.placeholders_in("技术交易额突破xx亿元") == ["xx"]
    assert w.placeholders_in("增长None%") == ["None"]
    assert w.placeholders_in("{value}亿元") == ["{", "}"]
    assert w.placeholders_in("值为nan") == ["nan"]
    assert w.placeholders_in("N/A") == ["N/A"]


def test_period_leads():
    assert w.period_lead(12, flow=True) == "全年" and w.period_lead(10, flow=True) == "1—10月"
    assert w.period_lead(12, flow=False) == "年末" and w.period_lead(10, flow=False) == "10月末"
