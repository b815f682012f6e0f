"""Scale benchmark at 1×, 10× and 100× a district (issue #10): p50/p95 per operation on PostgreSQL.

    # once per scale: a database kc_scale<N>, `kechuang init`, then bench/scale_generate.py --scale N
    python bench/scale_bench.py --scale 1 --generate
    python bench/scale_bench.py --scale 10 [--repeats 20] [--batch-repeats 3] [--skip import,report]
    python bench/scale_bench.py --table          # merge bench/results/scale_*.json into one growth table

The database is DATABASE_URL when set, else postgres://postgres@127.0.0.1:5432/kc_scale<N>. Every web operation
goes through Django's test Client in this process (no network, no server: the figures are the application's
own cost — URL routing, scope, queries, serialisation/templates). Response caches (the indicator panel and
dashboard keep JSON in the cache) are cleared before each request, so the figures are the uncached cost.

The scale region is the generator's: 1× 330212 鄞州区 (5,000 enterprises), 10× 3302 宁波市 (50,000), 100× 33 浙江省
(500,000). The list and the batch jobs run as a bureau user of that region; the indicator panel and dashboard
are those of the home district 330212 at every scale. The district evaluation batch and the annual report run
over the scale region; a province is neither a valid evaluation region nor a report region, so at 100× they run
once per city of the province and the times are summed (stated in the output).

The marketplace documents grow with the scale: 1,000 achievements and 200 experts per 1× (synthesised from the
real abstracts of ../shared/data/benchmark/corpus.jsonl as in bench/market_100k.py; created here when missing).
Matching is `GET /api/market/demands/<id>/matches` (achievements, experts and agencies for a problem).

Prints a Markdown table (operation, scale, p50, p95, rows) and writes bench/results/scale_<N>.json. Asserts
nothing: these are figures, not tests.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from _common import pct  # noqa: E402  (bench/ is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
REGION = {1: "330212", 10: "3302", 100: "33"}
HOME = "330212"
ACH_PER_X, EXPERTS_PER_X = 1000, 200
IMPORT_SERIAL0 = 20_000_000  # import rows' USCC serials (the generator's are ≥ 60,000,000)


def db_url(scale: int) -> str:
    return os.environ.get("DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/kc_scale{scale}"


def ensure_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    u = urlparse(url)
    name = u.path.lstrip("/")
    with psycopg.connect(u._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def generate(scale: int, env: dict) -> dict:
    """`kechuang init` and bench/scale_generate.py as child processes (niced), timed."""
    out = {}
    t = time.perf_counter()
    subprocess.run(["nice", sys.executable, "-m", "kechuang.cli", "init"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    out["init_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    proc = subprocess.run(["nice", sys.executable, str(ROOT / "bench" / "scale_generate.py"), "--scale", str(scale)],
                          env=env, check=True, capture_output=True, text=True)
    out["generate_s"] = round(time.perf_counter() - t, 1)
    out["generate_log"] = proc.stdout
    print(proc.stdout, flush=True)
    return out


# -- fixtures of the benchmark (users, marketplace documents, problems) ------------------------------------------

def user(username: str, region: str):
    from kechuang.core.choices import Role
    from kechuang.core.models import User

    u = User.objects.filter(username=username).first()
    if u is None:
        u = User(username=username, role=Role.BUREAU, region_id=region, is_staff=True)
        u.set_unusable_password()
        u.save()
    return u


def ensure_market(scale: int, log, fraction: float = 1.0) -> dict:
    """Published achievements and experts in proportion to the scale (synthesised from the real abstracts)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from django.db import transaction
    from django.utils import timezone

    from kechuang.core.choices import PublicationStatus
    from kechuang.enterprises.models import Institution
    from kechuang.market.models import Achievement, Expert
    from kechuang.regions.models import HitechDomain

    want_a, want_e = round(ACH_PER_X * scale * fraction), round(EXPERTS_PER_X * scale * fraction)
    have_a = Achievement.objects.filter(keywords="规模测试").count()
    have_e = Expert.objects.filter(keywords="规模测试").count()
    if have_a == want_a and have_e == want_e:
        return {"achievements": have_a, "experts": have_e, "created": False}
    t0 = time.perf_counter()
    from market_100k import synthesize  # bench/market_100k.py: same method as the 100k matching benchmark

    from kechuang.market.matching.bench import read_corpus

    real = read_corpus(str(ROOT.parent / "shared" / "data" / "benchmark" / "corpus.jsonl"))
    docs, _ = synthesize(real, want_a + want_e, seed=20240601 + scale)
    domains = list(HitechDomain.objects.filter(level=1).values_list("code", flat=True))
    insts = list(Institution.objects.all()[:20])
    if not insts:
        insts = [Institution.objects.create(name="规模测试研究院")]
    rng = random.Random(scale)
    now = timezone.now()
    P = PublicationStatus.PUBLISHED
    seen: set[tuple[int, str]] = set()

    def unique_title(inst, title: str) -> str:  # one title per owner (a constraint); synthetic titles may repeat
        t, k = title[:190], 1
        while (inst.pk, t) in seen:
            k += 1
            t = f"{title[:190]}（{k}）"
        seen.add((inst.pk, t))
        return t
    with transaction.atomic():
        Achievement.objects.filter(keywords="规模测试")._raw_delete(Achievement.objects.db)
        Expert.objects.filter(keywords="规模测试")._raw_delete(Expert.objects.db)
        for i in range(0, want_a, 5000):
            Achievement.objects.bulk_create([
                Achievement(title=unique_title(inst, d["title"]), description=d["text"], owner_institution=inst,
                            region_id=HOME, domain_id=rng.choice(domains), keywords="规模测试", status=P,
                            created_at=now, updated_at=now)
                for d, inst in ((d, rng.choice(insts)) for d in docs[i:min(i + 5000, want_a)])], batch_size=2000)
        for i in range(want_a, want_a + want_e, 5000):
            Expert.objects.bulk_create([
                Expert(name=f"专家{j}", institution=rng.choice(insts), title="研究员", fields=d["title"][:300],
                       keywords="规模测试", bio=d["text"], domain_id=rng.choice(domains), status=P,
                       created_at=now, updated_at=now)
                for j, d in enumerate(docs[i:min(i + 5000, want_a + want_e)], start=i)], batch_size=2000)
    log(f"marketplace: {want_a:,} achievements + {want_e:,} experts created in {time.perf_counter() - t0:.1f} s")
    return {"achievements": want_a, "experts": want_e, "created": True}


