"""The authorisation matrix: every URL pattern and API operation, every role, the expected answer.

Rules live in each app's `authz.py` (see kechuang/authz.py). A new page or endpoint without a rule fails
`test_every_endpoint_has_a_rule`; each rule is then exercised for every role in `test_matrix`, each call in a
savepoint that is rolled back, so writes by one role never change what the next role sees.
"""
from __future__ import annotations

import io
import re
from importlib import import_module
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kechuang.authz import ROLES, Exempt, Route
from kechuang.conftest import OTHER_DISTRICT_TOWN, TOWN_A, TOWN_B

SKIP_NAMESPACES = {"admin", "api"}


def _authz_modules():
    for app in apps.get_app_configs():
        if app.name.startswith("kechuang."):
            try:
                yield import_module(f"{app.name}.authz")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.authz":
                    raise


def all_routes() -> list[Route]:
    return [r for m in _authz_modules() for r in getattr(m, "ROUTES", [])]


def all_exempt() -> list[Exempt]:
    return [e for m in _authz_modules() for e in getattr(m, "EXEMPT", [])]


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in SKIP_NAMESPACES or str(p.pattern).startswith(("admin/", "api/")):
                    continue
                walk(p.url_patterns, f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(ns + p.name)
    walk(get_resolver().url_patterns, "")
    return names


def api_operations() -> set[str]:
    from kechuang.core.api import api

    schema = api.get_openapi_schema()
    ops = set()
    for path, methods in schema["paths"].items():
        for method in methods:
            if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                ops.add(f"{method.upper()} {path}")
    return ops


def _route_key(r: Route) -> str:
    if r.key.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE ")) and "/" in r.key:
        return r.key
    return r.key.split(" ", 1)[-1]


# Apps whose endpoints are not in the matrix yet (their own scope tests only). Every app is covered now: keep it
# empty, a new app gets its `<app>/authz.py` with its first page.
PENDING_APPS: set[str] = set()


def _app_of(key: str) -> str:
    if " /api/" in key:
        return key.split("/")[2]
    return key.split(":")[0] if ":" in key else ""


def test_every_endpoint_has_a_rule():
    covered = {_route_key(r) for r in all_routes()} | {e.key for e in all_exempt()}
    missing = sorted(k for k in (url_names() | api_operations()) - covered if _app_of(k) not in PENDING_APPS)
    assert not missing, "endpoints without an authorisation rule (add them to <app>/authz.py):\n" + "\n".join(missing)


def test_no_stale_rules():
    known = url_names() | api_operations() | {"GET /api/openapi.json", "GET /api/docs", "logout", "set_language"}
    stale = sorted({_route_key(r) for r in all_routes()} - known)
    assert not stale, f"rules for endpoints that no longer exist: {stale}"


class World:
    """Users of every role and objects that belong to town A and enterprise A."""

    def __init__(self, make_user, make_enterprise):
        from kechuang.core.choices import Role
        from kechuang.core.models import Job
        from kechuang.enterprises.models import Bank, Institution, ServiceAgency

        self.ent_a = make_enterprise(town_id=TOWN_A, name="矩阵甲公司", contact_phone="13800001111")
        self.ent_b = make_enterprise(town_id=TOWN_B, name="矩阵乙公司")
        self.ent_spare = make_enterprise(town_id=TOWN_A, name="矩阵备用公司")
        self.institution = Institution.objects.create(name="矩阵大学")
        self.agency = ServiceAgency.objects.create(name="矩阵检测机构", voucher_listed=True)
        self.bank = Bank.objects.create(name="矩阵银行")
        self.users = {
            "anonymous": None,
            "bureau": make_user("m_bureau", Role.BUREAU, region_id="330212", is_staff=True),
            "other_bureau": make_user("m_other", Role.BUREAU, region_id=OTHER_DISTRICT_TOWN[:6]),
            "town_a": make_user("m_town_a", Role.TOWN, region_id=TOWN_A),
            "town_b": make_user("m_town_b", Role.TOWN, region_id=TOWN_B),
            "enterprise_a": make_user("m_ent_a", Role.ENTERPRISE, enterprise=self.ent_a),
            "enterprise_b": make_user("m_ent_b", Role.ENTERPRISE, enterprise=self.ent_b),
            "expert": make_user("m_expert", Role.EXPERT, institution=self.institution),
            "agency": make_user("m_agency", Role.AGENCY, agency=self.agency),
            "bank": make_user("m_bank", Role.BANK, bank=self.bank),
        }
        self.job = Job.objects.create(kind="import", created_by=self.users["bureau"], status="done")
        self._serial = 0
        for module in _authz_modules():
            hook = getattr(module, "world", None)
            if hook is not None:
                hook(self)

    def new_enterprise_payload(self) -> dict:
        from kechuang.core.uscc import make_uscc

        self._serial += 1
        return {"uscc": make_uscc("330212", 880000 + self._serial), "name": f"矩阵新建{self._serial}公司",
                "town": TOWN_A, "founded_on": "2020-01-01"}

    def bad_upload(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile("x.csv", "统一社会信用代码,企业名称,所属镇街代码,成立日期\n1,2,3,4\n".encode())


def _make_user(username, role, **kw):
    from kechuang.core.models import User

    u = User(username=username, role=role, **kw)
    u.set_password("pw-kechuang-123")
    u.save()
    return u


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside an outer transaction that is rolled back at the end; every test runs in a
    savepoint of it (pytest-django nests the test's atomic block), every call in a further savepoint."""
    from django.test import override_settings

    from kechuang.market import search
    from kechuang.tests_support import EnterpriseFactory

    hashers = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        hashers.enable()
        outer.__enter__()
        try:
            search.reset_index()
            w = World(_make_user, EnterpriseFactory)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            hashers.disable()
            raise
    yield w
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
        hashers.disable()
        search.reset_index()


def _call(client, route: Route, w: World):
    key = route.key
    method = "GET"
    if key.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE ")):
        method, key = key.split(" ", 1)
    params = dict(route.params(w))
    query = params.pop("_query", None)  # a query string, e.g. the required parameters of a GET operation
    if key.startswith("/api/"):
        url = re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), key)
    else:
        url = reverse(key, kwargs=params or None)
    if query:
        url += "?" + urlencode(query)
    data = route.data(w) if route.data else None
    fn = getattr(client, method.lower())
    if method == "GET":
        return fn(url)
    if route.json and key.startswith("/api/"):
        return fn(url, data or {}, content_type="application/json")
    return fn(url, data or {})


@pytest.mark.django_db
@pytest.mark.parametrize("route", all_routes(), ids=lambda r: r.key)
def test_matrix(route, world, client):
    failures = []
    for role in ROLES:
        client.logout()
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        with transaction.atomic():
            response = _call(client, route, world)
            transaction.set_rollback(True)
        expected = route.status_for(role)
        if response.status_code != expected:
            failures.append(f"{role}: expected {expected}, got {response.status_code}")
    assert not failures, f"{route.key}: " + "; ".join(failures)
