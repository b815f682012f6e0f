"""Hand-computed panels through the database layer (selector → engine), the API and the command line.

Ningbo 3302 has the districts 330212 鄞州, 330203 海曙, 330205 江北 with values (the other districts have none);
鄞州's towns 330212001 and 330212002 carry TECH_TRADE only, so the district's value is their sum.
"""
import json
from decimal import Decimal as D

import pytest

from kechuang.indicators import selectors
from kechuang.indicators.cli import main
from kechuang.indicators.engine import Period
from kechuang.indicators.engine.decimals import CTX
from kechuang.indicators.models import Target

pytestmark = pytest.mark.django_db

NOV25, NOV24, DEC24, OCT25 = "2025-11", "2024-11", "2024-12", "2025-10"
VALUES = {
    # flows, cumulative from January: Jan–Nov 2025 against Jan–Nov 2024
    ("3302", "GDP", NOV25): "3000",             # the city's own imported value is the share's base
    ("330212", "GDP", NOV25): "550",
    ("330212", "GDP", NOV24): "500",
    ("330212", "GDP", DEC24): "700",            # the whole of 2024: must not be the comparison
    ("330212", "GDP", OCT25): "480",            # Jan–Oct 2025: must not be subtracted from anything
    ("330203", "GDP", NOV25): "600",
    ("330205", "GDP", NOV25): "300",
    # a tie for first place, and no previous year at all
    ("330212", "PAT_GRANT", NOV25): "100",
    ("330203", "PAT_GRANT", NOV25): "100",
    ("330205", "PAT_GRANT", NOV25): "50",
    # the ratio HT_IND_VA_SHARE = HT_IND_VA / IND_VA × 100: 60/120 = 50 % now, 50/125 = 40 % a year ago
    ("330212", "HT_IND_VA", NOV25): "60",
    ("330212", "IND_VA", NOV25): "120",
    ("330212", "HT_IND_VA", NOV24): "50",
    ("330212", "IND_VA", NOV24): "125",
    # a stock, with last December for the net increase (formula) and the target's growth
    ("330212", "HTE_VALID", NOV25): "520",
    ("330212", "HTE_VALID", NOV24): "480",
    ("330212", "HTE_VALID", DEC24): "500",
    # towns only: the district's value is their sum
    ("330212001", "TECH_TRADE", NOV25): "3.25",
    ("330212002", "TECH_TRADE", NOV25): "2",
}


@pytest.fixture
def data(put_values):
    put_values(VALUES)
    Target.objects.create(indicator_id="GDP", region_id="330212", year=2025, value=D("600"))
    Target.objects.create(indicator_id="HTE_VALID", region_id="330212", year=2025, growth_pct=D("10"))


def rows(region="330212", period=NOV25):
    return {r["code"]: r for r in selectors.panel(region, Period.parse(period))}


def test_yoy_compares_january_to_november_with_january_to_november(data):
    gdp = rows()["GDP"]
    assert gdp["value"] == 550 and gdp["previous_value"] == 500
    assert gdp["yoy_pct"] == 10            # (550 − 500) / 500 × 100, not against 700 or 480
    assert gdp["yoy_pp"] is None


def test_share_of_the_citys_own_value_and_else_of_the_sum_of_districts(data):
    r = rows()
    assert r["GDP"]["share_pct"] == CTX.divide(D(55000), D(3000))   # 550 / 3000 × 100 = 18.33…
    assert r["PAT_GRANT"]["share_pct"] == 40                        # 100 / (100 + 100 + 50) × 100


def test_rank_among_districts_with_a_tie(data):
    r = rows()
    assert (r["GDP"]["rank"], r["GDP"]["rank_of"]) == (2, 3)        # 600 > 550 > 300
    assert (r["PAT_GRANT"]["rank"], r["PAT_GRANT"]["rank_of"]) == (1, 3)
    assert rows("330203")["PAT_GRANT"]["rank"] == 1                 # the tie shares first place
    assert rows("330205")["PAT_GRANT"]["rank"] == 3                 # and the next rank is skipped


def test_ratio_change_is_in_percentage_points(data):
    share = rows()["HT_IND_VA_SHARE"]
    assert share["value"] == 50 and share["previous_value"] == 40
    assert share["yoy_pp"] == 10 and share["yoy_pct"] is None
    assert share["share_pct"] is None and share["time_progress_pct"] is None


def test_missing_previous_year_gives_null_not_zero(data):
    pat = rows()["PAT_GRANT"]
    assert pat["value"] == 100 and pat["previous_value"] is None
    assert pat["yoy_pct"] is None


