"""Parsers and checks for enterprise annual data, shared by the form, the API and the import."""
from __future__ import annotations

import datetime as dt

from kechuang.core.fields import parse_int

from .validation import parse_wan

MONEY_FIELDS = ("sales", "total_income", "non_taxable_income", "hitech_income", "rd_expense", "rd_domestic",
                "net_assets", "total_assets", "cost_expense_total")


def parse_year(value) -> int:
    year = parse_int(value, min_value=1949, max_value=dt.date.today().year)
    return year


def _signed_wan(value):
    # Net assets may be negative (an insolvent year); every other amount may not.
    from decimal import Decimal

    from kechuang.core.fields import parse_decimal
    from kechuang.core.units import WAN

    return (parse_decimal(value, min_value=None, places=6) * WAN).quantize(Decimal("0.01"))


ANNUAL_PARSERS = {
    "year": parse_year,
    "staff_total": lambda v: parse_int(v, min_value=0),
    "staff_tech": lambda v: parse_int(v, min_value=0),
    **{name: parse_wan for name in MONEY_FIELDS if name != "net_assets"},
    "net_assets": _signed_wan,
}


def check_annual(values: dict, ctx) -> None:
    """Cross-field rules: parts never exceed their whole."""
    st, tech = values.get("staff_total"), values.get("staff_tech")
    if st is not None and tech is not None and tech > st:
        ctx.error("staff_tech", f"科技人员数（{tech}）不能大于职工总数（{st}）", "exceeds_total")
    rd, dom = values.get("rd_expense"), values.get("rd_domestic")
    if rd is not None and dom is not None and dom > rd:
        ctx.error("rd_domestic", "境内研发费用不能大于研发费用总额", "exceeds_total")
    ti, nt = values.get("total_income"), values.get("non_taxable_income")
    if ti is not None and nt is not None and nt > ti:
        ctx.error("non_taxable_income", "不征税收入不能大于收入总额", "exceeds_total")
    hi = values.get("hitech_income")
    if ti is not None and hi is not None and hi > ti:
        ctx.error("hitech_income", "高新技术产品（服务）收入不能大于收入总额", "exceeds_total")
