"""The tech-service monthly report: the form and the API show the engine's checks naming the field; the state
machine checks roles; a town assistant works only with their own town; late/missing; totals feed TSI_REVENUE."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from kechuang.conftest import TOWN_A, TOWN_B
from kechuang.core.choices import Role
from kechuang.indicators import selectors
from kechuang.indicators.engine.decimals import CTX
from kechuang.indicators.models import IndicatorValue, MonthlyReport, MonthlyReportTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks():
    out = {}
    for y, m in ((2024, 10), (2025, 9), (2025, 10)):
        out[(y, m)] = MonthlyReportTask.objects.create(region_id="330212", year=y, month=m,
                                                       deadline=dt.date(y, m + 1, 10))
    return out


def reported(task, ent, revenue, va=None, staff=50, rd=1, status="accepted", when=None):
    when = when or timezone.make_aware(dt.datetime(task.year, task.month + 1, 5, 10))
    return MonthlyReport.objects.create(task=task, enterprise=ent, year=task.year, month=task.month,
                                        operating_revenue=D(revenue) * 10000,
                                        value_added=D(va if va is not None else revenue) * 5000, staff=staff,
                                        rd_expense=D(rd) * 10000, status=status, first_submitted_at=when,
                                        submitted_at=when)


def form_url(task, ent):
    return f"/indicators/reports/tasks/{task.pk}/enterprises/{ent.pk}/"


def test_enterprise_submits_through_the_form(client_as, clerk_a, ent_a, tasks):
    task = tasks[(2025, 10)]
    c = client_as(clerk_a)
    assert c.get(form_url(task, ent_a)).status_code == 200
    r = c.post(form_url(task, ent_a), {"operating_revenue": "1200.5", "value_added": "400", "staff": "80",
                                       "rd_expense": "60", "explanation": "", "action": "submit"})
    assert r.status_code == 302
    report = MonthlyReport.objects.get(enterprise=ent_a, year=2025, month=10)
    assert (report.status, report.operating_revenue, report.staff) == ("submitted", D("12005000.00"), 80)
    assert report.submitted_by == clerk_a and report.first_submitted_at is not None
    assert list(report.events.values_list("action", flat=True)) == ["submit"]


def test_cumulative_falling_below_last_month_is_refused_naming_the_field(client_as, clerk_a, ent_a, tasks):
    reported(tasks[(2025, 9)], ent_a, "1000", rd="50")
    r = client_as(clerk_a).post(form_url(tasks[(2025, 10)], ent_a), {
        "operating_revenue": "900", "value_added": "400", "staff": "80", "rd_expense": "60", "action": "submit"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "营业收入为1–10月累计值，不应低于上月累计值（本月900，上月1000）" in html
    assert 'id="f-operating_revenue"' in html and 'aria-invalid="true" aria-describedby="e-operating_revenue"' in html
    assert not MonthlyReport.objects.filter(year=2025, month=10).exists()


def test_a_large_swing_needs_an_explanation_then_passes_with_a_warning(client_as, clerk_a, ent_a, tasks):
    reported(tasks[(2024, 10)], ent_a, "1000", va="1000", staff=80, rd="50")
    c = client_as(clerk_a)
    data = {"operating_revenue": "1600", "value_added": "500", "staff": "80", "rd_expense": "50", "action": "submit"}
    html = c.post(form_url(tasks[(2025, 10)], ent_a), data).content.decode()
    assert "营业收入同比增长60.00%，超过±50%，请填写情况说明" in html
    assert not MonthlyReport.objects.filter(year=2025, month=10).exists()
    r = c.post(form_url(tasks[(2025, 10)], ent_a), {**data, "explanation": "新签大额检测合同"})
    assert r.status_code == 200 and "已填写说明，请审核" in r.content.decode()   # warning shown, report saved
    assert MonthlyReport.objects.get(enterprise=ent_a, year=2025, month=10).status == "submitted"


def test_negative_values_refused_and_a_draft_may_be_incomplete(client_as, clerk_a, ent_a, tasks):
    c = client_as(clerk_a)
    html = c.post(form_url(tasks[(2025, 10)], ent_a), {"operating_revenue": "-5", "action": "save"}).content.decode()
    assert "营业收入不能为负数（-5）" in html
    r = c.post(form_url(tasks[(2025, 10)], ent_a), {"operating_revenue": "5", "action": "save"})
    assert r.status_code == 200 and "草稿已保存" in r.content.decode() and "从业人员未填写" in r.content.decode()
    report = MonthlyReport.objects.get(enterprise=ent_a, year=2025, month=10)
    assert report.status == "draft" and report.staff is None
    html = c.post(form_url(tasks[(2025, 10)], ent_a), {"operating_revenue": "5", "action": "submit"}).content.decode()
    assert "从业人员未填写" in html


def test_api_answers_422_with_every_check_and_its_field(client_as, clerk_a, ent_a, tasks):
    reported(tasks[(2025, 9)], ent_a, "1000")
    r = client_as(clerk_a).post("/api/indicators/reports", {
        "task_id": tasks[(2025, 10)].pk, "enterprise_id": ent_a.pk, "operating_revenue": "900",
        "value_added": "-1", "staff": "8.5", "rd_expense": "1", "submit": True}, content_type="application/json")
    assert r.status_code == 422
    got = {(e["field"], e["code"]) for e in r.json()["detail"]}
    assert got == {("operating_revenue", "below_previous_month"), ("value_added", "negative"),
                   ("staff", "not_integer")}


def test_api_submit_returns_warnings(client_as, clerk_a, ent_a, tasks):
    r = client_as(clerk_a).post("/api/indicators/reports", {
        "task_id": tasks[(2025, 10)].pk, "enterprise_id": ent_a.pk, "operating_revenue": "100",
        "value_added": "120", "staff": 5, "rd_expense": "1", "explanation": "含政府补助", "submit": True},
        content_type="application/json")
    assert r.status_code == 200
    body = r.json()
    assert body["report"]["status"] == "submitted"
    assert [(i["field"], i["code"], i["level"]) for i in body["issues"]] == [
        ("value_added", "value_added_exceeds_revenue", "warning")]


def test_a_warning_without_explanation_blocks_submission(client_as, clerk_a, ent_a, tasks):
    r = client_as(clerk_a).post("/api/indicators/reports", {
        "task_id": tasks[(2025, 10)].pk, "enterprise_id": ent_a.pk, "operating_revenue": "100",
        "value_added": "120", "staff": 5, "rd_expense": "1", "submit": True}, content_type="application/json")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["detail"]] == ["explanation"]


def test_town_assistant_submits_for_their_towns_enterprise_not_another_towns(client_as, assistant_a, ent_a, ent_b,
                                                                            tasks):
    c = client_as(assistant_a)
    task = tasks[(2025, 10)]
    data = {"operating_revenue": "10", "value_added": "3", "staff": "5", "rd_expense": "1", "action": "submit"}
    assert c.post(form_url(task, ent_a), data).status_code == 302
    assert c.get(form_url(task, ent_b)).status_code == 404
    assert c.post(form_url(task, ent_b), data).status_code == 404
    api = c.post("/api/indicators/reports", {"task_id": task.pk, "enterprise_id": ent_b.pk, "operating_revenue": "1",
                                             "value_added": "1", "staff": 1, "rd_expense": "1", "submit": True},
                 content_type="application/json")
    assert api.status_code == 404
    assert not MonthlyReport.objects.filter(enterprise=ent_b).exists()


def test_town_assistant_cannot_see_another_towns_reports(client_as, assistant_a, ent_a, ent_b, tasks):
    mine = reported(tasks[(2025, 9)], ent_a, "10")
    theirs = reported(tasks[(2025, 9)], ent_b, "10")
    c = client_as(assistant_a)
    assert c.get(f"/api/indicators/reports/{mine.pk}").status_code == 200
    assert c.get(f"/api/indicators/reports/{theirs.pk}").status_code == 404
    assert [r["id"] for r in c.get("/api/indicators/reports").json()] == [mine.pk]
    assert c.post(f"/api/indicators/reports/{theirs.pk}/return", {"note": "x"},
                  content_type="application/json").status_code == 404
    page = c.get(f"/indicators/reports/tasks/{tasks[(2025, 9)].pk}/").content.decode()
    assert ent_a.name in page and ent_b.name not in page


def test_enterprise_sees_only_its_own_reports(client_as, clerk_a, ent_a, ent_b, tasks):
    theirs = reported(tasks[(2025, 9)], ent_b, "10")
    c = client_as(clerk_a)
    assert c.get(f"/api/indicators/reports/{theirs.pk}").status_code == 404
    assert c.get(form_url(tasks[(2025, 9)], ent_b)).status_code == 404


def test_state_machine_roles(client_as, clerk_a, assistant_a, bureau, ent_a, tasks):
    report = reported(tasks[(2025, 10)], ent_a, "10", status="submitted")
    url = f"/api/indicators/reports/{report.pk}"
    assert client_as(clerk_a).post(f"{url}/accept", content_type="application/json").status_code == 403
    assert client_as(assistant_a).post(f"{url}/accept", content_type="application/json").status_code == 403
    r = client_as(assistant_a).post(f"{url}/return", {"note": ""}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "note"     # a return needs a reason
    r = client_as(assistant_a).post(f"{url}/return", {"note": "研发费用口径有误"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert client_as(bureau).post(f"{url}/accept", content_type="application/json").status_code == 422  # not submitted
    assert client_as(clerk_a).post(f"{url}/submit", content_type="application/json").json()["status"] == "submitted"
    assert client_as(bureau).post(f"{url}/accept", content_type="application/json").json()["status"] == "accepted"
    report.refresh_from_db()
    assert list(report.events.values_list("action", "to_status")) == [
        ("return", "returned"), ("submit", "submitted"), ("accept", "accepted")]
    r = client_as(clerk_a).post("/api/indicators/reports", {
        "task_id": tasks[(2025, 10)].pk, "enterprise_id": ent_a.pk, "operating_revenue": "1", "value_added": "1",
        "staff": 1, "rd_expense": "1"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "status"   # accepted: locked


def test_accepting_feeds_tsi_revenue_of_the_town_and_district(client_as, bureau, ent_a, ent_b, tasks):
    a = reported(tasks[(2025, 10)], ent_a, "12345.67", status="submitted")
    reported(tasks[(2025, 10)], ent_b, "5000", status="accepted")
    c = client_as(bureau)
    assert c.post(f"/api/indicators/reports/{a.pk}/accept", content_type="application/json").status_code == 200
    got = dict(IndicatorValue.objects.filter(indicator_id="TSI_REVENUE", year=2025, month=10,
                                             region_id__in=["330212", TOWN_A, TOWN_B]).values_list("region_id", "value"))
    assert got == {"330212": D("1.734567"), TOWN_A: D("1.234567"), TOWN_B: D("0.5")}   # 亿元, 6 decimals
    assert c.post(f"/api/indicators/reports/{a.pk}/reopen", content_type="application/json").status_code == 200
    assert IndicatorValue.objects.get(indicator_id="TSI_REVENUE", year=2025, month=10, region_id="330212").value \
        == D("0.5")


def test_late_and_missing_reports_per_town(bureau, ent_a, ent_b, make_enterprise, tasks):
    for e in (ent_a, ent_b):
        e.above_size, e.industry_id = True, "7452"     # an above-size testing service: must report
        e.save()
    third = make_enterprise(town_id=TOWN_B, industry_id="7320", above_size=True)
    make_enterprise(town_id=TOWN_B, industry_id="3421", above_size=True)       # manufacturing: not expected
    task = tasks[(2025, 10)]
    reported(task, ent_a, "10")                                                 # on time
    reported(task, ent_b, "20", when=timezone.make_aware(dt.datetime(2025, 11, 12, 9)))   # two days late
    st = selectors.task_status(bureau, task, today=dt.date(2025, 11, 20))
    towns = {t["town"]: t for t in st["towns"]}
    assert (towns[TOWN_A]["expected"], towns[TOWN_A]["late"], towns[TOWN_A]["missing"]) == (1, 0, 0)
    assert (towns[TOWN_B]["expected"], towns[TOWN_B]["late"], towns[TOWN_B]["missing"]) == (2, 1, 1)
    assert st["district"]["operating_revenue"] == D("300000.00")                # accepted, in yuan
    assert [r["enterprise"] for r in st["rows"] if r["overdue"]] == [third]


def test_task_status_api_and_page(client_as, bureau, ent_a, tasks):
    ent_a.above_size, ent_a.industry_id = True, "7452"
    ent_a.save()
    c = client_as(bureau)
    body = c.get(f"/api/indicators/report-tasks/{tasks[(2025, 10)].pk}/status").json()
    assert body["district"]["missing"] == 1 and body["enterprises"][0]["state"] == "missing"
    assert 'id="task-towns"' in c.get(f"/indicators/reports/tasks/{tasks[(2025, 10)].pk}/").content.decode()


def test_bureau_creates_a_task_others_cannot(client_as, bureau, assistant_a):
    r = client_as(bureau).post("/api/indicators/report-tasks", {"region": "330212", "period": "2025-11",
                                                               "deadline": "2025-12-10"}, content_type="application/json")
    assert r.status_code == 201
    r = client_as(bureau).post("/api/indicators/report-tasks", {"region": "330212", "period": "2025-12",
                                                               "deadline": "2025-12-10"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "deadline"
    r = client_as(bureau).post("/api/indicators/report-tasks", {"region": "330203", "period": "2025-12",
                                                               "deadline": "2026-01-10"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "out_of_scope"
    r = client_as(assistant_a).post("/api/indicators/report-tasks", {"region": "330212", "period": "2025-12",
                                                                    "deadline": "2026-01-10"}, content_type="application/json")
    assert r.status_code == 403


def test_quarterly_analysis_per_town(client_as, bureau, assistant_a, ent_a, ent_b, make_enterprise):
    tq = {y: MonthlyReportTask.objects.create(region_id="330212", year=y, month=9, deadline=dt.date(y, 10, 10))
          for y in (2024, 2025)}
    third = make_enterprise(town_id=TOWN_B)
    reported(tq[2024], ent_a, "100")
    reported(tq[2025], ent_a, "150")            # town A: 100 → 150, +50
    reported(tq[2024], ent_b, "200")
    reported(tq[2025], ent_b, "180")            # town B: 200 → 180 + 70 (new) = 250, +50
    reported(tq[2025], third, "70")
    result = selectors.quarterly_analysis(bureau, "330212", 2025, 3)
    towns = {t["town"]: t for t in result["towns"]}
    assert result["district"]["total"] == 400 and result["district"]["growth_pct"] == CTX.divide(D(100), D(3))
    assert (towns[TOWN_A]["growth_pct"], towns[TOWN_A]["rank"], towns[TOWN_A]["contribution_pct"]) == (50, 2, 50)
    assert (towns[TOWN_B]["growth_pct"], towns[TOWN_B]["rank"], towns[TOWN_B]["contribution_pct"]) == (25, 1, 50)
    page = client_as(bureau).get("/indicators/reports/analysis/?region=330212&year=2025&quarter=3")
    assert page.status_code == 200 and 'id="analysis-table"' in page.content.decode()
    assert client_as(assistant_a).get("/indicators/reports/analysis/?region=330212").status_code == 404
    api = client_as(assistant_a).get("/api/indicators/reports-analysis?region=330212&year=2025&quarter=3")
    assert api.status_code == 404


def test_expert_has_no_monthly_report_pages(client_as, make_user, tasks):
    expert = make_user("expert1", Role.EXPERT)
    c = client_as(expert)
    assert c.get("/indicators/reports/").status_code == 404
    assert c.get(f"/indicators/reports/tasks/{tasks[(2025, 10)].pk}/").status_code == 404