def test_stock_yoy_net_increase_and_growth_target(data):
    r = rows()
    hte = r["HTE_VALID"]
    assert hte["yoy_pct"] == CTX.divide(D(4000), D(480))           # (520 − 480) / 480 × 100
    assert r["HTE_NET_NEW"]["value"] == 20                          # 520 − 500 (previous December)
    assert hte["target"] == 550                                     # 500 × (1 + 10 %)
    assert hte["completion_pct"] == CTX.divide(D(52000), D(550))
    assert hte["behind_schedule"] is True                           # +20 of +50 planned < 11/12
    assert hte["projection"] == CTX.add(D(500), CTX.divide(D(240), D(11)))


def test_target_completion_and_time_progress(data):
    gdp = rows()["GDP"]
    assert gdp["target"] == 600
    assert gdp["completion_pct"] == CTX.divide(D(55000), D(600))    # 91.66…
    assert gdp["time_progress_pct"] == CTX.divide(D(1100), D(12))   # 11/12 × 100
    assert gdp["behind_schedule"] is False                          # exactly on schedule is not behind
    assert gdp["projection"] == 600                                 # 550 × 12 / 11


def test_district_without_its_own_value_is_the_sum_of_its_towns(data):
    assert rows()["TECH_TRADE"]["value"] == D("5.25")


def test_town_panel_ranks_among_the_towns_of_its_district(data):
    trade = rows("330212001")["TECH_TRADE"]
    assert (trade["rank"], trade["share_pct"]) == (1, CTX.divide(D(325), D("5.25")))


def test_api_panel_gives_exact_decimal_strings_and_nulls(data, client_as, bureau):
    r = client_as(bureau).get("/api/indicators/panel", {"region": "330212", "period": NOV25})
    assert r.status_code == 200
    by = {row["code"]: row for row in r.json()}
    assert by["GDP"]["value"] == "550" and by["GDP"]["yoy_pct"] == "10" and by["GDP"]["rank"] == 2
    assert by["HT_IND_VA_SHARE"]["yoy_pp"] == "10" and by["HT_IND_VA_SHARE"]["yoy_pct"] is None
    assert by["PAT_GRANT"]["yoy_pct"] is None and by["PAT_GRANT"]["share_pct"] == "40"
    assert by["GDP"]["behind_schedule"] is False


def test_cli_json_contract(data, capsys):
    assert main(["panel", "--region", "330212", "--period", NOV25, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out, list) and len(out) >= 30
    keys = {"code", "value", "yoy_pct", "yoy_pp", "share_pct", "rank", "target", "completion_pct",
            "time_progress_pct"}
    assert all(keys <= set(row) for row in out)
    by = {row["code"]: row for row in out}
    assert by["GDP"]["value"] == "550" and by["GDP"]["yoy_pct"] == "10" and by["GDP"]["target"] == "600"
    assert D(by["GDP"]["share_pct"]) == CTX.divide(D(55000), D(3000))
    assert by["PAT_GRANT"]["yoy_pct"] is None and by["PAT_GRANT"]["rank"] == 1
    assert by["HT_IND_VA_SHARE"]["share_pct"] is None and by["HT_IND_VA_SHARE"]["yoy_pp"] == "10"
    assert by["HTE_VALID"]["time_progress_pct"] == by["GDP"]["time_progress_pct"]
    assert D(by["GDP"]["time_progress_pct"]) == CTX.divide(D(1100), D(12))


def test_cli_table_is_chinese_and_rounds_half_up(data, capsys):
    assert main(["panel", "--region", "330212", "--period", NOV25]) == 0
    out = capsys.readouterr().out
    assert "指标" in out and "同比" in out and "地区生产总值" in out
    assert "18.33%" in out          # share 18.333… shown to 2 places
    assert "91.67%" in out          # 91.666… rounds half-up
    assert "+10.00个百分点" in out   # the ratio's change


@pytest.mark.parametrize("argv, named", [
    (["panel", "--region", "330212", "--period", "2025-13"], "--period"),
    (["panel", "--region", "330212", "--period", "202511"], "--period"),
    (["panel", "--region", "999999", "--period", "2025-11"], "--region"),
    (["panel", "--period", "2025-11"], "--region"),
    (["panel", "--region", "330212"], "--period"),
    (["refresh", "--period", "2025-11", "--from", "2025-13"], "--from"),
    (["refresh", "--period", "2025-01", "--from", "2025-03"], "--from"),
])
def test_cli_bad_input_names_the_argument_and_exits_2(db, capsys, argv, named):
    assert main(argv) == 2
    assert named in capsys.readouterr().err


def test_cli_without_subcommand_exits_2(capsys):
    assert main([]) == 2
