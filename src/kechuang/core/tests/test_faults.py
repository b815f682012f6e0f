"""Faults: a process killed (SIGKILL) in the middle of an import leaves nothing half-written, and a background job
whose process died is shown as failed and can be retried from its page.

The writer is a real child process (`kechuang import …`, or a job runner) on the test database — on SQLite a copy
of it in a file under a temporary folder (the test database itself lives in memory). It is killed as soon as the
database shows it has started writing: on PostgreSQL its transaction has been given an id (`backend_xid`), on
SQLite its uncommitted pages have started to spill into the write-ahead log. Runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from kechuang.conftest import TOWN_A, TOWN_B
from kechuang.core.uscc import make_uscc

pytestmark = pytest.mark.django_db(transaction=True)

KECHUANG = str(Path(sys.executable).parent / "kechuang")


class ChildDatabase:
    """The test database as seen by child processes: their environment, a fresh connection for checks, and the
    'a child has started writing' marker."""

    def __init__(self, tmp_path: Path):
        self.vendor = connection.vendor
        self.env = {k: v for k, v in os.environ.items() if k != "KECHUANG_TEST_DB_NAME"}
        self.env.update(KECHUANG_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="kechuang.settings",
                        KECHUANG_LOG_LEVEL="ERROR")
        s = connection.settings_dict
        if self.vendor == "postgresql":
            auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
            self.dsn = dict(dbname=s["NAME"], user=s["USER"], password=s.get("PASSWORD") or None,
                            host=s.get("HOST") or "localhost", port=s.get("PORT") or 5432)
            self.env["DATABASE_URL"] = f"postgres://{auth}@{self.dsn['host']}:{self.dsn['port']}/{s['NAME']}"
        else:
            self.path = tmp_path / "db.sqlite3"
            connection.ensure_connection()
            dest = sqlite3.connect(self.path)
            connection.connection.backup(dest)  # the in-memory test database, with its reference data
            dest.close()
            self.env["DATABASE_URL"] = f"sqlite:///{self.path}"
        self._conn = None
        self.baseline = ()
        if self.vendor == "postgresql":  # sessions open before any child starts (this test's own)
            cur = self.cursor()
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            self.baseline = tuple(r[0] for r in cur.fetchall())

    def cursor(self):
        if self._conn is None:
            if self.vendor == "postgresql":
                import psycopg

                self._conn = psycopg.connect(**self.dsn, autocommit=True)
            else:
                self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        return self._conn.cursor()

    def scalar(self, sql: str, params=()):
        cur = self.cursor()
        cur.execute(sql.replace("%s", "?") if self.vendor == "sqlite" else sql, params)
        return cur.fetchone()[0]

    def writing(self) -> bool:
        """Whether some other connection has an open transaction that has written (uncommitted) data."""
        if self.vendor == "postgresql":
            return self.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> ALL(%s) AND backend_xid IS NOT NULL", (list(self.baseline),)) > 0
        # Commits of small updates (a job's status) also append to the log; a spill of a big transaction is larger.
        wal = Path(f"{self.path}-wal")
        return wal.exists() and wal.stat().st_size > 256 * 1024

    def others_gone(self, timeout: float = 30) -> None:
        """Wait until the killed child's server-side session has ended (PostgreSQL notices the closed socket)."""
        if self.vendor != "postgresql":
            return
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> ALL(%s) AND backend_type = 'client backend'", (list(self.baseline),)):
                return
            time.sleep(0.1)
        raise AssertionError("the killed process's database session did not end")

    def integrity_ok(self) -> bool:
        if self.vendor != "sqlite":
            return True
        return self.scalar("PRAGMA integrity_check") == "ok"

    def close(self):
        if self._conn is not None:
            self._conn.close()


@pytest.fixture
def child_db(reference, tmp_path):
    db = ChildDatabase(tmp_path)
    yield db
    db.close()


def kill_when_writing(proc: subprocess.Popen, db: ChildDatabase, *, timeout: float = 90, marker=None) -> float:
    """SIGKILL the child as soon as `marker()` (default: the database shows uncommitted writes) is true.

    Returns the seconds it ran. Fails if the child ended on its own first (the test would prove nothing)."""
    marker = marker or db.writing
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the child ended (rc {proc.returncode}) before it could be killed mid-write:\n"
                                 f"{out.decode()[-2000:]}\n{err.decode()[-2000:]}")
        if marker():
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            return time.monotonic() - t0
        time.sleep(0.005)
    proc.kill()
    raise AssertionError("the child never started writing")


HEADER = ["统一社会信用代码", "企业名称", "所属镇街代码", "行业代码", "成立日期", "职工人数"]