def ensure_problems(bureau) -> list[int]:
    """The demo's technical problems, posted (draft) for a synthetic enterprise of the scale region."""
    from kechuang.enterprises.models import Enterprise
    from kechuang.market.demo import PROBLEMS
    from kechuang.market.models import Demand

    ent = Enterprise.objects.filter(name__startswith="规模测试", town__code__startswith=HOME).order_by("pk").first() \
        or Enterprise.objects.filter(name__startswith="规模测试").order_by("pk").first()
    ids = []
    for title, desc, kw, domain in PROBLEMS:
        d = Demand.objects.filter(enterprise=ent, title=title).first()
        if d is None:
            d = Demand.objects.create(enterprise=ent, title=title, description=desc, keywords=kw, domain_id=None,
                                      posted_by=bureau)
        ids.append(d.pk)
    return ids


# -- operations ------------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, scale: int, repeats: int, batch_repeats: int, log):
        self.scale, self.repeats, self.batch_repeats, self.log = scale, repeats, batch_repeats, log
        self.rows: list[dict] = []

    def timed(self, op: str, fn, n: int, rows: int | str = "", note: str = "") -> list[float]:
        fn()  # warm-up (imports, first connection, lazy caches) — not counted
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        self.record(op, times, rows, note)
        return times

    def record(self, op: str, times: list[float], rows: int | str = "", note: str = "") -> None:
        row = {"operation": op, "scale": self.scale, "n": len(times), "p50_ms": round(pct(times, 50) * 1000, 1),
               "p95_ms": round(pct(times, 95) * 1000, 1), "rows": rows, "note": note,
               "load": round(os.getloadavg()[0], 1)}
        self.rows.append(row)
        self.log(f"  {op:<42} p50 {row['p50_ms']:>10,.1f} ms  p95 {row['p95_ms']:>10,.1f} ms  n={len(times)}  "
                 f"rows={rows}  load={row['load']}")


