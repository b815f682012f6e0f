"""Browser journeys (issue #11): a real server on a throwaway database, driven by headless Chromium.

Fixtures (shared by every journey module; see support.py for the page helpers):

* ``site`` (session): creates a throwaway database — PostgreSQL ``kc_journey_<pid>`` on the server of DATABASE_URL
  when that is PostgreSQL (dropped at the end), else a SQLite file in a temporary KECHUANG_HOME —, runs
  ``kechuang init`` and ``kechuang demo --no-serve --size tiny``, starts gunicorn on a free port in 8800–8899,
  waits for ``/healthz`` and stops the server at the end. ``site.url`` is the base URL, ``site.home`` the
  KECHUANG_HOME folder (server log: ``site.home / "server.log"``). While developing, KECHUANG_JOURNEY_URL points
  the journeys at a server you started yourself instead (KECHUANG_KEEP_JOURNEY_HOME keeps the temporary home).
* ``browser`` (session): Debian's Chromium through Playwright's sync API.
* ``variant``: ``zh-1366`` (Chinese, 1366×768) and ``en-390`` (English, a 390 px wide phone).
* ``page``: a fresh browser context for the variant, already switched to its language through the site's
  language switch and standing on the public home page.

The tests never touch the database directly (nothing here uses pytest-django's test database).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kechuang.core.net import free_port

from .support import CHROMIUM, PASSWORD, set_language

HERE = Path(__file__).parent
STARTUP_SECONDS = 600  # init + demo on a loaded CI machine; normally about a minute


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e .[test])"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def _browser_available():
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser journeys cannot run in CI: {missing}")
        pytest.skip(missing)


@dataclass
class Site:
    url: str
    home: Path
    database_url: str
    #: the demo logins as `kechuang demo` printed them: username -> {"role", "username", "note"}; the note of an
    #: organisation's login names it (e.g. qiye -> its enterprise's name)
    logins: dict = field(default_factory=dict)

    def log_tail(self, lines: int = 40) -> str:
        log = self.home / "server.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def _pg_admin(url: str, sql: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    with psycopg.connect(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                         password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _logins(text: str) -> dict:
    """Parse the login table that `kechuang demo` prints (role, username, password, note)."""
    out, seen = {}, False
    for line in text.splitlines():
        if "demo logins" in line:
            seen, out = True, {}
            continue
        parts = line.split(None, 3)
        if seen and len(parts) >= 3 and parts[2] == PASSWORD:
            out[parts[1]] = {"role": parts[0], "username": parts[1], "note": parts[3] if len(parts) > 3 else ""}
        elif seen and out and not line.strip():
            break
    return out


def _run(args: list[str], env: dict, log: Path) -> None:
    cmd = [sys.executable, "-c", "import sys; from kechuang.cli import main; sys.exit(main())", *args]
    with log.open("ab") as out:
        done = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=STARTUP_SECONDS)
    if done.returncode:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"kechuang {' '.join(args)} failed ({done.returncode}):\n{tail}")


@pytest.fixture(scope="session")
def site(_browser_available):
    if os.environ.get("KECHUANG_JOURNEY_URL"):
        # Development only: journeys against a server you started yourself (`kechuang demo --size tiny`).
        home = Path(os.environ.get("KECHUANG_HOME", "."))
        log = home / "setup.log"
        yield Site(url=os.environ["KECHUANG_JOURNEY_URL"].rstrip("/"), home=home,
                   database_url=os.environ.get("DATABASE_URL", ""),
                   logins=_logins(log.read_text(errors="replace")) if log.exists() else {})
        return
    home = Path(tempfile.mkdtemp(prefix="kc-journey-"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("KECHUANG_TEST_DB_NAME", "CELERY_BROKER_URL", "KECHUANG_DEBUG")}
    env.update(KECHUANG_HOME=str(home), KECHUANG_DEMO="1", PYTHONUNBUFFERED="1")
    base_url = os.environ.get("DATABASE_URL", "")
    pg_name = None
    if base_url.startswith(("postgres://", "postgresql://")):
        import dj_database_url

        pg_name = f"kc_journey_{os.getpid()}"
        _pg_admin(base_url, f'DROP DATABASE IF EXISTS "{pg_name}"')
        _pg_admin(base_url, f'CREATE DATABASE "{pg_name}"')
        cfg = dj_database_url.parse(base_url)
        auth = cfg["USER"] + (f":{cfg['PASSWORD']}" if cfg["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{pg_name}"
    else:
        env.pop("DATABASE_URL", None)
    log = home / "setup.log"
    server = None
    try:
        started = time.monotonic()
        _run(["init"], env, log)
        _run(["demo", "--no-serve", "--size", "tiny"], env, log)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "kechuang.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4", "--timeout", "300", "--graceful-timeout", "5",
             "--access-logfile", "-"],
            env=env, cwd=str(home), stdout=(home / "server.log").open("ab"), stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited ({server.returncode}):\n"
                                   + (home / "server.log").read_text(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer /healthz within 120 s")
            time.sleep(0.3)
        print(f"\njourney site ready in {time.monotonic() - started:.0f} s at {url} (home {home})")
        yield Site(url=url, home=home, database_url=env.get("DATABASE_URL", ""),
                   logins=_logins(log.read_text(errors="replace")))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if pg_name:
            _pg_admin(base_url, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if not os.environ.get("KECHUANG_KEEP_JOURNEY_HOME"):
            shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(_browser_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield chromium
        chromium.close()


@dataclass(frozen=True)
class Variant:
    name: str
    lang: str      # "zh" or "en"
    width: int
    height: int
    mobile: bool

    def __str__(self) -> str:
        return self.name


VARIANTS = [Variant("zh-1366", "zh", 1366, 768, False), Variant("en-390", "en", 390, 844, True)]


@pytest.fixture(params=VARIANTS, ids=[v.name for v in VARIANTS])
def variant(request) -> Variant:
    return request.param


@pytest.fixture
def page(browser, site, variant):
    context = browser.new_context(
        viewport={"width": variant.width, "height": variant.height}, is_mobile=variant.mobile,
        has_touch=variant.mobile, device_scale_factor=1, accept_downloads=True,
        locale="zh-CN" if variant.lang == "zh" else "en-US", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(30_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(site.url + "/")
    set_language(pg, site, variant.lang)
    pg.js_errors = errors  # journeys may assert that no script failed
    yield pg
    context.close()
