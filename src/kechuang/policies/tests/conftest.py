"""Fixtures of the policies tests: policies of the home district, enterprises with two years of R&D data."""
import datetime as dt
from decimal import Decimal

import pytest

from kechuang.conftest import HOME, OTHER_DISTRICT_TOWN, TOWN_A, TOWN_B  # noqa: F401 - re-exported for tests


def annual(enterprise, year, rd, sales="40000000.00"):
    from kechuang.tests_support import AnnualDataFactory

    return AnnualDataFactory(enterprise=enterprise, year=year, rd_expense=Decimal(rd), rd_domestic=Decimal(rd),
                             sales=Decimal(sales))


RD_POLICY = {
    "title": "研发投入增量补助", "doc_number": "鄞科〔2025〕8号", "year": 2025, "data_year": 2024,
    "reference_date": "2025-06-30", "valid_from": "2025-01-01", "status": "published",
    "conditions": [{"field": "district", "op": "eq", "value": "330212"},
                   {"field": "rd_growth", "op": "gt", "value": "0", "note": "研发投入较上年增长"}],
    "formula": {"type": "share", "base": "rd_growth", "rate": "10%", "cap": "500000", "rounding": "yuan"},
}


@pytest.fixture
def rd_policy(bureau):
    from kechuang.policies.services import policy_save

    return policy_save(user=bureau, data=dict(RD_POLICY))


@pytest.fixture
def clerk_b(make_user, ent_b):
    from kechuang.core.choices import Role

    return make_user("clerk_b", Role.ENTERPRISE, enterprise=ent_b)


@pytest.fixture
def today():
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture
def other_bureau(make_user):
    from kechuang.core.choices import Role

    return make_user("haishu_officer", Role.BUREAU, region_id="330203")


__all__ = ["RD_POLICY", "annual", "dt"]
