"""Cultivation-pool batches: proposal from the run, approve/reject with role checks, qualification, publication."""
import datetime as dt
import io

import pytest
from python_calamine import CalamineWorkbook

pytestmark = pytest.mark.django_db


def api(c, url, data=None):
    return c.post(url, data or {}, content_type="application/json")


@pytest.fixture
def batch(bureau, run):
    from kechuang.evaluation.services import pool_batch_create, pool_batch_propose

    b = pool_batch_create(user=bureau, data={"year": 2026, "name": "2026年第一批", "issue_date": "2026-06-20"})
    pool_batch_propose(user=bureau, batch=b)
    return b


def entry(batch, ent):
    return batch.entries.get(enterprise=ent)


def test_proposal_takes_the_candidate_list_of_the_latest_run(batch, good, near, far, town_b_good):
    proposed = {e.enterprise_id: e for e in batch.entries.all()}
    assert set(proposed) == {good.pk, near.pk, town_b_good.pk}
    assert all(e.status == "proposed" and e.source == "candidate" for e in proposed.values())
    assert proposed[near.pk].candidate_reason == "near_miss" and proposed[near.pk].failed_list == ["C5a", "C7"]
    assert batch.source_run is not None


def test_approval_writes_a_pool_qualification_and_an_audit_record(client_as, bureau, batch, good):
    from kechuang.enterprises.models import Qualification
    from kechuang.evaluation.models import PoolEvent

    e = entry(batch, good)
    r = api(client_as(bureau), f"/api/evaluation/pool/entries/{e.pk}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    q = Qualification.objects.get(enterprise=good, kind="pool")
    assert (q.year, q.batch, q.issue_date, q.expiry_date) == (2026, "2026年第一批", dt.date(2026, 6, 20),
                                                              dt.date(2029, 6, 19))
    assert q.history.get().history_user == bureau  # the change log names the officer
    e.refresh_from_db()
    assert e.qualification == q and e.decided_by == bureau
    ev = PoolEvent.objects.get(entry=e)
    assert (ev.action, ev.from_state, ev.to_state, ev.user) == ("approve", "proposed", "approved", bureau)
    assert e.history.latest().history_user == bureau


def test_rejection_needs_a_reason_and_is_recorded(client_as, bureau, batch, near):
    c = client_as(bureau)
    e = entry(batch, near)
    r = api(c, f"/api/evaluation/pool/entries/{e.pk}/reject")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "reason"
    r = api(c, f"/api/evaluation/pool/entries/{e.pk}/reject", {"reason": "研发费用占比不足"})
    assert r.status_code == 200 and r.json()["reason"] == "研发费用占比不足"
    # A rejected entry cannot be approved directly; reconsider first.
    assert api(c, f"/api/evaluation/pool/entries/{e.pk}/approve").status_code == 422
    assert api(c, f"/api/evaluation/pool/entries/{e.pk}/reconsider").json()["status"] == "proposed"
    assert api(c, f"/api/evaluation/pool/entries/{e.pk}/frobnicate").status_code == 422


def test_town_assistant_sees_own_entries_but_cannot_approve(client_as, assistant_a, batch, good, near, town_b_good):
    from kechuang.enterprises.models import Qualification

    c = client_as(assistant_a)
    items = c.get(f"/api/evaluation/pool/batches/{batch.pk}/entries").json()
    assert {i["enterprise_id"] for i in items} == {good.pk, near.pk}
    e = entry(batch, good)
    assert api(c, f"/api/evaluation/pool/entries/{e.pk}/approve").status_code == 403
    assert client_as(assistant_a).post(f"/evaluation/pool/entries/{e.pk}/approve/").status_code == 403
    assert api(c, f"/api/evaluation/pool/batches/{batch.pk}/publish").status_code == 403
    assert api(c, f"/api/evaluation/pool/batches/{batch.pk}/propose").status_code == 403
    assert api(c, "/api/evaluation/pool/batches", {"year": 2026, "name": "x"}).status_code == 403
    e.refresh_from_db()
    assert e.status == "proposed" and not Qualification.objects.filter(kind="pool", enterprise=good).exists()
    # Another town's entry does not exist for this assistant.
    other = entry(batch, town_b_good)
    assert api(c, f"/api/evaluation/pool/entries/{other.pk}/approve").status_code == 404
    html = c.get(f"/evaluation/pool/{batch.pk}/").content.decode()
    assert good.name in html and town_b_good.name not in html and "同意入库</button>" not in html


def test_enterprise_and_other_district_cannot_see_the_batch(client_as, clerk_a, other_bureau, batch, good):
    e = entry(batch, good)
    for c in (client_as(clerk_a), client_as(other_bureau)):
        for url in (f"/evaluation/pool/{batch.pk}/", f"/evaluation/pool/{batch.pk}/publication.xlsx",
                    f"/evaluation/pool/{batch.pk}/entries.xlsx", f"/api/evaluation/pool/batches/{batch.pk}",
                    f"/api/evaluation/pool/batches/{batch.pk}/entries",
                    f"/api/evaluation/pool/batches/{batch.pk}/publication.xlsx"):
            assert c.get(url).status_code == 404, url
        assert api(c, f"/api/evaluation/pool/entries/{e.pk}/approve").status_code == 404
        assert c.post(f"/evaluation/pool/entries/{e.pk}/approve/").status_code == 404
        assert c.post(f"/evaluation/pool/{batch.pk}/publish/").status_code == 404
    assert client_as(clerk_a).get("/evaluation/pool/").status_code == 404
    assert client_as(clerk_a).get("/evaluation/pool/conversion/").status_code == 404


def test_publication_after_every_decision_and_its_export(client_as, bureau, batch, good, near, town_b_good):
    c = client_as(bureau)
    api(c, f"/api/evaluation/pool/entries/{entry(batch, good).pk}/approve")
    r = api(c, f"/api/evaluation/pool/batches/{batch.pk}/publish")
    assert r.status_code == 422 and "待审核" in r.json()["detail"][0]["message"]
    api(c, f"/api/evaluation/pool/entries/{entry(batch, near).pk}/reject", {"reason": "材料不全"})
    api(c, f"/api/evaluation/pool/entries/{entry(batch, town_b_good).pk}/approve")
    r = api(c, f"/api/evaluation/pool/batches/{batch.pk}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    # Published: entries are frozen.
    assert api(c, f"/api/evaluation/pool/entries/{entry(batch, near).pk}/reconsider").status_code == 422
    content = c.get(f"/evaluation/pool/{batch.pk}/publication.xlsx").content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["序号", "企业名称", "统一社会信用代码"]
    assert {r[1] for r in rows[1:]} == {good.name, town_b_good.name}
    assert all(r[5] == "2026年第一批" for r in rows[1:])
    assert api(c, f"/api/evaluation/pool/batches/{batch.pk}/reopen").status_code == 422  # reason required
    assert api(c, f"/api/evaluation/pool/batches/{batch.pk}/close").json()["status"] == "closed"


def test_an_enterprise_enters_the_pool_once_a_year(client_as, bureau, batch, good, near):
    from kechuang.evaluation.services import pool_batch_create, pool_batch_propose

    c = client_as(bureau)
    api(c, f"/api/evaluation/pool/entries/{entry(batch, good).pk}/approve")
    second = pool_batch_create(user=bureau, data={"year": 2026, "name": "2026年第二批"})
    assert pool_batch_propose(user=bureau, batch=second) == 0  # every candidate is already in the first batch
    r = api(c, f"/api/evaluation/pool/batches/{second.pk}/entries", {"enterprise_id": good.pk})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "enterprise"
    dup = api(c, "/api/evaluation/pool/batches", {"year": 2026, "name": "2026年第二批"})
    assert dup.status_code == 422 and dup.json()["detail"][0]["field"] == "name"


def test_manual_entry_and_page_workflow(client_as, bureau, batch, far):
    from kechuang.evaluation.models import PoolEntry

    c = client_as(bureau)
    r = c.post(f"/evaluation/pool/{batch.pk}/add/", {"uscc": far.uscc, "note": "企业自行申请"})
    assert r.status_code == 302
    e = PoolEntry.objects.get(batch=batch, enterprise=far)
    assert e.source == "manual" and e.verdict == "not_qualified" and e.reason == "企业自行申请"
    r = c.post(f"/evaluation/pool/entries/{e.pk}/reject/", {"reason": "科技人员占比差距较大"})
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.status == "rejected"
    html = c.get(f"/evaluation/pool/{batch.pk}/").content.decode()
    assert "科技人员占比差距较大" in html and "审核记录" in html


def test_conversion_pool_to_hte_over_the_years(client_as, bureau, make_enterprise):
    from .conftest import add_qual

    a, b_, c_ = (make_enterprise(name=n) for n in ("宁波转化甲", "宁波转化乙", "宁波转化丙"))
    for ent in (a, b_, c_):
        add_qual(ent, "pool", 2022, dt.date(2022, 5, 20), dt.date(2025, 5, 19), batch="2022年第一批")
    add_qual(a, "hte", 2022, dt.date(2022, 12, 1), dt.date(2025, 11, 30))
    add_qual(b_, "hte", 2024, dt.date(2024, 12, 8), dt.date(2027, 12, 7))
    rows = client_as(bureau).get("/api/evaluation/pool/conversion").json()
    g = next(r for r in rows if r["batch"] == "2022年第一批")
    assert (g["members"], g["converted"], g["by_lag"]) == (3, 2, [1, 0, 1, 0])
    assert g["rate"] == "66.67" and g["by_year"] == [[2022, 1], [2024, 1]]
    html = client_as(bureau).get("/evaluation/pool/conversion/?year=2022&batch=2022年第一批").content.decode()
    assert "2024-12-08" in html and "宁波转化丙" in html


def test_another_districts_bureau_cannot_act_on_the_batch(client_as, other_bureau, batch, good, other_district_ent):
    c = client_as(other_bureau)
    assert api(c, f"/api/evaluation/pool/batches/{batch.pk}/propose").status_code == 404
    assert api(c, f"/api/evaluation/pool/batches/{batch.pk}/publish").status_code == 404
    assert api(c, f"/api/evaluation/pool/batches/{batch.pk}/entries",
               {"enterprise_id": other_district_ent.pk}).status_code == 404
    assert c.post(f"/evaluation/pool/{batch.pk}/propose/").status_code == 404
    assert c.post(f"/evaluation/pool/{batch.pk}/add/", {"uscc": other_district_ent.uscc}).status_code == 404
    assert batch.pk not in {b["id"] for b in c.get("/api/evaluation/pool/batches").json()}


def test_proposal_needs_a_finished_run(bureau, good):
    from kechuang.core.errors import ValidationFailed
    from kechuang.evaluation.services import pool_batch_create, pool_batch_propose

    b = pool_batch_create(user=bureau, data={"year": 2026, "name": "2026年第一批"})
    with pytest.raises(ValidationFailed) as exc:
        pool_batch_propose(user=bureau, batch=b)
    assert exc.value.errors[0]["field"] == "run"
