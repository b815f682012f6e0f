"""Indicator benchmark: 10 years × 12 months × Ningbo's city, districts and towns × every stored indicator.

    python bench/indicators_bench.py [--years 10] [--clients 20] [--seconds 20] [--workers 2 --threads 10]
                                     [--client auto|wrk|asyncio|threads] [--screenshot FILE] [--json]

Uses the database named by DATABASE_URL (PostgreSQL: the database is created if missing; use a name of your own,
e.g. postgres://postgres@127.0.0.1:5432/kc_indicators_bench), else a SQLite file in a temporary directory. Measures

1. the panel of one district (selector + engine, no response cache), warm: target < 200 ms;
2. the dashboard API (panel, trend, ranking, breakdown for the KPI indicators) with N concurrent clients against
   gunicorn on a free localhost port (each client its own session and keep-alive connection): p95 target < 100 ms.
   gunicorn runs gthread workers, one per CPU, with a thread for every client's connection (`--workers 4
   --threads 4` is docs/deploy.md's production line). The clients must not starve the
   server of the machine's CPU: `wrk` (C, Debian package `wrk`; one connection and session per client, a Lua
   script picks the URLs) when installed, else one asyncio process; `--client threads` is the former
   urllib-per-thread client (about as much CPU as the server itself);
3. renders the dashboard in headless Chromium (Playwright, system chromium) and saves a screenshot.

Prints the figures; nothing is asserted (figures, not tests).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from _common import free_port, pct  # noqa: E402  (bench/ is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
ACCESS_LOG = os.path.join(tempfile.gettempdir(), "kc_indicators_bench_access.log")
KPI = ["GDP", "HT_IND_VA", "HT_IND_VA_SHARE", "RD_GDP_RATIO", "TECH_TRADE", "HTE_VALID", "HTE_NET_NEW", "TSI_REVENUE"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--years", type=int, default=10)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=20.0, help="measured load duration")
    p.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: one per CPU)")
    p.add_argument("--threads", type=int, default=0,
                   help="threads per gunicorn worker (gthread; default: enough for every client's keep-alive "
                        "connection, clients / workers; 1 = sync workers)")
    p.add_argument("--client", choices=("auto", "wrk", "asyncio", "threads"), default="auto",
                   help="load generator (auto: wrk if installed, else asyncio)")
    p.add_argument("--screenshot", default=os.path.join(tempfile.gettempdir(), "kc_indicators_dashboard.png"))
    p.add_argument("--no-browser", action="store_true")
    p.add_argument("--no-selectors", action="store_true", help="skip the in-process selector timings")
    p.add_argument("--warmup", type=float, default=10.0,
                   help="seconds of load before measuring (each worker computes each answer once: the response "
                        "cache is per process unless REDIS_URL is set)")
    p.add_argument("--keep", action="store_true", help="keep existing values (skip regeneration)")
    p.add_argument("--persistent-connections", action="store_true",
                   help="run gunicorn with bench/indicators_settings.py (SQLite connections kept open)")
    p.add_argument("--no-keep-alive", action="store_true",
                   help="a new connection per request (any free worker accepts it; keep-alive ties a client "
                        "to the worker that accepted its connection)")
    p.add_argument("--json", action="store_true")
    return p.parse_args()


def setup_environment() -> dict:
    env = {}
    if not os.environ.get("DATABASE_URL"):
        home = os.environ.get("KECHUANG_HOME") or os.path.join(tempfile.gettempdir(), "kc_indicators_bench")
        os.makedirs(home, exist_ok=True)
        os.environ["KECHUANG_HOME"] = home
        env["KECHUANG_HOME"] = home
    else:
        _ensure_postgres_database(os.environ["DATABASE_URL"])
        os.environ.setdefault("KECHUANG_HOME", tempfile.mkdtemp(prefix="kc_ind_bench_"))
        env["KECHUANG_HOME"] = os.environ["KECHUANG_HOME"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    return env


def _ensure_postgres_database(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    admin = psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres",
                            password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


# -- data ---------------------------------------------------------------------------------------------------------


def generate(years: int, keep: bool) -> dict:
    """Every non-formula indicator for Ningbo's city, districts and towns, monthly for `years` years."""
    from django.db import connection, transaction

    from kechuang.core.bootstrap import initialise
    from kechuang.indicators.bulk import insert_values
    from kechuang.indicators.cache import data_changed
    from kechuang.indicators.engine import Period
    from kechuang.indicators.models import Indicator, IndicatorValue, Target
    from kechuang.regions.models import Region

    t0 = time.perf_counter()
    initialise(home="330212")
    t_init = time.perf_counter() - t0
    end = Period.from_date(__import__("datetime").date.today()).previous()
    start = Period(end.year - years + 1, 1)
    months = list(Period.range(start, end))
    regions = list(Region.objects.filter(code__startswith="3302").values_list("code", "level", "parent_id"))
    towns = [c for c, lv, _ in regions if lv == "town"]
    districts = sorted(c for c, lv, _ in regions if lv == "district")
    codes = list(Indicator.objects.filter(formula="").order_by("position").values_list("code", "kind", "unit"))
    existing = IndicatorValue.objects.count()
    if keep and existing:
        return {"rows": existing, "generated": False, "months": len(months), "regions": len(regions),
                "indicators": len(codes), "period": str(end), "init_s": t_init}
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {IndicatorValue._meta.db_table}")
        cur.execute(f"DELETE FROM {IndicatorValue.history.model._meta.db_table}")
    rng = random.Random(7)
    t1 = time.perf_counter()

    def rows():
        for code, kind, unit in codes:
            places = 0 if unit in ("家", "件") else 4
            q = Decimal(1).scaleb(-places)
            per_district = {d: 0 for d in districts}
            sums: dict[tuple[str, Period], Decimal] = {}
            for town in towns:
                base = rng.uniform(0.5, 40.0) * (10 if places == 0 else 1)
                growth = rng.uniform(-0.02, 0.15)
                for p in months:
                    level = base * (1 + growth) ** (p.year - start.year)
                    v = level * p.month / 12 if kind == "flow" else level * (1 + growth * p.month / 12)
                    if kind == "ratio":
                        v = rng.uniform(1, 60)
                    value = Decimal(repr(v)).quantize(q, rounding=ROUND_HALF_UP)
                    yield town, code, p.year, p.month, value, "imported", ""
                    key = (town[:6], p)
                    sums[key] = sums.get(key, Decimal(0)) + value
            city: dict[Period, Decimal] = {}
            for (d, p), value in sums.items():
                per_district[d] += 1
                yield d, code, p.year, p.month, value, "imported", ""
                city[p] = city.get(p, Decimal(0)) + value
            for p, value in city.items():
                yield "3302", code, p.year, p.month, value, "imported", ""

    with transaction.atomic():
        n = insert_values(rows())
        year = end.year
        Target.objects.filter(region_id="330212", year=year).delete()
        Target.objects.bulk_create([Target(region_id="330212", indicator_id=c, year=year, growth_pct=Decimal(8))
                                    for c, kind, _ in codes if kind != "ratio"])
        data_changed()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {IndicatorValue._meta.db_table}")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return {"rows": n, "generated": True, "months": len(months), "regions": len(regions), "indicators": len(codes),
            "period": str(end), "init_s": round(t_init, 1), "insert_s": round(time.perf_counter() - t1, 1)}


