"""Typed evaluator profiles and the readers that turn the DESIGN §6 JSON contract into them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import ProfileError

# Inputs are amounts in 万元 (or head counts): 6 decimal places is finer than a fen, and 10^12 万元 is far beyond
# any enterprise. The bounds keep every product of inputs exact in the engine's 100-digit context.
MAX_PLACES = 6
MAX_ABS = Decimal(10) ** 12

IP_CLASSES = {"I": "I", "Ⅰ": "I", "1": "I", "II": "II", "Ⅱ": "II", "2": "II"}
ACQUISITIONS = {
    "self": "self", "自主研发": "self",
    "transfer": "transfer", "受让": "transfer",
    "gift": "gift", "受赠": "gift",
    "merger": "merger", "并购": "merger",
}

_MISSING = object()


# ---------------------------------------------------------------------------------------------------------------
# Field readers: each names the field path in its error.


def _get(data: Mapping, key: str, path: str, default: Any = _MISSING) -> Any:
    value = data.get(key, _MISSING)
    if value is _MISSING or value is None:
        if default is _MISSING:
            raise ProfileError(path, "is required")
        return default
    return value


def _obj(value: Any, path: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise ProfileError(path, "must be an object")
    return value


def _list(value: Any, path: str) -> list:
    if not isinstance(value, (list, tuple)):
        raise ProfileError(path, "must be a list")
    return list(value)


def read_decimal(value: Any, path: str, *, negative: bool = False) -> Decimal:
    """A JSON number or decimal string as an exact Decimal (floats go through str(), never binary)."""
    if isinstance(value, bool):
        raise ProfileError(path, "must be a number, not true/false")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, (float, str)):
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation:
            raise ProfileError(path, f"must be a number, got {value!r}") from None
    else:
        raise ProfileError(path, f"must be a number, got {type(value).__name__}")
    if not d.is_finite():
        raise ProfileError(path, "must be a finite number")
    if not negative and d < 0:
        raise ProfileError(path, "must not be negative")
    if abs(d) >= MAX_ABS:
        raise ProfileError(path, "is too large")
    if d.as_tuple().exponent < -MAX_PLACES:
        raise ProfileError(path, f"has more than {MAX_PLACES} decimal places")
    return d.copy_abs() if d.is_zero() else d  # no '-0' in results


def read_int(value: Any, path: str, *, minimum: int | None = 0) -> int:
    """An integer (JSON 3 or 3.0 or "3"); fractions are refused."""
    if isinstance(value, bool):
        raise ProfileError(path, "must be an integer, not true/false")
    if isinstance(value, int):
        n = value
    else:
        d = read_decimal(value, path, negative=True)
        if d != d.to_integral_value():
            raise ProfileError(path, f"must be an integer, got {value!r}")
        n = int(d)
    if minimum is not None and n < minimum:
        raise ProfileError(path, f"must be at least {minimum}")
    return n


def read_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ProfileError(path, "must be true or false")
    return value


def read_date(value: Any, path: str) -> date:
    """An ISO date `YYYY-MM-DD` (or a date object when called from Python)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ProfileError(path, f"must be a date YYYY-MM-DD, got {value!r}")


def _opt(data: Mapping, key: str, path: str, reader, **kwargs):
    value = data.get(key)
    return None if value is None else reader(value, path, **kwargs)


def _staff(data: Mapping, prefix: str = "") -> tuple[Decimal, Decimal]:
    """Total and technology staff (annual averages, so fractions are allowed); total > 0, tech ≤ total."""
    total = read_decimal(_get(data, "staff_total", prefix + "staff_total"), prefix + "staff_total")
    tech = read_decimal(_get(data, "staff_tech", prefix + "staff_tech"), prefix + "staff_tech")
    if total == 0:
        raise ProfileError(prefix + "staff_total", "must be greater than 0")
    if tech > total:
        raise ProfileError(prefix + "staff_tech", f"cannot exceed staff_total ({total})")
    return total, tech


def _ip_class(item: Mapping, path: str) -> str:
    raw = _get(item, "class", path + ".class")
    cls = IP_CLASSES.get(str(raw).strip()) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
    if cls is None:
        raise ProfileError(path + ".class", f"must be \"I\" or \"II\", got {raw!r}")
    return cls


# ---------------------------------------------------------------------------------------------------------------
# HTE profile


