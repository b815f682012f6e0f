"""Background jobs: progress is recorded, a failure is visible and can be retried."""
import pytest

from kechuang.core.jobs import job_kind, job_progress, job_retry, job_submit
from kechuang.core.models import Job

pytestmark = pytest.mark.django_db

CALLS = {"n": 0}


@job_kind("test-flaky")
def flaky(job, *, fail_first: bool):
    CALLS["n"] += 1
    job_progress(job, 5, 10)
    if fail_first and CALLS["n"] == 1:
        raise RuntimeError("数据库连接中断")
    return {"ok": True}


def test_failed_job_is_visible_and_retry_succeeds(client_as, bureau):
    CALLS["n"] = 0
    job = job_submit("test-flaky", {"fail_first": True}, user=bureau, wait=True)
    job.refresh_from_db()
    assert job.status == "failed" and "数据库连接中断" in job.message and job.progress == 5
    c = client_as(bureau)
    assert c.get(f"/api/jobs/{job.pk}").json()["status"] == "failed"
    assert "重试" in c.get(f"/jobs/{job.pk}/").content.decode()
    again = job_retry(job, wait=True)
    again.refresh_from_db()
    assert again.status == "done" and again.result == {"ok": True}


def test_someone_elses_job_answers_404(client_as, bureau, assistant_a):
    job = Job.objects.create(kind="test-flaky", created_by=bureau)
    assert client_as(assistant_a).get(f"/api/jobs/{job.pk}").status_code == 404


def test_large_upload_runs_as_background_import(client_as, bureau, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kechuang.core.jobs import execute
    from kechuang.enterprises.models import Enterprise
    from kechuang.enterprises.tests.test_import import HEADER, good_rows, to_xlsx
    from kechuang.web import views

    settings.VAR_DIR = tmp_path
    old = views.BACKGROUND_IMPORT_BYTES
    views.BACKGROUND_IMPORT_BYTES = 10
    try:
        r = client_as(bureau).post("/imports/", {"kind": "enterprises", "file": SimpleUploadedFile("e.xlsx", to_xlsx(HEADER, good_rows(30)))})
    finally:
        views.BACKGROUND_IMPORT_BYTES = old
    assert r.status_code == 302 and "/jobs/" in r["Location"]
    job = Job.objects.get()
    execute(job.pk)  # the thread starts on commit, which a test transaction never reaches
    job.refresh_from_db()
    assert job.status == "done" and job.result["created"] == 30 and job.progress == 30
    assert Enterprise.objects.count() == 30
