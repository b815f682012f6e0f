"""Test factories (factory_boy) shared by every app's tests."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from kechuang.core.uscc import make_uscc


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enterprises.Enterprise"

    uscc = factory.Sequence(lambda n: make_uscc("330212", 70000000 + n))
    name = factory.Sequence(lambda n: f"宁波测试{n}科技有限公司")
    town_id = "330212001"
    industry_id = "6513"
    founded_on = dt.date(2015, 3, 1)
    staff = 50


class AnnualDataFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enterprises.AnnualData"

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2024
    staff_total = 100
    staff_tech = 20
    sales = Decimal("40000000.00")
    total_income = Decimal("41000000.00")
    hitech_income = Decimal("30000000.00")
    rd_expense = Decimal("2400000.00")
    rd_domestic = Decimal("2400000.00")
    net_assets = Decimal("20000000.00")
    total_assets = Decimal("60000000.00")
    cost_expense_total = Decimal("35000000.00")


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enterprises.Qualification"

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = "tsme"
    year = 2025
    issue_date = dt.date(2025, 6, 1)
