"""Scope is security: a town assistant sees only their town, an enterprise only itself — UI, API and export."""
import io

import pytest
from python_calamine import CalamineWorkbook

from kechuang.conftest import TOWN_A
from kechuang.core.choices import Action
from kechuang.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def _xlsx_names(content: bytes) -> set[str]:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return {r[1] for r in rows[1:]}


def test_town_assistant_list_holds_only_their_town(client_as, assistant_a, ent_a, ent_b):
    c = client_as(assistant_a)
    page = c.get("/enterprises/")
    assert page.status_code == 200
    assert ent_a.name in page.content.decode() and ent_b.name not in page.content.decode()
    api = c.get("/api/enterprises/enterprises").json()
    assert [i["uscc"] for i in api["items"]] == [ent_a.uscc]
    assert _xlsx_names(c.get("/enterprises/export.xlsx").content) == {ent_a.name}
    assert _xlsx_names(c.get("/api/enterprises/enterprises/export.xlsx").content) == {ent_a.name}


def test_another_towns_enterprise_answers_404(client_as, assistant_a, ent_b):
    c = client_as(assistant_a)
    assert c.get(f"/enterprises/{ent_b.pk}/").status_code == 404
    assert c.get(f"/api/enterprises/enterprises/{ent_b.pk}").status_code == 404
    assert c.get(f"/api/enterprises/enterprises/{ent_b.pk}/annual-data").status_code == 404
    assert c.patch(f"/api/enterprises/enterprises/{ent_b.pk}", {"name": "x"}, content_type="application/json").status_code == 404


def test_enterprise_user_sees_only_itself(client_as, clerk_a, ent_a, ent_b):
    c = client_as(clerk_a)
    assert c.get(f"/enterprises/{ent_a.pk}/").status_code == 200
    assert c.get(f"/enterprises/{ent_b.pk}/").status_code == 404
    api = c.get("/api/enterprises/enterprises").json()
    assert [i["id"] for i in api["items"]] == [ent_a.pk]
    assert _xlsx_names(c.get("/api/enterprises/enterprises/export.xlsx").content) == {ent_a.name}
    assert c.get(f"/api/enterprises/enterprises/{ent_b.pk}").status_code == 404


def test_enterprise_user_cannot_delete_itself(client_as, clerk_a, ent_a):
    c = client_as(clerk_a)
    assert c.delete(f"/api/enterprises/enterprises/{ent_a.pk}").status_code == 404
    assert Enterprise.objects.filter(pk=ent_a.pk).exists()


def test_bureau_sees_whole_district_but_not_another_district(client_as, bureau, ent_a, ent_b, make_enterprise):
    other = make_enterprise(town_id="330203001", name="海曙某公司")
    ids = {i["id"] for i in client_as(bureau).get("/api/enterprises/enterprises").json()["items"]}
    assert {ent_a.pk, ent_b.pk} <= ids and other.pk not in ids


def test_anonymous_gets_nothing(client, ent_a):
    assert client.get("/api/enterprises/enterprises").status_code == 401
    assert client.get(f"/enterprises/{ent_a.pk}/").status_code == 302


def test_restrict_is_the_door_for_writes(assistant_a, ent_a, ent_b):
    assert list(Enterprise.objects.restrict(assistant_a, Action.CHANGE)) == [ent_a]
    assert not Enterprise.objects.restrict(assistant_a, Action.DELETE).exists()


def test_admin_honours_scope(client_as, make_user, ent_a, ent_b):
    from kechuang.core.choices import Role

    staff_town = make_user("town_staff", Role.TOWN, region_id=TOWN_A, is_staff=True)
    c = client_as(staff_town)
    assert c.get(f"/admin/enterprises/enterprise/{ent_b.pk}/change/").status_code in (302, 404)
    listing = c.get("/admin/enterprises/enterprise/").content.decode()
    assert ent_a.name in listing and ent_b.name not in listing


def test_town_assistant_cannot_create_in_another_town(client_as, assistant_a):
    from kechuang.core.uscc import make_uscc

    c = client_as(assistant_a)
    r = c.post("/api/enterprises/enterprises", {"uscc": make_uscc("330212", 5), "name": "越权公司",
               "town": "330212002", "founded_on": "2020-01-01"}, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["detail"][0]["code"] == "out_of_scope"
