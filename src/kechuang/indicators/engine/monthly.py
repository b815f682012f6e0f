"""The tech-service industry monthly report (科技服务业月报): submission checks and per-town analysis.

A submission carries, for one enterprise and one month:

* ``operating_revenue`` 营业收入, ``value_added`` 增加值, ``rd_expense`` 研发费用 — flows, cumulative
  from January (1–N月累计), so within a year they never decrease;
* ``staff`` 从业人员 — a month-end stock (期末人数), which may go up or down.

Checks (each issue has a level, the field, a machine code and a Chinese and an English message):

=====================  =======  ===========================================================
code                   level    rule
=====================  =======  ===========================================================
required               error    the field is missing or empty
invalid                error    the field is not a decimal number
negative               error    value < 0 (0 itself is allowed)
not_integer            error    staff with a fractional part
below_previous_month   error    a cumulative field lower than the previous month's in the same
                                year (equal is allowed; January starts a new year, so the
                                December before it is not compared; staff is exempt)
yoy_unexplained        error    |year-on-year change| > 50 % with no explanation. The limit is
                                inclusive: exactly +50 % or −50 % passes without explanation,
                                50.01 % does not. From 0 last year to a non-zero value counts as
                                beyond the limit. Compared exactly: |now − then| × 100 > 50 × |then|
yoy_large              warning  the same condition with an explanation given (for the reviewer)
value_added_exceeds_revenue  warning  value added larger than operating revenue
=====================  =======  ===========================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import Any

from .decimals import CTX, HUNDRED, quantize_half_up, to_decimal
from .panel import competition_rank
from .periods import Period

__all__ = [
    "CUMULATIVE_FIELDS",
    "FIELD_LABELS",
    "FIELDS",
    "Issue",
    "MonthlyReport",
    "YOY_LIMIT_PCT",
    "analyse_towns",
    "check_monthly_report",
    "has_errors",
]

FIELDS = ("operating_revenue", "value_added", "staff", "rd_expense")
CUMULATIVE_FIELDS = ("operating_revenue", "value_added", "rd_expense")
FIELD_LABELS = {
    "operating_revenue": ("营业收入", "operating revenue"),
    "value_added": ("增加值", "value added"),
    "staff": ("从业人员", "staff"),
    "rd_expense": ("研发费用", "R&D expense"),
}
#: Year-on-year change beyond ±this many percent needs an explanation (the limit itself is allowed).
YOY_LIMIT_PCT = Decimal(50)

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    """One enterprise's submission for one month; ``values`` maps field names to numbers."""

    period: Period
    values: Mapping[str, object]
    explanation: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.period, str):
            object.__setattr__(self, "period", Period.parse(self.period))


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a submission."""

    level: str  # "error" | "warning"
    field: str | None
    code: str
    message_zh: str
    message_en: str
    params: Mapping[str, Any] = dc_field(default_factory=dict, compare=False)

    @property
    def message(self) -> str:
        """The Chinese message (the interface is Chinese first)."""
        return self.message_zh

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (Decimal parameters as strings)."""
        return {
            "level": self.level,
            "field": self.field,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "params": {k: (str(v) if isinstance(v, (Decimal, Period)) else v) for k, v in self.params.items()},
        }


def has_errors(issues: Iterable[Issue]) -> bool:
    """True when any issue is an error (the submission must be refused)."""
    return any(i.level == ERROR for i in issues)


def _numbers(report: MonthlyReport | None) -> dict[str, Decimal]:
    """The report's valid numeric fields (invalid ones are reported by the checks on ``current``)."""
    out: dict[str, Decimal] = {}
    if report is None:
        return out
    for name in FIELDS:
        raw = report.values.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            out[name] = to_decimal(raw)
        except (TypeError, ValueError):
            continue
    return out


def _fmt(v: Decimal) -> str:
    return f"{v:f}"


