"""Separation of duties (core.roles): the system administrator manages accounts and sees no business data, the
security auditor reads the audit trail and changes nothing, operators do neither; audit records are kept."""
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from python_calamine import CalamineWorkbook

from kechuang.conftest import HOME, TOWN_A
from kechuang.core.audit_guard import AuditImmutable
from kechuang.core.choices import Role
from kechuang.core.models import PIIAccess, SecurityEvent, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin(make_user):
    return make_user("xitong", Role.SYSADMIN)


@pytest.fixture
def auditor(make_user):
    return make_user("shenji", Role.AUDITOR, region_id=HOME)


def nav_labels(response) -> list[str]:
    return [str(i["label"]) for i in response.context["nav_items"]]


# --- the system administrator ---------------------------------------------------------------------------------

def test_sysadmin_creates_an_account_with_a_one_time_password_to_change(client_as, sysadmin, client):
    c = client_as(sysadmin)
    r = c.post("/core/accounts/new/", {"username": "new_town", "first_name": "新助理", "role": Role.TOWN,
                                       "region": TOWN_A})
    assert r.status_code == 200, r.content.decode()[:500]
    password = r.context["password"]
    u = User.objects.get(username="new_town")
    assert u.role == Role.TOWN and u.region_id == TOWN_A and u.check_password(password)
    event = SecurityEvent.objects.get(kind="account_create")
    assert event.user == sysadmin and "new_town" in event.target
    c.logout()
    assert client.post("/accounts/login/", {"username": "new_town", "password": password}).status_code == 302
    r = client.get("/enterprises/")
    assert r.status_code == 302 and r["Location"].endswith("/accounts/password/")  # must change it first


def test_sysadmin_checks_the_scope_a_role_needs(client_as, sysadmin):
    c = client_as(sysadmin)
    r = c.post("/core/accounts/new/", {"username": "x1", "role": Role.TOWN, "region": HOME})
    assert r.status_code == 200 and "镇街" in r.content.decode() and not User.objects.filter(username="x1").exists()
    r = c.post("/core/accounts/new/", {"username": "x2", "role": Role.ENTERPRISE, "enterprise": "91330212MA0000000X"})
    assert "未找到" in r.content.decode() and not User.objects.filter(username="x2").exists()


def test_sysadmin_cannot_create_or_touch_auditors_administrators_or_superusers(client_as, sysadmin, auditor,
                                                                                make_user):
    c = client_as(sysadmin)
    for role in (Role.AUDITOR, Role.SYSADMIN):
        r = c.post("/core/accounts/new/", {"username": f"evil_{role}", "role": role, "region": HOME})
        assert r.status_code == 200 and not User.objects.filter(username=f"evil_{role}").exists()
    root = make_user("root", Role.BUREAU, region_id=HOME, is_superuser=True)
    other_admin = make_user("xitong2", Role.SYSADMIN)
    for target in (auditor, root, other_admin):
        assert c.get(f"/core/accounts/{target.pk}/").status_code == 404
        assert c.post(f"/core/accounts/{target.pk}/reset/").status_code == 404
        assert c.post(f"/core/accounts/{target.pk}/lock/").status_code == 404
    auditor.refresh_from_db()
    assert auditor.is_active and auditor.check_password("pw-kechuang-123")


def test_sysadmin_changes_role_and_scope(client_as, sysadmin, assistant_a, ent_a):
    c = client_as(sysadmin)
    r = c.post(f"/core/accounts/{assistant_a.pk}/", {"first_name": "改为企业", "role": Role.ENTERPRISE,
                                                     "enterprise": ent_a.uscc})
    assert r.status_code == 302
    assistant_a.refresh_from_db()
    assert assistant_a.role == Role.ENTERPRISE and assistant_a.enterprise_id == ent_a.pk
    assert assistant_a.region_id is None  # the old scope is cleared
    assert "role: town → enterprise" in SecurityEvent.objects.get(kind="account_change").detail


