"""Authorisation matrix rules for the evaluation pages and API (see kechuang/authz.py).

The world gets annual data of 2025 for enterprise A, a district run of 鄞州 (by the bureau), a run of town A
(by its assistant), and a cultivation-pool batch of the district holding one entry: enterprise A. Lists of other
enterprises (runs, batches, validity) are the office's (bureau, town assistants); an enterprise has its own
self-assessment; a town assistant sees town A's run and the batches holding town-A entries, never town B's;
outside scope is 404. The pool workflow is the bureau's: a town assistant who sees a batch gets 403 on its steps.
"""
import datetime as dt
from decimal import Decimal

from kechuang.authz import LOGIN, UNAUTH, Route

SIGNED_IN = ("bureau", "other_bureau", "town_a", "town_b", "enterprise_a", "enterprise_b", "expert", "agency", "bank")
OFFICE = ("bureau", "other_bureau", "town_a", "town_b")
OFFICE_PAGES = {"anonymous": LOGIN, **{r: 200 for r in OFFICE}}
OFFICE_API = {"anonymous": UNAUTH, **{r: 200 for r in OFFICE}}
OWN_A = {"bureau": 200, "town_a": 200, "enterprise_a": 200}
TOWN_A_RUN = {"bureau": 200, "town_a": 200}
DAY = dt.date(2026, 6, 1)


def world(w) -> None:
    from kechuang.conftest import TOWN_A
    from kechuang.enterprises.models import AnnualData
    from kechuang.evaluation import services

    def wan(x):
        return Decimal(x) * 10000

    for year, net in ((2025, "1322.5"),):  # 2023 and 2024 come from the policies app's world
        AnnualData.objects.update_or_create(enterprise=w.ent_a, year=year, defaults=dict(
            staff_total=100, staff_tech=20, sales=wan("4000"), total_income=wan("4100"), hitech_income=wan("3000"),
            rd_expense=wan("240"), rd_domestic=wan("240"), net_assets=wan(net), total_assets=wan("6000"),
            cost_expense_total=wan("3500")))
    bureau, town_a = w.users["bureau"], w.users["town_a"]
    w.ev_run = services.evaluation_run(user=bureau, on=DAY)
    w.ev_run_a = services.evaluation_run(user=town_a, region=TOWN_A, on=DAY)
    w.ev_batch = services.pool_batch_create(user=bureau, data={"year": 2026, "name": "矩阵批次",
                                                               "issue_date": "2026-06-20"})
    w.ev_entry = services.pool_entry_add(user=bureau, batch=w.ev_batch, enterprise=w.ent_a)


def _profiles():
    from kechuang.evaluation.tests import builders

    return builders


