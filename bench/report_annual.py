"""Generation time of the annual work summary (工作总结) on the demo database: without PDF (target < 5 s) and with
the PDF through LibreOffice.

Usage:
    python bench/report_annual.py [--region 330212] [--year YYYY] [--runs 3]

Uses the database named by DATABASE_URL, else the SQLite file of KECHUANG_HOME; when neither holds the demo city, a
throwaway KECHUANG_HOME is made and `kechuang demo --no-serve --size small` builds it first (a few minutes).
The year defaults to last year (a complete year). Times are wall-clock seconds; CPU seconds in brackets.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _demo_loaded() -> bool:
    from django.db.utils import DatabaseError

    from kechuang.core.models import Setting

    try:
        return bool(Setting.get("demo_loaded"))
    except DatabaseError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", default="330212")
    ap.add_argument("--year", type=int, default=dt.date.today().year - 1)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    if not os.environ.get("DATABASE_URL") and not os.environ.get("KECHUANG_HOME"):
        os.environ["KECHUANG_HOME"] = tempfile.mkdtemp(prefix="kc-bench-report-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from django.db import connection

    if not _demo_loaded():
        print("demo database not found: building it (kechuang demo --no-serve --size small) …", flush=True)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kechuang.cli", "demo", "--no-serve", "--size", "small"], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"  demo built in {time.perf_counter() - t:.0f} s", flush=True)

    from kechuang.reports import pdf as pdf_module
    from kechuang.reports.annual import build_annual
    from kechuang.reports.render import write_docx

    out_dir = Path(tempfile.mkdtemp(prefix="kc-bench-report-out-"))
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"report:   annual work summary of {args.region}, {args.year}; {args.runs} runs\n")

    figures, render, total, cpu = [], [], [], []
    doc = None
    for i in range(args.runs):
        c0, t0 = time.process_time(), time.perf_counter()
        doc = build_annual(args.region, args.year)
        t1 = time.perf_counter()
        write_docx(doc, out_dir / f"annual-{i}.docx")
        t2 = time.perf_counter()
        figures.append(t1 - t0)
        render.append(t2 - t1)
        total.append(t2 - t0)
        cpu.append(time.process_time() - c0)
        print(f"  run {i + 1}: figures {t1 - t0:.2f} s + DOCX {t2 - t1:.2f} s = {t2 - t0:.2f} s "
              f"[{cpu[-1]:.2f} s CPU]", flush=True)
    print(f"\nwithout PDF: median {statistics.median(total):.2f} s, first (cold) {total[0]:.2f} s "
          f"(target < 5 s) — {len(doc.figures)} figures traced in the appendix, data period {doc.period}")

    if pdf_module.soffice() is None:
        print("with PDF:    LibreOffice (soffice) not installed — skipped")
    else:
        times = []
        for i in range(min(args.runs, 2)):
            t0 = time.perf_counter()
            d = build_annual(args.region, args.year)
            path = write_docx(d, out_dir / f"annual-pdf-{i}.docx")
            t1 = time.perf_counter()
            pdf_path = pdf_module.convert(path)
            t2 = time.perf_counter()
            times.append(t2 - t0)
            print(f"  run {i + 1}: DOCX {t1 - t0:.2f} s + PDF {t2 - t1:.2f} s = {t2 - t0:.2f} s "
                  f"({pdf_path.stat().st_size // 1024} KB)", flush=True)
        print(f"with PDF:    median {statistics.median(times):.2f} s")
    shutil.rmtree(out_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
