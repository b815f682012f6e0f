"""Background jobs on a real Celery worker with a Redis broker, while the web keeps answering (issue #10).

The production topology is started as separate processes — gunicorn (`kechuang.wsgi`) and a Celery worker
(`celery -A kechuang worker`) with CELERY_BROKER_URL and REDIS_URL pointing at Redis on 127.0.0.1:6379 — over a
database of their own: a copy of the test database (migrated, reference data loaded) — `CREATE DATABASE … TEMPLATE`
on PostgreSQL, `VACUUM INTO` a file on SQLite — since worker and web run in other processes and cannot see the
test's transaction. (bench/celery_responsiveness.py sets its database up with `kechuang init` instead.) The test
then works only through HTTP, as a browser would: it uploads a
large enterprise import on the imports page and asks for an annual report on the reports page (both become
background jobs), polls their progress through the jobs API, and meanwhile requests other pages. Latencies are
recorded and printed; only the answers (200) are asserted, never times. Skipped only when Redis is unreachable.

bench/celery_responsiveness.py uses the same harness (`Stack`, `run_jobs_under_load`) to print p50/p95.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from kechuang.core.net import free_port

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
HOME = "330212"
PASSWORD = "Celery-demo-2026!"
PAGES = ["/enterprises/", "/policies/", "/api/enterprises/enterprises", "/market/", "/healthz"]


def redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _quiet_redis_db() -> int:
    """A Redis database number that holds no keys now (the server may be shared with other processes)."""
    import redis

    empty = [n for n in range(2, 16) if not redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=n).dbsize()]
    return random.choice(empty or list(range(2, 16)))


def enterprise_xlsx(rows: int, serial0: int = 40_000_000) -> bytes:
    """An enterprise import file of `rows` new enterprises of the home district (larger than 1 MB from ~20k rows,
    so that the imports page runs it in the background)."""
    import xlsxwriter

    from kechuang.core.uscc import make_uscc

    towns = ["330212001", "330212002", "330212004", "330212005", "330212006", "330212007", "330212008"]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["统一社会信用代码", "企业名称", "所属镇街代码", "行业代码", "成立日期", "职工人数", "规上企业", "地址",
                        "法定代表人"])
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"
    for i in range(rows):
        ws.write_row(i + 1, 0, [make_uscc(HOME, serial0 + i), f"后台导入{i}科技有限公司", towns[i % len(towns)], "6513",
                                f"{2000 + i % 24}-{1 + i % 12:02d}-{1 + i % 28:02d}", 10 + i % 300, "否",
                                f"宁波市鄞州区测试路{i}号{i % 97}幢{i % 13}室", surnames[i % 23] + surnames[(i * 7) % 23]])
    wb.close()
    return buf.getvalue()


class Stack:
    """gunicorn + Celery worker over their own database and Redis (broker and cache); stop() ends both."""

    def __init__(self, *, db_url: str | None, workers: int = 2, concurrency: int = 2, log=print):
        self.home = Path(tempfile.mkdtemp(prefix="kc-celery-"))
        self.redis_db = _quiet_redis_db()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_url = db_url
        self.workers, self.concurrency, self.log = workers, concurrency, log
        self.procs: list[subprocess.Popen] = []
        env = {k: v for k, v in os.environ.items() if k not in ("KECHUANG_TEST_DB_NAME", "DATABASE_URL")}
        env.update({"KECHUANG_HOME": str(self.home), "DJANGO_SETTINGS_MODULE": "kechuang.settings",
                    "CELERY_BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
                    "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
                    "CELERY_QUEUE": f"kc-test-{self.port}",  # other processes on this Redis never take our jobs
                    "KECHUANG_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
        if db_url:
            env["DATABASE_URL"] = db_url
        self.env = env

    # -- lifecycle --
    def _run(self, *args: str) -> str:
        r = subprocess.run([sys.executable, "-m", *args], env=self.env, capture_output=True, text=True, timeout=1800)
        if r.returncode:
            raise RuntimeError(f"{' '.join(args)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")
        return r.stdout

    def setup(self, *, clone=None) -> None:
        """Create the database (`kechuang init`, or `clone(stack)` copying a prepared one) and the officer."""
        import redis

        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=self.redis_db).flushdb()
        t = time.perf_counter()
        if clone is not None:
            clone(self)
        else:
            if self.db_url:
                _pg_recreate(self.db_url)
            self._run("kechuang.cli", "init", "--home", HOME)
        self._run("kechuang.cli", "manage", "shell", "-c",
                  "from kechuang.core.models import User; u = User(username='celery_officer', role='bureau', "
                  f"region_id='{HOME}', is_staff=True); u.set_password('{PASSWORD}'); u.save()")
        self.log(f"stack: database set up ({'copy of the test database' if clone else 'kechuang init'}) "
                 f"in {time.perf_counter() - t:.0f} s")

    def start(self) -> None:
        logs = self.home / "logs"
        logs.mkdir(exist_ok=True)
        self.worker_log = logs / "worker.log"
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "kechuang", "worker", "--concurrency", str(self.concurrency),
             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "-n", f"kc-test-{self.port}@%h",
             "-Q", f"kc-test-{self.port}"],
            env=self.env, stdout=open(logs / "worker.out", "w"), stderr=open(self.worker_log, "w"),
            start_new_session=True))
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "kechuang.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--threads", "4", "--timeout", "300"],
            env=self.env, stdout=open(logs / "web.out", "w"), stderr=open(logs / "web.log", "w"),
            start_new_session=True))
        deadline = time.monotonic() + 300
        import requests

        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"process exited: {p.args}\n{self.tail()}")
            try:
                web_ok = requests.get(self.base + "/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                web_ok = False
            if web_ok and " ready." in self.worker_log.read_text(errors="replace"):
                return
            time.sleep(0.5)
        raise RuntimeError("web or worker did not start in 300 s\n" + self.tail())

    def tail(self) -> str:
        out = []
        for f in sorted((self.home / "logs").glob("*")):
            out.append(f"--- {f.name}\n" + f.read_text(errors="replace")[-2000:])
        return "\n".join(out)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        try:
            import redis

            redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=self.redis_db).flushdb()
        except Exception:
            pass
        if self.db_url:
            try:
                _pg_drop(self.db_url)
            except Exception:
                pass
        shutil.rmtree(self.home, ignore_errors=True)

    # -- a browser --
    def login(self, username: str = "celery_officer", password: str = PASSWORD):
        import requests

        s = requests.Session()
        r = s.get(self.base + "/accounts/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text).group(1)
        r = s.post(self.base + "/accounts/login/", data={"username": username, "password": password,
                                                          "csrfmiddlewaretoken": token}, timeout=30,
                   headers={"Referer": self.base + "/accounts/login/"}, allow_redirects=False)
        assert r.status_code == 302, (r.status_code, r.text[:500])
        return s


def _pg_parts(url: str):
    u = urlparse(url)
    return u._replace(path="/postgres").geturl(), u.path.lstrip("/")


def _pg_drop(url: str) -> None:
    import psycopg

    admin, name = _pg_parts(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_recreate(url: str) -> None:
    import psycopg

    _pg_drop(url)
    admin, name = _pg_parts(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def stack_db_url() -> str | None:
    """A database of the stack's own: PostgreSQL when the tests run on PostgreSQL, else None (an SQLite file)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    base = os.environ.get("KECHUANG_TEST_DB_NAME") or "test_" + urlparse(url).path.lstrip("/")
    return urlparse(url)._replace(path=f"/{base}_celery").geturl()