def test_lock_ends_the_session_unlock_and_reset_restore_access(client_as, sysadmin, assistant_a, django_user_model):
    from django.test import Client

    victim = Client()
    victim.force_login(assistant_a)
    assert victim.get("/enterprises/").status_code == 200
    c = client_as(sysadmin)
    assert c.post(f"/core/accounts/{assistant_a.pk}/lock/").status_code == 302
    assistant_a.refresh_from_db()
    assert not assistant_a.is_active
    r = victim.get("/enterprises/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]   # the open session is over
    assert c.post(f"/core/accounts/{sysadmin.pk}/lock/").status_code == 404  # cannot lock itself out
    assert c.post(f"/core/accounts/{assistant_a.pk}/unlock/").status_code == 302
    r = c.post(f"/core/accounts/{assistant_a.pk}/reset/")
    new_password = r.context["password"]
    assistant_a.refresh_from_db()
    assert assistant_a.is_active and assistant_a.check_password(new_password)
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds[-3:] == ["account_lock", "account_unlock", "password_reset"]
    assert c.get(f"/core/accounts/{assistant_a.pk}/lock/").status_code == 405


def test_sysadmin_sees_no_business_data(client_as, sysadmin, ent_a, bureau):
    ent_a.contact_phone = "13812341234"
    ent_a.save()
    c = client_as(sysadmin)
    page = c.get("/enterprises/")
    assert ent_a.name not in page.content.decode()
    assert c.get(f"/enterprises/{ent_a.pk}/").status_code == 404
    assert c.post(f"/enterprises/{ent_a.pk}/phone/").status_code == 404
    assert c.get("/api/enterprises/enterprises").json()["count"] == 0
    assert c.get(f"/api/enterprises/enterprises/{ent_a.pk}").status_code == 404
    rows = CalamineWorkbook.from_filelike(io.BytesIO(c.get("/enterprises/export.xlsx").content)) \
        .get_sheet_by_index(0).to_python()
    assert len(rows) <= 1  # the header only
    for url in ("/finance/orders/", "/finance/applications/", "/finance/ledger/", "/indicators/", "/reports/"):
        r = c.get(url)
        assert r.status_code in (302, 403, 404) or ent_a.name not in r.content.decode(), url
    assert c.get("/core/audit/").status_code == 404
    labels = nav_labels(c.get("/core/accounts/"))
    assert "账号管理" in labels and "审计日志" not in labels
    assert not {"企业", "科技金融", "驾驶舱", "企业评价", "我的市场事务"} & set(labels)


# --- the security auditor ---------------------------------------------------------------------------------------

def test_auditor_reads_the_change_log_with_personal_information_masked(client_as, auditor, bureau, ent_a):
    ent_a.contact_phone = "13812341234"
    ent_a.save()
    ent_a.contact_phone = "13900005678"
    ent_a.save()
    c = client_as(auditor)
    page = c.get("/core/audit/").content.decode()
    assert f"enterprises.Enterprise:{ent_a.pk}" in page
    assert "138****1234" in page and "139****5678" in page
    assert "13812341234" not in page and "13900005678" not in page
    filtered = c.get("/core/audit/", {"table": "enterprises.HistoricalEnterprise", "user": "nobody"}).content.decode()
    assert f"enterprises.Enterprise:{ent_a.pk}" not in filtered
    labels = nav_labels(c.get("/core/audit/"))
    assert "审计日志" in labels and "账号管理" not in labels


def test_pii_access_and_logins_are_visible_to_the_auditor_and_export_is_recorded(client, client_as, auditor,
                                                                                 bureau, ent_a):
    ent_a.contact_phone = "13812341234"
    ent_a.save()
    assert client.post("/accounts/login/", {"username": "officer", "password": "wrong"}).status_code == 200
    assert client.post("/accounts/login/", {"username": "officer", "password": "pw-kechuang-123"}).status_code == 302
    assert client.post(f"/enterprises/{ent_a.pk}/phone/").content.decode() == "13812341234"
    client.logout()
    c = client_as(auditor)
    access = c.get("/core/audit/", {"log": "access"}).content.decode()
    assert f"enterprises.Enterprise:{ent_a.pk}" in access and "officer" in access and "contact_phone" in access
    security = c.get("/core/audit/", {"log": "security", "user": "officer"}).content.decode()
    assert "登录失败" in security and "登录成功" in security
    r = c.get("/core/audit/", {"log": "access", "format": "xlsx"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:2] == ["时间", "查看人"] and rows[1][1] == "officer"
    export = SecurityEvent.objects.get(kind="audit_export")
    assert export.user == auditor and export.target == "audit:access"


def test_auditor_changes_nothing(client_as, auditor, ent_a):
    c = client_as(auditor)
    assert c.get(f"/enterprises/{ent_a.pk}/").status_code == 200  # reads inside its region
    r = c.patch(f"/api/enterprises/enterprises/{ent_a.pk}", {"staff": 99}, content_type="application/json")
    assert r.status_code == 404
    assert c.post(f"/enterprises/{ent_a.pk}/phone/").status_code == 404  # no unmasked personal information
    assert c.get("/core/accounts/").status_code == 404
    assert c.post(f"/core/accounts/{auditor.pk}/reset/").status_code == 404
    ent_a.refresh_from_db()
    assert ent_a.staff != 99


# --- operators ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["bureau", "assistant_a", "clerk_a"])
def test_operators_neither_manage_accounts_nor_read_the_audit_trail(who, request, client_as):
    user = request.getfixturevalue(who)
    c = client_as(user)
    for url in ("/core/accounts/", "/core/accounts/new/", f"/core/accounts/{user.pk}/", "/core/audit/",
                "/core/audit/?format=xlsx"):
        assert c.get(url).status_code == 404, url
    assert c.post(f"/core/accounts/{user.pk}/reset/").status_code == 404
    labels = nav_labels(c.get("/"))
    assert "账号管理" not in labels and "审计日志" not in labels


def test_anonymous_is_sent_to_login(client):
    for url in ("/core/accounts/", "/core/audit/"):
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]


# --- retention ---------------------------------------------------------------------------------------------------

def test_access_and_security_records_are_append_only(bureau, ent_a):
    access = PIIAccess.objects.create(user=bureau, object_label="x", field="contact_phone")
    event = SecurityEvent.objects.create(kind="login", user=bureau, username="officer")
    from django.db import transaction

    for record in (access, event):
        with pytest.raises(AuditImmutable), transaction.atomic():
            record.save()
        with pytest.raises(AuditImmutable), transaction.atomic():
            record.delete()
    assert PIIAccess.objects.count() == 1 and SecurityEvent.objects.count() == 1


def test_purge_refuses_under_six_months_and_keeps_younger_records(bureau, ent_a):
    old = SecurityEvent.objects.create(kind="login", user=bureau, username="officer")
    recent = SecurityEvent.objects.create(kind="login", user=bureau, username="officer")
    old_access = PIIAccess.objects.create(user=bureau, object_label="x", field="contact_phone")
    long_ago = timezone.now() - dt.timedelta(days=200)
    SecurityEvent.objects.filter(pk=old.pk).update(at=long_ago)      # (bypasses the guard, as a test set-up)
    PIIAccess.objects.filter(pk=old_access.pk).update(at=long_ago)
    with pytest.raises(CommandError, match="180"):
        call_command("audit_purge", days=179)
    assert SecurityEvent.objects.count() == 2
    call_command("audit_purge", days=180)
    assert list(SecurityEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not PIIAccess.objects.exists()
    assert ent_a.history.count() == 1  # the change log of the last six months stays