# -- in-process panel ---------------------------------------------------------------------------------------------


def measure_selectors(period_text: str) -> dict:
    from django.db import reset_queries

    from kechuang.indicators import selectors
    from kechuang.indicators.engine import Period

    period = Period.parse(period_text)
    start = Period(period.year - 3, 1)
    out = {}
    cases = {
        "panel 330212": lambda: selectors.panel("330212", period),
        "panel 3302 (city)": lambda: selectors.panel("3302", period),
        "panel 330212001 (town)": lambda: selectors.panel("330212001", period),
        "trend GDP 46 months": lambda: selectors.trend("330212", "GDP", start, period),
        "ranking GDP among districts": lambda: selectors.ranking("330212", "GDP", period),
        "breakdown GDP by town": lambda: selectors.breakdown("330212", "GDP", period),
    }
    for name, fn in cases.items():
        t = time.perf_counter()
        fn()  # the first call reads the catalog and the region tree
        first = (time.perf_counter() - t) * 1000
        times = []
        for _ in range(30):
            reset_queries()
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        out[name] = {"first_ms": round(first, 1), "p50_ms": round(statistics.median(times), 1),
                     "p95_ms": round(pct(times, 95), 1), "max_ms": round(max(times), 1)}
    return out


# -- gunicorn + concurrent clients --------------------------------------------------------------------------------


