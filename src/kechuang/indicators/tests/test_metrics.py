"""Platform indicators counted from records: date boundaries, prefixes, the hook, and the refresh."""
import datetime as dt
from decimal import Decimal as D

import pytest

from kechuang.conftest import TOWN_A, TOWN_B
from kechuang.enterprises.choices import FilingStatus, Level, QualificationStatus, RDInstitutionType
from kechuang.enterprises.models import Qualification, RDInstitution
from kechuang.indicators import metrics
from kechuang.indicators.models import IndicatorValue
from kechuang.indicators.services import indicators_refresh

pytestmark = pytest.mark.django_db

REGIONS = ["330212", TOWN_A, TOWN_B, "330203"]


def hte(enterprise, issue, expiry, status=QualificationStatus.VALID, year=None):
    return Qualification.objects.create(enterprise=enterprise, kind="hte", year=year or issue.year, issue_date=issue,
                                         expiry_date=expiry, status=status)


def test_hte_valid_counts_a_certificate_expiring_on_the_periods_last_day(make_enterprise):
    a, b, c, d, e = (make_enterprise(town_id=TOWN_A) for _ in range(5))
    hte(a, dt.date(2022, 11, 30), dt.date(2025, 11, 30))     # expires on 30 Nov: valid that day → counts
    hte(b, dt.date(2022, 11, 29), dt.date(2025, 11, 29))     # expired the day before → does not count
    hte(c, dt.date(2025, 11, 30), dt.date(2028, 11, 29))     # issued on the last day → counts
    hte(d, dt.date(2025, 12, 1), dt.date(2028, 11, 30))      # issued the next day → does not count
    hte(e, dt.date(2023, 1, 1), dt.date(2026, 1, 1), status=QualificationStatus.REVOKED)  # revoked
    got = metrics.hte_valid(REGIONS, 2025, 11)
    assert got == {"330212": 2, TOWN_A: 2, TOWN_B: 0, "330203": 0}
    assert metrics.hte_valid(REGIONS, 2025, 12)[TOWN_A] == 2   # a gone (30 Nov), d arrived (1 Dec)


def test_a_recertified_enterprise_counts_once(make_enterprise):
    a = make_enterprise(town_id=TOWN_B)
    hte(a, dt.date(2022, 12, 1), dt.date(2025, 11, 30), year=2022)
    hte(a, dt.date(2025, 11, 20), dt.date(2028, 11, 19), year=2025)    # overlaps the old certificate
    assert metrics.hte_valid(REGIONS, 2025, 11) == {"330212": 1, TOWN_A: 0, TOWN_B: 1, "330203": 0}


def test_flows_are_cumulative_from_january(make_enterprise):
    for issue in (dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 3, 31), dt.date(2025, 4, 1)):
        Qualification.objects.create(enterprise=make_enterprise(town_id=TOWN_A), kind="startup", year=issue.year,
                                     issue_date=issue)
    assert metrics.startup_new(["330212"], 2025, 3) == {"330212": 2}     # 1 Jan and 31 Mar
    assert metrics.startup_new(["330212"], 2025, 4) == {"330212": 3}
    assert metrics.startup_total(["330212"], 2025, 3) == {"330212": 3}   # a stock: everything on file


def test_tsme_registrations_of_the_evaluation_year(make_enterprise):
    for year, issue in ((2025, dt.date(2025, 5, 10)), (2025, dt.date(2025, 7, 1)), (2024, dt.date(2024, 6, 1))):
        Qualification.objects.create(enterprise=make_enterprise(town_id=TOWN_B), kind="tsme", year=year,
                                     issue_date=issue, expiry_date=dt.date(year + 1, 3, 31))
    assert metrics.tsme_registered(["330212"], 2025, 6) == {"330212": 1}
    assert metrics.tsme_registered(["330212"], 2025, 7) == {"330212": 2}


def test_rd_institutions_municipal_and_above_filed_and_workstations(make_enterprise):
    ent = make_enterprise(town_id=TOWN_A)
    mk = lambda name, **kw: RDInstitution.objects.create(enterprise=ent, name=name, **{
        "approved_on": dt.date(2025, 3, 1), "type": RDInstitutionType.TECH_CENTER, "level": Level.MUNICIPAL, **kw})
    mk("市级中心")
    mk("省级研究院", level=Level.PROVINCIAL, type=RDInstitutionType.RESEARCH_INSTITUTE)
    mk("区级中心", level=Level.DISTRICT)
    mk("撤销的市级中心", status=FilingStatus.REVOKED)
    mk("院士工作站", type=RDInstitutionType.ACADEMICIAN_WS, level=Level.PROVINCIAL)
    mk("未来的市级中心", approved_on=dt.date(2025, 4, 1))
    assert metrics.rd_institutions_city_up(["330212"], 2025, 3) == {"330212": 2}
    assert metrics.academician_workstations(["330212"], 2025, 3) == {"330212": 1}


def test_carriers_and_incubation_area_in_ten_thousand_square_metres():
    from kechuang.carriers.models import Carrier

    Carrier.objects.create(name="甲孵化器", kind="incubator", level="municipal", town_id=TOWN_A,
                           recognised_on=dt.date(2024, 9, 1), area=D("12000.50"))
    Carrier.objects.create(name="乙众创空间", kind="maker_space", level="district", town_id=TOWN_B,
                           recognised_on=dt.date(2025, 9, 1), area=D("3000"))
    assert metrics.carriers(REGIONS, 2025, 8) == {"330212": 1, TOWN_A: 1, TOWN_B: 0, "330203": 0}
    assert metrics.incubation_area(["330212"], 2025, 9) == {"330212": D("1.50005")}