def get(client, url: str, *, clear_cache: bool = False):
    from django.core.cache import cache

    if clear_cache:
        cache.clear()
    r = client.get(url)
    if r.status_code != 200:
        raise SystemExit(f"GET {url} answered {r.status_code}: {r.content[:300]!r}")
    return r


def web_operations(b: Bench, region: str) -> None:
    from django.test import Client

    from kechuang.enterprises.models import Enterprise
    from kechuang.indicators.selectors import last_complete_period

    scale_user, home_user = user(f"scale_bureau_{region}", region), user("scale_bureau_home", HOME)
    c = Client()
    c.force_login(scale_user)
    n = b.repeats
    api = "/api/enterprises/enterprises"
    total = get(c, api).json()["count"]
    town = (Enterprise.objects.filter(name__startswith="规模测试", town__code__startswith=region)
            .order_by("pk").values_list("town_id", flat=True).first())
    town_rows = get(c, f"{api}?town={town}").json()["count"]
    deep = max(1, int(math.ceil(total / 50) * 0.9))
    b.timed("enterprise list API, page 1", lambda: get(c, api), n, total)
    b.timed("enterprise list API, 90% deep page", lambda: get(c, f"{api}?page={deep}"), n, total, f"page {deep}")
    b.timed("enterprise list API, town filter", lambda: get(c, f"{api}?town={town}"), n, town_rows)
    b.timed("enterprise list API, industry 65", lambda: get(c, f"{api}?industry=65"), n, total)
    b.timed("enterprise list API, valid HTE", lambda: get(c, f"{api}?qualification=hte"), n,
            get(c, f"{api}?qualification=hte").json()["count"])
    b.timed("enterprise list API, search by name", lambda: get(c, f"{api}?q=规模测试1234"), n,
            get(c, f"{api}?q=规模测试1234").json()["count"])
    b.timed("enterprise list page (HTML), page 1", lambda: get(c, "/enterprises/"), n, total)
    b.timed("enterprise list page, town + HTE filter",
            lambda: get(c, f"/enterprises/?town={town}&qualification=hte"), n, town_rows)

    h = Client()
    h.force_login(home_user)
    period = last_complete_period()
    codes = ["GDP", "HT_IND_VA", "RD_GDP_RATIO", "HTE_VALID"]
    from kechuang.indicators.models import IndicatorValue

    values = IndicatorValue.objects.count()
    b.timed("indicator panel API (330212, uncached)",
            lambda: get(h, f"/api/indicators/panel?region={HOME}&period={period}", clear_cache=True), n, values)

    def dashboard_api():
        from django.core.cache import cache

        cache.clear()
        get(h, f"/api/indicators/panel?region={HOME}&period={period}")
        for code in codes:
            for kind, arg in (("trend", "end"), ("ranking", "period"), ("breakdown", "period")):
                get(h, f"/api/indicators/{kind}?region={HOME}&code={code}&{arg}={period}")
    b.timed(f"dashboard API (panel + {len(codes)}×trend/ranking/breakdown, uncached)", dashboard_api, n, values)
    b.timed("dashboard page (HTML, uncached)", lambda: get(h, f"/indicators/?region={HOME}", clear_cache=True), n,
            values)