def check_monthly_report(
    current: MonthlyReport,
    previous_month: MonthlyReport | None = None,
    last_year: MonthlyReport | None = None,
) -> list[Issue]:
    """Every issue of ``current`` against the previous month's and last year's same-month submissions.

    ``previous_month`` must be for the month just before ``current.period`` and ``last_year`` for the
    same month a year earlier (a mismatch is a programming error: ValueError). Either may be None.
    Returns an empty list when the submission is clean; refuse it when :func:`has_errors`.
    """
    period = current.period
    if previous_month is not None and previous_month.period != period.previous():
        raise ValueError(f"previous_month is for {previous_month.period}, expected {period.previous()}")
    if last_year is not None and last_year.period != period.previous_year():
        raise ValueError(f"last_year is for {last_year.period}, expected {period.previous_year()}")

    issues: list[Issue] = []
    now: dict[str, Decimal] = {}
    for name in FIELDS:
        zh, en = FIELD_LABELS[name]
        raw = current.values.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            issues.append(Issue(ERROR, name, "required", f"{zh}未填写", f"{en} is required"))
            continue
        try:
            v = to_decimal(raw)
        except (TypeError, ValueError):
            issues.append(Issue(ERROR, name, "invalid", f"{zh}不是有效数字：{raw!r}", f"{en} is not a number: {raw!r}"))
            continue
        if v < 0:
            issues.append(Issue(ERROR, name, "negative", f"{zh}不能为负数（{_fmt(v)}）",
                                f"{en} cannot be negative ({_fmt(v)})", {"value": v}))
            continue
        if name == "staff" and v != v.to_integral_value():
            issues.append(Issue(ERROR, name, "not_integer", f"{zh}应为整数（{_fmt(v)}）",
                                f"{en} must be a whole number ({_fmt(v)})", {"value": v}))
            continue
        now[name] = v

    # Cumulative values restart in January, so December is only compared within its own year.
    if previous_month is not None and period.month > 1:
        before = _numbers(previous_month)
        for name in CUMULATIVE_FIELDS:
            if name in now and name in before and now[name] < before[name]:
                zh, en = FIELD_LABELS[name]
                issues.append(Issue(
                    ERROR, name, "below_previous_month",
                    f"{zh}为1–{period.month}月累计值，不应低于上月累计值（本月{_fmt(now[name])}，上月{_fmt(before[name])}）",
                    f"{en} is cumulative from January and cannot fall below last month's "
                    f"({_fmt(now[name])} < {_fmt(before[name])})",
                    {"value": now[name], "previous": before[name]},
                ))

    if last_year is not None:
        then = _numbers(last_year)
        explained = bool(current.explanation and current.explanation.strip())
        for name in FIELDS:
            if name not in now or name not in then:
                continue
            v, base = now[name], then[name]
            change = CTX.subtract(v, base)
            if base.is_zero():
                beyond = not change.is_zero()
                growth = None
            else:
                beyond = CTX.multiply(abs(change), HUNDRED) > CTX.multiply(YOY_LIMIT_PCT, abs(base))
                growth = CTX.divide(CTX.multiply(change, HUNDRED), abs(base))
            if not beyond:
                continue
            zh, en = FIELD_LABELS[name]
            if growth is None:
                what_zh = f"上年同期为0，本期为{_fmt(v)}"
                what_en = f"last year's value was 0, now {_fmt(v)}"
            else:
                shown = quantize_half_up(growth, 2)
                what_zh = f"同比{'增长' if growth > 0 else '下降'}{_fmt(abs(shown))}%"
                what_en = f"year-on-year change {'+' if growth > 0 else ''}{_fmt(shown)}%"
            params = {"value": v, "last_year": base, "yoy_pct": growth, "limit_pct": YOY_LIMIT_PCT}
            if explained:
                issues.append(Issue(
                    WARNING, name, "yoy_large",
                    f"{zh}{what_zh}，超过±{_fmt(YOY_LIMIT_PCT)}%，已填写说明，请审核",
                    f"{en}: {what_en}, beyond ±{_fmt(YOY_LIMIT_PCT)}%; explanation given, please review",
                    params,
                ))
            else:
                issues.append(Issue(
                    ERROR, name, "yoy_unexplained",
                    f"{zh}{what_zh}，超过±{_fmt(YOY_LIMIT_PCT)}%，请填写情况说明",
                    f"{en}: {what_en}, beyond ±{_fmt(YOY_LIMIT_PCT)}%; an explanation is required",
                    params,
                ))

    va, rev = now.get("value_added"), now.get("operating_revenue")
    if va is not None and rev is not None and va > rev:
        issues.append(Issue(
            WARNING, "value_added", "value_added_exceeds_revenue",
            f"增加值（{_fmt(va)}）大于营业收入（{_fmt(rev)}），请核实",
            f"value added ({_fmt(va)}) exceeds operating revenue ({_fmt(rev)}); please check",
            {"value_added": va, "operating_revenue": rev},
        ))
    return issues


