"""Application controls of 等保2.0 level 3: login lockout, password complexity and expiry, security headers.

- Lockout: after LOGIN_MAX_FAILURES failed logins for one user name (or 4× that from one address) within the
  window, further attempts are refused for LOGIN_LOCK_SECONDS, even with the right password.
- Passwords: at least 10 characters from at least three of lower case, upper case, digits and symbols; they expire
  after KECHUANG_PASSWORD_MAX_AGE_DAYS days (the user is sent to the change page).
- Headers: a Content-Security-Policy that allows only this site's own assets (no CDN can load), plus the usual.
- Idle timeout: a session ends SESSION_COOKIE_AGE (30 minutes) after its last request. The expiry slides forward
  by re-saving the session, at most once per SESSION_TOUCH_SECONDS (a minute), not on every request: the
  dashboard's many API calls cost no session write. An idle session thus ends between 29 and 30 minutes after
  the last request, never later.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

LOGIN_MAX_FAILURES = int(os.environ.get("KECHUANG_LOGIN_MAX_FAILURES", "5"))
LOGIN_WINDOW_SECONDS = 15 * 60
LOGIN_LOCK_SECONDS = int(os.environ.get("KECHUANG_LOGIN_LOCK_SECONDS", str(15 * 60)))
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("KECHUANG_PASSWORD_MAX_AGE_DAYS", "90"))
SESSION_TOUCH_SECONDS = int(os.environ.get("KECHUANG_SESSION_TOUCH_SECONDS", "60"))
SESSION_TOUCHED_KEY = "_kc_touched"


def _keys(username: str, ip: str) -> tuple[str, str]:
    return f"login-fail:u:{username.lower()}", f"login-fail:ip:{ip}"


def login_locked(username: str, ip: str) -> bool:
    ukey, ikey = _keys(username, ip)
    return (cache.get(ukey + ":lock") is not None) or (cache.get(ikey + ":lock") is not None)


def login_failed(username: str, ip: str) -> None:
    """Count a failure; lock the name (or the address) when the limit is reached."""
    for key, limit in zip(_keys(username, ip), (LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES * 4)):
        try:
            n = cache.incr(key)
        except ValueError:
            cache.set(key, 1, LOGIN_WINDOW_SECONDS)
            n = 1
        if n >= limit:
            cache.set(key + ":lock", 1, LOGIN_LOCK_SECONDS)


def login_succeeded(username: str, ip: str) -> None:
    ukey, _ikey = _keys(username, ip)
    cache.delete_many([ukey, ukey + ":lock"])


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class ComplexityValidator:
    """At least three of the four character classes (等保: 口令复杂度)."""

    classes = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"\d"), re.compile(r"[^A-Za-z0-9]"))

    def validate(self, password, user=None):
        if sum(1 for c in self.classes if c.search(password)) < 3:
            raise ValidationError(_("密码须包含大写字母、小写字母、数字和符号中的至少三类。"), code="password_too_simple")

    def get_help_text(self):
        return _("密码须包含大写字母、小写字母、数字和符号中的至少三类。")


def password_expired(user) -> bool:
    if not PASSWORD_MAX_AGE_DAYS or user.password_changed_at is None:
        return False
    return timezone.now() - user.password_changed_at > dt.timedelta(days=PASSWORD_MAX_AGE_DAYS)


class SecurityMiddleware:
    """Security headers on every response; users with an expired password may only change it."""

    CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
           "script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
           "form-action 'self'")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and password_expired(user)
                and not request.path.startswith(("/accounts/", "/static/", "/i18n/"))):
            return redirect(reverse("password_change"))
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.path.startswith(("/accounts/", "/admin/")) or (user is not None and user.is_authenticated):
            response.setdefault("Cache-Control", "no-store")
        return response


class SessionIdleTimeoutMiddleware:
    """Slide a live session's expiry forward at most once per SESSION_TOUCH_SECONDS (replaces
    SESSION_SAVE_EVERY_REQUEST, which wrote the session on every request). Place it right after Django's
    SessionMiddleware: it marks the session modified, and SessionMiddleware then saves it with a fresh expiry
    (now + SESSION_COOKIE_AGE) and re-sends the cookie. Sessions holding nothing (anonymous visitors, a cookie
    naming an expired session) are left alone, so no session is created for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or response.status_code >= 500:
            return response
        touched = session.get(SESSION_TOUCHED_KEY, 0)  # loads the session if the view did not
        if session.is_empty():  # the cookie named no live session
            return response
        now = int(time.time())
        if session.modified or not isinstance(touched, int) or not 0 <= now - touched < SESSION_TOUCH_SECONDS:
            session[SESSION_TOUCHED_KEY] = now  # modified: SessionMiddleware saves it, expiry = now + age
        return response


def stamp_password_change(sender, instance, **kwargs):
    """Record when a password was set, for expiry (pre_save on the user model)."""
    if instance.pk is None:
        instance.password_changed_at = instance.password_changed_at or timezone.now()
        return
    old = type(instance).objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        instance.password_changed_at = timezone.now()
