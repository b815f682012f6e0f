"""Synthetic data at 1×, 10× and 100× a district, streamed into the database in chunks (never built in memory).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_scale python bench/scale_generate.py --scale 10

| scale | region                 | enterprises | IP records | annual data (3 y) | indicator values                         |
|-------|------------------------|-------------|------------|-------------------|------------------------------------------|
| 1×    | 330212 鄞州区          | 5,000       | 50,000     | 15,000            | 10 y × 12 m × Ningbo districts+towns      |
| 10×   | 3302 宁波市            | 50,000      | 500,000    | 150,000           | same                                      |
| 100×  | 33 浙江省              | 500,000     | 5,000,000  | 1,500,000         | 10 y × 12 m × every Zhejiang district+town|

Rows are written with COPY on PostgreSQL (executemany on SQLite) in chunks of 20,000; the generator is
deterministic (seeded). Existing synthetic rows (USCC serials ≥ 60,000,000) are removed first.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal

CHUNK = 20000
SERIAL0 = 60_000_000


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from kechuang.core.bootstrap import initialise

    initialise()


def chunks(gen, n=CHUNK):
    buf = []
    for item in gen:
        buf.append(item)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


def write(model, rows_iter, fields: list[str]) -> int:
    """Stream dict rows into a table without history (synthetic load data, not user writes): COPY on PostgreSQL,
    executemany elsewhere. Self-contained (psycopg adapts dates, Decimals and timestamps itself)."""
    from django.db import connection, transaction

    meta = model._meta
    cols = [meta.get_field(f) for f in fields]
    names = [f.attname for f in cols]
    renames = [(f.name, f.attname) for f in cols if f.name != f.attname]  # "enterprise" → "enterprise_id"
    qn = connection.ops.quote_name
    column_sql = ", ".join(qn(f.column) for f in cols)
    total = 0
    for block in chunks(rows_iter):
        for r in block:
            for name, att in renames:
                if att not in r:
                    r[att] = r.pop(name)
        tuples = [tuple(r.get(a) for a in names) for r in block]
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f"COPY {qn(meta.db_table)} ({column_sql}) FROM STDIN") as cp:
                    for t in tuples:
                        cp.write_row(t)
            else:
                cur.executemany(f"INSERT INTO {qn(meta.db_table)} ({column_sql}) "
                                f"VALUES ({', '.join(['%s'] * len(cols))})", tuples)
        total += len(block)
    return total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, choices=[1, 10, 100], required=True)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--ip-fraction", type=float, default=1.0,
                    help="IP records at this fraction of full size (10 per enterprise × fraction), to fit a time budget")
    args = ap.parse_args()
    setup()
    from django.db import connection
    from django.utils import timezone

    from kechuang.core.uscc import make_uscc
    from kechuang.enterprises.models import AnnualData, Enterprise, IPRecord, Qualification
    from kechuang.regions.models import Region

    prefix = {1: "330212", 10: "3302", 100: "33"}[args.scale]
    n_ent = 5000 * args.scale
    rng = random.Random(args.scale)
    now = timezone.now()
    towns = list(Region.objects.filter(level="town", code__startswith=prefix).values_list("code", flat=True))
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        # Remove an earlier synthetic load of any size (children first).
        for table in ("enterprises_iprecord", "enterprises_annualdata", "enterprises_qualification"):
            cur.execute(f"DELETE FROM {table} WHERE enterprise_id IN (SELECT id FROM enterprises_enterprise WHERE name LIKE %s)", ["规模测试%"])
        cur.execute("DELETE FROM enterprises_enterprise WHERE name LIKE %s", ["规模测试%"])

    def enterprises():
        for i in range(n_ent):
            town = towns[i % len(towns)]
            yield {"uscc": make_uscc(town[:6], SERIAL0 + i), "name": f"规模测试{i}科技有限公司", "town_id": town,
                   "industry_id": "6513", "domain_id": None, "founded_on": dt.date(2010 + i % 14, 1 + i % 12, 1 + i % 28),
                   "staff": 5 + i % 400, "above_size": i % 7 == 0, "legal_rep": "", "address": "", "contact_phone": "",
                   "description": "", "created_at": now, "updated_at": now}
    fields = ["uscc", "name", "town_id", "industry_id", "domain_id", "founded_on", "staff", "above_size", "legal_rep",
              "address", "contact_phone", "description", "created_at", "updated_at"]
    fields = [f.replace("_id", "") if f in ("town_id", "industry_id", "domain_id") else f for f in fields]
    n = write(Enterprise, ({**r, "town": r.pop("town_id"), "industry": r.pop("industry_id"), "domain": r.pop("domain_id")}
                           for r in enterprises()), fields)
    t1 = time.perf_counter()
    print(f"enterprises      {n:>10,}  {t1 - t0:6.1f} s", flush=True)

    def ids():
        for pk in Enterprise.objects.filter(name__startswith="规模测试").order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK):
            yield pk

    last = dt.date.today().year - 1

    def annual():
        for pk in ids():
            sales = Decimal(rng.randint(100, 50000) * 10000)
            for y in (last - 2, last - 1, last):
                yield {"enterprise": pk, "year": y, "staff_total": 50, "staff_tech": rng.randint(2, 30), "sales": sales,
                       "total_income": sales, "non_taxable_income": Decimal(0), "hitech_income": sales * Decimal("0.6"),
                       "rd_expense": sales * Decimal("0.04"), "rd_domestic": sales * Decimal("0.04"),
                       "net_assets": sales / 2, "total_assets": sales, "cost_expense_total": sales * Decimal("0.8"),
                       "created_at": now, "updated_at": now}
    n = write(AnnualData, annual(), ["enterprise", "year", "staff_total", "staff_tech", "sales", "total_income",
                                     "non_taxable_income", "hitech_income", "rd_expense", "rd_domestic", "net_assets",
                                     "total_assets", "cost_expense_total", "created_at", "updated_at"])
    t2 = time.perf_counter()
    print(f"annual data      {n:>10,}  {t2 - t1:6.1f} s", flush=True)

    ip_per = max(0, round(10 * args.ip_fraction))

    def ips():
        serial = 0
        for pk in ids():
            for _ in range(ip_per):
                serial += 1
                yield {"enterprise": pk, "kind": "invention" if serial % 4 == 0 else "utility_model",
                       "number": f"ZLS{serial:09d}", "title": "规模测试专利", "acquisition": "self",
                       "granted_on": dt.date(2015 + serial % 10, 1 + serial % 12, 1), "expires_on": None,
                       "used_in_hte": False, "ipc": "", "created_at": now, "updated_at": now}
    n = write(IPRecord, ips(), ["enterprise", "kind", "number", "title", "acquisition", "granted_on", "expires_on",
                                "used_in_hte", "ipc", "created_at", "updated_at"])
    t3 = time.perf_counter()
    print(f"IP records       {n:>10,}  {t3 - t2:6.1f} s", flush=True)

    def quals():
        for i, pk in enumerate(ids()):
            if i % 3 == 0:
                yield {"enterprise": pk, "kind": "tsme", "year": last + 1, "number": "", "batch": "",
                       "issue_date": dt.date(last + 1, 6, 1), "expiry_date": dt.date(last + 2, 3, 31), "status": "valid",
                       "created_at": now, "updated_at": now}
            if i % 10 == 0:
                issue = dt.date(last - i % 3, 12, 1)
                yield {"enterprise": pk, "kind": "hte", "year": issue.year, "number": f"GRS{i:08d}", "batch": "",
                       "issue_date": issue, "expiry_date": dt.date(issue.year + 3, 11, 30), "status": "valid",
                       "created_at": now, "updated_at": now}
    n = write(Qualification, quals(), ["enterprise", "kind", "year", "number", "batch", "issue_date", "expiry_date",
                                       "status", "created_at", "updated_at"])
    t4 = time.perf_counter()
    print(f"qualifications   {n:>10,}  {t4 - t3:6.1f} s", flush=True)

    try:
        from kechuang.indicators.models import Indicator, IndicatorValue
    except ImportError:
        print("indicators module not installed: no indicator values")
        return 0
    region_prefix = "3302" if args.scale < 100 else "33"
    regions = list(Region.objects.filter(level__in=["district", "town"], code__startswith=region_prefix)
                   .values_list("code", flat=True)) + ([region_prefix] if len(region_prefix) == 4 else [])
    codes = list(Indicator.objects.exclude(kind="ratio").values_list("code", flat=True))
    first_year = dt.date.today().year - args.years
    with connection.cursor() as cur:
        cur.execute("DELETE FROM indicators_indicatorvalue WHERE note = %s", ["scale"])

    def values():
        for region in regions:
            base = Decimal(rng.randint(10, 5000))
            for code in codes:
                for y in range(first_year, first_year + args.years):
                    for m in range(1, 13):
                        yield {"region": region, "indicator": code, "year": y, "month": m,
                               "value": base * (1 + Decimal(y - first_year) / 10) * m / 12, "source": "imported",
                               "note": "scale", "created_at": now, "updated_at": now}
    n = write(IndicatorValue, values(), ["region", "indicator", "year", "month", "value", "source", "note",
                                         "created_at", "updated_at"])
    t5 = time.perf_counter()
    print(f"indicator values {n:>10,}  {t5 - t4:6.1f} s", flush=True)
    if connection.vendor == "postgresql":  # fresh statistics after a bulk load, as an operator would (autovacuum later)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    t6 = time.perf_counter()
    print(f"analyze                      {t6 - t5:6.1f} s")
    print(f"total                        {t6 - t0:6.1f} s  ({connection.vendor}, scale {args.scale}×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