def matching(b: Bench, region: str, market: dict) -> None:
    from django.test import Client

    from kechuang.market import search

    bureau = user(f"scale_bureau_{region}", region)
    ids = ensure_problems(bureau)
    c = Client()
    c.force_login(bureau)
    docs = market["achievements"] + market["experts"]
    search.reset_index()
    from kechuang.market.matching import engine  # noqa: F401 - the import (numpy, rjieba) is not the index build

    t = time.perf_counter()
    get(c, f"/api/market/demands/{ids[0]}/matches")
    b.record("market index build (first query)", [time.perf_counter() - t], docs)
    i = iter(range(10**9))
    b.timed("matching a problem (demands/<id>/matches)",
            lambda: get(c, f"/api/market/demands/{ids[next(i) % len(ids)]}/matches"), b.repeats, docs)


def evaluation_batch(b: Bench, region: str, only: str | None = None) -> None:
    from kechuang.enterprises.models import Enterprise
    from kechuang.evaluation.services import evaluation_run_execute, evaluation_run_start
    from kechuang.regions.models import Region

    bureau = user(f"scale_bureau_{region}", region)
    level = Region.objects.get(code=region).level
    regions = [region] if level in ("city", "district", "town") else \
        list(Region.objects.filter(level="city", code__startswith=region).order_by("code").values_list("code", flat=True))
    if only:
        regions = [only]
    rows = sum(Enterprise.objects.filter(town__code__startswith=code).count() for code in regions)
    times = []
    for _ in range(b.batch_repeats):
        t = time.perf_counter()
        for code in regions:
            run = evaluation_run_start(user=bureau, region=code)
            evaluation_run_execute(run.pk)
        times.append(time.perf_counter() - t)
    note = "" if len(regions) == 1 else f"summed over {len(regions)} cities (a province is not a run region)"
    if only:
        note = f"region {only} only (of the {region} data, to fit the time budget)"
    b.record("district evaluation batch (HTE + TSME pool)", times, rows, note)


def annual_report(b: Bench, region: str, only: str | None = None) -> None:
    from kechuang.regions.models import Region
    from kechuang.reports.services import generate_files

    level = Region.objects.get(code=region).level
    regions = [region] if level in ("city", "district") else \
        list(Region.objects.filter(level="city", code__startswith=region).order_by("code").values_list("code", flat=True))
    if only:
        regions = [only]
    year = dt.date.today().year - 1
    out = Path(tempfile.mkdtemp(prefix="kc-scale-report-"))
    times = []
    for k in range(b.batch_repeats):
        t = time.perf_counter()
        for code in regions:
            generate_files("annual", code, year, None, out / f"annual-{code}-{k}.docx", pdf=False)
        times.append(time.perf_counter() - t)
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    note = "DOCX, no PDF" + ("" if len(regions) == 1 else f"; summed over {len(regions)} cities")
    if only:
        note += f"; region {only} only"
    from kechuang.enterprises.models import Enterprise

    b.record(f"annual report {year} (figures + DOCX)", times,
             sum(Enterprise.objects.filter(town__code__startswith=code).count() for code in regions), note)


