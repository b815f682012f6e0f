"""Authorisation matrix rules for the statistics pages and API (see kechuang/authz.py).

Statistics: the bureau sees its district's subtree, a town assistant their town; enterprises and the other roles
have no statistics (404). Monthly reports: an enterprise its own, a town assistant their town's, the bureau its
district's; accepting is the bureau's (403 for the others in scope), returning also the town assistant's.
"""
import datetime as dt
from decimal import Decimal

from kechuang.authz import HIDDEN, LOGIN, UNAUTH, Route

SIGNED_IN = ("bureau", "other_bureau", "town_a", "town_b", "enterprise_a", "enterprise_b", "expert", "agency", "bank")
STATISTICS = {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200, "town_a": 200, "town_b": 200}
STATISTICS_API = {**STATISTICS, "anonymous": UNAUTH}
REPORT_A = {"bureau": 200, "town_a": 200, "enterprise_a": 200}


def world(w) -> None:
    """Monthly report tasks of 鄞州 for June–October 2025; enterprise A's reports in several states; a target."""
    from kechuang.indicators.models import MonthlyReport, MonthlyReportTask, Target

    w.ind_tasks = {m: MonthlyReportTask.objects.create(region_id="330212", year=2025, month=m,
                                                       deadline=dt.date(2025, m + 1, 10)) for m in range(6, 11)}

    def report(month, status, revenue):
        return MonthlyReport.objects.create(
            task=w.ind_tasks[month], enterprise=w.ent_a, year=2025, month=month, status=status,
            operating_revenue=Decimal(revenue) * 10000, value_added=Decimal(revenue) * 2000, staff=20,
            rd_expense=Decimal(revenue) * 500)

    w.ind_accepted = report(6, "accepted", 100)
    w.ind_draft = report(7, "draft", 200)
    w.ind_submitted = report(9, "submitted", 400)
    w.ind_target = Target.objects.create(region_id="330212", indicator_id="GDP", year=2026, value=Decimal(1))


def _new_report(w):
    return {"task_id": w.ind_tasks[10].pk, "enterprise_id": w.ent_a.pk, "operating_revenue": "500",
            "value_added": "100", "staff": 20, "rd_expense": "25", "submit": True}


ROUTES = [
    # pages
    Route("indicators:dashboard", STATISTICS, note="each opens on the caller's own region"),
    Route("indicators:panel", STATISTICS),
    Route("indicators:targets", STATISTICS),
    Route("POST indicators:refresh", {"anonymous": LOGIN, "bureau": 302, "other_bureau": 302},
          data=lambda w: {"period": "2025-10", "region": "330212"}),
    Route("indicators:reports", {"anonymous": LOGIN, **{r: 200 for r in SIGNED_IN[:6]}}),
    Route("indicators:analysis", {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200}),
    Route("indicators:task", {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200, "town_a": 200, "town_b": 200,
                              "enterprise_a": 302, "enterprise_b": 302},
          params=lambda w: {"pk": w.ind_tasks[9].pk}, note="an enterprise is sent to its own form"),
    Route("indicators:report_form", {"anonymous": LOGIN, **REPORT_A},
          params=lambda w: {"task_pk": w.ind_tasks[9].pk, "enterprise_pk": w.ent_a.pk}),
    Route("POST indicators:report_action", {"anonymous": LOGIN, "bureau": 302, "town_a": 302, "enterprise_a": 302},
          params=lambda w: {"pk": w.ind_submitted.pk}, data=lambda w: {"action": "return", "note": "请核实"},
          note="an enterprise in scope is told it may not (message), and redirected"),
    # statistics API
    Route("GET /api/indicators/catalog", {"anonymous": UNAUTH, **{r: 200 for r in SIGNED_IN}}),
    Route("GET /api/indicators/panel", STATISTICS_API),
    Route("GET /api/indicators/trend", STATISTICS_API),
    Route("GET /api/indicators/ranking", STATISTICS_API),
    Route("GET /api/indicators/breakdown", STATISTICS_API),
    Route("GET /api/indicators/values", STATISTICS_API),
    Route("GET /api/indicators/targets", STATISTICS_API),
    Route("POST /api/indicators/refresh", {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200}),
    Route("POST /api/indicators/targets", {"anonymous": UNAUTH, "bureau": 200}, default=422,
          data=lambda w: {"region": "330212", "indicator": "GDP", "year": 2026, "value": "2"},
          note="a region outside the caller's writable scope is a validation error naming the region"),
    Route("DELETE /api/indicators/targets/{target_id}", {"anonymous": UNAUTH, "bureau": 204},
          params=lambda w: {"target_id": w.ind_target.pk}),
    # monthly reports API
    Route("GET /api/indicators/report-tasks", {"anonymous": UNAUTH, **{r: 200 for r in SIGNED_IN}}),
    Route("POST /api/indicators/report-tasks", {"anonymous": UNAUTH, "bureau": 201, "other_bureau": 422},
          default=403, data=lambda w: {"region": "330212", "period": "2025-11", "deadline": "2025-12-10"}),
    Route("GET /api/indicators/report-tasks/{task_id}/status",
          {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200, "town_a": 200, "town_b": 200},
          params=lambda w: {"task_id": w.ind_tasks[9].pk}),
    Route("GET /api/indicators/reports", {"anonymous": UNAUTH, **{r: 200 for r in SIGNED_IN}}),
    Route("GET /api/indicators/reports/{report_id}", {"anonymous": UNAUTH, **REPORT_A},
          params=lambda w: {"report_id": w.ind_submitted.pk}),
    Route("POST /api/indicators/reports", {"anonymous": UNAUTH, **REPORT_A}, data=_new_report),
    Route("POST /api/indicators/reports/{report_id}/submit", {"anonymous": UNAUTH, **REPORT_A},
          params=lambda w: {"report_id": w.ind_draft.pk}),
    Route("POST /api/indicators/reports/{report_id}/accept",
          {"anonymous": UNAUTH, "bureau": 200, "town_a": 403, "enterprise_a": 403},
          params=lambda w: {"report_id": w.ind_submitted.pk}),
    Route("POST /api/indicators/reports/{report_id}/return",
          {"anonymous": UNAUTH, "bureau": 200, "town_a": 200, "enterprise_a": 403},
          params=lambda w: {"report_id": w.ind_submitted.pk}, data=lambda w: {"note": "请核实"}),
    Route("POST /api/indicators/reports/{report_id}/reopen",
          {"anonymous": UNAUTH, "bureau": 200, "town_a": 403, "enterprise_a": 403},
          params=lambda w: {"report_id": w.ind_accepted.pk}),
    Route("GET /api/indicators/reports-analysis", {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200}),
]

__all__ = ["HIDDEN", "ROUTES", "world"]
