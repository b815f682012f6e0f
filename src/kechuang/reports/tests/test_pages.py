"""The reports page, the background job path and scope: 404 outside scope, town assistants get their town's
quarterly analysis only, enterprises nothing."""
from __future__ import annotations

import pytest
from django.urls import reverse

from kechuang.core.choices import Role
from kechuang.reports.choices import ReportKind, ReportStatus
from kechuang.reports.models import Report

from .conftest import HOME, OTHER_DISTRICT_TOWN, TOWN_A, TOWN_B, YEAR

INDEX = reverse("reports:index")
CREATE = reverse("reports:create")


def _run_job(report_pk: int) -> Report:
    """Run the report's job in this thread (the page starts it on commit, which a test transaction never does)."""
    from kechuang.core.jobs import execute
    from kechuang.core.models import Job

    report = Report.objects.get(pk=report_pk)
    execute(report.job_id)
    job = Job.objects.get(pk=report.job_id)
    assert job.status == "done", job.message
    return Report.objects.get(pk=report_pk)


@pytest.fixture
def other_bureau(make_user):
    return make_user("haishu_officer", Role.BUREAU, region_id="330203")


@pytest.fixture
def no_pdf(monkeypatch):
    """Pages and jobs are tested without LibreOffice (the PDF has its own test)."""
    monkeypatch.setattr("kechuang.reports.pdf.soffice", lambda: None)


def _make(kind, region, **kw):
    return Report.objects.create(kind=kind, region_id=region, year=YEAR, status=ReportStatus.DONE, **kw)