def import_rows(b: Bench, rows: int) -> None:
    """Import `rows` new enterprise rows (xlsx, full validation and change log) once, then remove them again."""
    import xlsxwriter

    from kechuang.core.importing import run_import
    from kechuang.core.uscc import make_uscc
    from kechuang.enterprises.models import Enterprise
    from kechuang.regions.models import Region

    towns = list(Region.objects.filter(level="town", code__startswith=HOME).values_list("code", flat=True))

    def cleanup():
        mine = Enterprise.objects.filter(name__startswith="规模导入")
        Enterprise.history.filter(name__startswith="规模导入")._raw_delete(Enterprise.history.db)
        mine._raw_delete(Enterprise.objects.db)
    cleanup()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["统一社会信用代码", "企业名称", "所属镇街代码", "行业代码", "成立日期", "职工人数", "规上企业"])
    for i in range(rows):
        ws.write_row(i + 1, 0, [make_uscc(HOME, IMPORT_SERIAL0 + i), f"规模导入{i}科技有限公司", towns[i % len(towns)],
                                "6513", "2016-04-01", 10 + i % 300, "否"])
    wb.close()
    data = buf.getvalue()
    t = time.perf_counter()
    result = run_import("enterprises", data, "scale.xlsx", user=None)
    took = time.perf_counter() - t
    if not result.ok:
        raise SystemExit(f"import failed: {result.errors[:3]}")
    b.record(f"import {rows:,} enterprise rows (xlsx)", [took], rows, f"{rows / took:,.0f} rows/s")
    cleanup()


# -- output ----------------------------------------------------------------------------------------------------

def fmt_ms(v: float) -> str:
    return f"{v / 1000:,.1f} s" if v >= 10_000 else f"{v:,.1f} ms"


