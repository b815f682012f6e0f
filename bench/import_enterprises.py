"""Import 100,000 enterprise rows (xlsx) with full validation and audit; prints rows/s.

Usage: DATABASE_URL=... python bench/import_enterprises.py [--rows 100000] [--repeat 3] [--xlsx FILE]
Without DATABASE_URL a throwaway SQLite file is used. The target database is initialised (migrate + reference).
--xlsx keeps the generated workbook in FILE (built once, reused by later runs). --repeat runs the create and the
update import that many times (emptying the table before each create) and prints the medians.

On PostgreSQL the database server's CPU time is read from /proc for the connection's backend process when the
server runs on this machine: with the Python CPU time it gives a rate that does not depend on the machine's load
(the sum of both CPU times; wall time on a shared machine includes waiting for the CPU).
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time


def build_xlsx(n: int) -> bytes:
    import xlsxwriter

    from kechuang.core.uscc import make_uscc
    from kechuang.regions.models import Region

    towns = list(Region.objects.filter(level="town", code__startswith="330212").values_list("code", flat=True))
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["统一社会信用代码", "企业名称", "所属镇街代码", "行业代码", "成立日期", "职工人数", "规上企业"])
    for i in range(n):
        ws.write_row(i + 1, 0, [make_uscc("330212", 20000000 + i), f"宁波基准测试{i}科技有限公司", towns[i % len(towns)],
                                "6513", "2016-04-01", 10 + i % 300, "否"])
    wb.close()
    return buf.getvalue()


def _backend_cpu(connection) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (None when not measurable here)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(fn, connection):
    s0 = _backend_cpu(connection)
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    t1, c1 = time.perf_counter(), time.process_time()
    s1 = _backend_cpu(connection)
    return result, t1 - t0, c1 - c0, (s1 - s0) if s0 is not None and s1 is not None else None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--xlsx", help="workbook file to reuse (built when missing)")
    args = ap.parse_args()
    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp()
        os.environ["KECHUANG_HOME"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from django.db import connection

    from kechuang.core.bootstrap import initialise
    from kechuang.core.importing import run_import
    from kechuang.enterprises.models import Enterprise

    initialise()
    t0 = time.perf_counter()
    if args.xlsx and os.path.exists(args.xlsx):
        with open(args.xlsx, "rb") as f:
            data = f.read()
        built = "read"
    else:
        data = build_xlsx(args.rows)
        built = "built"
        if args.xlsx:
            with open(args.xlsx, "wb") as f:
                f.write(data)
    t1 = time.perf_counter()
    n = args.rows
    print(f"database            {connection.vendor}")
    print(f"rows                {n}")
    print(f"xlsx {built} in        {t1 - t0:.1f} s ({len(data) / 1e6:.1f} MB)")
    print(f"load average        {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")

    def rate(seconds):
        return f"{n / seconds:,.0f}" if seconds else "—"

    runs = []
    for _ in range(args.repeat):
        # Start empty (raw deletes: audit records refuse ordinary deletion).
        Enterprise.history.all()._raw_delete(Enterprise.history.db)
        Enterprise.objects.all()._raw_delete(Enterprise.objects.db)
        result, wall, cpu, srv = _timed(lambda: run_import("enterprises", data, "bench.xlsx", user=None), connection)
        assert result.ok, result.errors[:5]
        assert result.created == n, result.created
        audit = Enterprise.history.filter(history_type="+").count()
        assert audit == n, audit
        # Second run: every row is an update by USCC.
        result2, wall2, cpu2, srv2 = _timed(lambda: run_import("enterprises", data, "bench.xlsx", user=None),
                                            connection)
        assert result2.ok and result2.updated == n, (result2.errors[:5], result2.updated)
        audit2 = Enterprise.history.filter(history_type="~").count()
        assert audit2 == n, audit2
        runs.append((wall, cpu, srv, wall2, cpu2, srv2))
        print(f"import (create)     {wall:.1f} s  → {rate(wall)} rows/s  (created {result.created}, audit rows {audit})")
        print(f"  python CPU time   {cpu:.1f} s  → {rate(cpu)} rows per CPU-second (load-independent; excludes the database server)")
        if srv is not None:
            print(f"  server CPU time   {srv:.1f} s  → {rate(cpu + srv)} rows per CPU-second of Python + server together")
        print(f"re-import (update)  {wall2:.1f} s  → {rate(wall2)} rows/s  (updated {result2.updated}, audit rows {audit2})")
        if srv2 is not None:
            print(f"  CPU time          {cpu2:.1f} s Python + {srv2:.1f} s server → {rate(cpu2 + srv2)} rows per CPU-second")
        else:
            print(f"  python CPU time   {cpu2:.1f} s  → {rate(cpu2)} rows per CPU-second")
    if args.repeat > 1:
        med = [statistics.median(x for x in col) if None not in col else None for col in zip(*runs)]
        print(f"median of {args.repeat} runs:")
        print(f"  create  wall {rate(med[0])} rows/s, CPU {med[1]:.1f} s Python"
              + (f" + {med[2]:.1f} s server → {rate(med[1] + med[2])} rows per CPU-second" if med[2] is not None else ""))
        print(f"  update  wall {rate(med[3])} rows/s, CPU {med[4]:.1f} s Python"
              + (f" + {med[5]:.1f} s server → {rate(med[4] + med[5])} rows per CPU-second" if med[5] is not None else ""))
    print(f"load average        {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
