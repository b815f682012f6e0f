"""District batch: every enterprise of the scope evaluated from stored data, the candidate list, export, scope."""
import io

import pytest
from python_calamine import CalamineWorkbook

from kechuang.conftest import TOWN_A

from .conftest import DAY

pytestmark = pytest.mark.django_db


def xlsx_rows(content: bytes):
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_run_evaluates_every_enterprise_of_the_district_only(run, good, near, far, town_b_good, other_district_ent):
    from kechuang.core.models import JobStatus
    from kechuang.evaluation.models import EvaluationResult

    results = {r.enterprise_id: r for r in EvaluationResult.objects.filter(run=run)}
    assert set(results) == {good.pk, near.pk, far.pk, town_b_good.pk}
    assert run.status == "done" and run.total == 4
    assert (run.borderline, run.not_qualified, run.candidates) == (2, 2, 3)
    assert run.job.status == JobStatus.DONE and (run.job.progress, run.job.total) == (4, 4)
    g, n, f = results[good.pk], results[near.pk], results[far.pk]
    assert g.verdict == "borderline" and g.candidate and g.candidate_reason == "borderline"
    assert g.score_max > 70 >= g.score_min and g.failed_list == ["C7"]
    assert n.verdict == "not_qualified" and n.candidate and n.candidate_reason == "near_miss"
    assert [m["code"] for m in n.near_misses] == ["C5a", "C7"] and n.failed_list == ["C5a", "C7"]
    assert str(n.rd_ratio) == "0.045000" and str(n.rd_threshold) == "0.050000"
    assert f.verdict == "not_qualified" and not f.candidate and "C4" in f.blocking
    assert str(f.tech_ratio) == "0.050000"


def test_enterprise_without_data_is_reported_not_dropped(bureau, make_enterprise):
    from kechuang.evaluation.services import evaluation_run

    ent = make_enterprise(name="宁波无数据有限公司")
    run = evaluation_run(user=bureau, on=DAY)
    r = run.results.get(enterprise=ent)
    assert r.verdict == "no_data" and r.error.startswith("fiscal_years") and run.no_data == 1


def test_holders_of_a_valid_certificate_or_pool_entry_are_not_candidates(bureau, good, near):
    import datetime as dt

    from kechuang.evaluation.services import evaluation_run

    from .conftest import add_qual

    add_qual(good, "hte", 2024, dt.date(2024, 12, 1), dt.date(2027, 11, 30))
    add_qual(near, "pool", 2025, dt.date(2025, 5, 20), dt.date(2028, 5, 19), batch="2025年第一批")
    run = evaluation_run(user=bureau, on=DAY)
    g, n = run.results.get(enterprise=good), run.results.get(enterprise=near)
    assert g.holds_hte and not g.candidate and "holds_valid_hte" in g.blocking
    assert n.in_pool and not n.candidate and "in_pool" in n.blocking


def test_candidate_list_api_filters_sorts_and_exports(client_as, bureau, run, good, near, far):
    c = client_as(bureau)
    items = c.get(f"/api/evaluation/runs/{run.pk}/results?candidate=true&sort=-score_max").json()["items"]
    assert {i["enterprise_id"] for i in items} >= {good.pk, near.pk} and far.pk not in {i["enterprise_id"] for i in items}
    scores = [i["score_max"] for i in items]
    assert scores == sorted(scores, reverse=True)
    by_rd = c.get(f"/api/evaluation/runs/{run.pk}/results?sort=rd").json()["items"]
    rd = [i["rd_ratio"] for i in by_rd]
    assert rd == sorted(rd, key=float)
    failed = c.get(f"/api/evaluation/runs/{run.pk}/results?failed=C4").json()["items"]
    assert [i["enterprise_id"] for i in failed] == [far.pk]
    rows = xlsx_rows(c.get(f"/api/evaluation/runs/{run.pk}/results.xlsx?candidate=true").content)
    names = {r[0] for r in rows[1:]}
    assert good.name in names and near.name in names and far.name not in names
    assert rows[0][0] == "企业名称"


def test_candidate_page_sort_and_export(client_as, bureau, run, good, near, far, town_b_good):
    c = client_as(bureau)
    r = c.get("/evaluation/candidates/")
    assert r.status_code == 302 and r["Location"].endswith(f"/evaluation/runs/{run.pk}/?candidate=1")
    html = c.get(f"/evaluation/runs/{run.pk}/?candidate=1&sort=rd").content.decode()
    assert good.name in html and near.name in html and far.name not in html
    assert html.index(near.name) < html.index(good.name)  # 4.5% before 6% when sorted by R&D ratio ascending
    rows = xlsx_rows(c.get(f"/evaluation/runs/{run.pk}/export.xlsx?candidate=1&sort=-rd").content)
    assert [r[0] for r in rows[1:]] == [good.name, town_b_good.name, near.name]
    assert rows[1][11] == 6 and rows[3][11] == 4.5  # R&D ratio in percent, exact


