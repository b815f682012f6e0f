"""Pure-Python indicator arithmetic (no Django): periods, catalog and formulas, the panel, monthly reports.

The Django layer loads data into these functions and persists or renders what they return::

    from kechuang.indicators.engine import Period, RegionTree, Target, compute_panel, load_catalog, to_json

    catalog = load_catalog(path_or_rows)               # once per process; validates formulas
    period = Period.parse("2025-11")
    tree = RegionTree({"330200": None, "330212": "330200", "330203": "330200", ...})
    values = {("330212", "GDP", period): Decimal("550"), ...}   # (region, code, Period) -> Decimal
    rows = compute_panel(catalog, values, tree, "330212", period,
                         targets={"GDP": Target(value=Decimal("600"))})
    print(to_json(rows))

Fetch the values for :func:`periods_needed` (period) of the region, its parent, its siblings and,
where their own values may be missing, their descendants.
"""

from .catalog import KINDS, SOURCES, Catalog, CatalogError, IndicatorDef, load_catalog
from .decimals import display, to_decimal
from .formula import Formula, FormulaError, parse_formula
from .monthly import (
    CUMULATIVE_FIELDS,
    FIELDS,
    YOY_LIMIT_PCT,
    Issue,
    MonthlyReport,
    analyse_towns,
    check_monthly_report,
    has_errors,
)
from .panel import (
    PANEL_KEYS,
    Evaluator,
    RegionTree,
    Target,
    build_store,
    competition_rank,
    compute_panel,
    periods_needed,
    time_progress_pct,
    to_json,
    to_jsonable,
)
from .periods import Period, PeriodError

__all__ = [
    "CUMULATIVE_FIELDS",
    "Catalog",
    "CatalogError",
    "Evaluator",
    "FIELDS",
    "Formula",
    "FormulaError",
    "IndicatorDef",
    "Issue",
    "KINDS",
    "MonthlyReport",
    "PANEL_KEYS",
    "Period",
    "PeriodError",
    "RegionTree",
    "SOURCES",
    "Target",
    "YOY_LIMIT_PCT",
    "analyse_towns",
    "build_store",
    "check_monthly_report",
    "competition_rank",
    "compute_panel",
    "display",
    "has_errors",
    "load_catalog",
    "parse_formula",
    "periods_needed",
    "time_progress_pct",
    "to_decimal",
    "to_json",
    "to_jsonable",
]
