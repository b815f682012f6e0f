"""Latency of the marketplace's Django side on a demo database: scoped search (engine + restrict + resolve),
a problem's proposals (three searches), and the public pages, as an anonymous visitor and as a broker.

    KECHUANG_HOME=/tmp/kc_bench kechuang demo --no-serve      # once
    KECHUANG_HOME=/tmp/kc_bench python bench/market_web_latency.py [--rounds 3]

Prints figures; asserts nothing. Works on SQLite and PostgreSQL (DATABASE_URL).
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from _common import pct  # noqa: E402  (bench/ is on sys.path)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from kechuang.market import search
    from kechuang.market.demo import PROBLEMS
    from kechuang.market.models import Achievement, Demand

    n_docs = sum(1 for _ in search.documents())
    if not n_docs:
        print("no published listings: run `kechuang demo --no-serve` first")
        return 1
    broker = get_user_model().objects.filter(username="jingjiren").first()
    print(f"database: {connection.vendor}; published listings: {n_docs}")

    t0 = time.perf_counter()
    search.reset_index()
    search.search("预热", top=1)
    print(f"index build (first query): {(time.perf_counter() - t0) * 1000:.0f} ms")

    queries = [p[0] for p in PROBLEMS] + [p[2].replace("，", " ") for p in PROBLEMS]
    queries += list(Achievement.objects.order_by("pk").values_list("title", flat=True)[:60])
    for who, user in (("anonymous", None), ("broker", broker)):
        times = []
        for _ in range(args.rounds):
            for q in queries:
                t = time.perf_counter()
                search.search(q, user=user, top=10)
                times.append((time.perf_counter() - t) * 1000)
        print(f"search.search as {who:9s}: n={len(times)} p50={pct(times, 50):.1f} ms p95={pct(times, 95):.1f} ms "
              f"mean={statistics.mean(times):.1f} ms")

    demands = list(Demand.objects.filter(status="published")[:30])
    times = []
    for _ in range(args.rounds):
        for d in demands:
            t = time.perf_counter()
            search.proposals(d, user=broker, top=8)
            times.append((time.perf_counter() - t) * 1000)
    print(f"proposals (3 searches): n={len(times)} p50={pct(times, 50):.1f} ms p95={pct(times, 95):.1f} ms")

    client = Client()
    pages = ["/market/", "/market/achievements/", "/market/achievements/?q=材料", "/market/demands/",
             "/market/experts/", "/market/agencies/", "/market/search/?q=注塑+翘曲"]
    for url in pages:
        times = []
        for _ in range(max(args.rounds, 5)):
            t = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        print(f"GET {url:32s} {r.status_code} p50={pct(times, 50):.1f} ms p95={pct(times, 95):.1f} ms")
    if broker is not None and demands:
        client.force_login(broker)
        times = []
        for d in demands[:10]:
            t = time.perf_counter()
            client.get(f"/market/demands/{d.pk}/match/")
            times.append((time.perf_counter() - t) * 1000)
        print(f"GET match page (broker)           p50={pct(times, 50):.1f} ms p95={pct(times, 95):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
