"""Numbers the database cannot hold answer 422 naming the problem, on SQLite and on PostgreSQL alike: never a 500,
and nothing is written."""
import pytest

from kechuang.finance.models import VoucherProgramme as Programme

from .conftest import YEAR

pytestmark = pytest.mark.django_db
API = "/api/finance"


@pytest.mark.parametrize("days", [2**40, 2**70])
def test_an_out_of_range_integer_in_a_body_is_a_422(client_as, bureau, days):
    body = {"year": YEAR + 1, "name": "明年方案", "budget": "2000000", "annual_cap": "100000",
            "tiers": [{"upto": None, "ratio": "0.5"}], "holder_kinds": ["tsme"], "categories": ["testing"],
            "publicity_days": days}
    before = Programme.objects.count()
    r = client_as(bureau).post(f"{API}/programmes", body, content_type="application/json")
    assert r.status_code == 422, r.content
    assert Programme.objects.count() == before
    # the connection is still usable afterwards (no aborted transaction left behind)
    body["publicity_days"] = 7
    assert client_as(bureau).post(f"{API}/programmes", body, content_type="application/json").status_code == 201


def test_a_value_the_database_refuses_is_a_422_not_a_500(rf, bureau, caplog):
    """The safety net under the services' checks: a DataError (PostgreSQL's 'integer out of range') is the client's
    error, answered in the API's error shape and logged."""
    from django.db import DataError

    from kechuang.core.api import api

    request = rf.post("/api/finance/programmes")
    request.user = bureau
    with caplog.at_level("WARNING", logger="kechuang.api"):
        r = api.on_exception(request, DataError('integer out of range\nCONTEXT: …'))
    assert r.status_code == 422
    assert b'"out_of_range"' in r.content
    assert "integer out of range" in caplog.text and "/api/finance/programmes" in caplog.text