def test_by_prefix_adds_towns_into_every_enclosing_region():
    got = metrics.by_prefix([(TOWN_A, 2), (TOWN_B, 3), ("330203001", 5)], ["3302", "330212", TOWN_A, "330205"])
    assert got == {"3302": 10, "330212": 5, TOWN_A: 2, "330205": 0}


def test_collect_metrics_reads_every_apps_module(monkeypatch):
    import sys
    import types

    fake = types.ModuleType("kechuang.market.metrics")
    fake.METRICS = {"TECH_TRADE": lambda regions, y, m: dict.fromkeys(regions, D(1)),
                    "HTE_VALID": lambda regions, y, m: dict.fromkeys(regions, D(99))}
    monkeypatch.setitem(sys.modules, "kechuang.market.metrics", fake)
    found = metrics.collect_metrics()
    assert found["TECH_TRADE"] is fake.METRICS["TECH_TRADE"]
    assert found["HTE_VALID"] is fake.METRICS["HTE_VALID"]          # the owning app overrides the fallback
    assert found["CARRIERS"] is metrics.carriers


def test_two_apps_defining_one_code_is_an_error(monkeypatch):
    import sys
    import types

    for app in ("market", "finance"):
        fake = types.ModuleType(f"kechuang.{app}.metrics")
        fake.METRICS = {"TECH_TRADE": lambda regions, y, m: {}}
        monkeypatch.setitem(sys.modules, f"kechuang.{app}.metrics", fake)
    with pytest.raises(metrics.MetricConflict):
        metrics.collect_metrics()


@pytest.fixture
def only_own_metrics(monkeypatch):
    """Refresh with this app's metrics only (other apps' modules are tested in their own suites)."""
    monkeypatch.setattr("kechuang.indicators.services.collect_metrics", lambda: dict(metrics.METRICS))


def test_refresh_stores_platform_values_and_never_overwrites_imported_ones(make_enterprise, put_values,
                                                                           only_own_metrics):
    hte(make_enterprise(town_id=TOWN_A), dt.date(2024, 1, 1), dt.date(2026, 12, 31))
    put_values({("330203", "HTE_VALID", "2025-11"): "77"})       # an official figure
    result = indicators_refresh(2025, 11, REGIONS)
    assert result["failed"] == {} and result["created"] > 0
    got = dict(IndicatorValue.objects.filter(indicator_id="HTE_VALID", year=2025, month=11)
               .values_list("region_id", "value"))
    assert got == {"330212": 1, TOWN_A: 1, TOWN_B: 0, "330203": 77}
    assert IndicatorValue.objects.get(region_id="330212", indicator_id="HTE_VALID", year=2025, month=11).source \
        == "platform"
    hte(make_enterprise(town_id=TOWN_B), dt.date(2024, 1, 1), dt.date(2026, 12, 31))
    again = indicators_refresh(2025, 11, REGIONS)
    assert again["created"] == 0 and again["updated"] == 2               # 330212 and TOWN_B changed
    assert IndicatorValue.objects.get(region_id="330212", indicator_id="HTE_VALID", year=2025, month=11).value == 2


def test_a_failing_metric_is_reported_and_the_others_still_stored(monkeypatch):
    def broken(regions, y, m):
        raise RuntimeError("boom")

    monkeypatch.setattr("kechuang.indicators.services.collect_metrics",
                        lambda: {"CARRIERS": metrics.carriers, "TECH_TRADE": broken})
    result = indicators_refresh(2025, 11, ["330212"])
    assert "TECH_TRADE" in result["failed"] and "boom" in result["failed"]["TECH_TRADE"]
    assert IndicatorValue.objects.filter(indicator_id="CARRIERS", region_id="330212").exists()


def test_refresh_command_covers_a_range(make_enterprise, capsys, only_own_metrics):
    from kechuang.indicators.cli import main

    hte(make_enterprise(town_id=TOWN_A), dt.date(2025, 2, 15), dt.date(2028, 2, 14))
    assert main(["refresh", "--from", "2025-01", "--period", "2025-03", "--region", "330212"]) == 0
    vals = dict(IndicatorValue.objects.filter(indicator_id="HTE_VALID", region_id="330212")
                .values_list("month", "value"))
    assert vals == {1: 0, 2: 1, 3: 1}
    assert "完成：3 个月" in capsys.readouterr().out


def test_net_new_hte_comes_from_the_formula_over_refreshed_stocks(make_enterprise, only_own_metrics):
    from kechuang.indicators import selectors
    from kechuang.indicators.engine import Period

    for _ in range(3):
        hte(make_enterprise(town_id=TOWN_A), dt.date(2024, 6, 1), dt.date(2027, 5, 31))
    hte(make_enterprise(town_id=TOWN_A), dt.date(2025, 6, 1), dt.date(2028, 5, 31))
    hte(make_enterprise(town_id=TOWN_A), dt.date(2021, 6, 1), dt.date(2024, 5, 31))
    for year, month in ((2024, 12), (2025, 11)):
        indicators_refresh(year, month, ["330212", TOWN_A])
    row = {r["code"]: r for r in selectors.panel("330212", Period(2025, 11))}["HTE_NET_NEW"]
    assert row["value"] == 1                                     # 4 valid now − 3 last December
