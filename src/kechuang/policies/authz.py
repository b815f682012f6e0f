"""Authorisation matrix rules for policies, events and work tasks (see kechuang/authz.py).

Policies are public once published; the calculator follows the enterprise's scope (the bureau its district, a town
assistant their town, an enterprise itself); 免申即享 lists are for officers and the awards' workflow for the issuing
bureau. Published events are visible to every signed-in role, run by the bureau; the judges' sheets are the
bureau's. Work tasks: the bureau its district's, a town assistant their town's (progress only).
"""
import datetime as dt
from decimal import Decimal

from kechuang.authz import LOGIN, UNAUTH, Route, everyone

SIGNED_IN = ("bureau", "other_bureau", "town_a", "town_b", "enterprise_a", "enterprise_b", "expert", "agency", "bank")
ALL_SIGNED_IN = {"anonymous": LOGIN, **{r: 200 for r in SIGNED_IN}}
ALL_SIGNED_IN_API = {"anonymous": UNAUTH, **{r: 200 for r in SIGNED_IN}}
BUREAUS = {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200}
OWN_BUREAU = {"anonymous": LOGIN, "bureau": 200}
OFFICERS = {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200, "town_a": 200, "town_b": 200}
ENTERPRISE_A = {"bureau": 200, "town_a": 200, "enterprise_a": 200}
TOWN_A_TASK = {"bureau": 200, "town_a": 200}

RD_POLICY = {
    "title": "矩阵研发补助", "year": 2025, "data_year": 2024, "reference_date": "2025-06-30", "valid_from": "2025-01-01",
    "status": "published", "conditions": [{"field": "rd_growth", "op": "gt", "value": "0"}],
    "formula": {"type": "share", "base": "rd_growth", "rate": "0.1", "cap": "500000"},
}


def world(w) -> None:
    """A published policy with enterprise A's award, a competition with an open round, a training session, an
    auction lot, and two work tasks (the district's and town A's)."""
    from kechuang.conftest import TOWN_A
    from kechuang.enterprises.models import AnnualData
    from kechuang.policies.models import (
        AchievementFair,
        Competition,
        Division,
        Entry,
        Lot,
        Policy,
        PolicyAward,
        Round,
        Score,
        Training,
        TrainingSession,
        WorkTask,
    )

    for year, rd in ((2023, "1000000.00"), (2024, "1500000.00")):
        AnnualData.objects.create(enterprise=w.ent_a, year=year, staff_total=50, staff_tech=10, sales=Decimal("1E7"),
                                  total_income=Decimal("1E7"), rd_expense=Decimal(rd))
    w.pol = Policy.objects.create(region_id="330212", **{k: v for k, v in RD_POLICY.items()
                                                         if k not in ("reference_date", "valid_from")},
                                  reference_date=dt.date(2025, 6, 30), valid_from=dt.date(2025, 1, 1))
    w.pol_award = PolicyAward.objects.create(policy=w.pol, enterprise=w.ent_a, amount=Decimal("50000.00"))
    w.comp = Competition.objects.create(region_id="330212", title="矩阵大赛", year=2025, aggregation="mean",
                                        min_judges=1, status="published")
    division = Division.objects.create(competition=w.comp, code="regional", name="区域赛")
    w.round = Round.objects.create(competition=w.comp, number=1, name="初赛", rule="top_n", top_n=1)
    w.entry = Entry.objects.create(competition=w.comp, division=division, enterprise=w.ent_a, team=w.ent_a.name,
                                   project="矩阵项目")
    Score.objects.create(round=w.round, entry=w.entry, judge="甲评委", score=Decimal(80))
    w.training = Training.objects.create(region_id="330212", title="矩阵培训", year=2025, status="published")
    w.session = TrainingSession.objects.create(training=w.training, date=dt.date(2025, 3, 1), topic="政策解读")
    w.fair = AchievementFair.objects.create(region_id="330212", title="矩阵拍卖会", date=dt.date(2025, 9, 1),
                                            status="published")
    w.lot = Lot.objects.create(fair=w.fair, number="001", title="矩阵成果", seller="矩阵大学",
                               starting_price=Decimal("100000.00"))
    w.task_district = WorkTask.objects.create(region_id="330212", year=2025, code="M-1", title="区级任务",
                                              owner_unit="高新科", deadline=dt.date(2025, 12, 31))
    w.task_a = WorkTask.objects.create(region_id=TOWN_A, year=2025, code="M-2", title="街道任务",
                                       owner_unit="下应街道", deadline=dt.date(2025, 6, 30))


def _task_payload(w):
    from kechuang.conftest import TOWN_A

    return {"year": 2025, "code": "M-9", "title": "新任务", "line": "subjects", "owner_unit": "高新科",
            "deadline": "2025-10-31", "region": TOWN_A}


