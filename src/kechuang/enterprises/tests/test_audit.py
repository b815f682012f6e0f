"""Every write through UI, API or import leaves an audit record naming the acting user."""
import pytest

from kechuang.core.uscc import make_uscc
from kechuang.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def test_api_create_update_delete_are_audited(client_as, bureau):
    c = client_as(bureau)
    r = c.post("/api/enterprises/enterprises", {"uscc": make_uscc("330212", 77), "name": "宁波审计有限公司",
               "town": "330212001", "founded_on": "2020-01-01", "staff": 9}, content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert c.patch(f"/api/enterprises/enterprises/{pk}", {"staff": 12}, content_type="application/json").status_code == 200
    assert c.delete(f"/api/enterprises/enterprises/{pk}").status_code == 204
    history = list(Enterprise.history.filter(id=pk).order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~", "-"]
    assert all(h.history_user == bureau for h in history)
    assert history[1].staff == 12 and history[0].staff == 9


def test_api_validation_names_every_field(client_as, bureau):
    r = client_as(bureau).post("/api/enterprises/enterprises", {"uscc": "123", "name": "", "town": "330212999",
                               "founded_on": "2999-01-01"}, content_type="application/json")
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["detail"]}
    assert {"uscc", "name", "town", "founded_on"} <= fields


def test_annual_data_via_api_audited_with_user(client_as, clerk_a, ent_a):
    c = client_as(clerk_a)
    r = c.post(f"/api/enterprises/enterprises/{ent_a.pk}/annual-data", {
        "year": 2024, "staff_total": 50, "staff_tech": 10, "sales": "1000.5", "total_income": "1100"},
        content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["sales"] in ("10005000.00", 10005000.0, "10005000")
    row = ent_a.annual_data.get()
    assert row.history.get().history_user == clerk_a