def _csrf(session, url: str) -> str:
    r = session.get(url, timeout=60)
    assert r.status_code == 200, (url, r.status_code)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text).group(1)


def submit_import(stack: Stack, s, data: bytes) -> int:
    token = _csrf(s, stack.base + "/imports/")
    r = s.post(stack.base + "/imports/", data={"kind": "enterprises", "csrfmiddlewaretoken": token},
               files={"file": ("enterprises.xlsx", data)}, headers={"Referer": stack.base + "/imports/"},
               allow_redirects=False, timeout=120)
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"], (r.status_code, r.text[:500])
    return int(re.search(r"/jobs/(\d+)/", r.headers["Location"]).group(1))


def submit_report(stack: Stack, s, year: int) -> int:
    token = _csrf(s, stack.base + "/reports/")
    r = s.post(stack.base + "/reports/new/", data={"kind": "annual", "region": HOME, "year": str(year),
                                                    "csrfmiddlewaretoken": token},
               headers={"Referer": stack.base + "/reports/"}, allow_redirects=False, timeout=60)
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"], (r.status_code, r.text[:500])
    return int(re.search(r"/jobs/(\d+)/", r.headers["Location"]).group(1))


def sample_pages(stack: Stack, s, rounds: int, pages=PAGES) -> list[tuple[str, int, float]]:
    out = []
    for _ in range(rounds):
        for page in pages:
            t = time.perf_counter()
            r = s.get(stack.base + page, timeout=120)
            out.append((page, r.status_code, time.perf_counter() - t))
    return out


