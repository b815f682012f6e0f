"""The statistics cache: any write to values, targets or the catalog changes the next answer; a cached answer
never skips the scope check; a cached dashboard call costs a few primary-key reads and no write."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.conftest import TOWN_A, TOWN_B

pytestmark = pytest.mark.django_db

PANEL = "/api/indicators/panel?region=330212&period=2025-11"
TREND = "/api/indicators/trend?region=330212&code=GDP&start=2025-01&end=2025-11"
BREAKDOWN = "/api/indicators/breakdown?region=330212&code=GDP&period=2025-11"


@pytest.fixture
def data(put_values):
    put_values({("330212", "GDP", "2024-11"): "100", ("330212", "GDP", "2025-11"): "110",
                (TOWN_A, "GDP", "2025-11"): "11", (TOWN_B, "GDP", "2025-11"): "12"})


def _gdp(client):
    return next(r for r in client.get(PANEL).json() if r["code"] == "GDP")


def test_a_target_saved_outside_the_services_changes_the_next_panel(data, client_as, bureau):
    """The admin (or a shell) saves a target with no service call: the cached panel must not survive it."""
    from kechuang.indicators.models import Target

    c = client_as(bureau)
    assert _gdp(c)["target"] is None
    assert _gdp(c)["target"] is None          # now answered from the cache
    target = Target.objects.create(region_id="330212", indicator_id="GDP", year=2025, value=Decimal("132"))
    after = _gdp(c)
    assert after["target"] == "132" and after["completion_pct"] is not None
    target.value = Decimal("220")
    target.save()
    assert _gdp(c)["target"] == "220"
    target.delete()
    assert _gdp(c)["target"] is None


def test_a_target_saved_through_the_api_changes_the_next_panel(data, client_as, bureau):
    c = client_as(bureau)
    assert _gdp(c)["target"] is None
    r = c.post("/api/indicators/targets", {"region": "330212", "indicator": "GDP", "year": 2025, "value": "121"},
               content_type="application/json")
    assert r.status_code == 200
    assert _gdp(c)["target"] == "121"


def test_a_value_edited_outside_the_services_changes_the_next_trend_and_breakdown(data, client_as, bureau):
    from kechuang.indicators.models import IndicatorValue

    c = client_as(bureau)
    assert c.get(TREND).json()["points"][-1]["value"] == "110"
    assert [r["value"] for r in c.get(BREAKDOWN).json()["rows"]][:2] == ["12", "11"]
    v = IndicatorValue.objects.get(region_id="330212", indicator_id="GDP", year=2025, month=11)
    v.value = Decimal("121")
    v.save()
    town = IndicatorValue.objects.get(region_id=TOWN_A, indicator_id="GDP", year=2025, month=11)
    town.value = Decimal("30")
    town.save()
    assert c.get(TREND).json()["points"][-1]["value"] == "121"
    assert [r["value"] for r in c.get(BREAKDOWN).json()["rows"]][:2] == ["30", "12"]
    town.delete()
    assert [r["value"] for r in c.get(BREAKDOWN).json()["rows"]][:2] == ["12", None]


def test_a_cached_answer_still_checks_the_callers_scope(data, client_as, bureau, assistant_a, assistant_b):
    url = f"/api/indicators/panel?region={TOWN_A}&period=2025-11"
    assert client_as(bureau).get(url).status_code == 200         # computed and cached
    assert client_as(assistant_b).get(url).status_code == 404    # another town's assistant: outside scope
    assert client_as(assistant_a).get(url).status_code == 200


def test_a_cached_dashboard_call_reads_session_user_and_version_only(data, client_as, bureau):
    c = client_as(bureau)
    for url in (PANEL, TREND, BREAKDOWN):
        assert c.get(url).status_code == 200
    for url in (PANEL, TREND, BREAKDOWN):
        with CaptureQueriesContext(connection) as queries:
            assert c.get(url).status_code == 200
        sql = [q["sql"] for q in queries.captured_queries]
        assert len(sql) == 3, sql                                      # session, user, data version
        assert not [s for s in sql if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