def test_bureau_starts_an_annual_report_as_a_job_and_downloads_it(report_data, reports_home, bureau, client_as,
                                                                   no_pdf):
    c = client_as(bureau)
    page = c.get(INDEX)
    assert page.status_code == 200
    assert "年度工作总结" in page.content.decode() and "科技服务业季度分析" in page.content.decode()
    r = c.post(CREATE, {"kind": "annual", "region": HOME, "year": str(YEAR)})
    assert r.status_code == 302
    report = Report.objects.get()
    assert r["Location"] == reverse("job", args=[report.job_id])
    assert report.status == ReportStatus.QUEUED and report.created_by == bureau
    report = _run_job(report.pk)
    assert report.status == ReportStatus.DONE and report.docx and not report.pdf
    assert "未安装 LibreOffice" in report.message
    assert (reports_home / "reports" / report.docx).is_file()
    from kechuang.core.models import Job

    job = Job.objects.get(pk=report.job_id)
    assert job.result_file == reverse("reports:download", args=[report.pk, "docx"]) and job.progress == job.total
    job_page = c.get(reverse("job", args=[job.pk]))
    assert job.result_file in job_page.content.decode()
    d = c.get(job.result_file)
    assert d.status_code == 200
    assert d["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert b"".join(d.streaming_content)[:2] == b"PK"
    assert c.get(reverse("reports:download", args=[report.pk, "pdf"])).status_code == 404  # no PDF made
    listing = c.get(INDEX).content.decode()
    assert report.title in listing and reverse("reports:download", args=[report.pk, "docx"]) in listing


def test_bad_input_is_refused_with_every_field_named(report_data, reports_home, bureau, client_as):
    c = client_as(bureau)
    r = c.post(CREATE, {"kind": "annual", "region": "", "year": "20x5"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "请选择区域" in body and "年度应为四位数字" in body
    r = c.post(CREATE, {"kind": "annual", "region": TOWN_A, "year": str(YEAR)})  # annual is for a district
    assert r.status_code == 400 and "不能生成此类报告" in r.content.decode()
    r = c.post(CREATE, {"kind": "quarterly", "region": HOME, "year": str(YEAR), "quarter": "5"})
    assert r.status_code == 400 and "季度应为 1–4" in r.content.decode()
    assert not Report.objects.exists()


def test_bureau_cannot_ask_for_a_region_outside_its_own(report_data, reports_home, other_bureau, client_as):
    r = client_as(other_bureau).post(CREATE, {"kind": "annual", "region": HOME, "year": str(YEAR)})
    assert r.status_code == 404
    assert not Report.objects.exists()


def test_outside_scope_downloads_answer_404(report_data, reports_home, bureau, other_bureau, assistant_a,
                                           assistant_b, client_as, no_pdf):
    from kechuang.reports.services import report_generate

    annual = report_generate(_make(ReportKind.ANNUAL, HOME), pdf=False)
    town_a = report_generate(_make(ReportKind.QUARTERLY, TOWN_A, quarter=3), pdf=False)
    url_annual = reverse("reports:download", args=[annual.pk, "docx"])
    url_town_a = reverse("reports:download", args=[town_a.pk, "docx"])
    assert client_as(bureau).get(url_annual).status_code == 200
    assert client_as(bureau).get(url_town_a).status_code == 200
    assert client_as(other_bureau).get(url_annual).status_code == 404
    assert client_as(assistant_b).get(url_town_a).status_code == 404
    assert client_as(assistant_a).get(url_town_a).status_code == 200
    assert client_as(assistant_a).get(url_annual).status_code == 404  # a town assistant: quarterly analyses only
    assert client_as(bureau).get(reverse("reports:download", args=[annual.pk, "exe"])).status_code == 404
    assert client_as(bureau).get(reverse("reports:download", args=[999999, "docx"])).status_code == 404


def test_town_assistant_gets_its_own_towns_quarterly_analysis_only(report_data, reports_home, assistant_a,
                                                                    client_as, no_pdf):
    c = client_as(assistant_a)
    page = c.get(INDEX).content.decode()
    assert "科技服务业季度分析" in page and 'value="annual"' not in page
    assert f'value="{TOWN_A}"' in page and f'value="{TOWN_B}"' not in page and f'value="{HOME}"' not in page
    assert c.post(CREATE, {"kind": "annual", "region": TOWN_A, "year": str(YEAR)}).status_code == 404
    assert c.post(CREATE, {"kind": "quarterly", "region": TOWN_B, "year": str(YEAR), "quarter": "3"}).status_code == 404
    assert c.post(CREATE, {"kind": "quarterly", "region": HOME, "year": str(YEAR), "quarter": "3"}).status_code == 404
    assert not Report.objects.exists()
    r = c.post(CREATE, {"kind": "quarterly", "region": TOWN_A, "year": str(YEAR), "quarter": "3"})
    assert r.status_code == 302
    report = _run_job(Report.objects.get().pk)
    assert report.title == f"下应街道{YEAR}年第三季度科技服务业运行分析"
    assert c.get(reverse("reports:download", args=[report.pk, "docx"])).status_code == 200


def test_lists_show_only_what_is_in_scope(report_data, reports_home, bureau, other_bureau, assistant_a, client_as):
    _make(ReportKind.ANNUAL, HOME, title="鄞州年报")
    _make(ReportKind.QUARTERLY, TOWN_A, quarter=3, title="下应季报")
    _make(ReportKind.QUARTERLY, TOWN_B, quarter=3, title="钟公庙季报")
    _make(ReportKind.ANNUAL, "330203", title="海曙年报")
    _make(ReportKind.QUARTERLY, OTHER_DISTRICT_TOWN, quarter=3, title="南门季报")

    def titles(user):
        return {t for t in ("鄞州年报", "下应季报", "钟公庙季报", "海曙年报", "南门季报")
                if t in client_as(user).get(INDEX).content.decode()}

    assert titles(bureau) == {"鄞州年报", "下应季报", "钟公庙季报"}
    assert titles(other_bureau) == {"海曙年报", "南门季报"}
    assert titles(assistant_a) == {"下应季报"}


def test_enterprises_and_anonymous_users_find_nothing(report_data, reports_home, clerk_a, client_as, client):
    report = _make(ReportKind.ANNUAL, HOME, docx="x.docx")
    assert client.get(INDEX).status_code == 302  # anonymous: to the login page
    c = client_as(clerk_a)
    assert c.get(INDEX).status_code == 404
    assert c.post(CREATE, {"kind": "annual", "region": HOME, "year": str(YEAR)}).status_code == 404
    assert c.get(reverse("reports:download", args=[report.pk, "docx"])).status_code == 404
    from kechuang.reports.nav import items

    assert items(clerk_a) == []


def test_menu_entry_for_bureau_and_town(bureau, assistant_a):
    from kechuang.reports.nav import items

    assert [i["url"] for i in items(bureau)] == [INDEX]
    assert [i["url"] for i in items(assistant_a)] == [INDEX]


def test_a_failed_generation_is_recorded_and_the_job_can_be_retried(report_data, reports_home, bureau, monkeypatch):
    from kechuang.core.jobs import execute
    from kechuang.core.models import Job
    from kechuang.reports import services

    report = services.report_request(user=bureau, kind="annual", region=HOME, year=YEAR)

    def boom(*a, **kw):
        raise OSError("disk full")

    monkeypatch.setattr(services, "generate_files", boom)
    execute(report.job_id)
    assert Job.objects.get(pk=report.job_id).status == "failed"
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "disk full" in report.message


def test_download_refuses_paths_outside_the_reports_folder(report_data, reports_home, bureau, client_as):
    (reports_home / "secret.txt").write_text("x")
    report = _make(ReportKind.ANNUAL, HOME, docx="../secret.txt")
    assert client_as(bureau).get(reverse("reports:download", args=[report.pk, "docx"])).status_code == 404