ROUTES = [
    # ---- pages
    Route("evaluation:overview", {**OFFICE_PAGES, "enterprise_a": 302, "enterprise_b": 302},
          note="an enterprise is sent to its own self-assessment"),
    Route("evaluation:hte", {"anonymous": LOGIN, **OWN_A}, params=lambda w: {"pk": w.ent_a.pk}),
    Route("POST evaluation:hte", {"anonymous": LOGIN, **{r: 302 for r in OWN_A}}, params=lambda w: {"pk": w.ent_a.pk},
          data=lambda w: {"transformations": "3"}),
    Route("evaluation:tsme", {"anonymous": LOGIN, **OWN_A}, params=lambda w: {"pk": w.ent_a.pk}),
    Route("evaluation:runs", OFFICE_PAGES),
    Route("POST evaluation:runs", {"anonymous": LOGIN, "bureau": 302, "town_a": 302},
          data=lambda w: {"region": "330212001", "on": str(DAY)},
          note="a run of town A: town B and another district are outside scope"),
    Route("evaluation:run", {"anonymous": LOGIN, **TOWN_A_RUN}, params=lambda w: {"pk": w.ev_run_a.pk}),
    Route("evaluation:run_progress", {"anonymous": LOGIN, **TOWN_A_RUN}, params=lambda w: {"pk": w.ev_run_a.pk}),
    Route("evaluation:run_export", {"anonymous": LOGIN, **TOWN_A_RUN}, params=lambda w: {"pk": w.ev_run_a.pk}),
    Route("evaluation:candidates", {"anonymous": LOGIN, **{r: 302 for r in OFFICE}},
          note="to the latest run's candidates, or to the runs page when there is none"),
    Route("evaluation:pool", OFFICE_PAGES),
    Route("POST evaluation:pool", {"anonymous": LOGIN, "bureau": 302, "other_bureau": 302, "town_a": 403,
                                   "town_b": 403},
          data=lambda w: {"year": "2026", "name": "矩阵新批次"}, note="only the bureau opens batches"),
    Route("evaluation:conversion", OFFICE_PAGES),
    Route("evaluation:batch", {"anonymous": LOGIN, **TOWN_A_RUN}, params=lambda w: {"pk": w.ev_batch.pk},
          note="a district batch holding a town-A entry: town A sees it through the entry"),
    Route("evaluation:publication", {"anonymous": LOGIN, **TOWN_A_RUN}, params=lambda w: {"pk": w.ev_batch.pk}),
    Route("evaluation:batch_export", {"anonymous": LOGIN, **TOWN_A_RUN}, params=lambda w: {"pk": w.ev_batch.pk}),
    Route("POST evaluation:batch_action", {"anonymous": LOGIN, "bureau": 302, "town_a": 403},
          params=lambda w: {"pk": w.ev_batch.pk, "action": "propose"}),
    Route("POST evaluation:entry_action", {"anonymous": LOGIN, "bureau": 302, "town_a": 403},
          params=lambda w: {"pk": w.ev_entry.pk, "action": "approve"}),
    Route("evaluation:validity", OFFICE_PAGES),

    # ---- API: posted profiles (no stored data involved: anyone signed in)
    Route("POST /api/evaluation/hte", {"anonymous": UNAUTH, **{r: 200 for r in SIGNED_IN}},
          data=lambda w: _profiles().hte()),
    Route("POST /api/evaluation/tsme", {"anonymous": UNAUTH, **{r: 200 for r in SIGNED_IN}},
          data=lambda w: _profiles().tsme()),
    Route("POST /api/evaluation/startup", {"anonymous": UNAUTH, **{r: 200 for r in SIGNED_IN}},
          data=lambda w: _profiles().startup()),

    # ---- API: stored enterprises
    Route("GET /api/evaluation/enterprises/{enterprise_id}/hte", {"anonymous": UNAUTH, **OWN_A},
          params=lambda w: {"enterprise_id": w.ent_a.pk}),
    Route("GET /api/evaluation/enterprises/{enterprise_id}/tsme", {"anonymous": UNAUTH, **OWN_A},
          params=lambda w: {"enterprise_id": w.ent_a.pk}),
    Route("PUT /api/evaluation/enterprises/{enterprise_id}/input", {"anonymous": UNAUTH, **OWN_A},
          params=lambda w: {"enterprise_id": w.ent_a.pk}, data=lambda w: {"transformations": 3}),

    # ---- API: validity, runs, pool
    Route("GET /api/evaluation/hte/valid-count", OFFICE_API),
    Route("GET /api/evaluation/hte/expiring", OFFICE_API),
    Route("GET /api/evaluation/tsme/registrations", OFFICE_API),
    Route("POST /api/evaluation/runs", {"anonymous": UNAUTH, "bureau": 201, "town_a": 201, "other_bureau": 404,
                                        "town_b": 404}, default=403,
          data=lambda w: {"region": "330212001", "on": str(DAY)},
          note="a run of town A; roles that never run evaluations are refused (403)"),
    Route("GET /api/evaluation/runs", OFFICE_API),
    Route("GET /api/evaluation/runs/{run_id}", {"anonymous": UNAUTH, **TOWN_A_RUN},
          params=lambda w: {"run_id": w.ev_run_a.pk}),
    Route("GET /api/evaluation/runs/{run_id}/results", {"anonymous": UNAUTH, **TOWN_A_RUN},
          params=lambda w: {"run_id": w.ev_run_a.pk}),
    Route("GET /api/evaluation/runs/{run_id}/results.xlsx", {"anonymous": UNAUTH, **TOWN_A_RUN},
          params=lambda w: {"run_id": w.ev_run_a.pk}),
    Route("GET /api/evaluation/pool/batches", OFFICE_API),
    Route("POST /api/evaluation/pool/batches", {"anonymous": UNAUTH, "bureau": 201, "other_bureau": 201},
          default=403, data=lambda w: {"year": 2026, "name": "矩阵接口批次"}),
    Route("GET /api/evaluation/pool/batches/{batch_id}", {"anonymous": UNAUTH, **TOWN_A_RUN},
          params=lambda w: {"batch_id": w.ev_batch.pk}),
    Route("GET /api/evaluation/pool/batches/{batch_id}/entries", {"anonymous": UNAUTH, **TOWN_A_RUN},
          params=lambda w: {"batch_id": w.ev_batch.pk}),
    Route("POST /api/evaluation/pool/batches/{batch_id}/entries", {"anonymous": UNAUTH, "bureau": 201, "town_a": 403},
          params=lambda w: {"batch_id": w.ev_batch.pk}, data=lambda w: {"enterprise_id": w.ent_spare.pk}),
    Route("POST /api/evaluation/pool/batches/{batch_id}/propose", {"anonymous": UNAUTH, "bureau": 200, "town_a": 403},
          params=lambda w: {"batch_id": w.ev_batch.pk}),
    Route("POST /api/evaluation/pool/entries/{entry_id}/{action}", {"anonymous": UNAUTH, "bureau": 200, "town_a": 403},
          params=lambda w: {"entry_id": w.ev_entry.pk, "action": "approve"}),
    Route("GET /api/evaluation/pool/batches/{batch_id}/publication.xlsx", {"anonymous": UNAUTH, **TOWN_A_RUN},
          params=lambda w: {"batch_id": w.ev_batch.pk}),
    Route("POST /api/evaluation/pool/batches/{batch_id}/{action}", {"anonymous": UNAUTH, "bureau": 422, "town_a": 403},
          params=lambda w: {"batch_id": w.ev_batch.pk, "action": "publish"},
          note="an entry is still pending: the bureau is told so (422)"),
    Route("GET /api/evaluation/pool/conversion", OFFICE_API),
]