# -- per-town quarterly analysis ------------------------------------------------------------------

def _collect(records: Iterable[tuple[str, str, object]], label: str) -> dict[str, tuple[str, Decimal]]:
    out: dict[str, tuple[str, Decimal]] = {}
    for enterprise, town, raw in records:
        if raw is None:
            continue
        if enterprise in out:
            raise ValueError(f"enterprise {enterprise} appears twice in the {label} values")
        out[enterprise] = (town, to_decimal(raw, field=f"{label} value of {enterprise}"))
    return out


def _sum(values: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for v in values:
        total = CTX.add(total, v)
    return total


def _pct(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or whole is None or whole.is_zero():
        return None
    return CTX.divide(CTX.multiply(part, HUNDRED), whole)


def _growth(value: Decimal | None, base: Decimal | None) -> Decimal | None:
    if value is None or base is None or base.is_zero():
        return None
    return CTX.divide(CTX.multiply(CTX.subtract(value, base), HUNDRED), abs(base))


def analyse_towns(
    current: Iterable[tuple[str, str, object]],
    previous: Iterable[tuple[str, str, object]],
    *,
    towns: Sequence[str] | None = None,
    matched_only: bool = False,
) -> dict[str, Any]:
    """Town totals, growth, rank and contribution to district growth for one field and one period.

    ``current`` and ``previous`` are ``(enterprise_id, town_code, cumulative value)`` records for the
    period (e.g. Jan–Sep) and the same period a year earlier. An enterprise's previous value counts
    for the town it is in *now* when it reports now (so a move does not show as growth in one town
    and decline in another), else for its previous town. With ``matched_only`` only enterprises
    reporting in both periods count (同口径). ``towns`` lists towns to include even without records.

    Per town: ``total``, ``previous_total`` (None without records), ``increment`` (missing totals
    count as 0, so increments add up to the district's), ``growth_pct`` ((total − previous) /
    |previous| × 100, None if previous is missing or 0), ``share_pct`` of the district total,
    ``rank``/``rank_of`` by total (1 = largest, ties 1,1,3; towns without records unranked) and
    ``contribution_pct`` = town increment / district increment × 100 (None when the district
    increment is 0; contributions add up to 100). Towns are returned by rank, then code.
    """
    now = _collect(current, "current")
    then = _collect(previous, "previous")
    if matched_only:
        both = now.keys() & then.keys()
        now = {k: v for k, v in now.items() if k in both}
        then = {k: v for k, v in then.items() if k in both}

    totals: dict[str, Decimal] = {}
    prev_totals: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    for ent, (town, v) in now.items():
        totals[town] = CTX.add(totals.get(town, Decimal(0)), v)
        counts[town] = counts.get(town, 0) + 1
    for ent, (town, v) in then.items():
        town = now[ent][0] if ent in now else town
        prev_totals[town] = CTX.add(prev_totals.get(town, Decimal(0)), v)

    codes = list(dict.fromkeys([*(towns or ()), *sorted(totals), *sorted(prev_totals)]))
    district_total = _sum(totals.values()) if totals else None
    district_prev = _sum(v for _, v in then.values()) if then else None
    district_inc = CTX.subtract(district_total or Decimal(0), district_prev or Decimal(0))

    rows = []
    for town in codes:
        total, prev = totals.get(town), prev_totals.get(town)
        inc = CTX.subtract(total or Decimal(0), prev or Decimal(0))
        rank, rank_of = competition_rank(total, totals.values())
        rows.append({
            "town": town,
            "enterprises": counts.get(town, 0),
            "total": total,
            "previous_total": prev,
            "increment": inc,
            "growth_pct": _growth(total, prev),
            "share_pct": _pct(total, district_total),
            "rank": rank,
            "rank_of": rank_of,
            "contribution_pct": _pct(inc, district_inc),
        })
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["town"]))
    return {
        "district": {
            "enterprises": len(now),
            "total": district_total,
            "previous_total": district_prev,
            "increment": district_inc,
            "growth_pct": _growth(district_total, district_prev),
        },
        "towns": rows,
    }