def test_run_started_from_the_page(client_as, bureau, good):
    from kechuang.evaluation.models import EvaluationRun

    r = client_as(bureau).post("/evaluation/runs/", {"region": "330212", "on": str(DAY)})
    run = EvaluationRun.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/evaluation/runs/{run.pk}/"
    assert run.status == "done" and run.results.filter(enterprise=good).exists()


def test_run_api_start_and_bad_date(client_as, bureau, good):
    c = client_as(bureau)
    r = c.post("/api/evaluation/runs", {"on": "2026-02-30"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "on"
    r = c.post("/api/evaluation/runs", {"on": str(DAY)}, content_type="application/json")
    assert r.status_code == 201 and r.json()["total"] >= 1


def test_town_assistant_runs_own_town_and_sees_its_share_of_the_district_run(client_as, assistant_a, run, good,
                                                                             town_b_good):
    c = client_as(assistant_a)
    items = c.get(f"/api/evaluation/runs/{run.pk}/results").json()["items"]
    assert good.pk in {i["enterprise_id"] for i in items} and town_b_good.pk not in {i["enterprise_id"] for i in items}
    html = c.get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert good.name in html and town_b_good.name not in html
    r = c.post("/api/evaluation/runs", {"region": TOWN_A, "on": str(DAY)}, content_type="application/json")
    assert r.status_code == 201 and r.json()["total"] == 3
    # Another town (or the whole district) is outside the assistant's scope.
    r = c.post("/api/evaluation/runs", {"region": "330212002", "on": str(DAY)}, content_type="application/json")
    assert r.status_code == 404
    r = c.post("/api/evaluation/runs", {"region": "330212", "on": str(DAY)}, content_type="application/json")
    assert r.status_code == 404


def test_enterprise_cannot_see_the_candidate_list(client_as, clerk_a, run):
    c = client_as(clerk_a)
    assert c.get(f"/evaluation/runs/{run.pk}/?candidate=1").status_code == 404
    assert c.get(f"/evaluation/runs/{run.pk}/export.xlsx").status_code == 404
    assert c.get("/evaluation/candidates/").status_code == 404
    assert c.get("/evaluation/runs/").status_code == 404
    assert c.get(f"/api/evaluation/runs/{run.pk}").status_code == 404
    assert c.get(f"/api/evaluation/runs/{run.pk}/results?candidate=true").status_code == 404
    assert c.get(f"/api/evaluation/runs/{run.pk}/results.xlsx").status_code == 404
    assert c.get("/api/evaluation/runs").status_code == 404
    assert c.post("/api/evaluation/runs", {}, content_type="application/json").status_code == 403


def test_another_districts_bureau_gets_404(client_as, other_bureau, run):
    c = client_as(other_bureau)
    for url in (f"/evaluation/runs/{run.pk}/", f"/evaluation/runs/{run.pk}/export.xlsx",
                f"/evaluation/runs/{run.pk}/progress/", f"/api/evaluation/runs/{run.pk}",
                f"/api/evaluation/runs/{run.pk}/results", f"/api/evaluation/runs/{run.pk}/results.xlsx"):
        assert c.get(url).status_code == 404, url


def test_run_queries_do_not_grow_with_the_number_of_enterprises(bureau, make_hte):
    from kechuang.evaluation.services import evaluation_run_execute, evaluation_run_start

    for i in range(3):
        make_hte(f"宁波批量{i}有限公司")
    small = evaluation_run_start(user=bureau, on=DAY)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        evaluation_run_execute(small.pk)
    for i in range(9):
        make_hte(f"宁波更多{i}有限公司")
    big = evaluation_run_start(user=bureau, on=DAY)
    with CaptureQueriesContext(connection) as many:
        evaluation_run_execute(big.pk)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_overview_page_for_office_and_redirect_for_enterprise(client_as, bureau, clerk_a, run):
    html = client_as(bureau).get("/evaluation/").content.decode()
    assert "培育库候选" in html and f"/evaluation/runs/{run.pk}/" in html
    r = client_as(clerk_a).get("/evaluation/")
    assert r.status_code == 302 and r["Location"] == f"/evaluation/enterprises/{clerk_a.enterprise_id}/hte/"


def test_management_command_runs_the_batch(bureau, good, far):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from kechuang.evaluation.models import EvaluationRun

    out = StringIO()
    call_command("evaluation_run", on=str(DAY), user=bureau.username, stdout=out, stderr=StringIO())
    run = EvaluationRun.objects.get()
    assert run.created_by == bureau and run.total == 2 and f"run {run.pk}: 2 enterprises" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("evaluation_run", on="2026-13-01", stdout=StringIO(), stderr=StringIO())