@dataclass(frozen=True, slots=True)
class FiscalYear:
    """One fiscal year's figures (万元): sales, R&D expense and its domestic part, year-end net assets."""

    year: int
    sales: Decimal
    rd_expense: Decimal
    rd_domestic: Decimal
    net_assets: Decimal


@dataclass(frozen=True, slots=True)
class LatestYear:
    """The latest fiscal year's income figures (万元) for condition C6."""

    total_income: Decimal
    non_taxable_income: Decimal
    hitech_income: Decimal

    @property
    def income(self) -> Decimal:
        """总收入 = 收入总额 − 不征税收入."""
        return self.total_income - self.non_taxable_income


@dataclass(frozen=True, slots=True)
class IpItem:
    """One IP right: class I or II, how it was acquired, whether already used in an HTE application."""

    ip_class: str
    acquisition: str | None = None
    used_before: bool = False


@dataclass(frozen=True, slots=True)
class HteExpert:
    """Expert-judged points; None means not judged, so the engine scores the band's full range."""

    advancement: int | None = None
    core_support: int | None = None
    ip_quantity_points: int | None = None
    acquisition_points: int | None = None
    standards_bonus: int | None = None
    rd_org: tuple[int | None, int | None, int | None, int | None] | None = None
    transformation_points: int | None = None
    net_assets_growth_points: int | None = None
    sales_growth_points: int | None = None


@dataclass(frozen=True, slots=True)
class HteProfile:
    """An HTE application profile (DESIGN §6): amounts in 万元, fiscal years oldest first."""

    registration_date: date
    application_date: date
    staff_total: Decimal
    staff_tech: Decimal
    fiscal_years: tuple[FiscalYear, ...]
    latest_year: LatestYear
    ip: tuple[IpItem, ...]
    transformations: int
    owns_core_ip: bool
    in_hitech_domain: bool
    major_incident_last_year: bool
    expert: HteExpert = HteExpert()
    # Issue date of a certificate already held, for the re-certification (重新认定) hints.
    certificate_issue_date: date | None = None


EXPERT_INT_FIELDS = (
    "advancement", "core_support", "ip_quantity_points", "acquisition_points", "standards_bonus",
    "transformation_points", "net_assets_growth_points", "sales_growth_points",
)


def read_hte_expert(value: Any, path: str = "expert") -> HteExpert:
    """Expert points: integers ≥ 0 (their bands are checked when the profile is scored)."""
    data = _obj(value, path)
    kwargs = {k: _opt(data, k, f"{path}.{k}", read_int) for k in EXPERT_INT_FIELDS}
    raw_org = data.get("rd_org")
    if raw_org is not None:
        items = _list(raw_org, f"{path}.rd_org")
        if len(items) != 4:
            raise ProfileError(f"{path}.rd_org", "must list 4 points [m1, m2, m3, m4] (null for not judged)")
        kwargs["rd_org"] = tuple(
            None if v is None else read_int(v, f"{path}.rd_org[{i}]") for i, v in enumerate(items)
        )
    return HteExpert(**kwargs)


