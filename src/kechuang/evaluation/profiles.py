"""Profile builder: an enterprise's stored data → the evaluators' profiles (DESIGN §6 contract) for a date.

Stored money is Decimal yuan; the engine takes 万元. `wan()` moves the decimal point (`scaleb(-4)`), so
12,345,678.90 yuan becomes exactly 1234.567890 万元 — no division, no rounding, no float.

`load_facts(ids, day)` reads everything the evaluators need for many enterprises in a constant number of
queries (one per table, `values_list`), so a district batch is a handful of queries per chunk, never one per
enterprise.

Two builders give the same HTE profile: `hte_profile_data` makes the JSON-shaped dict of the CLI/API contract
(shown to users, and parseable by the engine's own reader), and `hte_profile` constructs the engine's typed
profile directly, with the integrity checks that reader would apply to stored data. The batch uses the direct
one — the generic reader costs as much as the evaluation itself at 60,000 enterprises — and a test holds the two
equal (`parse_hte_profile(hte_profile_data(f, d)) == hte_profile(f, d)`).
"""
from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from django.db.models import Q

from kechuang.enterprises.choices import CLASS_I_KINDS, FilingStatus, Level, QualificationKind, QualificationStatus
from kechuang.enterprises.models import AnnualData, Enterprise, IPRecord, Qualification, RDInstitution

from .engine import FiscalYear, HteExpert, HteProfile, IpItem, LatestYear, ProfileError
from .engine.profiles import ACQUISITIONS, read_hte_expert

ANNUAL_FIELDS = ("enterprise_id", "year", "staff_total", "staff_tech", "sales", "total_income", "non_taxable_income",
                 "hitech_income", "rd_expense", "rd_domestic", "net_assets", "total_assets", "cost_expense_total")
TSME_ONLY = ("total_assets", "cost_expense_total")  # last in ANNUAL_FIELDS, so an HTE batch can skip them
Annual = namedtuple("Annual", ANNUAL_FIELDS)
IpRow = namedtuple("IpRow", "enterprise_id kind acquisition used_in_hte")
QualRow = namedtuple("QualRow", "enterprise_id kind year issue_date expiry_date status")
RdRow = namedtuple("RdRow", "enterprise_id level approved_on")
InputRow = namedtuple("InputRow", "enterprise_id transformations major_incident_last_year expert")

CLASS_I = frozenset(str(k) for k in CLASS_I_KINDS)
HIGH_LEVELS = frozenset({Level.NATIONAL.value, Level.PROVINCIAL.value})
LADDER_KINDS = (QualificationKind.STARTUP, QualificationKind.TSME, QualificationKind.POOL, QualificationKind.HTE)
HTE_YEARS = 3


def wan(yuan: Decimal) -> Decimal:
    """Yuan → 万元, exactly (the decimal point moves four places)."""
    return yuan.scaleb(-4)


@dataclass
class Facts:
    """Everything stored about one enterprise that an evaluator reads."""

    id: int
    name: str
    uscc: str
    town_id: str
    founded_on: dt.date
    domain_id: str | None
    annual: dict[int, Annual] = field(default_factory=dict)
    ip: list[IpRow] = field(default_factory=list)
    quals: list[QualRow] = field(default_factory=list)
    rd: list[RdRow] = field(default_factory=list)
    inputs: InputRow | None = None

    # -- qualifications on a day -------------------------------------------------------------------------------

    def valid(self, kind: str, day: dt.date) -> list[QualRow]:
        """Qualifications of a kind valid on a day (same rule as enterprises.models.valid_on_q)."""
        return [q for q in self.quals if q.kind == kind and q.status != QualificationStatus.REVOKED
                and q.issue_date <= day and (q.expiry_date is None or day <= q.expiry_date)]

    def holds(self, kind: str, day: dt.date) -> bool:
        return bool(self.valid(kind, day))


