"""Screenshot the dashboard of an existing database (e.g. the demo) in headless Chromium.

    KECHUANG_HOME=/tmp/kc_demo python bench/indicators_screenshot.py [--user kjj] [--out FILE] [--region CODE]

Starts gunicorn on a free localhost port with the database named by DATABASE_URL / KECHUANG_HOME, signs the
user in through a session, renders /indicators/ (charts drawn by ECharts from the API) and reports which charts
and tables are present; also renders the page with JavaScript disabled to show the tables alone.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import indicators_bench as bench  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--user", default="kjj")
    p.add_argument("--region", default="")
    p.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "kc_demo_dashboard.png"))
    args = p.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from kechuang.core.models import User
    from kechuang.indicators.selectors import last_complete_period

    user = User.objects.get(username=args.user)
    s = SessionStore()
    s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    period = str(last_complete_period())
    connection.close()
    port = bench.free_port()
    env = {k: os.environ[k] for k in ("KECHUANG_HOME", "DATABASE_URL") if k in os.environ}
    proc = bench.start_gunicorn(port, 2, env)
    try:
        from playwright.sync_api import sync_playwright

        region = args.region or user.region_id or "330212"
        url = f"http://127.0.0.1:{port}/indicators/?region={region}&period={period}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium" if os.path.exists("/usr/bin/chromium")
                                         else None, args=["--no-sandbox"])
            for js in (True, False):
                ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", java_script_enabled=js)
                ctx.add_cookies([{"name": "sessionid", "value": s.session_key, "domain": "127.0.0.1", "path": "/"}])
                page = ctx.new_page()
                page.goto(url, wait_until="networkidle")
                page.wait_for_timeout(500)
                out = args.out if js else args.out.replace(".png", "-nojs.png")
                page.screenshot(path=out, full_page=True)
                charts = {i: page.locator(f"#{i} svg").count() > 0 for i in ("trend-chart", "ranking-chart", "towns-chart")}
                tables = {i: page.locator(f"#{i} tbody tr").count() for i in ("trend-table", "ranking-table", "towns-table")}
                kpis = page.locator("#kpi-cards .kpi").count()
                print(f"{'JavaScript' if js else 'no JavaScript'}: {out}; title "
                      f"{page.locator('#dashboard-title').inner_text()!r}; KPI cards {kpis}; charts drawn {charts}; "
                      f"table rows {tables}")
                ctx.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
