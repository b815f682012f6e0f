"""The evaluation API: DESIGN §6 profiles posted as JSON (422 naming the field), stored enterprises in scope."""
import copy
import json

import pytest

from . import builders as b
from .conftest import DAY

pytestmark = pytest.mark.django_db


def post(c, url, data):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return c.post(url, body, content_type="application/json")


def test_posted_hte_profile_gives_the_contract_output(client_as, bureau):
    r = post(client_as(bureau), "/api/evaluation/hte", b.HTE)
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["verdict"] == "qualified" and out["failed_conditions"] == []
    assert (out["score_min"], out["score_max"]) == (75, 75)
    assert set(out["conditions"]) == {"C1", "C2", "C3", "C4", "C5a", "C5b", "C6", "C7", "C8"}
    assert out["conditions"]["C4"]["threshold"] == "0.1" and out["conditions"]["C4"]["comparator"] == ">="
    assert out["gaps"] == []


def test_float_trap_through_json_numbers(client_as, bureau):
    # 1322.5 arrives as a JSON number: read as an exact decimal, so growth is exactly 15% (band C, 5 points).
    data = copy.deepcopy(b.HTE)
    data["fiscal_years"][2]["net_assets"] = 1322.5
    out = post(client_as(bureau), "/api/evaluation/hte", data).json()
    assert out["scores"]["growth"]["net_assets"]["band"] == "C"


def test_failing_profile_lists_every_failed_condition_and_its_gap(client_as, bureau):
    data = copy.deepcopy(b.HTE)
    data["staff_tech"] = 40  # 8.9% < 10%
    data["latest_year"]["hitech_income"] = 10000  # 38.8% < 60%
    out = post(client_as(bureau), "/api/evaluation/hte", data).json()
    assert out["verdict"] == "not_qualified"
    assert {"C4", "C6"} <= set(out["failed_conditions"])
    gaps = {g["code"]: g for g in out["gaps"]}
    assert gaps["C4"]["needed"]["tech_staff"] == 6  # (40 + k) / (450 + k) ≥ 10% → k = 6
    assert "科技人员" in gaps["C4"]["message_zh"]


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.pop("staff_total"), "staff_total"),
    (lambda d: d["fiscal_years"][1].update(sales="abc"), "fiscal_years[1].sales"),
    (lambda d: d.update(owns_core_ip="yes"), "owns_core_ip"),
    (lambda d: d["expert"].update(advancement=9), "expert.advancement"),
    (lambda d: d.update(application_date="2025-13-01"), "application_date"),
])
def test_bad_hte_input_answers_422_naming_the_field(client_as, bureau, mutate, field):
    data = copy.deepcopy(b.HTE)
    mutate(data)
    r = post(client_as(bureau), "/api/evaluation/hte", data)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["detail"]] == [field]


def test_invalid_json_is_422_on_the_body(client_as, bureau):
    r = post(client_as(bureau), "/api/evaluation/hte", "{not json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "body"


def test_posted_tsme_profile_and_its_bad_input(client_as, bureau):
    c = client_as(bureau)
    out = post(c, "/api/evaluation/tsme", b.TSME).json()
    assert out["qualified"] is True and out["route"] == "score" and out["total"] == 96
    assert out["scores"] == {"tech_staff": 16, "rd": 50, "ip": 30} and out["rd_option_used"] == 1
    data = copy.deepcopy(b.TSME)
    data["staff_tech"] = 81
    r = post(c, "/api/evaluation/tsme", data)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "staff_tech"


def test_posted_startup_profile(client_as, bureau):
    out = post(client_as(bureau), "/api/evaluation/startup", b.STARTUP).json()
    assert out["ruleset"] == "startup-ningbo-2013" and "eligible" in out


def test_anonymous_cannot_evaluate(client):
    assert post(client, "/api/evaluation/hte", b.HTE).status_code == 401


def test_stored_enterprise_evaluation_in_scope(client_as, clerk_a, ent_a, good):
    from kechuang.evaluation.tests.conftest import add_annual

    c = client_as(clerk_a)
    r = c.get(f"/api/evaluation/enterprises/{ent_a.pk}/hte?date={DAY}")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "fiscal_years"  # no annual data yet
    add_annual(ent_a, 2025)
    out = c.get(f"/api/evaluation/enterprises/{ent_a.pk}/hte?date={DAY}").json()
    assert out["enterprise"]["id"] == ent_a.pk and out["verdict"] in ("not_qualified", "borderline")
    assert out["profile"]["fiscal_years"] == [{"year": 2025, "sales": "4000", "rd_expense": "240",
                                               "rd_domestic": "240", "net_assets": "1322.5"}]
    assert out["transformations_known"] is False and out["assumptions"]
    # The clerk's own enterprise only: another enterprise of the same town answers 404.
    assert c.get(f"/api/evaluation/enterprises/{good.pk}/hte").status_code == 404
    assert c.get(f"/api/evaluation/enterprises/{good.pk}/tsme").status_code == 404


def test_stored_evaluation_bad_date_names_the_parameter(client_as, bureau, good):
    r = client_as(bureau).get(f"/api/evaluation/enterprises/{good.pk}/hte?date=2026-02-30")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "date"


def test_stored_tsme_evaluation(client_as, bureau, good):
    out = client_as(bureau).get(f"/api/evaluation/enterprises/{good.pk}/tsme?date={DAY}").json()
    assert out["qualified"] is True and out["profile"]["sales"] == "4000"


def test_town_assistant_gets_404_for_another_towns_enterprise(client_as, assistant_a, town_b_good):
    c = client_as(assistant_a)
    for url in (f"/api/evaluation/enterprises/{town_b_good.pk}/hte", f"/api/evaluation/enterprises/{town_b_good.pk}/tsme"):
        assert c.get(url).status_code == 404
    r = c.put(f"/api/evaluation/enterprises/{town_b_good.pk}/input", {"transformations": 3},
              content_type="application/json")
    assert r.status_code == 404


def test_assessment_input_via_api_and_expert_points_for_bureau_only(client_as, clerk_a, bureau, ent_a):
    from kechuang.evaluation.tests.conftest import add_annual, add_ip

    for y in (2023, 2024, 2025):
        add_annual(ent_a, y)
    add_ip(ent_a)
    c = client_as(clerk_a)
    r = c.put(f"/api/evaluation/enterprises/{ent_a.pk}/input", {"transformations": 4},
              content_type="application/json")
    assert r.status_code == 200 and r.json()["transformations"] == 4
    r = c.put(f"/api/evaluation/enterprises/{ent_a.pk}/input", {"expert": {"advancement": 5}},
              content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "expert"
    c = client_as(bureau)
    r = c.put(f"/api/evaluation/enterprises/{ent_a.pk}/input", {"expert": {"advancement": 9}},
              content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "expert.advancement"
    r = c.put(f"/api/evaluation/enterprises/{ent_a.pk}/input", {"expert": {"advancement": 8}},
              content_type="application/json")
    assert r.status_code == 200 and r.json()["expert"] == {"advancement": 8}
    row = ent_a.assessment_input
    assert row.history.latest().history_user == bureau


def test_openapi_lists_the_evaluation_endpoints(client_as, bureau):
    r = client_as(bureau).get("/api/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/api/evaluation/hte", "/api/evaluation/enterprises/{enterprise_id}/hte", "/api/evaluation/runs",
                 "/api/evaluation/hte/valid-count", "/api/evaluation/pool/entries/{entry_id}/{action}"):
        assert path in paths, path
