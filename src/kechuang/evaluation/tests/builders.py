"""Profile builders for the engine tests: a baseline that qualifies, with every expert point fixed."""

from __future__ import annotations

import copy
from decimal import Decimal

# Baseline HTE profile, hand-checked:
#   C1 2015-03-01 → 2025-06-01 = 3745 days; C4 60/450 = 13.3%;
#   C5a latest sales 18000 (≤ 20000 → 4%), R&D 2100 / sales 49500 = 4.24%; C5b 2100/2100 = 100%;
#   C6 19000 / (26000 − 200) = 73.6%.
#   Score with the expert points fixed: IP 7+7+7+5+0 = 26, transformation 25, R&D organisation 5+5+3+3 = 16,
#   growth 5 (net assets 1000 → 1150 → 1322.5 is exactly 15%, band C) + 3 (sales 9.5%, band D) = 8; total 75.
HTE = {
    "registration_date": "2015-03-01",
    "application_date": "2025-06-01",
    "staff_total": 450,
    "staff_tech": 60,
    "fiscal_years": [
        {"year": 2022, "sales": 15000, "rd_expense": 600, "rd_domestic": 600, "net_assets": 1000},
        {"year": 2023, "sales": 16500, "rd_expense": 700, "rd_domestic": 700, "net_assets": 1150},
        {"year": 2024, "sales": 18000, "rd_expense": 800, "rd_domestic": 800, "net_assets": "1322.5"},
    ],
    "latest_year": {"total_income": 26000, "non_taxable_income": 200, "hitech_income": 19000},
    "ip": [{"class": "I", "acquisition": "self", "used_before": False}],
    "transformations": 15,
    "expert": {
        "advancement": 7, "core_support": 7, "ip_quantity_points": 7, "acquisition_points": 5,
        "standards_bonus": 0, "transformation_points": 25, "rd_org": [5, 5, 3, 3],
        "net_assets_growth_points": 5, "sales_growth_points": 3,
    },
    "owns_core_ip": True,
    "in_hitech_domain": True,
    "major_incident_last_year": False,
}

# Baseline tech-SME profile, hand-checked: tech 20/80 = 25% → 16; R&D 300/4000 = 7.5% → 50 (option 1);
# 1 class I → 30; total 96.
TSME = {
    "evaluation_date": "2025-07-15",
    "staff_total": 80,
    "staff_tech": 20,
    "sales": 4000,
    "total_assets": 6000,
    "rd_expense": 300,
    "cost_expense_total": 3500,
    "ip": [{"class": "I"}],
    "resident": True,
    "industry_allowed": True,
    "clean_record": True,
    "hte_certificate_valid_until": None,
    "provincial_rd_institution": False,
    "national_award_top3_5y": False,
    "led_standard_5y": False,
}

STARTUP = {
    "registration_date": "2022-03-01",
    "filing_date": "2025-06-01",
    "leader_in_founding_team": True,
    "core_ip": True,
    "new_business_model": False,
    "staff_total": 20,
    "rd_staff_college": 5,
    "in_hitech_domain": True,
    "in_local_catalog": False,
}


def hte(**top) -> dict:
    """A deep copy of the baseline HTE profile with top-level keys replaced."""
    data = copy.deepcopy(HTE)
    data.update(top)
    return data


def hte_no_expert(**top) -> dict:
    data = hte(**top)
    data.pop("expert")
    return data


def tsme(**top) -> dict:
    data = copy.deepcopy(TSME)
    data.update(top)
    return data


def startup(**top) -> dict:
    data = copy.deepcopy(STARTUP)
    data.update(top)
    return data


def years(*rows) -> list[dict]:
    """Fiscal years ending in 2024 from (sales, rd_expense, rd_domestic, net_assets) tuples, oldest first."""
    first = 2025 - len(rows)
    return [
        {"year": first + i, "sales": str(s), "rd_expense": str(rd), "rd_domestic": str(dom), "net_assets": str(na)}
        for i, (s, rd, dom, na) in enumerate(rows)
    ]


def d(x) -> Decimal:
    return Decimal(str(x))
