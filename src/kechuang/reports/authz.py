"""Authorisation matrix rules for the reports pages (see kechuang/authz.py; the app has no API operations).

The world gets two generated reports with their DOCX file: a quarterly analysis of town A and an annual summary of
鄞州. The bureau asks for and downloads reports of its district, a town assistant its own town's quarterly analyses
only (an annual summary, even of its district, is not there for it); everyone else finds no reports page (404).
"""
import datetime as dt

from kechuang.authz import LOGIN, Route

YEAR = dt.date.today().year - 1
OFFICE = {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200, "town_a": 200, "town_b": 200}


def world(w) -> None:
    import uuid

    from kechuang.conftest import TOWN_A
    from kechuang.reports.choices import ReportKind, ReportStatus
    from kechuang.reports.models import Report
    from kechuang.reports.services import reports_dir

    def report(kind, region, quarter=None):
        rel = f"matrix/{uuid.uuid4().hex}.docx"
        path = reports_dir() / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PK\x03\x04 matrix")
        return Report.objects.create(kind=kind, region_id=region, year=YEAR, quarter=quarter, title="矩阵报告",
                                     status=ReportStatus.DONE, docx=rel, created_by=w.users["bureau"])

    w.rp_quarterly = report(ReportKind.QUARTERLY, TOWN_A, quarter=3)
    w.rp_annual = report(ReportKind.ANNUAL, "330212")


ROUTES = [
    Route("reports:index", OFFICE),
    Route("POST reports:create", {"anonymous": LOGIN, "bureau": 302, "town_a": 302},
          data=lambda w: {"kind": "quarterly", "region": "330212001", "year": str(YEAR), "quarter": "3"},
          note="town A's quarterly analysis: to the job page; town B and another district are outside scope"),
    Route("POST reports:create", {"anonymous": LOGIN, "bureau": 302},
          data=lambda w: {"kind": "annual", "region": "330212", "year": str(YEAR)},
          note="an annual summary is the bureau's (not offered to a town assistant: 404)"),
    Route("reports:download", {"anonymous": LOGIN, "bureau": 200, "town_a": 200},
          params=lambda w: {"pk": w.rp_quarterly.pk, "fmt": "docx"}),
    Route("reports:download", {"anonymous": LOGIN, "bureau": 200},
          params=lambda w: {"pk": w.rp_annual.pk, "fmt": "docx"}),
]