def load_facts(ids: Iterable[int], day: dt.date, *, annual_years: int = HTE_YEARS, tsme: bool = True
               ) -> dict[int, Facts]:
    """Facts of many enterprises for an evaluation on `day`: six queries whatever the number of enterprises.

    Annual data: the `annual_years` fiscal years before the day's year. IP: rights valid on the day.
    Qualifications: ladder rungs issued on or before the day. R&D institutions: filed ones approved by then.
    With `tsme=False` (the HTE batch) the tech-SME-only columns and R&D institutions are not read.
    """
    from .models import AssessmentInput

    ids = list(ids)
    out: dict[int, Facts] = {}
    if not ids:
        return out
    for pk, name, uscc, town, founded, domain in (Enterprise.objects.filter(pk__in=ids).values_list(
            "pk", "name", "uscc", "town_id", "founded_on", "domain_id")):
        out[pk] = Facts(pk, name, uscc, town, founded, domain)
    fields = ANNUAL_FIELDS if tsme else ANNUAL_FIELDS[:-len(TSME_ONLY)]
    missing = () if tsme else (None,) * len(TSME_ONLY)
    for row in (AnnualData.objects.filter(enterprise_id__in=ids, year__gte=day.year - annual_years,
                                          year__lt=day.year).values_list(*fields)):
        out[row[0]].annual[row[1]] = Annual._make(row + missing)
    for row in (IPRecord.objects.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day),
                                        enterprise_id__in=ids, granted_on__lte=day)
                .order_by("enterprise_id", "granted_on", "pk")
                .values_list("enterprise_id", "kind", "acquisition", "used_in_hte")):
        out[row[0]].ip.append(IpRow._make(row))
    for row in (Qualification.objects.filter(enterprise_id__in=ids, kind__in=LADDER_KINDS, issue_date__lte=day)
                .order_by("enterprise_id", "issue_date", "pk")
                .values_list("enterprise_id", "kind", "year", "issue_date", "expiry_date", "status")):
        out[row[0]].quals.append(QualRow._make(row))
    if tsme:
        for row in (RDInstitution.objects.filter(enterprise_id__in=ids, status=FilingStatus.FILED,
                                                 approved_on__lte=day)
                    .values_list("enterprise_id", "level", "approved_on")):
            out[row[0]].rd.append(RdRow._make(row))
    for row in (AssessmentInput.objects.filter(enterprise_id__in=ids)
                .values_list("enterprise_id", "transformations", "major_incident_last_year", "expert")):
        out[row[0]].inputs = InputRow._make(row)
    return out


def facts_for(enterprise: Enterprise | int, day: dt.date) -> Facts:
    """The facts of one enterprise (the caller has already checked scope)."""
    pk = enterprise if isinstance(enterprise, int) else enterprise.pk
    return load_facts([pk], day)[pk]


# ---------------------------------------------------------------------------------------------------------------
# HTE


def fiscal_years(f: Facts, day: dt.date) -> list[Annual]:
    """The fiscal years of an application on `day`: the latest consecutive run of stored years before the day's
    year (at most three, none before registration), oldest first. Gaps end the run, and the engine flags it."""
    usable = sorted(y for y in f.annual if f.founded_on.year <= y < day.year)
    run: list[int] = []
    for year in reversed(usable):
        if run and year != run[0] - 1:
            break
        run.insert(0, year)
        if len(run) == HTE_YEARS:
            break
    return [f.annual[y] for y in run]


