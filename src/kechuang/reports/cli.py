"""`kechuang report …`: the generated work summary (DESIGN §5) and the quarterly tech-service analysis.

    kechuang report annual --region CODE --year YYYY --out FILE.docx [--no-pdf]
    kechuang report quarterly --region CODE --year YYYY --quarter Q --out FILE.docx [--no-pdf]

The DOCX is written to FILE.docx and, when LibreOffice (soffice) is installed, the PDF beside it (FILE.pdf).
Bad input prints a message naming the argument and exits 2. Progress goes to stderr.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


class UsageError(Exception):
    """A bad command line; the message names the argument."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit; main() decides the exit code
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="kechuang report", description="生成工作总结与季度分析 / generate the work summary and analyses")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    s = sub.add_parser("annual", help="年度工作总结（DOCX，另存 PDF）/ the annual work summary")
    s.add_argument("--region", required=True, help="区划代码，如 330212（区或市）")
    s.add_argument("--year", required=True, help="年度，如 2025")
    s.add_argument("--out", required=True, help="输出 DOCX 文件，如 /tmp/鄞州区2025年工作总结.docx")
    s.add_argument("--no-pdf", action="store_true", help="不生成 PDF")
    s = sub.add_parser("quarterly", help="科技服务业季度分析 / the quarterly tech-service analysis")
    s.add_argument("--region", required=True, help="区划代码：区（分镇街分析）或镇街（本镇街分析）")
    s.add_argument("--year", required=True, help="年度，如 2026")
    s.add_argument("--quarter", required=True, help="季度 1–4")
    s.add_argument("--out", required=True, help="输出 DOCX 文件")
    s.add_argument("--no-pdf", action="store_true", help="不生成 PDF")
    return p


_ARG = {"kind": "command", "region": "--region", "year": "--year", "quarter": "--quarter"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        return _generate(args)
    except UsageError as exc:
        print(f"kechuang report: error: {exc}", file=sys.stderr)
        return 2


def _out(path: str) -> Path:
    out = Path(path).expanduser()
    if out.suffix.lower() != ".docx":
        raise UsageError(f"argument --out: 输出文件应以 .docx 结尾，实为“{path}”")
    if out.exists() and out.is_dir():
        raise UsageError(f"argument --out: “{path}”是目录，应为文件")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"argument --out: 目录不存在：{parent}")
    return out


def _generate(args) -> int:
    from .services import check_request, generate_files

    out = _out(args.out)
    errors, region, year, quarter = check_request(args.command, args.region, args.year,
                                                  getattr(args, "quarter", None))
    if errors.items:
        first = errors.items[0]
        raise UsageError(f"argument {_ARG.get(first['field'], first['field'])}: {first['message']}")

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r  {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    gen = generate_files(args.command, region.code, year, quarter, out, pdf=not args.no_pdf, progress=progress)
    print(f"{gen.title}（数据截至 {gen.period}）")
    print(f"DOCX: {gen.docx}  {gen.seconds_docx:.2f} s")
    if gen.pdf is not None:
        print(f"PDF:  {gen.pdf}  {gen.seconds_pdf:.2f} s")
    elif not args.no_pdf:
        print(f"PDF:  未生成 / not written — {gen.pdf_error}", file=sys.stderr)
    return 0
