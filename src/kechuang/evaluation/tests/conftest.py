"""Fixtures of the evaluation app's Django tests: enterprises with stored data that pass, nearly pass or fail."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kechuang.conftest import TOWN_A, TOWN_B

DAY = dt.date(2026, 6, 1)  # the application date of most tests: fiscal years 2023–2025
YEARS = (2023, 2024, 2025)
NET = {2023: Decimal("10000000.00"), 2024: Decimal("11500000.00"), 2025: Decimal("13225000.00")}  # 1000→1150→1322.5万


def yuan(wan: str) -> Decimal:
    return (Decimal(wan) * 10000).quantize(Decimal("0.01"))


def add_annual(ent, year: int, **kw):
    from kechuang.enterprises.models import AnnualData

    values = dict(staff_total=100, staff_tech=20, sales=yuan("4000"), total_income=yuan("4100"),
                  non_taxable_income=Decimal("0"), hitech_income=yuan("3000"), rd_expense=yuan("240"),
                  rd_domestic=yuan("240"), net_assets=NET.get(year, yuan("1000")), total_assets=yuan("6000"),
                  cost_expense_total=yuan("3500"))
    values.update(kw)
    return AnnualData.objects.create(enterprise=ent, year=year, **values)


def add_ip(ent, kind="invention", number=None, **kw):
    from kechuang.enterprises.models import IPRecord

    number = number or f"ZL{ent.pk:05d}{IPRecord.objects.count():04d}"
    values = dict(title="一种测试方法", acquisition="self", granted_on=dt.date(2020, 5, 1))
    values.update(kw)
    return IPRecord.objects.create(enterprise=ent, kind=kind, number=number, **values)


def add_qual(ent, kind, year, issue, expiry=None, **kw):
    from kechuang.enterprises.models import Qualification

    return Qualification.objects.create(enterprise=ent, kind=kind, year=year, issue_date=issue, expiry_date=expiry, **kw)



@pytest.fixture
def domain(db):
    return "10101"


@pytest.fixture
def make_hte(make_enterprise, domain):
    """An enterprise with three years of data: by default it meets every hard HTE condition (verdict borderline
    while the expert-judged items and the transformations are unknown). `rd` and `tech` move C5a and C4."""
    def make(name: str, town: str = TOWN_A, *, rd: str = "240", tech: int = 20, ip: bool = True,
             with_domain: bool = True, years=YEARS, **kw):
        ent = make_enterprise(town_id=town, name=name, domain_id=domain if with_domain else None,
                              founded_on=dt.date(2015, 3, 1), **kw)
        for y in years:
            add_annual(ent, y, rd_expense=yuan(rd), rd_domestic=yuan(rd), staff_tech=tech)
        if ip:
            add_ip(ent)
        return ent
    return make


@pytest.fixture
def good(make_hte):
    return make_hte("宁波达标科技有限公司")


@pytest.fixture
def near(make_hte):
    # R&D 4.5% against 5%: within the pool margin of 1 point → a near-miss candidate.
    return make_hte("宁波接近科技有限公司", rd="180")


@pytest.fixture
def far(make_hte):
    # Technology staff 5% against 10% (margin 2 points) → not a candidate.
    return make_hte("宁波差距科技有限公司", tech=5)


@pytest.fixture
def town_b_good(make_hte):
    return make_hte("宁波乙镇达标有限公司", town=TOWN_B)


@pytest.fixture
def other_bureau(make_user):
    from kechuang.core.choices import Role

    return make_user("haishu_officer", Role.BUREAU, region_id="330203")


@pytest.fixture
def other_district_ent(make_hte):
    return make_hte("海曙某科技有限公司", town="330203001")


@pytest.fixture
def run(bureau, good, near, far, town_b_good, other_district_ent):
    from kechuang.evaluation.services import evaluation_run

    return evaluation_run(user=bureau, on=DAY)
