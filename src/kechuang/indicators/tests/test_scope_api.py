"""Who may see which region's statistics (404 outside scope), bad input, query counts, the dashboard page."""
import pytest

from kechuang.conftest import TOWN_A, TOWN_B
from kechuang.core.choices import Role

pytestmark = pytest.mark.django_db

NOV25 = "2025-11"
STAT_ENDPOINTS = [
    "/api/indicators/panel?region={r}&period=2025-11",
    "/api/indicators/trend?region={r}&code=GDP&start=2024-01&end=2025-11",
    "/api/indicators/ranking?region={r}&code=GDP&period=2025-11",
    "/api/indicators/breakdown?region={r}&code=GDP&period=2025-11",
    "/api/indicators/values?region={r}&period=2025-11",
    "/api/indicators/targets?region={r}&year=2025",
]
PAGES = ["/indicators/?region={r}", "/indicators/panel/?region={r}", "/indicators/targets/?region={r}"]


@pytest.fixture
def data(put_values):
    values = {}
    for p, base in (("2024-11", 100), ("2025-11", 110)):
        for i, d in enumerate(("330212", "330203", "330205", "330206")):
            values[(d, "GDP", p)] = base + i * 10
        for i, t in enumerate((TOWN_A, TOWN_B)):
            values[(t, "GDP", p)] = base / 10 + i
    put_values(values)


@pytest.mark.parametrize("url", STAT_ENDPOINTS + PAGES)
def test_bureau_sees_its_district_and_towns_but_not_another_district(data, client_as, bureau, url):
    c = client_as(bureau)
    assert c.get(url.format(r="330212")).status_code == 200
    assert c.get(url.format(r=TOWN_A)).status_code == 200
    assert c.get(url.format(r="330203")).status_code == 404      # a sibling district: outside scope
    assert c.get(url.format(r="3302")).status_code == 404        # the city: outside a district bureau's scope


@pytest.mark.parametrize("url", STAT_ENDPOINTS + PAGES[:2])
def test_town_assistant_sees_only_their_town(data, client_as, assistant_a, url):
    c = client_as(assistant_a)
    assert c.get(url.format(r=TOWN_A)).status_code == 200
    assert c.get(url.format(r=TOWN_B)).status_code == 404
    assert c.get(url.format(r="330212")).status_code == 404


@pytest.mark.parametrize("url", STAT_ENDPOINTS + PAGES)
def test_enterprise_sees_no_statistics(data, client_as, clerk_a, url):
    assert client_as(clerk_a).get(url.format(r="330212")).status_code == 404


def test_anonymous_gets_401_from_the_api_and_the_login_page_from_pages(data, client):
    assert client.get(STAT_ENDPOINTS[0].format(r="330212")).status_code == 401
    assert client.get("/indicators/").status_code == 302


@pytest.mark.parametrize("query, field", [
    ("region=330212&period=2025-13", "period"),
    ("region=330212&period=nope", "period"),
])
def test_bad_period_answers_422_naming_the_field(data, client_as, bureau, query, field):
    r = client_as(bureau).get(f"/api/indicators/panel?{query}")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == field


def test_unknown_indicator_and_inverted_range_answer_422(data, client_as, bureau):
    c = client_as(bureau)
    r = c.get("/api/indicators/trend?region=330212&code=NOPE")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "code"
    r = c.get("/api/indicators/trend?region=330212&code=GDP&start=2025-11&end=2025-01")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "start"


def test_trend_gives_monthly_values_with_yoy(data, client_as, bureau):
    r = client_as(bureau).get("/api/indicators/trend?region=330212&code=GDP&start=2025-10&end=2025-11").json()
    assert [p["period"] for p in r["points"]] == ["2025-10", "2025-11"]
    assert r["points"][1]["value"] == "110" and r["points"][1]["yoy_pct"] == "10"
    assert r["points"][0]["value"] is None and r["points"][0]["yoy_pct"] is None


def test_ranking_and_breakdown(data, client_as, bureau):
    c = client_as(bureau)
    ranking = c.get("/api/indicators/ranking?region=330212&code=GDP&period=2025-11").json()
    assert [(row["region"], row["rank"]) for row in ranking["rows"][:4]] == [
        ("330206", 1), ("330205", 2), ("330203", 3), ("330212", 4)]
    assert [row["current"] for row in ranking["rows"][:4]] == [False, False, False, True]
    towns = c.get("/api/indicators/breakdown?region=330212&code=GDP&period=2025-11").json()
    assert [(row["region"], row["value"], row["rank"]) for row in towns["rows"][:2]] == [
        (TOWN_B, "12", 1), (TOWN_A, "11", 2)]
    assert towns["parent_value"] == "110"


