"""Shared test fixtures: reference data loaded once per database, users of every role, enterprises in towns."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings

# Property tests check correctness, not speed: on a loaded CI machine input generation and single examples can be
# slow, which must not fail a run. (Performance is measured by the scripts under bench/.)
hypothesis_settings.register_profile("kechuang", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("kechuang")

HOME = "330212"          # 鄞州区
TOWN_A = "330212001"     # 下应街道
TOWN_B = "330212002"     # 钟公庙街道
OTHER_DISTRICT_TOWN = "330203001"  # 海曙区 南门街道


def _load_reference():
    from kechuang.indicators.catalog import catalog_load
    from kechuang.regions.services import home_region_set, reference_load

    reference_load(towns_prefix="33")
    catalog_load()
    home_region_set(HOME)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _load_reference()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 costs about a second per user on this machine; tests need hashing, not its cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference(django_db_blocker):
    """Reload reference data (for transactional tests, whose flush empties every table)."""
    from kechuang.regions.models import Region

    with django_db_blocker.unblock():
        if not Region.objects.filter(code=TOWN_A).exists():
            _load_reference()


@pytest.fixture
def make_user(db):
    from kechuang.core.choices import Role
    from kechuang.core.models import User

    def make(username, role=Role.BUREAU, **kw):
        u = User(username=username, role=role, **kw)
        u.set_password("pw-kechuang-123")
        u.save()
        return u
    return make


@pytest.fixture
def bureau(make_user):
    from kechuang.core.choices import Role

    return make_user("officer", Role.BUREAU, region_id=HOME, is_staff=True)


@pytest.fixture
def assistant_a(make_user):
    from kechuang.core.choices import Role

    return make_user("assistant_a", Role.TOWN, region_id=TOWN_A)


@pytest.fixture
def assistant_b(make_user):
    from kechuang.core.choices import Role

    return make_user("assistant_b", Role.TOWN, region_id=TOWN_B)


@pytest.fixture
def make_enterprise(db):
    from kechuang.tests_support import EnterpriseFactory

    return EnterpriseFactory


@pytest.fixture
def ent_a(make_enterprise):
    return make_enterprise(town_id=TOWN_A, name="宁波甲科技有限公司")


@pytest.fixture
def ent_b(make_enterprise):
    return make_enterprise(town_id=TOWN_B, name="宁波乙科技有限公司")


@pytest.fixture
def clerk_a(make_user, ent_a):
    from kechuang.core.choices import Role

    return make_user("clerk_a", Role.ENTERPRISE, enterprise=ent_a)


@pytest.fixture
def client_as(client):
    """Log the test client in as a user: `client_as(user)`."""
    def login(user):
        client.force_login(user)
        return client
    return login


def pytest_configure(config):
    os.environ.setdefault("KECHUANG_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "kechuang-test"))