def write_csv(path: Path, n: int, start: int = 0) -> Path:
    lines = [",".join(HEADER)]
    for i in range(start, start + n):
        lines.append(f"{make_uscc('330212', 7_000_000 + i)},宁波断电测试{i}有限公司,{TOWN_A if i % 2 else TOWN_B},6513,"
                     f"2018-05-01,{10 + i % 50}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_killed_mid_write_leaves_no_rows_and_can_run_again(child_db, tmp_path):
    db = child_db
    before = db.scalar("SELECT count(*) FROM enterprises_enterprise")
    history_before = db.scalar("SELECT count(*) FROM enterprises_historicalenterprise")
    big = write_csv(tmp_path / "big.csv", 8000)
    proc = subprocess.Popen([KECHUANG, "import", "enterprises", str(big)], env=db.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    kill_when_writing(proc, db)
    db.others_gone()

    assert db.integrity_ok()
    assert db.scalar("SELECT count(*) FROM enterprises_enterprise") == before
    assert db.scalar("SELECT count(*) FROM enterprises_historicalenterprise") == history_before

    # Nothing is left locked or half-claimed: the same keys import cleanly afterwards.
    small = write_csv(tmp_path / "small.csv", 40)
    done = subprocess.run([KECHUANG, "import", "enterprises", str(small)], env=db.env, capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert db.scalar("SELECT count(*) FROM enterprises_enterprise") == before + 40
    assert db.scalar("SELECT count(*) FROM enterprises_historicalenterprise") == history_before + 40


JOB_RUNNER = """
import sys
from kechuang.cli import setup_django
setup_django()
from kechuang.core.jobs import execute
execute(int(sys.argv[1]))
"""


def test_background_import_killed_with_its_process_shows_failed_and_retry_completes(child_db, tmp_path, client):
    """The job's process dies mid-import: the job page says it failed (not 'running' for ever), nothing was
    written, and the retry button starts a new run that imports every row."""
    db = child_db
    from django.contrib.auth import get_user_model

    from kechuang.core.models import Job

    # The officer and the job live in the child's database (on SQLite a copy), so create them there.
    big = write_csv(tmp_path / "job.csv", 8000)
    make = subprocess.run([sys.executable, "-c", """
import json, sys
from kechuang.cli import setup_django
setup_django()
from kechuang.core.models import Job, User
u = User(username="job_officer", role="bureau", region_id="330212"); u.set_unusable_password(); u.save()
job = Job.objects.create(kind="import", created_by=u, params={"kind": "enterprises", "path": sys.argv[1],
                         "filename": "job.csv", "dry_run": False, "user_id": u.pk})
print(job.pk, u.pk)
""", str(big)], env=db.env, capture_output=True, text=True, timeout=120)
    assert make.returncode == 0, make.stderr
    job_id, user_id = map(int, make.stdout.split())

    proc = subprocess.Popen([sys.executable, "-c", JOB_RUNNER, str(job_id)], env=db.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    kill_when_writing(proc, db, marker=lambda: db.scalar("SELECT status FROM core_job WHERE id = %s", (job_id,))
                      == "running" and db.writing())
    db.others_gone()
    assert db.scalar("SELECT status FROM core_job WHERE id = %s", (job_id,)) == "running"
    assert db.scalar("SELECT count(*) FROM enterprises_enterprise") == 0
    assert big.exists(), "the upload is kept for the retry"

    if db.vendor == "postgresql":
        # The test process shares the database: read the job page as its owner.
        owner = get_user_model().objects.get(pk=user_id)
        client.force_login(owner)
        page = client.get(f"/jobs/{job_id}/").content.decode()
        assert "失败" in page and "进程已停止" in page and "重试" in page
        assert client.get(f"/api/jobs/{job_id}").json()["status"] == "failed"
        r = client.post(f"/jobs/{job_id}/")
        assert r.status_code == 302
        new = Job.objects.exclude(pk=job_id).get()
        assert r["Location"] == f"/jobs/{new.pk}/" and new.params == Job.objects.get(pk=job_id).params
        # The new run starts in a thread of this (web) process once the request has committed.
        end = time.monotonic() + 180
        while Job.objects.get(pk=new.pk).status in ("queued", "running") and time.monotonic() < end:
            time.sleep(0.2)
    else:
        # The job lives in the file copy: the check and the retry run there, in a child like the web process.
        out = subprocess.run([sys.executable, "-c", """
import sys
from kechuang.cli import setup_django
setup_django()
from kechuang.core.jobs import job_check_worker, job_retry
from kechuang.core.models import Job
job = job_check_worker(Job.objects.get(pk=int(sys.argv[1])))
print(job.status, "进程已停止" in job.message, job_retry(job).pk)
""", str(job_id)], env=db.env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        status, explained, new_id = out.stdout.split()
        assert status == "failed" and explained == "True"
        run = subprocess.run([sys.executable, "-c", JOB_RUNNER, new_id], env=db.env, capture_output=True,
                             timeout=180)
        assert run.returncode == 0, run.stderr.decode()
    assert db.scalar("SELECT status FROM core_job WHERE kind = 'import' AND id <> %s", (job_id,)) == "done"
    assert db.scalar("SELECT count(*) FROM enterprises_enterprise") == 8000
    assert not big.exists(), "a finished import removes its upload"
