"""Load test: 50 concurrent users of several roles on gunicorn for 2 minutes; p50/p95 per endpoint, zero errors.

    python bench/load_test.py                               # SQLite file under a temp KECHUANG_HOME
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_load REDIS_URL=redis://127.0.0.1:6379/13 \
        python bench/load_test.py [--users 50] [--duration 120] [--workers 2] [--threads 4]

Steps: load the demo city if the database has none (`kechuang demo --no-serve`), collect static files, start
gunicorn under the production profile (DEBUG off, secure cookies, compressed static manifest; Redis cache and
sessions when REDIS_URL is set), log every virtual user in through the login form (demo password: kjj bureau,
zhuli town, qiye enterprise, jigou agency, yinhang bank; some users stay anonymous), then let each user request a
random page or API of its role, with a think time between requests, for `--duration` seconds.

Prints a table (endpoint, requests, errors, p50, p95, max in ms) and the machine load, and exits 1 on any error
(any answer other than the expected 200, a timeout, or a refused connection). Needs only `requests`
(`pip install '.[bench]'`). Latencies include the client's own overhead (threads of one Python process).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from _common import free_port, pct  # noqa: E402  (bench/ is on sys.path)

PASSWORD = "kechuang-demo"
# role -> (demo user name or None, share of the virtual users)
MIX = {"anonymous": (None, 0.2), "bureau": ("kjj", 0.25), "town": ("zhuli", 0.2), "enterprise": ("qiye", 0.15),
       "agency": ("jigou", 0.1), "bank": ("yinhang", 0.1)}


def targets(env: dict) -> dict[str, list[tuple[str, str]]]:
    """(label, path) per role, with object ids chosen inside each demo user's scope (read with the ORM)."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connections

    from kechuang.enterprises.models import Enterprise
    from kechuang.regions.models import Region

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=[n for n, _ in MIX.values() if n])}
    missing = sorted({n for n, _ in MIX.values() if n} - set(users))
    if missing:
        raise SystemExit(f"demo users missing: {missing} (run `kechuang demo --no-serve` on this database)")
    rng = random.Random(7)

    def ids(user, n=30):
        pks = list(Enterprise.objects.restrict(user).order_by("pk").values_list("pk", flat=True)[:2000])
        return rng.sample(pks, min(n, len(pks)))

    kjj, zhuli, qiye = users["kjj"], users["zhuli"], users["qiye"]
    towns = list(Region.objects.filter(level="town", code__startswith=kjj.region_id).values_list("code", flat=True)[:8])
    bureau_ents, town_ents = ids(kjj), ids(zhuli)
    market = [
        ("GET /market/", "/market/"),
        ("GET /market/search/?q=", "/market/search/?q=新材料"),
        ("GET /market/search/?q=", "/market/search/?q=智能制造 检测"),
        ("GET /market/achievements/", "/market/achievements/"),
        ("GET /api/market/search?q=", "/api/market/search?q=传感器"),
    ]
    out = {
        "anonymous": [("GET /", "/"), *market, ("GET /api/market/achievements", "/api/market/achievements")],
        "bureau": [
            ("GET /", "/"),
            ("GET /enterprises/", "/enterprises/"),
            ("GET /enterprises/?filters", "/enterprises/?q=科技"),
            ("GET /enterprises/?filters", "/enterprises/?qualification=hte"),
            *[("GET /enterprises/?filters", f"/enterprises/?town={t}") for t in towns[:4]],
            *[("GET /enterprises/{id}/", f"/enterprises/{pk}/") for pk in bureau_ents],
            ("GET /indicators/ (dashboard)", "/indicators/"),
            ("GET /api/indicators/panel", "/api/indicators/panel"),
            ("GET /api/indicators/trend", "/api/indicators/trend?code=GDP"),
            ("GET /api/indicators/breakdown", "/api/indicators/breakdown?code=GDP"),
            ("GET /api/enterprises/enterprises", "/api/enterprises/enterprises?limit=50"),
            *[("GET /api/enterprises/enterprises/{id}", f"/api/enterprises/enterprises/{pk}") for pk in bureau_ents[:10]],
            ("GET /finance/orders/ (vouchers)", "/finance/orders/"),
            ("GET /finance/applications/", "/finance/applications/"),
            ("GET /reports/", "/reports/"),
            *market[:2],
        ],
        "town": [
            ("GET /", "/"),
            ("GET /enterprises/", "/enterprises/"),
            ("GET /enterprises/?filters", "/enterprises/?q=有限"),
            *[("GET /enterprises/{id}/", f"/enterprises/{pk}/") for pk in town_ents],
            ("GET /indicators/ (dashboard)", "/indicators/"),
            ("GET /api/indicators/panel", "/api/indicators/panel"),
            ("GET /finance/orders/ (vouchers)", "/finance/orders/"),
            *market[:2],
        ],
        "enterprise": [
            ("GET /", "/"),
            ("GET /enterprises/{id}/", f"/enterprises/{qiye.enterprise_id}/"),
            ("GET /api/enterprises/enterprises/{id}", f"/api/enterprises/enterprises/{qiye.enterprise_id}"),
            ("GET /finance/orders/ (vouchers)", "/finance/orders/"),
            ("GET /finance/grants/", "/finance/grants/"),
            *market[:2],
        ],
        "agency": [("GET /", "/"), ("GET /finance/orders/ (vouchers)", "/finance/orders/"), *market[:3]],
        "bank": [("GET /", "/"), ("GET /finance/loans/", "/finance/loans/"), *market[:2]],
    }
    connections.close_all()
    return out


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def record(self, label: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.times[label].append(ms)
            if error:
                self.errors[label] += 1
                if len(self.samples) < 20:
                    self.samples.append(f"{label}: {error}")


def plain_cookies(s) -> None:
    """The server runs with Secure cookies behind a (simulated) TLS proxy: keep sending them over the local HTTP
    hop (requests would drop Secure cookies on http://). Called after every response, which may refresh them."""
    for cookie in s.cookies:
        cookie.secure = False


def make_session(base: str):
    import requests

    s = requests.Session()
    s.headers.update({"X-Forwarded-Proto": "https", "User-Agent": "kechuang-load-test"})
    s.base = base
    return s


def login(s, username: str, stats: Stats) -> bool:
    base = s.base
    s.get(base + "/accounts/login/", timeout=60)
    plain_cookies(s)
    token = s.cookies.get("csrftoken")
    t = time.perf_counter()
    try:
        r = s.post(base + "/accounts/login/", data={"username": username, "password": PASSWORD,
                                                   "csrfmiddlewaretoken": token},
                   headers={"Referer": f"https://{base.split('://', 1)[1]}/accounts/login/"},
                   allow_redirects=False, timeout=60)
        plain_cookies(s)
        ok = r.status_code == 302 and "login" not in r.headers.get("Location", "")
        stats.record("POST /accounts/login/", (time.perf_counter() - t) * 1000,
                     None if ok else f"status {r.status_code} for {username}")
        return ok
    except Exception as exc:
        stats.record("POST /accounts/login/", (time.perf_counter() - t) * 1000, repr(exc))
        return False


def user_loop(s, paths, rng: random.Random, stats: Stats, start: threading.Event, deadline: list[float],
              wait: tuple[float, float]) -> None:
    import requests

    start.wait()
    time.sleep(rng.uniform(0, wait[1]))  # users do not click in lockstep
    while time.monotonic() < deadline[0]:
        label, path = rng.choice(paths)
        t = time.perf_counter()
        error = None
        try:
            r = s.get(s.base + path, allow_redirects=False, timeout=60)
            plain_cookies(s)
            if r.status_code != 200:
                error = f"status {r.status_code} {path} → {r.headers.get('Location', '')}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__} {path}"
        stats.record(label, (time.perf_counter() - t) * 1000, error)
        time.sleep(rng.uniform(*wait))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=120, help="seconds of load after every user has logged in")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    ap.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    ap.add_argument("--wait", type=float, nargs=2, default=(1.0, 2.0), metavar=("MIN", "MAX"),
                    help="think time between a user's requests, seconds (default 1 2)")
    ap.add_argument("--home", default=None, help="KECHUANG_HOME (default: $KECHUANG_HOME or a new temp folder)")
    ap.add_argument("--json", default=None, help="also write the figures to this file")
    args = ap.parse_args()

    home = args.home or os.environ.get("KECHUANG_HOME") or tempfile.mkdtemp(prefix="kc_load_")
    env = dict(os.environ, KECHUANG_HOME=home)
    bindir = Path(sys.executable).parent
    kechuang = str(bindir / "kechuang")
    db = env.get("DATABASE_URL", f"sqlite:///{home}/kechuang.sqlite3")
    print(f"database: {db.split('@')[-1]}; KECHUANG_HOME={home}", flush=True)
    t0 = time.perf_counter()
    subprocess.run([kechuang, "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"demo data ready ({time.perf_counter() - t0:.0f} s)", flush=True)

    prod = dict(env, KECHUANG_PROFILE="production", DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
                KECHUANG_DEMO="1", KECHUANG_LOG_LEVEL="ERROR")
    subprocess.run([kechuang, "manage", "collectstatic", "--noinput", "-v", "0"], env=prod, check=True)
    paths = targets(env)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = Path(home) / "load_test_gunicorn.log"
    log = open(log_path, "w")
    server = subprocess.Popen([str(bindir / "gunicorn"), "kechuang.wsgi:application", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class",
                               "gthread", "--timeout", "120", "--keep-alive", "10", "--log-level", "warning"],
                              env=prod, stdout=log, stderr=subprocess.STDOUT)
    try:
        return run(args, base, paths, server, log_path)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def run(args, base: str, paths: dict, server, log_path: Path) -> int:
    import requests

    for _ in range(120):
        try:
            if requests.get(base + "/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if server.poll() is not None:
            print(log_path.read_text()[-3000:])
            raise SystemExit("gunicorn exited")
        time.sleep(0.5)
    else:
        raise SystemExit("gunicorn did not answer /healthz within 60 s")
    print(f"gunicorn on {base}: {args.workers} workers × {args.threads} threads (production profile)", flush=True)

    roles = []
    for role, (username, share) in MIX.items():
        roles += [(role, username)] * max(1, round(args.users * share))
    roles = roles[:args.users]
    while len(roles) < args.users:
        roles.append(("anonymous", None))
    stats = Stats()
    sessions = []
    t0 = time.perf_counter()
    for role, username in roles:  # log in one after another: password hashing is deliberately slow
        s = make_session(base)
        if username and not login(s, username, stats):
            print(f"login failed for {username}", file=sys.stderr)
        sessions.append((role, s))
    print(f"{sum(1 for _, u in roles if u)} users logged in ({time.perf_counter() - t0:.0f} s); "
          f"{len(roles)} users for {args.duration:.0f} s …", flush=True)

    load_before = os.getloadavg()
    start, deadline = threading.Event(), [0.0]
    threads = []
    for i, (role, s) in enumerate(sessions):
        th = threading.Thread(target=user_loop, args=(s, paths[role], random.Random(i), stats, start, deadline,
                                                      tuple(args.wait)), daemon=True)
        th.start()
        threads.append(th)
    t_start = time.monotonic()
    deadline[0] = t_start + args.duration
    start.set()
    load_samples = []
    while any(th.is_alive() for th in threads):
        time.sleep(5)
        load_samples.append(os.getloadavg()[0])
        if time.monotonic() > deadline[0] + 120:
            stats.record("(client)", 0, "users still busy 120 s after the end")
            break
    elapsed = time.monotonic() - t_start

    total = sum(len(v) for k, v in stats.times.items() if not k.startswith("POST /accounts"))
    errors = sum(stats.errors.values())
    rows = []
    for label in sorted(stats.times):
        v = stats.times[label]
        rows.append({"endpoint": label, "requests": len(v), "errors": stats.errors.get(label, 0),
                     "p50_ms": round(pct(v, 50)), "p95_ms": round(pct(v, 95)), "max_ms": round(max(v))})
    width = max(len(r["endpoint"]) for r in rows) + 2
    print()
    print(f"| {'endpoint':<{width}}| requests | errors | p50 ms | p95 ms | max ms |")
    print(f"|{'-' * (width + 1)}|---------:|-------:|-------:|-------:|-------:|")
    for r in rows:
        print(f"| {r['endpoint']:<{width}}| {r['requests']:>8} | {r['errors']:>6} | {r['p50_ms']:>6} | "
              f"{r['p95_ms']:>6} | {r['max_ms']:>6} |")
    every = [x for k, v in stats.times.items() if not k.startswith("POST /accounts") for x in v]
    print(f"| {'all pages and APIs':<{width}}| {total:>8} | {errors:>6} | {round(pct(every, 50)):>6} | "
          f"{round(pct(every, 95)):>6} | {round(max(every) if every else 0):>6} |")
    load = {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_during_max": round(max(load_samples), 2) if load_samples else None,
            "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
    print(f"\n{len(sessions)} users, {elapsed:.0f} s, {total / elapsed:.1f} requests/s; errors: {errors}")
    print(f"machine: {load['cpus']} CPUs; load average before {load['loadavg_before']}, highest 1-min during the run "
          f"{load['loadavg_during_max']}, after {load['loadavg_after']}")
    if stats.samples:
        print("first errors:\n  " + "\n  ".join(stats.samples))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "total": total, "errors": errors, "seconds": elapsed,
                                               "users": len(sessions), "load": load}, ensure_ascii=False, indent=2))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
