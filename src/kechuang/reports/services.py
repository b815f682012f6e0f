"""Writes of the reports app: ask for a report (a Report row and a background job), generate its files.

The command line (`kechuang report …`), the reports page and the job all use `check_request` and `generate_files`,
so a report reads the same whichever way it was asked for.
"""
from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kechuang.core.choices import Action
from kechuang.core.errors import FieldErrors
from kechuang.core.scope import assert_in_scope
from kechuang.core.services import stamp

from .choices import JOB_KINDS, ReportKind, ReportStatus
from .models import Report

#: Levels of the regions each kind of report is written for.
LEVELS = {ReportKind.ANNUAL: ("city", "district"), ReportKind.QUARTERLY: ("district", "town")}
FIRST_YEAR = 2000


def reports_dir() -> Path:
    """Where generated reports are kept: VAR_DIR/reports."""
    return Path(settings.VAR_DIR) / "reports"


def check_request(kind: str, region_code: str | None, year, quarter=None, *, today: dt.date | None = None,
                  errors: FieldErrors | None = None):
    """Validate a report request; returns (errors, region, year, quarter) with every problem named by field."""
    from kechuang.regions.models import Region

    errors = errors or FieldErrors()
    today = today or timezone.localdate()
    if kind not in ReportKind.values:
        errors.error("kind", f"未知的报告类型“{kind}”（annual 或 quarterly）")
    region = None
    code = (region_code or "").strip()
    if not code:
        errors.error("region", "请选择区域", "required")
    else:
        region = Region.objects.filter(code=code).first()
        if region is None:
            errors.error("region", f"未知的行政区划代码“{code}”")
        elif kind in LEVELS and region.level not in LEVELS[kind]:
            allowed = "、".join({"city": "市", "district": "区（县、市）", "town": "镇（街道）"}[lv] for lv in LEVELS[kind])
            errors.error("region", f"{region.name}不能生成此类报告（适用于：{allowed}）")
    y = None
    try:
        y = int(str(year).strip())
    except (TypeError, ValueError):
        errors.error("year", f"年度应为四位数字，实为“{year}”")
    if y is not None:
        if y < FIRST_YEAR or y > today.year:
            errors.error("year", f"年度应在 {FIRST_YEAR}–{today.year} 之间，实为 {y}")
        elif kind == ReportKind.ANNUAL and y == today.year and today.month == 1:
            errors.error("year", f"{y}年尚无完整月份的数据")
    q = None
    if kind == ReportKind.QUARTERLY:
        try:
            q = int(str(quarter).strip())
            if not 1 <= q <= 4:
                raise ValueError
        except (TypeError, ValueError):
            errors.error("quarter", f"季度应为 1–4，实为“{quarter}”")
            q = None
        if q is not None and y is not None and not errors.failed and (y, q * 3) >= (today.year, today.month):
            errors.error("quarter", f"{y}年第{q}季度尚未结束")
    return errors, region, y, q


@dataclass
class Generated:
    """What generating one report produced."""

    title: str
    period: str
    docx: Path
    pdf: Path | None
    pdf_error: str
    seconds_docx: float
    seconds_pdf: float
    doc: object


def build_doc(kind: str, region: str, year: int, quarter: int | None = None, *, today: dt.date | None = None,
              progress: Callable[[int, int], None] | None = None):
    """The document (blocks and figures) of a report."""
    if kind == ReportKind.ANNUAL:
        from .annual import build_annual

        return build_annual(region, year, today=today, progress=progress)
    from .quarterly import build_quarterly

    return build_quarterly(region, year, quarter, today=today, progress=progress)


def generate_files(kind: str, region: str, year: int, quarter: int | None, out: Path, *, pdf: bool = True,
                   today: dt.date | None = None, progress: Callable[[int, int], None] | None = None) -> Generated:
    """Write the report's DOCX to ``out`` and, when LibreOffice is installed and ``pdf``, the PDF beside it."""
    from .pdf import PdfError, convert
    from .render import write_docx

    t0 = time.perf_counter()
    doc = build_doc(kind, region, year, quarter, today=today, progress=progress)
    write_docx(doc, out)
    t1 = time.perf_counter()
    pdf_path, pdf_error = None, ""
    if pdf:
        try:
            pdf_path = convert(out)
            if pdf_path is None:
                pdf_error = "未安装 LibreOffice（soffice），未生成 PDF"
        except PdfError as exc:
            pdf_error = str(exc)
    t2 = time.perf_counter()
    return Generated(title=doc.title, period=doc.period, docx=Path(out), pdf=pdf_path, pdf_error=pdf_error,
                     seconds_docx=t1 - t0, seconds_pdf=t2 - t1, doc=doc)


@transaction.atomic
def report_request(*, user, kind: str, region: str, year, quarter=None) -> Report:
    """Record a report request in the user's scope and start its background job (progress on the job page)."""
    from kechuang.core.jobs import job_submit

    errors, reg, y, q = check_request(kind, region, year, quarter)
    errors.raise_if_any()
    report = Report(kind=kind, region=reg, year=y, quarter=q, created_by=user, status=ReportStatus.QUEUED)
    stamp(report, user)
    report.save()
    assert_in_scope(user, report, Action.ADD)  # outside the user's scope: 404 and nothing is kept
    job = job_submit(JOB_KINDS[ReportKind(kind)], {"report_id": report.pk}, user=user, total=10)
    Report.objects.filter(pk=report.pk).update(job=job)
    report.job = job
    return report


def report_generate(report: Report, *, progress: Callable[[int, int], None] | None = None,
                    pdf: bool = True) -> Report:
    """Generate a requested report's files under VAR_DIR/reports and record how it went."""
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING)
    folder = reports_dir() / str(report.year)
    name = f"{report.kind}-{report.region_id}-{report.year}{f'Q{report.quarter}' if report.quarter else ''}-{uuid.uuid4().hex[:8]}.docx"
    try:
        gen = generate_files(report.kind, report.region_id, report.year, report.quarter, folder / name, pdf=pdf,
                             progress=progress)
    except Exception as exc:
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED, message=f"{type(exc).__name__}: {exc}",
                                                   finished_at=timezone.now())
        raise
    base = reports_dir()
    fields = {
        "status": ReportStatus.DONE, "title": gen.title, "period": gen.period,
        "docx": str(gen.docx.relative_to(base)), "pdf": str(gen.pdf.relative_to(base)) if gen.pdf else "",
        "message": gen.pdf_error, "finished_at": timezone.now(),
        "seconds": Decimal(f"{gen.seconds_docx + gen.seconds_pdf:.2f}"),
    }
    for k, v in fields.items():
        setattr(report, k, v)
    report.save(update_fields=[*fields, "updated_at"])
    return report


def report_file(report: Report, fmt: str) -> Path | None:
    """The report's file of format ``fmt`` (docx/pdf) if it exists inside VAR_DIR/reports."""
    rel = report.docx if fmt == "docx" else report.pdf if fmt == "pdf" else ""
    if not rel:
        return None
    base = reports_dir().resolve()
    path = (base / rel).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path
