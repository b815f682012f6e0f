"""Eligibility of voucher holders and risk-pool borrowers, with a Chinese reason for every failed condition."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Qual:
    """A qualification as plain facts."""

    kind: str
    year: int
    issue_date: dt.date
    expiry_date: dt.date | None
    revoked: bool = False

    def valid_on(self, day: dt.date) -> bool:
        return not self.revoked and self.issue_date <= day and (self.expiry_date is None or day <= self.expiry_date)


KIND_LABELS = {"tsme": "科技型中小企业", "startup": "创新型初创企业备案", "pool": "高新技术企业培育库", "hte": "高新技术企业"}


def holder_kinds_met(quals: list[Qual], kinds: list[str], *, year: int, on: dt.date) -> list[str]:
    """Which eligible holder kinds the enterprise meets on a day.

    A tech SME counts when it is registered for the programme year or its registration is valid on the day
    ("当年有效"); the other kinds count when valid on the day.
    """
    met = []
    for kind in kinds:
        for q in quals:
            if q.kind != kind or q.revoked:
                continue
            if kind == "tsme" and q.year == year and q.issue_date <= on:
                met.append(kind)
                break
            if q.valid_on(on):
                met.append(kind)
                break
    return met


def age_ok(founded_on: dt.date, on: dt.date, max_years: int | None) -> bool:
    """Registered at most `max_years` years on the day (the anniversary day itself still counts)."""
    if max_years is None:
        return True
    try:
        limit = founded_on.replace(year=founded_on.year + max_years)
    except ValueError:  # 29 February
        limit = founded_on.replace(year=founded_on.year + max_years, day=28)
    return on <= limit


def voucher_holder_reasons(*, quals: list[Qual], kinds: list[str], year: int, on: dt.date,
                           in_region: bool) -> list[str]:
    reasons = []
    if not in_region:
        reasons.append("企业不在本方案所属辖区")
    if not holder_kinds_met(quals, kinds, year=year, on=on):
        wanted = "、".join(KIND_LABELS.get(k, k) for k in kinds)
        reasons.append(f"不属于本方案的申领对象（需为：{wanted}，且资质在申请日有效）")
    return reasons


def borrower_reasons(*, quals: list[Qual], kinds: list[str], founded_on: dt.date, on: dt.date,
                     max_age_years: int | None, in_region: bool) -> list[str]:
    reasons = []
    if not in_region:
        reasons.append("企业不在风险池所属辖区")
    if kinds and not holder_kinds_met(quals, kinds, year=on.year, on=on):
        wanted = "、".join(KIND_LABELS.get(k, k) for k in kinds)
        reasons.append(f"不符合风险池准入条件（需为：{wanted}）")
    if not age_ok(founded_on, on, max_age_years):
        reasons.append(f"企业成立已超过{max_age_years}年（成立于{founded_on.isoformat()}）")
    return reasons
