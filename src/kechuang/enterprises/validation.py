"""The one validation path for enterprise data: forms, the API and imports all call these checks.

Each check receives parsed values and a context with `error(field, message, code)` (an import row or a form's
FieldErrors), plus `Lookups` preloaded once per batch so that 100,000 rows validate without 100,000 queries.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from kechuang.core.choices import Role
from kechuang.core.fields import parse_bool, parse_date, parse_decimal, parse_int, parse_text
from kechuang.core.uscc import uscc_error
from kechuang.core.units import WAN
from kechuang.regions.choices import RegionLevel
from kechuang.regions.models import HitechDomain, Industry, Region
from kechuang.regions.services import home_region_code

from .models import Enterprise


def parse_uscc(value) -> str:
    code = parse_text(value, max_length=30).upper()
    msg = uscc_error(code)
    if msg:
        raise ValueError(msg)
    return code


def parse_town_code(value) -> str:
    code = parse_text(value, max_length=12)
    if not (code.isdigit() and len(code) == 9):
        raise ValueError(f"镇街代码应为9位数字，实为“{code}”")
    return code


def parse_wan(value) -> Decimal:
    """An amount given in 万元 (as in the templates), stored in yuan to the fen."""
    wan = parse_decimal(value, min_value=0, places=6)
    return (wan * WAN).quantize(Decimal("0.01"))


def parse_past_date(value) -> dt.date:
    return parse_date(value, not_future=True)


@dataclass
class Lookups:
    """What validating a batch of enterprise rows needs from the database, loaded in a few queries."""

    user: object
    scope_prefix: str | None  # region code prefix the user may write to (None: nowhere)
    exact_town: bool
    towns: set[str] = field(default_factory=set)
    industries: dict[str, int] = field(default_factory=dict)  # code -> level
    domains: set[str] = field(default_factory=set)
    existing: dict[str, tuple[int, str]] = field(default_factory=dict)  # uscc -> (pk, town code)

    @classmethod
    def load(cls, user, usccs: list[str] | None = None) -> "Lookups":
        prefix, exact = writable_region(user)
        lk = cls(user=user, scope_prefix=prefix, exact_town=exact)
        towns = Region.objects.filter(level=RegionLevel.TOWN)
        if prefix is not None:
            towns = towns.filter(code__startswith=prefix[:4])  # the whole city, to tell "unknown" from "not yours"
        lk.towns = set(towns.values_list("code", flat=True))
        lk.industries = dict(Industry.objects.values_list("code", "level"))
        lk.domains = set(HitechDomain.objects.values_list("code", flat=True))
        if usccs:
            usccs = [u for u in usccs if u]
            for i in range(0, len(usccs), 5000):
                for pk, uscc, town in Enterprise.objects.filter(uscc__in=usccs[i:i + 5000]).values_list("pk", "uscc", "town_id"):
                    lk.existing[uscc] = (pk, town)
        return lk

    def town_writable(self, code: str) -> bool:
        if self.scope_prefix is None:
            return False
        return code == self.scope_prefix if self.exact_town else code.startswith(self.scope_prefix)


def writable_region(user) -> tuple[str | None, bool]:
    """The region code a user may write enterprises into, and whether it must match exactly (a town)."""
    if user is None:
        return home_region_code(), False  # the command line acts for the bureau of the home region
    if user.is_superuser:
        return "", False
    if user.role == Role.BUREAU and user.region_id:
        return user.region_id, False
    if user.role == Role.TOWN and user.region_id:
        return user.region_id, True
    return None, True


def check_enterprise(values: dict, ctx, lk: Lookups, *, instance: Enterprise | None = None) -> None:
    """Database-dependent checks of one enterprise: known town inside the user's scope, known codes, key owner."""
    town = values.get("town")
    if town:
        if town not in lk.towns:
            if lk.scope_prefix is not None and not Region.objects.filter(code=town, level=RegionLevel.TOWN).exists():
                ctx.error("town", f"未知的镇街代码：{town}", "unknown_town")
            else:
                ctx.error("town", f"镇街 {town} 不在您的管辖范围内", "out_of_scope")
        elif not lk.town_writable(town):
            ctx.error("town", f"镇街 {town} 不在您的管辖范围内", "out_of_scope")
    industry = values.get("industry")
    if industry:
        level = lk.industries.get(industry)
        if level is None:
            ctx.error("industry", f"未知的国民经济行业代码（GB/T 4754-2017）：{industry}", "unknown_industry")
        elif level < 3:
            ctx.error("industry", f"行业代码应细到中类或小类（3–4位），实为“{industry}”", "industry_too_coarse")
    domain = values.get("domain")
    if domain and domain not in lk.domains:
        ctx.error("domain", f"未知的高新技术领域代码：{domain}", "unknown_domain")
    uscc = values.get("uscc")
    if uscc and uscc in lk.existing:
        pk, old_town = lk.existing[uscc]
        if instance is not None and instance.pk != pk:
            ctx.error("uscc", f"统一社会信用代码 {uscc} 已被其他企业使用", "duplicate")
        elif not lk.town_writable(old_town):
            ctx.error("uscc", f"企业 {uscc} 不在您的管辖范围内，不能修改", "out_of_scope")
    if values.get("staff") is not None and values["staff"] > 10_000_000:
        ctx.error("staff", "职工人数不合理", "invalid")


ENTERPRISE_PARSERS = {
    "uscc": parse_uscc,
    "name": lambda v: parse_text(v, max_length=200),
    "town": parse_town_code,
    "industry": lambda v: parse_text(v, max_length=5),
    "domain": lambda v: parse_text(v, max_length=8),
    "founded_on": parse_past_date,
    "staff": lambda v: parse_int(v, min_value=0),
    "above_size": parse_bool,
    "legal_rep": lambda v: parse_text(v, max_length=50),
    "address": lambda v: parse_text(v, max_length=200),
    "contact_phone": lambda v: parse_text(v, max_length=20),
}