# Beyond the DESIGN §6 example, an HTE profile may carry (all optional):
#   latest_year.non_taxable_income (default 0); ip[].used_before (default false);
#   ip[].acquisition also in Chinese (自主研发/受让/受赠/并购); ip[].class also "Ⅰ"/"Ⅱ";
#   expert.ip_quantity_points, expert.transformation_points, expert.net_assets_growth_points,
#   expert.sales_growth_points (fix a computed band's points); expert.rd_org items may be null (not judged);
#   certificate_issue_date (a certificate already held: re-certification hints).
def read_hte_profile(data: Any) -> HteProfile:
    """Structure, types and consistency of an HTE profile; expert bands are checked by hte.parse_hte_profile."""
    data = _obj(data, "profile")
    registration = read_date(_get(data, "registration_date", "registration_date"), "registration_date")
    application = read_date(_get(data, "application_date", "application_date"), "application_date")
    if application < registration:
        raise ProfileError("application_date", "is before registration_date")
    total, tech = _staff(data)

    raw_years = _list(_get(data, "fiscal_years", "fiscal_years"), "fiscal_years")
    if not raw_years:
        raise ProfileError("fiscal_years", "must list at least the fiscal year before the application year")
    if len(raw_years) > 3:
        raise ProfileError("fiscal_years", "must list at most 3 fiscal years (the 3 before the application year)")
    years = []
    for i, raw in enumerate(raw_years):
        p = f"fiscal_years[{i}]"
        item = _obj(raw, p)
        year = read_int(_get(item, "year", p + ".year"), p + ".year", minimum=1900)
        if years and year != years[-1].year + 1:
            raise ProfileError(p + ".year", f"must be {years[-1].year + 1}: fiscal years are consecutive, oldest first")
        if year < registration.year:
            raise ProfileError(p + ".year", f"is before the registration year {registration.year}")
        rd = read_decimal(_get(item, "rd_expense", p + ".rd_expense"), p + ".rd_expense")
        domestic = read_decimal(_get(item, "rd_domestic", p + ".rd_domestic"), p + ".rd_domestic")
        if domestic > rd:
            raise ProfileError(p + ".rd_domestic", f"cannot exceed rd_expense ({rd})")
        years.append(FiscalYear(
            year=year,
            sales=read_decimal(_get(item, "sales", p + ".sales"), p + ".sales"),
            rd_expense=rd,
            rd_domestic=domestic,
            # Net assets can be negative (liabilities above assets); the growth rule handles that.
            net_assets=read_decimal(_get(item, "net_assets", p + ".net_assets"), p + ".net_assets", negative=True),
        ))
    # The application year itself is never a data year; an older latest year is flagged by the evaluator.
    if years[-1].year >= application.year:
        raise ProfileError(
            f"fiscal_years[{len(years) - 1}].year",
            f"must be before the application year {application.year} (the latest is {application.year - 1})",
        )

    ly = _obj(_get(data, "latest_year", "latest_year"), "latest_year")
    latest = LatestYear(
        total_income=read_decimal(_get(ly, "total_income", "latest_year.total_income"), "latest_year.total_income"),
        non_taxable_income=read_decimal(
            _get(ly, "non_taxable_income", "latest_year.non_taxable_income", 0), "latest_year.non_taxable_income"
        ),
        hitech_income=read_decimal(_get(ly, "hitech_income", "latest_year.hitech_income"), "latest_year.hitech_income"),
    )
    if latest.non_taxable_income > latest.total_income:
        raise ProfileError("latest_year.non_taxable_income", "cannot exceed total_income")
    if latest.hitech_income > latest.income:
        raise ProfileError("latest_year.hitech_income", "cannot exceed total_income − non_taxable_income")

    ips = []
    for i, raw in enumerate(_list(_get(data, "ip", "ip", []), "ip")):
        p = f"ip[{i}]"
        item = _obj(raw, p)
        acq_raw = _get(item, "acquisition", p + ".acquisition")
        acquisition = ACQUISITIONS.get(acq_raw) if isinstance(acq_raw, str) else None
        if acquisition is None:
            raise ProfileError(p + ".acquisition", f"must be one of self, transfer, gift, merger; got {acq_raw!r} "
                               "(licensed IP is not owned and does not count)")
        ips.append(IpItem(
            ip_class=_ip_class(item, p),
            acquisition=acquisition,
            used_before=read_bool(_get(item, "used_before", p + ".used_before", False), p + ".used_before"),
        ))

    return HteProfile(
        registration_date=registration,
        application_date=application,
        staff_total=total,
        staff_tech=tech,
        fiscal_years=tuple(years),
        latest_year=latest,
        ip=tuple(ips),
        transformations=read_int(_get(data, "transformations", "transformations"), "transformations"),
        owns_core_ip=read_bool(_get(data, "owns_core_ip", "owns_core_ip"), "owns_core_ip"),
        in_hitech_domain=read_bool(_get(data, "in_hitech_domain", "in_hitech_domain"), "in_hitech_domain"),
        major_incident_last_year=read_bool(
            _get(data, "major_incident_last_year", "major_incident_last_year"), "major_incident_last_year"
        ),
        expert=read_hte_expert(data["expert"]) if data.get("expert") is not None else HteExpert(),
        certificate_issue_date=_opt(data, "certificate_issue_date", "certificate_issue_date", read_date),
    )


# ---------------------------------------------------------------------------------------------------------------
# Tech-SME profile


