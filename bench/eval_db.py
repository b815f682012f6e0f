"""District batch evaluation from the database: 60,000 enterprises with 3 years of annual data and IP.

Usage:
    python bench/eval_db.py [--enterprises 60000] [--seed 11] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_eval_bench python bench/eval_db.py [--recreate]

Without DATABASE_URL a throwaway SQLite file is used (removed afterwards unless --keep). With a PostgreSQL URL the
database is created when missing; --recreate drops and recreates it first (only for a name containing "bench").
The data are bulk-inserted (no change log: this is a load generator, not an import), then the district batch of
the evaluation app runs exactly as from the page — `evaluation_run_start` + `evaluation_run_execute` — and the
wall time is printed with its read share. Target on this machine: under 60 s for 60,000 enterprises.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

HOME = "330212"
DAY = dt.date(2026, 6, 1)
YEARS = (2023, 2024, 2025)
CENT = Decimal("0.01")


def prepare_postgres(url: str, recreate: bool) -> None:
    """Create the benchmark database when missing (or drop and recreate it on request)."""
    from urllib.parse import urlparse

    import psycopg

    u = urlparse(url)
    name = u.path.lstrip("/")
    admin = u._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and recreate:
            if "bench" not in name:
                raise SystemExit(f"refusing to drop {name!r}: --recreate only drops a database named *bench*")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def generate(n: int, seed: int) -> dict[str, int]:
    """Bulk-insert n enterprises of the home district with annual data, IP and some qualifications."""
    from django.utils import timezone

    from kechuang.core.uscc import make_uscc
    from kechuang.enterprises.models import AnnualData, Enterprise, IPRecord, Qualification
    from kechuang.regions.models import HitechDomain, Region

    rng = random.Random(seed)
    now = timezone.now()
    towns = list(Region.objects.filter(level="town", code__startswith=HOME).values_list("code", flat=True))
    domains = list(HitechDomain.objects.filter(level=3).values_list("code", flat=True)[:50])
    batch = 5000
    counts = {"enterprises": 0, "annual": 0, "ip": 0, "qualifications": 0}
    kinds = ["invention", "utility_model", "utility_model", "software", "design"]
    for start in range(0, n, batch):
        ents = []
        for i in range(start, min(n, start + batch)):
            ents.append(Enterprise(
                uscc=make_uscc(HOME, 30000000 + i), name=f"宁波评价基准{i}科技有限公司", town_id=towns[i % len(towns)],
                industry_id=None, domain_id=rng.choice(domains) if rng.random() < 0.8 else None,
                founded_on=dt.date(rng.randint(2005, 2024), rng.randint(1, 12), rng.randint(1, 28)),
                staff=rng.randint(5, 800), created_at=now, updated_at=now))
        Enterprise.objects.bulk_create(ents, batch_size=2000)
        ents = list(Enterprise.objects.filter(uscc__in=[e.uscc for e in ents]).only("pk", "founded_on"))
        annual, ips, quals = [], [], []
        for e in ents:
            p = rng.random()  # a latent innovativeness: ratios spread around the HTE thresholds
            sales = rng.lognormvariate(7.6, 1.1) * 10000
            net = sales * rng.uniform(0.2, 0.9)
            staff = rng.randint(8, 600)
            for y in YEARS:
                if y < e.founded_on.year:
                    continue
                rd = sales * (0.01 + 0.07 * p * rng.uniform(0.6, 1.2))
                income = sales * 1.03
                annual.append(AnnualData(
                    enterprise_id=e.pk, year=y, staff_total=staff, staff_tech=min(staff, int(staff * (0.03 + 0.3 * p))),
                    sales=money(sales), total_income=money(income), non_taxable_income=Decimal("0.00"),
                    hitech_income=money(income * min(0.95, 0.3 + 0.6 * p)), rd_expense=money(rd),
                    rd_domestic=money(rd * rng.uniform(0.5, 1.0)), net_assets=money(net),
                    total_assets=money(net * 1.8), cost_expense_total=money(sales * 0.85),
                    created_at=now, updated_at=now))
                sales *= 1 + rng.uniform(-0.1, 0.4)
                net *= 1 + rng.uniform(-0.05, 0.25)
            for k in range(rng.randint(0, 6)):
                ips.append(IPRecord(
                    enterprise_id=e.pk, kind=rng.choice(kinds), number=f"B{e.pk}-{k}", title="一种基准测试方法",
                    acquisition="self" if rng.random() < 0.9 else "transfer",
                    granted_on=dt.date(rng.randint(2015, 2025), rng.randint(1, 12), 1),
                    used_in_hte=rng.random() < 0.15, created_at=now, updated_at=now))
            if p > 0.85:
                y = rng.choice((2023, 2024, 2025))
                issue = dt.date(y, 12, 1)
                quals.append(Qualification(enterprise_id=e.pk, kind="hte", year=y, issue_date=issue,
                                           expiry_date=dt.date(y + 3, 11, 30), created_at=now, updated_at=now))
            if p > 0.3 and rng.random() < 0.6:
                quals.append(Qualification(enterprise_id=e.pk, kind="tsme", year=2026, issue_date=dt.date(2026, 5, 1),
                                           expiry_date=dt.date(2027, 3, 31), created_at=now, updated_at=now))
        AnnualData.objects.bulk_create(annual, batch_size=2000)
        IPRecord.objects.bulk_create(ips, batch_size=2000)
        Qualification.objects.bulk_create(quals, batch_size=2000)
        counts["enterprises"] += len(ents)
        counts["annual"] += len(annual)
        counts["ip"] += len(ips)
        counts["qualifications"] += len(quals)
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--enterprises", type=int, default=60_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--keep", action="store_true", help="keep the throwaway SQLite file")
    ap.add_argument("--recreate", action="store_true", help="drop and recreate the PostgreSQL bench database")
    args = ap.parse_args()

    tmp = None
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        tmp = tempfile.mkdtemp(prefix="kc_eval_bench_")
        os.environ["KECHUANG_HOME"] = tmp
    elif url.startswith("postgres"):
        prepare_postgres(url, args.recreate)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from django.db import connection

    from kechuang.core.bootstrap import initialise
    from kechuang.enterprises.models import Enterprise
    from kechuang.evaluation.profiles import load_facts
    from kechuang.evaluation.services import evaluation_run_execute, evaluation_run_start
    from kechuang.regions.services import home_region_set

    try:
        t0 = time.perf_counter()
        initialise()
        home_region_set(HOME)
        if Enterprise.objects.exists():
            raise SystemExit("the database already holds enterprises: use a fresh one (or --recreate for PostgreSQL)")
        t1 = time.perf_counter()
        counts = generate(args.enterprises, args.seed)
        t2 = time.perf_counter()

        def progress(done, total):
            print(f"\r  evaluated {done:,} / {total:,}", end="", flush=True)

        run = evaluation_run_start(user=None, region=HOME, on=DAY)
        load_before = os.getloadavg()[0]
        cpu0 = time.process_time()
        t3 = time.perf_counter()
        run = evaluation_run_execute(run.pk, progress=progress)
        t4 = time.perf_counter()
        cpu = time.process_time() - cpu0
        load_after = os.getloadavg()[0]
        print()
        # The read share: the same loads the batch made, timed alone (overlapped with evaluation in the batch).
        ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
        t5 = time.perf_counter()
        for i in range(0, len(ids), 2000):
            load_facts(ids[i:i + 2000], DAY, tsme=False)
        t6 = time.perf_counter()
        batch = t4 - t3
        print(f"database              {connection.vendor} ({connection.settings_dict['NAME']})")
        print(f"setup (migrate, ref)  {t1 - t0:.1f} s")
        print(f"data generated        {counts['enterprises']:,} enterprises, {counts['annual']:,} annual rows, "
              f"{counts['ip']:,} IP, {counts['qualifications']:,} qualifications in {t2 - t1:.1f} s")
        print(f"district batch        {batch:.1f} s for {run.total:,} enterprises "
              f"→ {run.total / batch:,.0f} enterprises/s ({batch / max(run.total, 1) * 1e6:,.0f} µs each)"
              f"  [target < 60 s: {'met' if batch < 60 else 'NOT met'}]")
        print(f"  CPU of this process {cpu:.1f} s (the rest of the wall time is waiting: database server, other load)")
        print(f"  machine load        {load_before:.1f} → {load_after:.1f} (1-min load average, {os.cpu_count()} cores)")
        print(f"  of which reading    {t6 - t5:.1f} s (load_facts alone, 5 queries per 2,000 enterprises, as in the batch)")
        print(f"verdicts              qualified {run.qualified:,}, borderline {run.borderline:,}, "
              f"not qualified {run.not_qualified:,}, no data {run.no_data:,}; pool candidates {run.candidates:,}")
    finally:
        if tmp and not args.keep:
            connection.close()
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp:
            print(f"kept {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
