"""Concurrent voucher writers: how many approvals and orders per second the locked check-then-write sustains, and
proof that under contention the budget is never overspent and a grant never over-redeemed.

    python bench/finance_concurrency.py [--workers 16] [--applications 400] [--orders 400]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_finance_bench python bench/finance_concurrency.py

Prints figures (no assertions beyond the money invariants): ops/s, latency p50/p95, refusals by reason.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from decimal import Decimal

sys.path.insert(0, os.path.dirname(__file__))
from _finance_setup import percentile, setup_database, world  # noqa: E402


def race(jobs, workers):
    """Run jobs on `workers` threads (each with its own connection); return (outcomes, latencies, seconds)."""
    from django.db import connection

    from kechuang.core.errors import ValidationFailed

    lock = threading.Lock()
    queue = list(enumerate(jobs))
    outcomes, latencies = [None] * len(jobs), []
    barrier = threading.Barrier(workers)

    def run():
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    break
                i, job = queue.pop()
            t = time.perf_counter()
            try:
                job()
                outcomes[i] = "ok"
            except ValidationFailed as exc:
                outcomes[i] = exc.errors[0]["code"]
            except Exception as exc:  # reported in the output
                outcomes[i] = f"error:{type(exc).__name__}"
            with lock:
                latencies.append((time.perf_counter() - t) * 1000)
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return outcomes, latencies, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--applications", type=int, default=400)
    ap.add_argument("--orders", type=int, default=400)
    args = ap.parse_args()
    label = setup_database()
    from kechuang.finance import vouchers as V
    from kechuang.finance.ledger import grant_balances, programme_balances
    from kechuang.finance.selectors import programme_report

    # Budget for half the applications (each 10,000), so about half are refused as overspending.
    w = world(args.applications + 1, budget=str(10000 * (args.applications // 2) + 1_000_000), cap="1000000")
    p, bureau = w["programme"], w["bureau"]
    holder, *others = w["enterprises"]
    grant = V.application_approve(user=bureau, application=V.application_submit(
        user=bureau, programme=p, enterprise=holder, data={"amount": "1000000"}))
    apps = [V.application_submit(user=bureau, programme=p, enterprise=e, data={"amount": "10000"}) for e in others]
    clerk = __import__("kechuang.core.models", fromlist=["User"]).User.objects.create(
        username="bench_clerk", role="enterprise", enterprise=holder)

    out = {"database": label, "workers": args.workers}
    results, lat, secs = race([lambda a=a: V.application_approve(user=bureau, application=a) for a in apps], args.workers)
    out["approvals"] = {"n": len(apps), "seconds": round(secs, 2), "ops_per_s": round(len(apps) / secs, 1),
                        "p50_ms": round(percentile(lat, .5), 1), "p95_ms": round(percentile(lat, .95), 1),
                        "outcomes": dict(Counter(results))}
    # Orders of 3,000 each against a 1,000,000 grant: 333 fit, the rest must be refused.
    jobs = [lambda: V.order_create(user=clerk, grant=grant, agency=w["agency"],
                                   data={"category": "testing", "service": "基准", "fee": "3000"})
            for _ in range(args.orders)]
    results, lat, secs = race(jobs, args.workers)
    out["orders"] = {"n": args.orders, "seconds": round(secs, 2), "ops_per_s": round(args.orders / secs, 1),
                     "p50_ms": round(percentile(lat, .5), 1), "p95_ms": round(percentile(lat, .95), 1),
                     "outcomes": dict(Counter(results))}
    b, g = programme_balances(p), grant_balances(grant)
    report = programme_report(p)
    out["invariants"] = {"available": str(b.available), "granted": str(b.granted), "budget": str(b.budget),
                         "grant_free": str(g.free), "grant_reserved": str(g.reserved),
                         "never_overspent": b.available >= 0, "never_over_redeemed": g.free >= 0,
                         "reconciles": report["balanced"]}
    t = time.perf_counter()
    programme_report(p)
    out["reconciliation_ms"] = round((time.perf_counter() - t) * 1000, 1)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    ok = out["invariants"]["never_overspent"] and out["invariants"]["never_over_redeemed"] and report["balanced"]
    assert g.reserved == Decimal(3000) * out["orders"]["outcomes"].get("ok", 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