ROUTES = [
    # ----- policy pages
    Route("policies:list", everyone(200), note="the policy library is public"),
    Route("policies:detail", everyone(200), params=lambda w: {"pk": w.pol.pk}, note="a published policy"),
    Route("policies:create", BUREAUS),
    Route("policies:edit", OWN_BUREAU, params=lambda w: {"pk": w.pol.pk}),
    Route("policies:eligible", OFFICERS, params=lambda w: {"pk": w.pol.pk},
          note="officers get the list restricted to their scope (another district's: empty)"),
    Route("POST policies:eligible", {"anonymous": LOGIN, "bureau": 302}, params=lambda w: {"pk": w.pol.pk},
          data=lambda w: {"action": "propose"}, note="only the issuing bureau proposes awards"),
    Route("policies:eligible_export", OFFICERS, params=lambda w: {"pk": w.pol.pk}),
    Route("policies:awards", ALL_SIGNED_IN, note="each role sees the awards in its scope (an enterprise: its own)"),
    Route("POST policies:awards", {"anonymous": LOGIN, "bureau": 302, "other_bureau": 302},
          data=lambda w: {"action": "approve", "award": [w.pol_award.pk]},
          note="bulk approval; another district's bureau changes nothing (its scope is empty)"),
    Route("policies:award", {"anonymous": LOGIN, **ENTERPRISE_A}, params=lambda w: {"pk": w.pol_award.pk}),
    Route("POST policies:award", {"anonymous": LOGIN, "bureau": 302}, params=lambda w: {"pk": w.pol_award.pk},
          data=lambda w: {"action": "approve"}),
    Route("policies:calculator_index", {**OFFICERS, "enterprise_a": 302, "enterprise_b": 302},
          note="an enterprise is sent to its own calculator"),
    Route("policies:calculator", {"anonymous": LOGIN, **ENTERPRISE_A}, params=lambda w: {"enterprise_id": w.ent_a.pk},
          note="another enterprise's calculator answers 404"),
    # ----- event pages
    Route("policies:competitions", ALL_SIGNED_IN),
    Route("policies:competition_create", BUREAUS),
    Route("policies:competition", ALL_SIGNED_IN, params=lambda w: {"pk": w.comp.pk}, note="a published competition"),
    Route("policies:competition_edit", OWN_BUREAU, params=lambda w: {"pk": w.comp.pk}),
    Route("POST policies:competition_post", {"anonymous": LOGIN, "bureau": 302},
          params=lambda w: {"pk": w.comp.pk, "what": "division"},
          data=lambda w: {"div-code": "overseas", "div-name": "海外赛"}),
    Route("policies:round_scores", OWN_BUREAU, params=lambda w: {"pk": w.round.pk}, note="the judges' sheet"),
    Route("POST policies:round_scores", {"anonymous": LOGIN, "bureau": 302}, params=lambda w: {"pk": w.round.pk},
          data=lambda w: {"judge-0": "甲评委", f"s-{w.entry.pk}-0": "85"}),
    Route("POST policies:round_action", {"anonymous": LOGIN, "bureau": 302},
          params=lambda w: {"pk": w.round.pk, "action": "close"}),
    Route("policies:trainings", ALL_SIGNED_IN),
    Route("policies:training_create", BUREAUS),
    Route("policies:training", ALL_SIGNED_IN, params=lambda w: {"pk": w.training.pk}),
    Route("policies:training_edit", OWN_BUREAU, params=lambda w: {"pk": w.training.pk}),
    Route("POST policies:training_post", {"anonymous": LOGIN, "bureau": 302, "town_a": 302, "other_bureau": 200,
                                          "town_b": 200},
          params=lambda w: {"pk": w.training.pk, "what": "attendance"},
          data=lambda w: {"session": w.session.pk, "enterprise": w.ent_a.uscc, "attendee": "矩阵学员"},
          note="registering enterprise A: its town and the bureau; other officers see the form again with the "
               "error “not in your scope”"),
    Route("policies:fairs", ALL_SIGNED_IN),
    Route("policies:fair_create", BUREAUS),
    Route("policies:fair", ALL_SIGNED_IN, params=lambda w: {"pk": w.fair.pk}),
    Route("policies:fair_edit", OWN_BUREAU, params=lambda w: {"pk": w.fair.pk}),
    Route("POST policies:fair_post", {"anonymous": LOGIN, "bureau": 302},
          params=lambda w: {"pk": w.fair.pk, "what": "result"},
          data=lambda w: {"lot": w.lot.pk, "status": "sold", "hammer_price_wan": "12", "buyer": "矩阵甲公司"}),
    # ----- work task pages
    Route("policies:tasks", OFFICERS, note="every officer gets the board of their own region"),
    Route("policies:task_create", BUREAUS),
    Route("policies:task", {"anonymous": LOGIN, **TOWN_A_TASK}, params=lambda w: {"pk": w.task_a.pk}),
    Route("POST policies:task", {"anonymous": LOGIN, "bureau": 302, "town_a": 302},
          params=lambda w: {"pk": w.task_a.pk}, data=lambda w: {"percent": "50", "note": "矩阵进展"}),
    Route("policies:task_edit", OWN_BUREAU, params=lambda w: {"pk": w.task_a.pk},
          note="town assistants report progress but do not edit the plan"),
    # ----- API: policies and awards
    Route("GET /api/policies/facts", everyone(200), note="the fact catalogue is public"),
    Route("GET /api/policies/policies", ALL_SIGNED_IN_API),
    Route("GET /api/policies/policies/{policy_id}", ALL_SIGNED_IN_API, params=lambda w: {"policy_id": w.pol.pk}),
    Route("POST /api/policies/policies", {"anonymous": UNAUTH, "bureau": 201, "other_bureau": 201},
          data=lambda w: dict(RD_POLICY)),
    Route("PATCH /api/policies/policies/{policy_id}", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"policy_id": w.pol.pk}, data=lambda w: {"description": "矩阵说明"}),
    Route("GET /api/policies/calculator/{enterprise_id}", {"anonymous": UNAUTH, **ENTERPRISE_A},
          params=lambda w: {"enterprise_id": w.ent_a.pk}),
    Route("GET /api/policies/policies/{policy_id}/eligible",
          {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200, "town_a": 200, "town_b": 200},
          params=lambda w: {"policy_id": w.pol.pk}),
    Route("GET /api/policies/policies/{policy_id}/eligible.xlsx",
          {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200, "town_a": 200, "town_b": 200},
          params=lambda w: {"policy_id": w.pol.pk}),
    Route("POST /api/policies/policies/{policy_id}/awards/propose", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"policy_id": w.pol.pk}),
    Route("GET /api/policies/awards", ALL_SIGNED_IN_API),
    Route("GET /api/policies/awards/{award_id}", {"anonymous": UNAUTH, **ENTERPRISE_A},
          params=lambda w: {"award_id": w.pol_award.pk}),
    Route("POST /api/policies/awards/{award_id}/transition", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"award_id": w.pol_award.pk}, data=lambda w: {"action": "approve"}),
    # ----- API: events
    Route("GET /api/policies/competitions", ALL_SIGNED_IN_API),
    Route("GET /api/policies/competitions/{competition_id}", ALL_SIGNED_IN_API,
          params=lambda w: {"competition_id": w.comp.pk}),
    Route("POST /api/policies/rounds/{round_id}/scores", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"round_id": w.round.pk},
          data=lambda w: {"entry_id": w.entry.pk, "judge": "乙评委", "score": "90"}),
    Route("POST /api/policies/rounds/{round_id}/close", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"round_id": w.round.pk}),
    Route("GET /api/policies/trainings", ALL_SIGNED_IN_API),
    Route("POST /api/policies/sessions/{session_id}/attendance",
          {"anonymous": UNAUTH, "bureau": 201, "town_a": 201, "other_bureau": 422, "town_b": 422},
          params=lambda w: {"session_id": w.session.pk},
          data=lambda w: {"enterprise": w.ent_a.uscc, "attendee": "矩阵学员"},
          note="officers outside enterprise A's scope get a validation error naming the enterprise"),
    Route("GET /api/policies/fairs", ALL_SIGNED_IN_API),
    Route("GET /api/policies/fairs/{fair_id}", ALL_SIGNED_IN_API, params=lambda w: {"fair_id": w.fair.pk}),
    # ----- API: work tasks and counts
    Route("GET /api/policies/tasks", ALL_SIGNED_IN_API, note="a restricted, possibly empty list"),
    Route("GET /api/policies/tasks/{task_id}", {"anonymous": UNAUTH, **TOWN_A_TASK},
          params=lambda w: {"task_id": w.task_a.pk}),
    Route("POST /api/policies/tasks", {"anonymous": UNAUTH, "bureau": 201, "other_bureau": 422},
          data=_task_payload, note="another district's bureau: the town is outside its scope (422)"),
    Route("PATCH /api/policies/tasks/{task_id}", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"task_id": w.task_a.pk}, data=lambda w: {"owner_person": "矩阵"}),
    Route("GET /api/policies/tasks/{task_id}/progress", {"anonymous": UNAUTH, **TOWN_A_TASK},
          params=lambda w: {"task_id": w.task_a.pk}),
    Route("POST /api/policies/tasks/{task_id}/progress", {"anonymous": UNAUTH, "bureau": 201, "town_a": 201},
          params=lambda w: {"task_id": w.task_a.pk}, data=lambda w: {"percent": 30, "note": "矩阵进展"}),
    Route("GET /api/policies/counts", {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200},
          note="the annual report's counts for the caller's own region"),
]
