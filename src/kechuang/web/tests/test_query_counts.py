"""Query-count guards: list and dashboard endpoints issue a bounded number of queries, whatever the number of rows.

Each test counts the queries of one request with 3 rows, adds 27 more rows, counts again and expects the same
number (an N+1 — one query per row — would add 27). The request is made once before counting so that per-process
caches (content types, the user's session) do not count; response caches are cleared before each counted request.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.conftest import HOME, TOWN_A

pytestmark = pytest.mark.django_db

FEW, MANY = 3, 30


def queries(client, url: str, *, before=None) -> int:
    """The number of queries of GET url (after one uncounted warm-up request)."""
    for counted in (False, True):
        cache.clear()
        if before:
            before()
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.content[:300])
    return len(ctx.captured_queries)


def grows(client, urls: list[str], add, *, before=None) -> dict[str, tuple[int, int]]:
    """Counts per URL with FEW rows and with MANY rows: {url: (few, many)} for those that differ."""
    add(0, FEW)
    few = {u: queries(client, u, before=before) for u in urls}
    add(FEW, MANY)
    many = {u: queries(client, u, before=before) for u in urls}
    return {u: (few[u], many[u]) for u in urls if few[u] != many[u]}


def test_enterprise_list_api_and_page_do_not_grow_with_rows(client_as, bureau, make_enterprise):
    from kechuang.enterprises.models import Qualification

    def add(start, stop):
        for i in range(start, stop):
            e = make_enterprise(town_id=TOWN_A, name=f"计数测试{i:02d}科技有限公司")
            Qualification.objects.create(enterprise=e, kind="tsme", year=dt.date.today().year,
                                         issue_date=dt.date.today() - dt.timedelta(days=30),
                                         expiry_date=dt.date.today() + dt.timedelta(days=300))
    client = client_as(bureau)
    urls = ["/api/enterprises/enterprises", "/api/enterprises/enterprises?qualification=tsme&town=330212",
            "/enterprises/", f"/enterprises/?town={TOWN_A}&qualification=tsme&q=计数测试"]
    assert grows(client, urls, add) == {}
    body = client.get("/api/enterprises/enterprises").json()
    assert body["count"] == MANY and len(body["items"]) == MANY


def test_indicator_panel_and_dashboard_do_not_grow_with_values(client_as, bureau):
    from kechuang.indicators.models import IndicatorValue
    from kechuang.indicators.selectors import last_complete_period
    from kechuang.regions.models import Region

    period = last_complete_period()
    towns = list(Region.objects.filter(parent_id=HOME).order_by("code").values_list("code", flat=True))
    assert len(towns) >= 10
    slots = [(t, period.year - k, m) for k in range(2) for m in range(1, 13) for t in towns[:2]] + \
        [(t, period.year, period.month) for t in towns[2:]]

    def add(start, stop):
        for i in range(start, stop):
            region, year, month = slots[i] if i < len(slots) else (HOME, period.year - 3, 1 + i % 12)
            for code in ("GDP", "HT_IND_VA"):
                IndicatorValue.objects.get_or_create(region_id=region, indicator_id=code, year=year, month=month,
                                                     defaults={"value": Decimal(100 + i)})
    client = client_as(bureau)
    urls = [f"/api/indicators/panel?region={HOME}&period={period}",
            f"/api/indicators/breakdown?region={HOME}&code=GDP&period={period}",
            f"/api/indicators/trend?region={HOME}&code=GDP&end={period}",
            f"/indicators/?region={HOME}"]
    assert grows(client, urls, add) == {}
    assert IndicatorValue.objects.count() >= 2 * MANY


def test_market_search_does_not_grow_with_results(client, client_as, bureau):
    from kechuang.core.choices import PublicationStatus
    from kechuang.enterprises.models import Institution
    from kechuang.market import search
    from kechuang.market.models import Achievement, Expert

    inst = Institution.objects.create(name="计数测试大学")

    def add(start, stop):
        for i in range(start, stop):
            Achievement.objects.create(title=f"石墨烯导热膜制备方法{i}", description="一种石墨烯导热膜的连续制备工艺。",
                                       owner_institution=inst, region_id=HOME, status=PublicationStatus.PUBLISHED)
            Expert.objects.create(name=f"专家{i}", institution=inst, fields="石墨烯材料", bio="从事石墨烯导热材料研究。",
                                  status=PublicationStatus.PUBLISHED)
    # One kind per request: a mixed search reads each kind that made the top N once (≤ 4 queries), so its count
    # may drop when one kind crowds the others out — bounded, but not equal.
    urls = ["/api/market/search?q=石墨烯导热&top=50&kind=achievement", "/api/market/search?q=石墨烯导热&kind=expert",
            "/market/search/?q=石墨烯导热&kind=achievement", "/market/search/?q=石墨烯导热&kind=expert"]
    for who in (client, client_as(bureau)):
        search.reset_index()
        assert grows(who, urls, add, before=search.reset_index) == {}
        Achievement.objects.all().delete()
        Expert.objects.all().delete()
    search.reset_index()
    add(0, MANY)
    hits = client.get("/api/market/search?q=石墨烯导热&top=50&kind=achievement").json()["hits"]
    assert len(hits) == MANY
    search.reset_index()


def test_voucher_lists_do_not_grow_with_rows(client_as, bureau, make_enterprise):
    from kechuang.finance.models import VoucherApplication, VoucherGrant, VoucherProgramme

    year = dt.date.today().year
    prog = VoucherProgramme.objects.create(year=year, name="计数测试创新券", region_id=HOME, budget=Decimal("1000000"),
                                           annual_cap=Decimal("100000"), valid_from=dt.date(year, 1, 1),
                                           valid_until=dt.date(year, 12, 31), status="open",
                                           categories=["testing"], holder_kinds=["tsme"])

    def add(start, stop):
        for i in range(start, stop):
            e = make_enterprise(town_id=TOWN_A, name=f"计数券{i:02d}科技有限公司")
            app = VoucherApplication.objects.create(programme=prog, enterprise=e, amount=Decimal("50000"),
                                                    applied_on=dt.date(year, 1, 2), status="approved")
            VoucherGrant.objects.create(application=app, programme=prog, enterprise=e, amount=Decimal("50000"),
                                        granted_on=dt.date(year, 1, 3), valid_until=dt.date(year, 12, 31))
            VoucherApplication.objects.create(programme=prog, enterprise=e, amount=Decimal("20000"),
                                              applied_on=dt.date(year, 1, 4))
    client = client_as(bureau)
    urls = ["/api/finance/grants", "/api/finance/applications", "/finance/grants/", "/finance/applications/"]
    assert grows(client, urls, add) == {}
    assert client.get("/api/finance/grants").json()["count"] == MANY


def test_policy_lists_do_not_grow_with_rows(client, client_as, bureau):
    from kechuang.policies.services import policy_save
    from kechuang.policies.tests.conftest import RD_POLICY

    def add(start, stop):
        for i in range(start, stop):
            policy_save(user=bureau, data={**RD_POLICY, "title": f"计数测试政策{i:02d}", "doc_number": f"鄞科〔2025〕{100 + i}号"})
    urls = ["/api/policies/policies", "/policies/"]
    for who in (client_as(bureau),):
        assert grows(who, urls, add) == {}
    assert client.get("/api/policies/policies").json()["count"] == MANY  # published: public
