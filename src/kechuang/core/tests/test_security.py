"""等保2.0 application controls and personal-information protection."""
import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from kechuang.core.audit_guard import AuditImmutable, audit_seal, audit_verify
from kechuang.core.crypto import decrypt, encrypt, mask, sm3_hex

pytestmark = pytest.mark.django_db


def test_login_locks_after_five_failures_even_with_right_password(client, bureau):
    from django.core.cache import cache

    cache.clear()
    for _ in range(5):
        assert client.post("/accounts/login/", {"username": "officer", "password": "wrong"}).status_code == 200
    r = client.post("/accounts/login/", {"username": "officer", "password": "pw-kechuang-123"})
    assert r.status_code == 429 and "锁定" in r.content.decode()
    cache.clear()
    assert client.post("/accounts/login/", {"username": "officer", "password": "pw-kechuang-123"}).status_code == 302


@pytest.mark.parametrize("password,ok", [("Abcdefgh12", True), ("abcdefgh12", False), ("Abc!12", False),
                                         ("abcdefgh!2", True), ("ABCDEFGHIJ", False)])
def test_password_policy(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_expired_password_forces_change(client, bureau):
    bureau.password_changed_at = timezone.now() - dt.timedelta(days=91)
    bureau.save(update_fields=["password_changed_at"])
    client.force_login(bureau)
    r = client.get("/enterprises/")
    assert r.status_code == 302 and r["Location"].endswith("/accounts/password/")


def test_security_headers(client):
    r = client.get("/accounts/login/")
    assert "default-src 'self'" in r["Content-Security-Policy"]
    assert r["X-Frame-Options"] == "DENY" and r["X-Content-Type-Options"] == "nosniff"


def test_sm3_known_vector():
    # GB/T 32905-2016 example 1: SM3("abc")
    assert sm3_hex("abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm4_fields_are_encrypted_at_rest_and_masked(ent_a):
    ent_a.contact_phone = "13812341234"
    ent_a.save()
    with connection.cursor() as cur:
        cur.execute("SELECT contact_phone FROM enterprises_enterprise WHERE id = %s", [ent_a.pk])
        raw = cur.fetchone()[0]
    assert raw.startswith("sm4g:") and "1381234" not in raw
    ent_a.refresh_from_db()
    assert ent_a.contact_phone == "13812341234"
    assert mask(ent_a.contact_phone) == "138****1234"
    assert mask("33021219800101123X") == "330212********123X"
    assert encrypt("x") != encrypt("x") and decrypt(encrypt("x")) == "x"


def test_audit_records_cannot_be_changed_or_deleted(ent_a):
    ent_a.name = "改名"
    ent_a.save()
    h = ent_a.history.first()
    h.name = "篡改"
    with pytest.raises(AuditImmutable):
        h.save()
    with pytest.raises(AuditImmutable):
        h.delete()


def test_sm3_seal_detects_tampering_below_the_application(ent_a):
    audit_seal()
    assert audit_verify() == []
    hist = ent_a.history.first()
    with connection.cursor() as cur:
        cur.execute("UPDATE enterprises_historicalenterprise SET name = %s WHERE history_id = %s", ["偷改", hist.history_id])
    assert "enterprises.HistoricalEnterprise" in audit_verify()


def test_admin_offers_no_history_revert(client_as, make_user, ent_a):
    from kechuang.core.choices import Role

    su = make_user("root", Role.BUREAU, region_id="330212", is_staff=True, is_superuser=True)
    c = client_as(su)
    h = ent_a.history.first()
    c.post(f"/admin/enterprises/enterprise/{ent_a.pk}/history/{h.history_id}/", {"name": "reverted"})
    ent_a.refresh_from_db()
    assert ent_a.name != "reverted"
    assert h.__class__.objects.count() == 1  # nothing was written to the log either


def test_phone_is_masked_on_pages_and_exports_and_reveal_is_audited(client_as, bureau, assistant_b, ent_a):
    import io

    from python_calamine import CalamineWorkbook

    from kechuang.core.models import PIIAccess

    ent_a.contact_phone = "13812341234"
    ent_a.save()
    c = client_as(bureau)
    page = c.get(f"/enterprises/{ent_a.pk}/").content.decode()
    assert "138****1234" in page and "13812341234" not in page
    rows = CalamineWorkbook.from_filelike(io.BytesIO(c.get("/enterprises/export.xlsx").content)).get_sheet_by_index(0).to_python()
    assert rows[1][-1] == "138****1234"
    assert c.post(f"/enterprises/{ent_a.pk}/phone/").content.decode() == "13812341234"
    access = PIIAccess.objects.get()
    assert access.user == bureau and access.field == "contact_phone"
    assert client_as(assistant_b).post(f"/enterprises/{ent_a.pk}/phone/").status_code == 404


def _stored_session(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_api_reads_do_not_write_the_session_within_a_minute(client_as, bureau):
    from django.test.utils import CaptureQueriesContext

    c = client_as(bureau)
    assert c.get("/api/indicators/catalog").status_code == 200   # the first request stamps the session
    expiry = _stored_session(c).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert c.get("/api/indicators/catalog").status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert writes == []
    assert _stored_session(c).expire_date == expiry


def test_session_expiry_slides_forward_after_a_minute(client_as, bureau):
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from kechuang.core.security import SESSION_TOUCHED_KEY

    c = client_as(bureau)
    assert c.get("/api/indicators/catalog").status_code == 200
    key = c.cookies["sessionid"].value
    s = SessionStore(key)
    s[SESSION_TOUCHED_KEY] -= 61          # the last slide was a minute ago
    s.save()
    soon = timezone.now() + dt.timedelta(minutes=5)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    r = c.get("/api/indicators/catalog")
    assert r.status_code == 200 and r.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE
    assert _stored_session(c).expire_date > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_idle_session_ends_after_the_session_age(client_as, bureau):
    from django.contrib.sessions.models import Session

    c = client_as(bureau)
    assert c.get("/api/indicators/catalog").status_code == 200
    Session.objects.filter(session_key=c.cookies["sessionid"].value).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1))   # 30 minutes without a request
    assert c.get("/api/indicators/catalog").status_code == 401
    r = c.get("/enterprises/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert not Session.objects.filter(expire_date__gt=timezone.now()).exists()   # and no new one was made


def test_anonymous_visits_create_no_session(client):
    from django.contrib.sessions.models import Session

    assert client.get("/accounts/login/").status_code == 200
    assert Session.objects.count() == 0