def run_jobs_under_load(stack: Stack, *, rows: int, idle_rounds: int = 5, timeout: float = 900) -> dict:
    """Idle page latencies, then an import of `rows` and an annual report as background jobs, polled for
    progress while a second session keeps requesting pages. Returns every observation."""
    s = stack.login()
    browse = stack.login()
    data = enterprise_xlsx(rows)
    idle = sample_pages(stack, browse, idle_rounds)
    year = dt.date.today().year - 1
    t0 = time.perf_counter()
    jobs = {"import": submit_import(stack, s, data), "report": submit_report(stack, s, year)}
    trails: dict[str, list[tuple[float, str, int, int]]] = {k: [] for k in jobs}
    final: dict[str, dict] = {}
    during: list[tuple[str, int, float]] = []
    stop = threading.Event()

    def browse_loop():
        while not stop.is_set():
            during.extend(sample_pages(stack, browse, 1))
    th = threading.Thread(target=browse_loop, daemon=True)
    th.start()
    try:
        while len(final) < len(jobs) and time.perf_counter() - t0 < timeout:
            for name, pk in jobs.items():
                if name in final:
                    continue
                j = s.get(f"{stack.base}/api/jobs/{pk}", timeout=60).json()
                trails[name].append((round(time.perf_counter() - t0, 2), j["status"], j["progress"], j["total"]))
                if j["status"] in ("done", "failed"):
                    final[name] = j
            time.sleep(0.1)
    finally:
        stop.set()
        th.join(timeout=180)
    return {"rows": rows, "bytes": len(data), "jobs": jobs, "final": final, "trails": trails, "idle": idle,
            "during": during, "seconds": round(time.perf_counter() - t0, 1)}


def summary(samples: list[tuple[str, int, float]]) -> str:
    times = sorted(t for _, _, t in samples)
    if not times:
        return "no samples"
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return f"n={len(times)} p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, " \
           f"max {times[-1] * 1000:.0f} ms"


@pytest.fixture
def copy_test_database(reference, django_db_blocker):
    """A function copying the test database (migrated, reference data loaded) to the stack's own database.
    The test is transactional: nothing of it is held in an open transaction while the database is copied."""
    from django.db import connection, connections

    def clone(stack: Stack) -> None:
        with django_db_blocker.unblock():
            if connection.vendor == "postgresql":
                import psycopg

                template = connection.settings_dict["NAME"]
                connections.close_all()  # a template database must have no other connection
                admin, name = _pg_parts(stack.db_url)
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            else:
                target = stack.home / "var" / "kechuang.sqlite3"
                target.parent.mkdir(parents=True, exist_ok=True)
                with connection.cursor() as cur:
                    cur.execute("VACUUM INTO %s", [str(target)])
                stack.env["DATABASE_URL"] = f"sqlite:///{target}"
    return clone


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not redis_reachable(), reason=f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}")
def test_import_and_report_run_on_a_celery_worker_with_progress_while_pages_answer(copy_test_database):
    stack = Stack(db_url=stack_db_url())
    try:
        stack.setup(clone=copy_test_database)
        stack.start()
        out = run_jobs_under_load(stack, rows=20_000, idle_rounds=2)
    except BaseException:
        print(stack.tail())
        raise
    finally:
        stack.stop()
    print(f"\nidle pages:   {summary(out['idle'])}\nduring jobs:  {summary(out['during'])}\n"
          f"jobs finished in {out['seconds']} s; import file {out['bytes'] / 1e6:.1f} MB")
    for name, trail in out["trails"].items():
        print(name, trail[:3], "…", trail[-3:])

    assert set(out["final"]) == {"import", "report"}, out["trails"]
    imp, rep = out["final"]["import"], out["final"]["report"]
    assert imp["status"] == "done", imp["message"]
    assert imp["result"]["ok"] and imp["result"]["created"] == 20_000, imp["result"]
    assert rep["status"] == "done", rep["message"]
    assert rep["result"]["file"].startswith("/reports/")
    # Progress was visible while the import ran (its size announced, a count below it), and never went backwards.
    # The importer reports validated rows (every 5 %) and holds at total − 1 while it writes; total once written.
    running = [(p, total) for _, status, p, total in out["trails"]["import"] if status == "running"]
    assert any(total == 20_000 and p < total for p, total in running), out["trails"]["import"]
    progress = [p for p, _ in running] + [imp["progress"]]
    assert progress == sorted(progress)
    assert imp["progress"] == imp["total"] == 20_000
    report_progress = [p for _, _, p, _ in out["trails"]["report"]]
    assert report_progress == sorted(report_progress) and rep["progress"] == rep["total"] == 10
    # Other pages kept answering while the jobs ran.
    assert out["during"], "no page was requested while the jobs ran"
    assert {code for _, code, _ in out["during"] + out["idle"]} == {200}, \
        [x for x in out["during"] + out["idle"] if x[1] != 200][:5]
