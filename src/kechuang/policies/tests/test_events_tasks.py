"""Trainings (attendance by scope, reach), fairs and auctions (premium), work tasks (board, progress, overdue),
and the counts that feed the annual report."""
import datetime as dt
from decimal import Decimal as D
from fractions import Fraction

import pytest

from kechuang.core.errors import ValidationFailed
from kechuang.policies import selectors, services
from kechuang.policies.models import Attendance, TaskProgress

from .conftest import TOWN_A

pytestmark = pytest.mark.django_db


@pytest.fixture
def training(bureau, ent_a, ent_b, make_enterprise):
    t = services.training_save(user=bureau, data={"title": "高企申报实务培训", "year": 2025, "status": "published"})
    s1 = services.session_save(user=bureau, training=t, data={"date": "2025-03-10", "topic": "政策解读"})
    third = make_enterprise(town_id=TOWN_A, name="宁波丙科技有限公司")
    services.training_targets_add(user=bureau, training=t, enterprises=[ent_a, ent_b, third])
    return t, s1


def test_training_reach_and_attendance_scope(client_as, bureau, assistant_a, ent_a, ent_b, training):
    t, s1 = training
    c = client_as(assistant_a)
    r = c.post(f"/policies/trainings/{t.pk}/attendance/", {"session": s1.pk, "enterprise": ent_a.uscc, "attendee": "王经理"})
    assert r.status_code == 302
    r = c.post(f"/policies/trainings/{t.pk}/attendance/", {"session": s1.pk, "enterprise": ent_b.uscc, "attendee": "李经理"})
    assert r.status_code == 200 and "在您的管辖范围内找不到企业" in r.content.decode()
    services.attendance_add(user=bureau, session=s1, data={"enterprise": ent_a.pk, "attendee": "赵工"})
    with pytest.raises(ValidationFailed):
        services.attendance_add(user=bureau, session=s1, data={"enterprise": ent_a.pk, "attendee": "赵工"})
    reach = selectors.training_reach(t)
    assert (reach["attendances"], reach["enterprises"], reach["targets"], reach["reached"]) == (2, 1, 3, 1)
    assert reach["share"] == Fraction(1, 3)
    assert "33.3%" in client_as(bureau).get("/policies/trainings/").content.decode()
    assert Attendance.objects.restrict(assistant_a).count() == 2
    c = client_as(assistant_a)  # the test client is shared: log the assistant back in
    assert c.post(f"/policies/trainings/{t.pk}/session/", {"session-date": "2025-05-01", "session-topic": "x"}).status_code == 404


def test_auction_premium_and_hammer_below_start_refused(client_as, bureau):
    fair = services.fair_save(user=bureau, data={"title": "科技成果拍卖会", "kind": "auction", "date": "2025-09-20",
                                                 "status": "published"})
    lot = services.lot_save(user=bureau, fair=fair, data={"number": "001", "title": "石墨烯导热膜制备技术",
                                                          "seller": "某研究所", "starting_price_wan": "30"})
    with pytest.raises(ValidationFailed) as exc:
        services.lot_result(user=bureau, lot=lot, data={"status": "sold", "hammer_price_wan": "29.99", "buyer": "甲"})
    assert exc.value.errors[0]["code"] == "below_start"
    services.lot_result(user=bureau, lot=lot, data={"status": "sold", "hammer_price_wan": "40", "buyer": "宁波甲"})
    lot.refresh_from_db()
    assert lot.premium == Fraction(1, 3)  # (400,000 − 300,000) / 300,000
    lot2 = services.lot_save(user=bureau, fair=fair, data={"number": "002", "title": "x", "seller": "y",
                                                           "starting_price_wan": "10"})
    services.lot_result(user=bureau, lot=lot2, data={"status": "unsold"})
    stats = selectors.fair_stats(fair)
    assert (stats["lots"], stats["sold"], stats["hammer"]) == (2, 1, D("400000.00"))
    page = client_as(bureau).get(f"/policies/fairs/{fair.pk}/").content.decode()
    assert "33.33%" in page


@pytest.fixture
def tasks(bureau):
    district = services.task_save(user=bureau, data={
        "year": 2025, "code": "2025-01", "title": "新增高新技术企业120家", "line": "subjects", "owner_unit": "高新科",
        "deadline": "2025-11-30", "indicator": "HTE_NET_NEW", "target_value": "120"})
    town = services.task_save(user=bureau, data={
        "year": 2025, "code": "2025-02", "title": "走访科技型中小企业", "line": "subjects", "owner_unit": "下应街道",
        "deadline": "2025-03-31", "region": TOWN_A})
    return district, town