def test_panel_api_queries_do_not_grow_with_regions(data, client_as, bureau, django_assert_max_num_queries):
    c = client_as(bureau)
    with django_assert_max_num_queries(14):   # session, user, scope, version, catalog, regions, values, targets
        assert c.get("/api/indicators/panel?region=330212&period=2025-11").status_code == 200
    with django_assert_max_num_queries(8):    # cached: the version token decides
        assert c.get("/api/indicators/panel?region=330212&period=2025-11").status_code == 200


@pytest.mark.parametrize("url", [
    "/api/indicators/trend?region=330212&code=GDP&start=2023-01&end=2025-11",
    "/api/indicators/ranking?region=330212&code=GDP&period=2025-11",
    "/api/indicators/breakdown?region=330212&code=GDP&period=2025-11",
])
def test_dashboard_api_query_count(data, client_as, bureau, django_assert_max_num_queries, url):
    c = client_as(bureau)
    with django_assert_max_num_queries(14):
        assert c.get(url).status_code == 200


def test_dashboard_page_query_count(data, client_as, bureau, django_assert_max_num_queries):
    c = client_as(bureau)
    with django_assert_max_num_queries(25):
        assert c.get("/indicators/?region=330212&period=2025-11").status_code == 200


def test_a_new_value_invalidates_the_cached_panel(data, client_as, bureau, put_values):
    c = client_as(bureau)
    url = "/api/indicators/panel?region=330212&period=2025-11"
    before = {r["code"]: r for r in c.get(url).json()}
    assert before["PAT_GRANT"]["value"] is None
    put_values({("330212", "PAT_GRANT", NOV25): "7"})
    after = {r["code"]: r for r in c.get(url).json()}
    assert after["PAT_GRANT"]["value"] == "7"


def test_dashboard_renders_tables_with_stable_ids_and_drill_down_links(data, client_as, bureau):
    html = client_as(bureau).get("/indicators/?region=330212&period=2025-11&code=GDP").content.decode()
    for element in ('id="dashboard"', 'id="kpi-cards"', 'id="kpi-GDP"', 'id="trend-chart"', 'id="trend-table"',
                    'id="ranking-chart"', 'id="ranking-table"', 'id="towns-chart"', 'id="towns-table"',
                    'id="dashboard-period"', 'id="dashboard-indicator"'):
        assert element in html, element
    assert 'data-trend-url="/api/indicators/trend?region=330212&amp;code=GDP' in html
    assert f'href="?region={TOWN_A}&period=2025-11&code=GDP"' in html   # drill-down to a town
    assert 'href="?region=330203' not in html                                   # no link out of scope
    assert 'role="img" aria-label="' in html                                     # text alternatives
    assert "indicators/dashboard.js" in html


def test_town_dashboard_ranks_among_towns(data, client_as, bureau):
    html = client_as(bureau).get(f"/indicators/?region={TOWN_A}&period=2025-11&code=GDP").content.decode()
    assert 'id="ranking-table"' in html and 'id="towns-table"' not in html


def test_nav_offers_the_dashboard_to_bureau_and_town_not_enterprise(make_user, bureau, clerk_a, assistant_a):
    from kechuang.indicators.nav import items

    assert any(i["label"] == "驾驶舱" for i in items(bureau))
    assert any(i["label"] == "驾驶舱" for i in items(assistant_a))
    labels = [str(i["label"]) for i in items(clerk_a)]
    assert "驾驶舱" not in labels and "科技服务业月报" in labels
    expert = make_user("ex", Role.EXPERT)
    assert items(expert) == []


def test_yearly_trend_gives_decembers_and_the_year_so_far(put_values, client_as, bureau):
    put_values({("330212", "GDP", "2023-12"): "900", ("330212", "GDP", "2024-12"): "990",
                ("330212", "GDP", "2024-11"): "800", ("330212", "GDP", "2025-11"): "880"})
    r = client_as(bureau).get("/api/indicators/trend?region=330212&code=GDP&start=2023-01&end=2025-11&freq=year")
    pts = [(p["period"], p["value"], p["yoy_pct"]) for p in r.json()["points"]]
    assert pts == [("2023-12", "900", None), ("2024-12", "990", "10"), ("2025-11", "880", "10")]