def markdown(rows: list[dict]) -> str:
    out = ["| operation | scale | p50 | p95 | rows | n | note |", "|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        rows_s = f"{r['rows']:,}" if isinstance(r["rows"], int) else str(r["rows"])
        out.append(f"| {r['operation']} | {r['scale']}× | {fmt_ms(r['p50_ms'])} | {fmt_ms(r['p95_ms'])} | {rows_s} "
                   f"| {r['n']} | {r.get('note', '')} |")
    return "\n".join(out)


def growth_table() -> str:
    runs = {}
    for f in sorted(RESULTS.glob("scale_*.json")):
        data = json.loads(f.read_text())
        runs[data["scale"]] = data
    if not runs:
        return "no results in bench/results/ (run --scale 1/10/100 first)"
    scales = sorted(runs)
    import re

    def name(op: str) -> str:  # older results named the deep page by its number
        return re.sub(r"page \d+ \(90% deep\)", "90% deep page", op)
    ops: list[str] = []
    for s in scales:
        for r in runs[s]["rows"]:
            if name(r["operation"]) not in ops:
                ops.append(name(r["operation"]))

    def find(s, op):
        for r in runs[s]["rows"]:
            if name(r["operation"]) == op:
                return r
        return None
    head = "| operation | " + " | ".join(f"{s}× p50 / p95 (rows)" for s in scales) + \
        "".join(f" | {s}×/1× (p50)" for s in scales if s != 1) + " |"
    out = [head, "|---|" + "---|" * len(scales) + "---:|" * len([s for s in scales if s != 1])]
    for op in ops:
        cells, ratios = [], []
        base = find(1, op) if 1 in runs else None
        for s in scales:
            r = find(s, op)
            if r is None:
                cells.append("—")
                continue
            rows_s = f"{r['rows']:,}" if isinstance(r["rows"], int) else str(r["rows"])
            cells.append(f"{fmt_ms(r['p50_ms'])} / {fmt_ms(r['p95_ms'])} ({rows_s})")
        for s in scales:
            if s == 1:
                continue
            r = find(s, op)
            ratios.append(f"{r['p50_ms'] / base['p50_ms']:.1f}×" if r and base and base["p50_ms"] else "—")
        out.append(f"| {op} | " + " | ".join(cells) + "".join(f" | {x}" for x in ratios) + " |")
    notes = [f"- {s}×: {runs[s]['database']}, {runs[s]['when']} (local time), load {runs[s]['load_before']} → "
             f"{runs[s]['load_after']} (1-min average, {runs[s]['cpus']} cores); data: "
             + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in runs[s]["data"].items())
             + (f"; {runs[s]['comment']}" if runs[s].get("comment") else "") for s in scales]
    return "\n".join(out + [""] + notes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, choices=[1, 10, 100])
    ap.add_argument("--repeats", type=int, default=20, help="repeats of each web operation (default 20)")
    ap.add_argument("--batch-repeats", type=int, default=3, help="repeats of the batch jobs (evaluation, report)")
    ap.add_argument("--import-rows", type=int, default=100_000)
    ap.add_argument("--generate", action="store_true", help="create the database: kechuang init + scale_generate")
    ap.add_argument("--skip", default="", help="comma-separated: web,matching,evaluation,report,import")
    ap.add_argument("--market-fraction", type=float, default=1.0,
                    help="marketplace documents at this fraction of 1,200 per 1× (time budget)")
    ap.add_argument("--batch-region", default=None,
                    help="run the evaluation batch and the report over this region only (time budget at 100×)")
    ap.add_argument("--comment", default="", help="stated with the results (e.g. what fraction of 100× ran)")
    ap.add_argument("--table", action="store_true", help="print the growth table of the saved results")
    args = ap.parse_args()
    if args.table:
        print(growth_table())
        return 0
    if not args.scale:
        ap.error("--scale or --table")
    skip = {s for s in args.skip.split(",") if s}

    def log(*a):
        print(*a, file=sys.stderr, flush=True)

    url = db_url(args.scale)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("KECHUANG_HOME", tempfile.mkdtemp(prefix=f"kc-scale{args.scale}-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    ensure_database(url)
    meta = {}
    if args.generate:
        meta.update(generate(args.scale, {**os.environ}))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test Client's host name is allowed
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the checkout may have gained migrations since the data were generated
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # planner statistics after the bulk load (autovacuum would, eventually)
    from kechuang.enterprises.models import AnnualData, Enterprise, IPRecord, Qualification
    from kechuang.indicators.models import IndicatorValue

    region = REGION[args.scale]
    data = {"enterprises": Enterprise.objects.count(), "annual_data": AnnualData.objects.count(),
            "ip_records": IPRecord.objects.count(), "qualifications": Qualification.objects.count(),
            "indicator_values": IndicatorValue.objects.count()}
    log(f"scale {args.scale}× on {connection.vendor} {connection.settings_dict['NAME']}: "
        + ", ".join(f"{k} {v:,}" for k, v in data.items()))
    if not data["enterprises"]:
        raise SystemExit("no data: run with --generate (or bench/scale_generate.py) first")
    load_before = os.getloadavg()[0]
    b = Bench(args.scale, args.repeats, args.batch_repeats, log)
    market = ensure_market(args.scale, log, args.market_fraction) if "matching" not in skip else {}
    data.update({k: market[k] for k in ("achievements", "experts") if k in market})
    t0 = time.perf_counter()
    if "web" not in skip:
        web_operations(b, region)
    if "matching" not in skip:
        matching(b, region, market)
    if "evaluation" not in skip:
        evaluation_batch(b, region, args.batch_region)
    if "report" not in skip:
        annual_report(b, region, args.batch_region)
    if "import" not in skip:
        import_rows(b, args.import_rows)
    result = {"scale": args.scale, "database": f"{connection.vendor} {connection.settings_dict['NAME']}",
              "when": dt.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
              "load_before": round(load_before, 1), "load_after": round(os.getloadavg()[0], 1),
              "seconds": round(time.perf_counter() - t0, 1), "data": data, "rows": b.rows,
              "comment": args.comment, **meta}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"scale_{args.scale}.json"
    if skip and path.exists():  # a partial re-run keeps the earlier figures of the operations it skipped
        done = {r["operation"] for r in b.rows}
        kept = [dict(r, note=(r.get("note") or "") + f" (earlier run, load {r.get('load')})")
                for r in json.loads(path.read_text())["rows"] if r["operation"] not in done]
        result["rows"] = b.rows + kept
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(markdown(b.rows))
    print(f"\nsaved {path.relative_to(ROOT)}; data: " + ", ".join(f"{k} {v:,}" for k, v in data.items())
          + f"; load {result['load_before']} → {result['load_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