def test_task_progress_overdue_and_scope(client_as, bureau, assistant_a, assistant_b, tasks):
    district, town = tasks
    today = dt.date(2025, 6, 1)
    board = selectors.task_board(user=bureau, year=2025, today=today)
    states = {t.code: t.state_code for g in board["groups"] for t in g["tasks"]}
    assert states == {"2025-01": "on_track", "2025-02": "overdue"}
    assert board["counts"]["overdue"] == 1

    town_board = selectors.task_board(user=assistant_a, year=2025, today=today)
    assert [t.code for g in town_board["groups"] for t in g["tasks"]] == ["2025-02"]
    c = client_as(assistant_a)
    r = c.post(f"/policies/tasks/{town.pk}/", {"percent": "100", "note": "已走访56家", "reported_on": "2025-04-02"})
    assert r.status_code == 302
    town.refresh_from_db()
    assert (town.progress, town.completed_on, town.state(today)) == (100, dt.date(2025, 4, 2), "done_late")
    assert c.get(f"/policies/tasks/{district.pk}/").status_code == 404
    assert c.post(f"/api/policies/tasks/{district.pk}/progress", {"percent": 10, "note": "x"},
                  content_type="application/json").status_code == 404
    assert client_as(assistant_b).get(f"/policies/tasks/{town.pk}/").status_code == 404
    assert c.get("/policies/tasks/new/").status_code == 404
    assert TaskProgress.objects.get(task=town).history.first().history_user == assistant_a


def test_task_progress_validation_and_latest_report_wins(bureau, tasks):
    district, _ = tasks
    for bad in ({"percent": "101", "note": "x"}, {"percent": "50"}, {"percent": "abc", "note": "x"},
                {"percent": "10", "note": "x", "reported_on": "2999-01-01"}):
        with pytest.raises(ValidationFailed):
            services.task_progress_add(user=bureau, task=district, data=bad)
    services.task_progress_add(user=bureau, task=district, data={"percent": 60, "note": "已认定72家",
                                                                 "actual_value": "72", "reported_on": "2025-09-30"})
    services.task_progress_add(user=bureau, task=district, data={"percent": 30, "note": "补录6月进度",
                                                                 "reported_on": "2025-06-30"})
    district.refresh_from_db()
    assert (district.progress, district.actual_value) == (60, D("72.0000"))


def test_task_form_refuses_unknown_indicator_and_other_districts(bureau):
    with pytest.raises(ValidationFailed) as exc:
        services.task_save(user=bureau, data={"year": 2025, "code": "X", "title": "t", "line": "finance",
                                              "owner_unit": "u", "deadline": "2025-12-31", "indicator": "NOPE",
                                              "region": "330203001"})
    assert {e["field"] for e in exc.value.errors} == {"indicator", "region"}


def test_enterprise_has_no_task_board(client_as, clerk_a):
    assert client_as(clerk_a).get("/policies/tasks/").status_code == 404


def test_event_counts_for_the_annual_report(bureau, ent_a, training, tasks, rd_policy):
    _t, s1 = training
    services.attendance_add(user=bureau, session=s1, data={"enterprise": ent_a.pk, "attendee": "王经理"})
    comp = services.competition_save(user=bureau, data={"title": "创客大赛", "year": 2025, "status": "published"})
    services.division_save(user=bureau, competition=comp, data={"code": "regional", "name": "区域赛"})
    services.entry_save(user=bureau, competition=comp, data={"division": "regional", "team": "甲", "project": "p"})
    fair = services.fair_save(user=bureau, data={"title": "拍卖会", "kind": "auction", "date": "2025-09-20",
                                                 "status": "finished"})
    lot = services.lot_save(user=bureau, fair=fair, data={"number": "1", "title": "t", "seller": "s",
                                                          "starting_price_wan": "30"})
    services.lot_result(user=bureau, lot=lot, data={"status": "sold", "hammer_price_wan": "45", "buyer": "b"})
    counts = selectors.event_counts(region="330212", year=2025, today=dt.date(2025, 12, 31))
    assert {k: counts[k] for k in ("policies_published", "competitions", "competition_entries", "trainings",
                                   "training_sessions", "training_attendances", "training_enterprises",
                                   "training_targets", "training_targets_reached", "auctions", "lots", "lots_sold",
                                   "tasks", "tasks_overdue")} == {
        "policies_published": 1, "competitions": 1, "competition_entries": 1, "trainings": 1, "training_sessions": 1,
        "training_attendances": 1, "training_enterprises": 1, "training_targets": 3, "training_targets_reached": 1,
        "auctions": 1, "lots": 1, "lots_sold": 1, "tasks": 2, "tasks_overdue": 2}
    assert counts["lots_premium_rate"] == D("0.500000") and counts["lots_hammer_amount"] == D("450000.00")
    assert selectors.event_counts(region="330203", year=2025)["competitions"] == 0
    assert selectors.event_counts(region="330212", year=2024)["trainings"] == 0


def test_sign_in_sheet_is_all_or_nothing_and_scoped(assistant_a, ent_a, ent_b, training):
    _t, s1 = training
    with pytest.raises(ValidationFailed) as exc:
        services.attendance_add_many(user=assistant_a, session=s1, rows=[
            {"enterprise": ent_a.uscc, "attendee": "王经理"}, {"enterprise": ent_b.uscc, "attendee": "李经理"},
            {"enterprise": ent_a.pk, "attendee": ""}])
    assert [e["code"] for e in exc.value.errors] == ["unknown_enterprise", "required"]
    assert not Attendance.objects.exists()
    assert services.attendance_add_many(user=assistant_a, session=s1, rows=[
        {"enterprise": ent_a.uscc, "attendee": "王经理"}, {"enterprise": str(ent_a.pk), "attendee": "赵工"}]) == 2
    with pytest.raises(ValidationFailed):
        services.attendance_add_many(user=assistant_a, session=s1, rows=[{"enterprise": ent_a.pk, "attendee": "王经理"}])
