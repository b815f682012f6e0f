"""Fixtures of the marketplace tests (imported by each test module: `from .market_fixtures import *`).

Kept out of a conftest.py so that the matching engine's tests in this folder stay independent."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kechuang.conftest import OTHER_DISTRICT_TOWN, TOWN_A, TOWN_B  # noqa: F401
from kechuang.core.choices import PublicationStatus, Role

P = PublicationStatus
TODAY = dt.date.today()



@pytest.fixture(autouse=True)
def fresh_index():
    """Every test starts with an empty search index (ids are reused between rolled-back tests)."""
    from kechuang.market import search

    search.reset_index()
    yield
    search.reset_index()


@pytest.fixture
def institution(db):
    from kechuang.enterprises.models import Institution

    return Institution.objects.create(name="宁波大学")


@pytest.fixture
def other_institution(db):
    from kechuang.enterprises.models import Institution

    return Institution.objects.create(name="宁波工程学院")


@pytest.fixture
def expert_user(make_user, institution):
    return make_user("prof_li", Role.EXPERT, institution=institution, first_name="李教授")


@pytest.fixture
def expert(expert_user, institution, ent_b):
    """A published expert of 宁波大学 who also works for ent_b (town B), so ent_b is the seller of their deals."""
    from kechuang.market.models import Expert

    return Expert.objects.create(name="李教授", institution=institution, enterprise=ent_b, user=expert_user,
                                 title="教授", fields="注塑成型 高分子材料改性", keywords="注塑，翘曲，复合材料",
                                 phone="13800000001", email="li@nbu.edu.cn", status=P.PUBLISHED)


@pytest.fixture
def expert2_user(make_user, other_institution):
    return make_user("prof_wang", Role.EXPERT, institution=other_institution)


@pytest.fixture
def expert2(expert2_user, other_institution):
    from kechuang.market.models import Expert

    return Expert.objects.create(name="王研究员", institution=other_institution, user=expert2_user,
                                 fields="机器视觉 缺陷检测", keywords="视觉，检测", status=P.PUBLISHED)


@pytest.fixture
def broker_user(make_user):
    return make_user("broker_zhao", Role.AGENCY, first_name="赵经纪")


@pytest.fixture
def broker(broker_user):
    from kechuang.market.models import Broker

    return Broker.objects.create(user=broker_user, name="赵经纪", region_id="330212", certificate_no="JJ-001")


@pytest.fixture
def other_broker(make_user):
    from kechuang.market.models import Broker

    u = make_user("broker_qian", Role.AGENCY)
    return Broker.objects.create(user=u, name="钱经纪", region_id="330212")


@pytest.fixture
def clerk_b(make_user, ent_b):
    return make_user("clerk_b", Role.ENTERPRISE, enterprise=ent_b)


@pytest.fixture
def other_bureau(make_user):
    """An officer of another district (海曙区)."""
    return make_user("haishu_officer", Role.BUREAU, region_id="330203")


@pytest.fixture
def published_demand(clerk_a, bureau):
    from kechuang.market import services

    d = services.demand_create(user=clerk_a, data={"title": "注塑件翘曲变形控制", "submit": True,
                                                   "description": "我司汽车内饰注塑件出现翘曲变形，需要材料改性与模具优化方案。",
                                                   "budget": "50", "keywords": "注塑，翘曲", "domain": "40101"},
                               submit=True)
    services.listing_approve(user=bureau, obj=d)
    return d


def money(text: str) -> Decimal:
    return Decimal(text)
