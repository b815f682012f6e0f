"""Page latency while a large import and an annual report run on a Celery worker, against idle (issue #10).

    python bench/celery_responsiveness.py [--rows 50000] [--idle-rounds 10] [--web-workers 2] [--concurrency 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_celery_bench python bench/celery_responsiveness.py

Starts the production topology as processes — gunicorn (kechuang.wsgi) and `celery -A kechuang worker` with
Redis (127.0.0.1:6379) as broker and cache — over a database of its own (the PostgreSQL database named by
DATABASE_URL, dropped and recreated; else an SQLite file in a temporary folder), initialised with `kechuang init`.
Then, through HTTP only: page latencies while idle; an import of --rows enterprises (imports page → background
job) and an annual report (reports page → background job), their progress polled through /api/jobs/<id> while a
second session keeps requesting the same pages. Prints p50/p95 per page, idle vs during the jobs, and the jobs'
progress trail. The harness is the one of src/kechuang/core/tests/test_celery_jobs.py. Asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from _common import pct  # noqa: E402  (bench/ is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--idle-rounds", type=int, default=10)
    ap.add_argument("--web-workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    os.environ.setdefault("KECHUANG_HOME", "/tmp/kc-celery-bench-client")
    import django

    django.setup()  # only for the import file's USCC check digits
    from kechuang.core.tests.test_celery_jobs import Stack, redis_reachable, run_jobs_under_load

    if not redis_reachable():
        print("Redis is not reachable at 127.0.0.1:6379")
        return 1
    url = os.environ.get("DATABASE_URL", "")
    stack = Stack(db_url=url if url.startswith("postgres") else None, workers=args.web_workers,
                  concurrency=args.concurrency, log=lambda m: print(m, flush=True))
    load0 = os.getloadavg()
    try:
        stack.setup()
        stack.start()
        print(f"web http://127.0.0.1:{stack.port} ({args.web_workers} gunicorn workers × 4 threads), Celery worker "
              f"(concurrency {args.concurrency}), broker redis db {stack.redis_db}; database "
              f"{'PostgreSQL' if stack.db_url else 'SQLite'}", flush=True)
        out = run_jobs_under_load(stack, rows=args.rows, idle_rounds=args.idle_rounds)
    finally:
        stack.stop()
    load1 = os.getloadavg()
    by = {"idle": defaultdict(list), "during": defaultdict(list)}
    for phase in by:
        for page, code, t in out[phase]:
            by[phase][page].append(t * 1000)
    print(f"\nimport of {args.rows:,} rows ({out['bytes'] / 1e6:.1f} MB xlsx) + annual report: both finished in "
          f"{out['seconds']} s")
    for name, j in out["final"].items():
        trail = out["trails"][name]
        seen = sorted({p for _, _, p, _ in trail})
        print(f"  {name:<7} {j['status']:<6} progress seen {seen[:8]}{' …' if len(seen) > 8 else ''} of {j['total']}; "
              f"{len(trail)} polls")
    print("\n| page | idle p50 | idle p95 | during jobs p50 | during jobs p95 | n (during) | non-200 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for page in by["idle"]:
        i, d = by["idle"][page], by["during"][page]
        bad = sum(1 for p, c, _ in out["idle"] + out["during"] if p == page and c != 200)
        print(f"| {page} | {pct(i, 50):.0f} ms | {pct(i, 95):.0f} ms | {pct(d, 50):.0f} ms | {pct(d, 95):.0f} ms "
              f"| {len(d)} | {bad} |")
    alli = [t for v in by["idle"].values() for t in v]
    alld = [t for v in by["during"].values() for t in v]
    print(f"| all pages | {pct(alli, 50):.0f} ms | {pct(alli, 95):.0f} ms | {pct(alld, 50):.0f} ms | "
          f"{pct(alld, 95):.0f} ms | {len(alld)} | |")
    print(f"\nload average (1 min) {load0[0]:.1f} → {load1[0]:.1f} on {os.cpu_count()} cores "
          f"(other processes share the machine); median during/idle = "
          f"{statistics.median(alld) / statistics.median(alli):.1f}×" if alli and alld else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
