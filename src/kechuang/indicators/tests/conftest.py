"""Fixtures of the indicators tests: a clean statistics cache per test and helpers to store values."""
from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture(autouse=True)
def _fresh_statistics_caches():
    """Cached panels are keyed by a version token that a rolled-back test can reuse: start every test empty."""
    from django.core.cache import cache

    from kechuang.indicators import catalog, selectors

    cache.clear()
    catalog._ENGINE.clear()
    selectors._REGIONS.clear()
    selectors._ALLOWED.clear()
    yield
    cache.clear()


@pytest.fixture
def put_values(db):
    """Store values: ``put_values({(region, code, "2025-11"): "550", ...}, source="imported")``."""
    from kechuang.indicators.cache import data_changed
    from kechuang.indicators.engine import Period
    from kechuang.indicators.models import IndicatorValue

    def put(values: dict, source: str = "imported"):
        objs = []
        for (region, code, period), value in values.items():
            p = Period.parse(period)
            objs.append(IndicatorValue(region_id=region, indicator_id=code, year=p.year, month=p.month,
                                       value=Decimal(str(value)), source=source))
        IndicatorValue.objects.bulk_create(objs)
        data_changed()
    return put
