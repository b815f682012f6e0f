"""Indicators the marketplace feeds (collected by the indicators app from every app's `METRICS`).

TECH_TRADE 技术交易额 (亿元, flow): the technology amount (技术交易额, RULES §3.2) of *registered* technology
contracts on the seller (输出) side — the seller enterprise's town code starts with the region code — whose
registration date falls from 1 January to the last day of the period (a flow is cumulative from January).
Contracts whose seller is a university or institute count where that party registers, not here.
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from kechuang.core.units import YI

from .choices import ContractStatus


def tech_trade(region_codes: list[str], year: int, month: int) -> dict[str, Decimal]:
    """{region code: registered technology amount in 亿元 (exact Decimal)} for the period year-month."""
    from .models import TechContract

    first = dt.date(year, 1, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    per_town: dict[str, Decimal] = {}
    rows = (TechContract.objects.filter(status=ContractStatus.REGISTERED, registration_date__gte=first,
                                        registration_date__lte=last, seller_enterprise__isnull=False)
            .values_list("seller_enterprise__town_id", "tech_amount"))
    for town, amount in rows.iterator():
        per_town[town] = per_town.get(town, Decimal(0)) + amount  # summed exactly in Python, not in SQL
    out: dict[str, Decimal] = {}
    for code in region_codes:
        total = sum((v for t, v in per_town.items() if t.startswith(code)), Decimal(0))
        out[code] = total / YI
    return out


METRICS = {"TECH_TRADE": tech_trade}
