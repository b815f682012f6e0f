"""Background jobs of the reports app (auto-loaded by core.jobs): generate a requested report with progress."""
from __future__ import annotations

from django.urls import reverse

from kechuang.core.jobs import job_kind, job_progress

from .models import Report
from .services import report_generate

#: Steps reported to the job page: the report's sections, then the DOCX, then the PDF.
TOTAL = 10


def _run(job, report_id: int) -> dict:
    report = Report.objects.get(pk=report_id)
    Report.objects.filter(pk=report.pk).update(job=job)  # a retried job takes over the report

    def progress(done: int, total: int) -> None:
        job_progress(job, int(done * (TOTAL - 2) / max(total, 1)), TOTAL)

    report = report_generate(report, progress=progress)
    job_progress(job, TOTAL, TOTAL)
    out = {"report": report.pk, "title": report.title, "file": reverse("reports:download", args=[report.pk, "docx"])}
    if report.pdf:
        out["pdf"] = reverse("reports:download", args=[report.pk, "pdf"])
    if report.message:
        out["message"] = report.message
    return out


@job_kind("report_annual")
def report_annual_job(job, *, report_id: int) -> dict:
    """The annual work summary (工作总结) of a requested Report."""
    return _run(job, report_id)


@job_kind("report_quarterly")
def report_quarterly_job(job, *, report_id: int) -> dict:
    """The quarterly tech-service analysis of a requested Report."""
    return _run(job, report_id)
