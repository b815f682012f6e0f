"""Shared set-up of the finance benchmarks: a throwaway database (a temporary SQLite file, or the PostgreSQL
database named by DATABASE_URL, dropped and recreated), migrated, with the reference regions of 鄞州区."""
from __future__ import annotations

import os
import sys
import tempfile
import time


def setup_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        label = f"PostgreSQL ({name})"
    else:
        home = tempfile.mkdtemp(prefix="kc_finance_bench_")
        os.environ["KECHUANG_HOME"] = home
        label = f"SQLite ({home})"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    from kechuang.regions.services import home_region_set, reference_load

    reference_load(towns_prefix="330212")
    home_region_set("330212")
    print(f"database: {label}; set up in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return label


def world(n_holders: int, budget: str, cap: str):
    """A bureau officer, an agency, qualified holders, an open programme."""
    import datetime as dt

    from kechuang.core.models import User
    from kechuang.core.uscc import make_uscc
    from kechuang.enterprises.models import Enterprise, Qualification, ServiceAgency
    from kechuang.finance import vouchers

    year = dt.date.today().year
    bureau = User.objects.create(username="bench_bureau", role="bureau", region_id="330212")
    agency = ServiceAgency.objects.create(name="基准检测机构", voucher_listed=True, region_id="330212")
    agency_user = User.objects.create(username="bench_agency", role="agency", agency=agency)
    ents = Enterprise.objects.bulk_create([
        Enterprise(uscc=make_uscc("330212", 60000000 + i), name=f"基准企业{i}", town_id="330212001",
                   founded_on=dt.date(2020, 1, 1)) for i in range(n_holders)])
    Qualification.objects.bulk_create([
        Qualification(enterprise=e, kind="tsme", year=year, issue_date=dt.date(year, 1, 1),
                      expiry_date=dt.date(year + 1, 3, 31)) for e in ents])
    p = vouchers.programme_create(user=bureau, data={
        "year": year, "name": "基准方案", "budget": budget, "annual_cap": cap, "tiers": "50000:1\n:0.5",
        "holder_kinds": "tsme", "categories": "testing"})
    p = vouchers.programme_open(user=bureau, programme=p)
    return {"bureau": bureau, "agency": agency, "agency_user": agency_user, "enterprises": ents, "programme": p}


def percentile(values, q):
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)