@dataclass(frozen=True, slots=True)
class TsmeProfile:
    """A tech-SME evaluation profile (DESIGN §6): previous fiscal year's figures in 万元."""

    evaluation_date: date
    staff_total: Decimal
    staff_tech: Decimal
    sales: Decimal
    total_assets: Decimal
    rd_expense: Decimal
    cost_expense_total: Decimal
    ip_class_i: int
    ip_class_ii: int
    resident: bool
    industry_allowed: bool
    clean_record: bool
    hte_certificate_valid_until: date | None = None
    provincial_rd_institution: bool = False
    national_award_top3_5y: bool = False
    led_standard_5y: bool = False
    # 2022 guideline additions to condition (一); assumed true when not given.
    audit_collection: bool = True
    can_collect_rd: bool = True
    pays_cit: bool = True
    # Site-check triggers (RULES §2.7) that only the record can tell; None = unknown.
    first_evaluation: bool | None = None
    record_issue_3y: bool | None = None


# Beyond the DESIGN §6 example, a tech-SME profile may carry (all optional): audit_collection, can_collect_rd,
# pays_cit (2022 guideline parts of condition (一), default true); first_evaluation and record_issue_3y
# (site-check triggers, default unknown). The four direct-route booleans default to false.
def read_tsme_profile(data: Any) -> TsmeProfile:
    """Structure, types and consistency of a tech-SME profile."""
    data = _obj(data, "profile")
    total, tech = _staff(data)
    n1 = n2 = 0
    for i, raw in enumerate(_list(_get(data, "ip", "ip", []), "ip")):
        if _ip_class(_obj(raw, f"ip[{i}]"), f"ip[{i}]") == "I":
            n1 += 1
        else:
            n2 += 1

    def amount(key: str) -> Decimal:
        return read_decimal(_get(data, key, key), key)

    def flag(key: str, default: Any = _MISSING) -> bool | None:
        value = _get(data, key, key, default)
        return value if value is None else read_bool(value, key)

    return TsmeProfile(
        evaluation_date=read_date(_get(data, "evaluation_date", "evaluation_date"), "evaluation_date"),
        staff_total=total,
        staff_tech=tech,
        sales=amount("sales"),
        total_assets=amount("total_assets"),
        rd_expense=amount("rd_expense"),
        cost_expense_total=amount("cost_expense_total"),
        ip_class_i=n1,
        ip_class_ii=n2,
        resident=flag("resident"),
        industry_allowed=flag("industry_allowed"),
        clean_record=flag("clean_record"),
        hte_certificate_valid_until=_opt(data, "hte_certificate_valid_until", "hte_certificate_valid_until", read_date),
        provincial_rd_institution=flag("provincial_rd_institution", False),
        national_award_top3_5y=flag("national_award_top3_5y", False),
        led_standard_5y=flag("led_standard_5y", False),
        audit_collection=flag("audit_collection", True),
        can_collect_rd=flag("can_collect_rd", True),
        pays_cit=flag("pays_cit", True),
        first_evaluation=flag("first_evaluation", None),
        record_issue_3y=flag("record_issue_3y", None),
    )


# ---------------------------------------------------------------------------------------------------------------
# Innovative-startup filing profile (RULES §4.1)


@dataclass(frozen=True, slots=True)
class StartupProfile:
    """A 宁波 innovative-startup filing profile."""

    registration_date: date
    filing_date: date
    leader_in_founding_team: bool
    core_ip: bool
    new_business_model: bool
    staff_total: Decimal
    rd_staff_college: Decimal
    in_hitech_domain: bool
    in_local_catalog: bool


def read_startup_profile(data: Any) -> StartupProfile:
    data = _obj(data, "profile")
    registration = read_date(_get(data, "registration_date", "registration_date"), "registration_date")
    filing = read_date(_get(data, "filing_date", "filing_date"), "filing_date")
    if filing < registration:
        raise ProfileError("filing_date", "is before registration_date")
    total = read_decimal(_get(data, "staff_total", "staff_total"), "staff_total")
    if total == 0:
        raise ProfileError("staff_total", "must be greater than 0")
    rd = read_decimal(_get(data, "rd_staff_college", "rd_staff_college"), "rd_staff_college")
    if rd > total:
        raise ProfileError("rd_staff_college", f"cannot exceed staff_total ({total})")

    def flag(key: str, default: Any = _MISSING) -> bool:
        return read_bool(_get(data, key, key, default), key)

    return StartupProfile(
        registration_date=registration,
        filing_date=filing,
        leader_in_founding_team=flag("leader_in_founding_team"),
        core_ip=flag("core_ip"),
        new_business_model=flag("new_business_model", False),
        staff_total=total,
        rd_staff_college=rd,
        in_hitech_domain=flag("in_hitech_domain"),
        in_local_catalog=flag("in_local_catalog", False),
    )
