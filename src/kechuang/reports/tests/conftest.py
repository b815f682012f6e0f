"""Fixtures of the reports tests: a small demo-like city — indicator values of Ningbo's districts for three
Decembers, next year's targets, qualifications, carriers, R&D institutions and tech-service monthly reports."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kechuang.conftest import HOME, OTHER_DISTRICT_TOWN, TOWN_A, TOWN_B  # noqa: F401 - re-exported

TODAY = dt.date.today()
YEAR = TODAY.year - 1  # the report year: a complete year
CITY = "330200"
DISTRICTS = ["330203", "330205", "330206", "330211", "330212", "330213", "330225", "330226", "330281", "330282"]

#: code -> value of the home district in YEAR, YEAR-1, YEAR-2 (December; flows are the whole year).
HOME_VALUES = {
    "GDP": ("2952.2417", "2860.0000", "2700.0000"),
    "IND_VA": ("1221.4600", "1172.0000", "1100.0000"),
    "HT_IND_VA": ("843.0549", "768.5000", "700.0000"),
    "RD_EXP": ("116.3450", "105.1000", "98.0000"),
    "IND_RD_EXP": ("91.4949", "83.2400", "80.0000"),
    "HT_IND_OUTPUT": ("3419.3050", "3077.1000", "2900.0000"),
    # HT_IND_INVEST: no value at the home district (the text must say 暂无数据)
    "PAT_GRANT": ("9000", "9955", "9500"),  # a decline, and rank 3 (see OTHER)
    "INV_PAT_GRANT": ("1409", "1328", "1200"),
    "TECH_TRADE": ("62.4550", "51.2000", "40.0000"),
    "HTE_VALID": ("241", "224", "200"),
}
#: How the other districts compare: a factor of the home district's value (ranks follow from it).
OTHER = {"PAT_GRANT": [1.5, 1.2], "INV_PAT_GRANT": [1.1]}


def _d(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture
def report_data(db, make_enterprise):
    """Demo-like data for YEAR: the home district leads most indicators, is third in patents granted (which fell),
    has no 高新技术产业投资 value, and has targets for YEAR + 1."""
    from kechuang.carriers.models import Carrier, CarrierEvaluation
    from kechuang.enterprises.models import Qualification, RDInstitution
    from kechuang.indicators.models import (
        IndicatorValue,
        MonthlyReport,
        MonthlyReportTask,
        Target,
    )

    rows = []
    for code, values in HOME_VALUES.items():
        factors = OTHER.get(code, [])
        for i, district in enumerate(DISTRICTS):
            if district == HOME:
                scale = Decimal(1)
            else:
                j = DISTRICTS.index(district) - (1 if DISTRICTS.index(district) > DISTRICTS.index(HOME) else 0)
                scale = Decimal(str(factors[j])) if j < len(factors) else Decimal("0.3") + Decimal(j) / 20
            for k, text in enumerate(values):
                value = _d(text) * scale
                if code in ("PAT_GRANT", "INV_PAT_GRANT", "HTE_VALID"):
                    value = value.quantize(Decimal(1))
                rows.append(IndicatorValue(region_id=district, indicator_id=code, year=YEAR - k, month=12,
                                           value=value.quantize(Decimal("0.000001"))))
    for i, district in enumerate(DISTRICTS):
        if district == HOME:
            continue
        for k in range(3):
            rows.append(IndicatorValue(region_id=district, indicator_id="HT_IND_INVEST", year=YEAR - k, month=12,
                                       value=Decimal(100 + 10 * i - 5 * k)))
    IndicatorValue.objects.bulk_create(rows)

    Target.objects.create(indicator_id="HT_IND_VA", region_id=HOME, year=YEAR + 1, growth_pct=Decimal(10))
    Target.objects.create(indicator_id="HTE_VALID", region_id=HOME, year=YEAR + 1, value=Decimal(270))
    Target.objects.create(indicator_id="HT_IND_VA_SHARE", region_id=HOME, year=YEAR + 1, value=Decimal("70.52"))

    a1 = make_enterprise(town_id=TOWN_A, name="宁波报告甲科技有限公司", industry_id="6513", above_size=True)
    a2 = make_enterprise(town_id=TOWN_A, name="宁波报告乙科技有限公司", industry_id="7320", above_size=True)
    b1 = make_enterprise(town_id=TOWN_B, name="宁波报告丙科技有限公司", industry_id="7320", above_size=True)
    for ent, issued in ((a1, dt.date(YEAR, 10, 20)), (b1, dt.date(YEAR, 11, 5)), (a2, dt.date(YEAR - 1, 11, 5))):
        Qualification.objects.create(enterprise=ent, kind="hte", year=issued.year, issue_date=issued,
                                     expiry_date=issued.replace(year=issued.year + 3) - dt.timedelta(days=1))
    RDInstitution.objects.create(enterprise=a1, name="甲研究院", type="research_institute", level="provincial",
                                 approved_on=dt.date(YEAR, 5, 1))
    RDInstitution.objects.create(enterprise=a2, name="乙技术中心", type="tech_center", level="municipal",
                                 approved_on=dt.date(YEAR - 2, 5, 1))
    RDInstitution.objects.create(enterprise=b1, name="丙工程中心", type="engineering_center", level="district",
                                 approved_on=dt.date(YEAR, 7, 1))
    c1 = Carrier.objects.create(name="报告众创空间", kind="maker_space", level="national", town_id=TOWN_A,
                                recognised_on=dt.date(YEAR - 3, 1, 1), area=Decimal(12000), tenants=40)
    c2 = Carrier.objects.create(name="报告孵化器", kind="incubator", level="provincial", town_id=TOWN_B,
                                recognised_on=dt.date(YEAR, 3, 1), area=Decimal(30000), tenants=60)
    CarrierEvaluation.objects.create(carrier=c1, year=YEAR, grade="A")
    CarrierEvaluation.objects.create(carrier=c2, year=YEAR, grade="B")

    # tech-service monthly reports, September of YEAR and YEAR-1, accepted (yuan, cumulative from January)
    figures = {a1: ("1200000.00", "1000000.00"), a2: ("800000.00", "900000.00"), b1: ("3000000.00", "2000000.00")}
    for year in (YEAR, YEAR - 1):
        task = MonthlyReportTask.objects.create(region_id=HOME, year=year, month=9, deadline=dt.date(year, 10, 10))
        for ent, (now, then) in figures.items():
            revenue = _d(now if year == YEAR else then)
            MonthlyReport.objects.create(task=task, enterprise=ent, year=year, month=9, operating_revenue=revenue,
                                         value_added=revenue * Decimal("0.3"), rd_expense=revenue * Decimal("0.05"),
                                         staff=50, status="accepted")
    return {"year": YEAR, "region": HOME, "enterprises": (a1, a2, b1)}


@pytest.fixture
def reports_home(settings, tmp_path):
    """Generated files go to a temporary VAR_DIR."""
    settings.VAR_DIR = tmp_path
    return tmp_path