def sessions(n: int) -> list[str]:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

    from kechuang.core.choices import Role
    from kechuang.core.models import User

    user = User.objects.filter(username="bench_bureau").first()
    if user is None:
        user = User(username="bench_bureau", role=Role.BUREAU, region_id="330212", first_name="基准")
        user.set_password("bench-kechuang-2026")
        user.save()
    keys = []
    for _ in range(n):
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        keys.append(s.session_key)
    return keys


def dashboard_urls(period: str) -> list[str]:
    """What one dashboard view fetches, for each KPI indicator the user may pick."""
    urls = [f"/api/indicators/panel?region=330212&period={period}"]
    for code in KPI:
        urls.append(f"/api/indicators/trend?region=330212&code={code}&end={period}")
        urls.append(f"/api/indicators/ranking?region=330212&code={code}&period={period}")
        urls.append(f"/api/indicators/breakdown?region=330212&code={code}&period={period}")
    return urls


def start_gunicorn(port: int, workers: int, env_extra: dict, persistent: bool = False,
                   threads: int = 1) -> subprocess.Popen:
    env = {**os.environ, **env_extra, "KECHUANG_LOG_LEVEL": "ERROR"}
    if persistent:
        env["DJANGO_SETTINGS_MODULE"] = "indicators_settings"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "bench"), env.get("PYTHONPATH", "")]))
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn, "kechuang.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(workers),
                             "--threads", str(threads), "--log-level", "warning", "--timeout", "120", "--access-logfile", ACCESS_LOG,
                             "--access-logformat", "%(U)s %(s)s %(D)s"], env=env, cwd=str(ROOT),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return proc
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def server_times() -> list[float]:
    """Milliseconds gunicorn spent in each API request (from reading it to writing the answer; no queueing)."""
    out = []
    with open(ACCESS_LOG, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[0].startswith("/api/indicators/"):
                out.append(int(parts[2]) / 1000)
    return out


def load(port: int, keys: list[str], urls: list[str], seconds: float, client: str = "wrk",
         keep_alive: bool = True) -> dict:
    """``len(keys)`` clients, each with its own session, request random dashboard URLs back to back for
    ``seconds``; latency per request as the client saw it (queueing included) and as gunicorn spent it."""
    open(ACCESS_LOG, "w").close()
    run = {"wrk": _load_wrk, "asyncio": _load_asyncio, "threads": _load_threads}[client]
    m = run(port, keys, urls, seconds, keep_alive)
    time.sleep(0.5)
    served = server_times() or [0.0]
    return {**m, "client": client, "server_p50_ms": round(pct(served, 50), 1),
            "server_p95_ms": round(pct(served, 95), 1)}


def _summary(lat: list[float], statuses: list[int], elapsed: float) -> dict:
    lat = lat or [0.0]
    errors = sum(1 for st in statuses if st != 200)
    return {"requests": len(statuses), "errors": errors, "rps": round(len(statuses) / elapsed, 1),
            "p50_ms": round(pct(lat, 50), 1), "p95_ms": round(pct(lat, 95), 1), "p99_ms": round(pct(lat, 99), 1),
            "max_ms": round(max(lat), 1)}


WRK_SCRIPT = """
local cookies = {%(cookies)s}
local paths = {%(paths)s}
local n = 0
function setup(thread)
  n = n + 1
  thread:set("cookie", cookies[n])
  thread:set("seed", n)
end
function init(args)
  math.randomseed(seed)
  wrk.headers["Cookie"] = "sessionid=" .. cookie
  wrk.headers["Accept"] = "application/json"
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("KC_RESULT %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


def _load_wrk(port: int, keys: list[str], urls: list[str], seconds: float, keep_alive: bool) -> dict:
    """wrk: one thread and one connection per client (each its own session cookie); without keep-alive a new
    connection per request, which any free worker accepts."""
    lua = lambda items: ", ".join(json.dumps(i) for i in items)  # noqa: E731 (JSON strings are Lua strings)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT % {"cookies": lua(keys), "paths": lua(urls)})
        script = fh.name
    try:
        n = len(keys)
        proc = subprocess.run(["wrk", "-t", str(n), "-c", str(n), "-d", f"{max(1, round(seconds))}s", "--timeout",
                               "30s", "-s", script, *([] if keep_alive else ["-H", "Connection: close"]),
                               f"http://127.0.0.1:{port}"], capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"wrk failed: {proc.stdout}{proc.stderr}")
        out = proc.stdout
    finally:
        os.unlink(script)
    line = next(ln for ln in out.splitlines() if ln.startswith("KC_RESULT"))
    req, dur, e_conn, e_read, e_write, e_status, e_timeout, p50, p95, p99, mx = map(int, line.split()[1:])
    return {"requests": req, "errors": e_conn + e_read + e_write + e_status + e_timeout,
            "rps": round(req / (dur / 1e6), 1), "p50_ms": round(p50 / 1000, 1), "p95_ms": round(p95 / 1000, 1),
            "p99_ms": round(p99 / 1000, 1), "max_ms": round(mx / 1000, 1)}


def _load_asyncio(port: int, keys: list[str], urls: list[str], seconds: float, keep_alive: bool) -> dict:
    """One process, one asyncio task and keep-alive connection per client (HTTP/1.1, Content-Length bodies)."""
    import asyncio

    results: list[tuple[float, int]] = []

    async def client(i: int, stop: float):
        rng = random.Random(i)
        reader = writer = None
        while time.time() < stop:
            path = rng.choice(urls)
            t = time.perf_counter()
            status = 0
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: sessionid={keys[i]}\r\n"
                             f"Accept: application/json\r\n{'' if keep_alive else 'Connection: close' + chr(13) + chr(10)}"
                             f"\r\n".encode())
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:] if h)}
                if "content-length" in headers:
                    await reader.readexactly(int(headers["content-length"]))
                else:
                    await reader.read()
                    headers["connection"] = "close"
                status = int(head[0].split()[1])
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    reader = writer = None
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                if writer is not None:
                    writer.close()
                reader = writer = None
            results.append(((time.perf_counter() - t) * 1000, status))
        if writer is not None:
            writer.close()

    async def main():
        stop = time.time() + seconds
        await asyncio.gather(*(client(i, stop) for i in range(len(keys))))

    t0 = time.perf_counter()
    asyncio.run(main())
    return _summary([ms for ms, _ in results], [st for _, st in results], time.perf_counter() - t0)


def _load_threads(port: int, keys: list[str], urls: list[str], seconds: float, keep_alive: bool) -> dict:
    """The former client: one Python thread per client, urllib, a new connection per request (always)."""
    results: list[tuple[float, int]] = []
    lock = threading.Lock()
    stop = time.time() + seconds

    def client(i: int):
        rng = random.Random(i)
        opener = urllib.request.build_opener()
        opener.addheaders = [("Cookie", f"sessionid={keys[i]}"), ("Accept", "application/json")]
        mine = []
        while time.time() < stop:
            url = f"http://127.0.0.1:{port}{rng.choice(urls)}"
            t = time.perf_counter()
            try:
                with opener.open(url, timeout=30) as r:
                    r.read()
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            mine.append(((time.perf_counter() - t) * 1000, status))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(keys))]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _summary([ms for ms, _ in results], [st for _, st in results], time.perf_counter() - t0)


def screenshot(port: int, key: str, path: str, period: str) -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright not installed"}
    exe = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
                if os.path.exists(p)), None)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox"]) if exe else pw.chromium.launch()
        ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        ctx.add_cookies([{"name": "sessionid", "value": key, "domain": "127.0.0.1", "path": "/"}])
        page = ctx.new_page()
        t = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/indicators/?region=330212&period={period}&code=GDP", wait_until="networkidle")
        page.wait_for_timeout(500)
        drawn = {i: page.locator(f"#{i} svg").count() > 0 for i in ("trend-chart", "ranking-chart", "towns-chart")}
        page.screenshot(path=path, full_page=True)
        ms = (time.perf_counter() - t) * 1000
        title = page.locator("#dashboard-title").inner_text(timeout=2000) if page.locator("#dashboard-title").count() \
            else f"(no dashboard: {page.url})"
        tables = {i: page.locator(f"#{i} tbody tr").count() for i in ("trend-table", "ranking-table", "towns-table")}
        browser.close()
    return {"path": path, "load_ms": round(ms), "charts_drawn": drawn, "table_rows": tables, "title": title}


def main() -> int:
    args = parse_args()
    env = setup_environment()
    from django.db import connection

    db = f"{connection.vendor} {connection.settings_dict['NAME']}"
    report: dict = {"database": db, "warmup_s": args.warmup,
                    "cache": "Redis (cache and sessions)" if os.environ.get("REDIS_URL")
                    else "locmem cache (per process), database sessions"}
    gen = generate(args.years, args.keep)
    report["data"] = gen
    period = gen["period"]
    report["selectors"] = {} if args.no_selectors else measure_selectors(period)
    workers = args.workers or (os.cpu_count() or 1)
    threads = args.threads or -(-args.clients // workers)
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "asyncio")
    keys = sessions(args.clients)
    conn_max_age = 600 if args.persistent_connections else connection.settings_dict["CONN_MAX_AGE"]
    connection.close()
    port = free_port()
    proc = start_gunicorn(port, workers, env, args.persistent_connections, threads=threads)
    try:
        urls = dashboard_urls(period)
        report["gunicorn"] = {"port": port, "workers": workers, "threads": threads, "clients": args.clients,
                              "urls": len(urls), "client": client, "keep_alive": not args.no_keep_alive,
                              "conn_max_age": conn_max_age,
                              "load_average": os.getloadavg()[0]}
        ka = not args.no_keep_alive
        report["load_first"] = load(port, keys, urls, args.warmup, client, ka)  # includes each worker's misses
        report["load_single"] = load(port, keys[:1], urls, min(5.0, args.seconds), client, ka)  # no queueing
        report["load"] = load(port, keys, urls, args.seconds, client, ka)
        report["load_average_end"] = os.getloadavg()[0]
        if not args.no_browser:
            report["browser"] = screenshot(port, keys[0], args.screenshot, period)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)
    return 0


def print_report(r: dict) -> None:
    d = r["data"]
    print(f"database: {r['database']}; response cache and sessions: {r['cache']}")
    print(f"data: {d['rows']:,} values = {d['months']} months × {d['regions']} regions × {d['indicators']} stored "
          f"indicators (+ formulas computed); latest period {d['period']}"
          + (f"; init {d.get('init_s')} s, insert {d.get('insert_s')} s" if d.get("generated") else " (kept)"))
    if r["selectors"]:
        print("in-process selectors (no response cache), ms:       first    p50    p95    max")
    for name, m in r["selectors"].items():
        print(f"  {name:<45} {m['first_ms']:>7} {m['p50_ms']:>6} {m['p95_ms']:>6} {m['max_ms']:>6}")
    g = r["gunicorn"]
    print(f"gunicorn: {g['workers']} workers × {g['threads']} threads, {g['clients']} concurrent clients ({g['client']}, "
          f"{'keep-alive' if g['keep_alive'] else 'a connection per request'}), "
          f"{g['urls']} dashboard URLs, CONN_MAX_AGE {g['conn_max_age']}, machine load average (1 min) at start "
          f"{g['load_average']:.1f}, at end {r['load_average_end']:.1f} on {os.cpu_count()} CPUs")
    for label, key in ((f"first {r['warmup_s']:g} s (cold)", "load_first"), ("1 client, 5 s", "load_single"),
                       (f"{g['clients']} clients, steady", "load")):
        m = r[key]
        print(f"  {label:<24} {m['requests']:>6} requests, {m['rps']:>7} req/s, p50 {m['p50_ms']} ms, "
              f"p95 {m['p95_ms']} ms, p99 {m['p99_ms']} ms, max {m['max_ms']} ms, errors {m['errors']}; "
              f"inside gunicorn p50 {m['server_p50_ms']} ms, p95 {m['server_p95_ms']} ms")
    if r["selectors"]:
        panel = r["selectors"]["panel 330212"]["p50_ms"]
        print(f"target: panel of one district warm < 200 ms: {panel} ms ({'ok' if panel < 200 else 'MISSED'})")
    print(f"target: dashboard API p95 < 100 ms: {r['load']['p95_ms']} ms "
          f"({'ok' if r['load']['p95_ms'] < 100 else 'MISSED'})")
    b = r.get("browser")
    if b:
        print(f"dashboard screenshot: {b}")


if __name__ == "__main__":
    sys.exit(main())