def hte_profile_data(f: Facts, day: dt.date, *, expert: bool = True) -> dict[str, Any]:
    """The DESIGN §6 HTE profile of an enterprise applying on `day`, amounts in exact 万元 Decimals.

    Facts the platform does not store are filled as follows (and reported by `hte_assumptions`):
    C2 owns core IP = holds at least one valid IP right (the core-support judgement stays with the experts);
    C3 = a high-tech domain is recorded; C8 and the transformations come from the entered assessment input
    (no incident, 0 transformations when nothing was entered: the caller widens the score range for the latter).
    """
    years = fiscal_years(f, day)
    if not years:
        raise ProfileError("fiscal_years", f"没有{day.year}年之前的年度数据（至少需要{day.year - 1}年度数据）")
    latest = years[-1]
    inputs = f.inputs
    data: dict[str, Any] = {
        "registration_date": f.founded_on,
        "application_date": day,
        "staff_total": latest.staff_total,
        "staff_tech": latest.staff_tech,
        "fiscal_years": [
            {"year": y.year, "sales": wan(y.sales), "rd_expense": wan(y.rd_expense),
             "rd_domestic": wan(y.rd_domestic), "net_assets": wan(y.net_assets)}
            for y in years
        ],
        "latest_year": {"total_income": wan(latest.total_income),
                        "non_taxable_income": wan(latest.non_taxable_income),
                        "hitech_income": wan(latest.hitech_income)},
        "ip": [{"class": "I" if ip.kind in CLASS_I else "II", "acquisition": ip.acquisition,
                "used_before": ip.used_in_hte} for ip in f.ip],
        "transformations": inputs.transformations if inputs and inputs.transformations is not None else 0,
        "owns_core_ip": bool(f.ip),
        "in_hitech_domain": f.domain_id is not None,
        "major_incident_last_year": bool(inputs and inputs.major_incident_last_year),
    }
    if expert and inputs and inputs.expert:
        data["expert"] = dict(inputs.expert)
    held = [q for q in f.quals if q.kind == QualificationKind.HTE and q.status != QualificationStatus.REVOKED]
    if held:
        data["certificate_issue_date"] = held[-1].issue_date
    return data


def _amount(value: Decimal, path: str, *, negative: bool = False) -> Decimal:
    """Stored yuan → 万元, refusing what the contract reader would refuse (negatives except net assets)."""
    if not negative and value < 0:
        raise ProfileError(path, "must not be negative")
    d = value.scaleb(-4)
    return d.copy_abs() if d.is_zero() else d


def hte_profile(f: Facts, day: dt.date, *, expert: bool = True) -> HteProfile:
    """The engine's HTE profile of an enterprise applying on `day`, built directly from its facts.

    Same content and the same refusals (ProfileError naming the contract field) as
    `parse_hte_profile(hte_profile_data(f, day))`; see the module docstring.
    """
    years = fiscal_years(f, day)
    if not years:
        raise ProfileError("fiscal_years", f"没有{day.year}年之前的年度数据（至少需要{day.year - 1}年度数据）")
    if day < f.founded_on:
        raise ProfileError("application_date", "is before registration_date")
    latest = years[-1]
    if latest.staff_total <= 0:
        raise ProfileError("staff_total", "must be greater than 0")
    if latest.staff_tech > latest.staff_total:
        raise ProfileError("staff_tech", f"cannot exceed staff_total ({latest.staff_total})")
    fys = []
    for i, y in enumerate(years):
        p = f"fiscal_years[{i}]"
        rd = _amount(y.rd_expense, p + ".rd_expense")
        domestic = _amount(y.rd_domestic, p + ".rd_domestic")
        if domestic > rd:
            raise ProfileError(p + ".rd_domestic", f"cannot exceed rd_expense ({rd})")
        fys.append(FiscalYear(y.year, _amount(y.sales, p + ".sales"), rd, domestic,
                              _amount(y.net_assets, p + ".net_assets", negative=True)))
    ly = LatestYear(_amount(latest.total_income, "latest_year.total_income"),
                    _amount(latest.non_taxable_income, "latest_year.non_taxable_income"),
                    _amount(latest.hitech_income, "latest_year.hitech_income"))
    if ly.non_taxable_income > ly.total_income:
        raise ProfileError("latest_year.non_taxable_income", "cannot exceed total_income")
    if ly.hitech_income > ly.income:
        raise ProfileError("latest_year.hitech_income", "cannot exceed total_income − non_taxable_income")
    ips = []
    for i, ip in enumerate(f.ip):
        acquisition = ACQUISITIONS.get(ip.acquisition)
        if acquisition is None:
            raise ProfileError(f"ip[{i}].acquisition", f"must be one of self, transfer, gift, merger; got {ip.acquisition!r}")
        ips.append(IpItem("I" if ip.kind in CLASS_I else "II", acquisition, bool(ip.used_in_hte)))
    inputs = f.inputs
    held = [q for q in f.quals if q.kind == QualificationKind.HTE and q.status != QualificationStatus.REVOKED]
    return HteProfile(
        registration_date=f.founded_on,
        application_date=day,
        staff_total=Decimal(latest.staff_total),
        staff_tech=Decimal(latest.staff_tech),
        fiscal_years=tuple(fys),
        latest_year=ly,
        ip=tuple(ips),
        transformations=inputs.transformations if inputs and inputs.transformations is not None else 0,
        owns_core_ip=bool(f.ip),
        in_hitech_domain=f.domain_id is not None,
        major_incident_last_year=bool(inputs and inputs.major_incident_last_year),
        expert=read_hte_expert(inputs.expert) if expert and inputs and inputs.expert else HteExpert(),
        certificate_issue_date=held[-1].issue_date if held else None,
    )


