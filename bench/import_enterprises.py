"""Import 100,000 enterprise rows (xlsx) with full validation and audit; prints rows/s.

Usage: DATABASE_URL=... python bench/import_enterprises.py [--rows 100000]
Without DATABASE_URL a throwaway SQLite file is used. The target database is initialised (migrate + reference).
"""
from __future__ import annotations

import argparse
import io
import os
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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
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
    # Start empty (raw deletes: audit records refuse ordinary deletion).
    Enterprise.history.all()._raw_delete(Enterprise.history.db)
    Enterprise.objects.all()._raw_delete(Enterprise.objects.db)
    t0 = time.perf_counter()
    data = build_xlsx(args.rows)
    t1 = time.perf_counter()
    c1 = time.process_time()
    result = run_import("enterprises", data, "bench.xlsx", user=None)
    t2 = time.perf_counter()
    c2 = time.process_time()
    assert result.ok, result.errors[:5]
    audit = Enterprise.history.filter(history_type="+").count()
    # Second run: every row is an update by USCC.
    result2 = run_import("enterprises", data, "bench.xlsx", user=None)
    t3 = time.perf_counter()
    vendor = connection.vendor
    print(f"database            {vendor}")
    print(f"rows                {args.rows}")
    print(f"xlsx built in       {t1 - t0:.1f} s ({len(data) / 1e6:.1f} MB)")
    print(f"import (create)     {t2 - t1:.1f} s  → {args.rows / (t2 - t1):,.0f} rows/s  (created {result.created}, audit rows {audit})")
    print(f"  python CPU time   {c2 - c1:.1f} s  → {args.rows / (c2 - c1):,.0f} rows per CPU-second (load-independent; excludes the database server)")
    print(f"re-import (update)  {t3 - t2:.1f} s  → {args.rows / (t3 - t2):,.0f} rows/s  (updated {result2.updated})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