def transformations_known(f: Facts) -> bool:
    return bool(f.inputs and f.inputs.transformations is not None)


# ---------------------------------------------------------------------------------------------------------------
# Tech SME


def tsme_profile_data(f: Facts, day: dt.date) -> dict[str, Any]:
    """The DESIGN §6 tech-SME profile for an evaluation on `day`, on the previous fiscal year's data.

    Entity, industry and record conditions are not stored: they are taken as met and reported as assumptions.
    """
    row = f.annual.get(day.year - 1)
    if row is None:
        raise ProfileError("fiscal_year", f"没有{day.year - 1}年度数据（科技型中小企业按上一会计年度数据评价）")
    hte = f.valid(QualificationKind.HTE, day)
    earlier_tsme = [q for q in f.quals if q.kind == QualificationKind.TSME and q.year < day.year]
    revoked = any(q.kind == QualificationKind.TSME and q.status == QualificationStatus.REVOKED
                  and q.year >= day.year - 3 for q in f.quals)
    return {
        "evaluation_date": day,
        "staff_total": row.staff_total,
        "staff_tech": row.staff_tech,
        "sales": wan(row.sales),
        "total_assets": wan(row.total_assets),
        "rd_expense": wan(row.rd_expense),
        "cost_expense_total": wan(row.cost_expense_total),
        "ip": [{"class": "I" if ip.kind in CLASS_I else "II"} for ip in f.ip],
        "resident": True,
        "industry_allowed": True,
        "clean_record": not bool(f.inputs and f.inputs.major_incident_last_year),
        # A certificate without a recorded expiry is valid on the day by definition of `valid`.
        "hte_certificate_valid_until": max(q.expiry_date or day for q in hte) if hte else None,
        "provincial_rd_institution": any(r.level in HIGH_LEVELS for r in f.rd),
        "national_award_top3_5y": False,
        "led_standard_5y": False,
        "first_evaluation": not earlier_tsme,
        "record_issue_3y": revoked,
    }


# ---------------------------------------------------------------------------------------------------------------
# Innovative-startup filing (Ningbo): only a pre-screen, several criteria are not stored.


def startup_profile_data(f: Facts, day: dt.date) -> dict[str, Any]:
    """A 宁波 innovative-startup filing pre-screen on `day`: the founder and business-model criteria are not
    stored (taken as met, reviewed by hand) and technology staff stand in for R&D staff with a college degree."""
    years = sorted(y for y in f.annual if y < day.year)
    row = f.annual[years[-1]] if years else None
    staff = row.staff_total if row and row.staff_total else 1
    tech = row.staff_tech if row and row.staff_total else 0
    return {
        "registration_date": f.founded_on,
        "filing_date": day,
        "leader_in_founding_team": True,
        "core_ip": any(ip.acquisition == "self" for ip in f.ip),
        "new_business_model": False,
        "staff_total": staff,
        "rd_staff_college": min(tech, staff),
        "in_hitech_domain": f.domain_id is not None,
        "in_local_catalog": False,
    }


def contract_json(data: Any) -> Any:
    """A profile dict as plain JSON (decimal strings without trailing zeros, ISO dates) for the API and the CLI."""
    from .engine.numbers import strip

    if isinstance(data, dict):
        return {k: contract_json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [contract_json(v) for v in data]
    if isinstance(data, Decimal):
        return strip(data)
    if isinstance(data, dt.date):
        return data.isoformat()
    return data
