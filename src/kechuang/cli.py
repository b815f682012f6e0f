"""The `kechuang` command (DESIGN §5): init, demo, manage, import, eval, indicators, report, market, backup."""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from importlib import import_module


class NotInitialised(Exception):
    pass


def require_database() -> None:
    """Commands that read the database refuse to run on one that `kechuang init` has not prepared."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise NotInitialised("数据库尚未初始化或需要升级，请先运行 kechuang init / "
                             "the database is not initialised or needs migrating: run `kechuang init` first")


def setup_django(demo: bool = False) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    if demo:
        os.environ["KECHUANG_DEMO"] = "1"
    import django

    django.setup()


def cmd_init(args) -> int:
    setup_django()
    from kechuang.core.bootstrap import initialise

    summary = initialise(home=args.home, verbose=True)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def cmd_demo(args) -> int:
    setup_django(demo=True)
    from kechuang.core.bootstrap import initialise
    from kechuang.web.demo import demo_load

    initialise(home=args.home, verbose=True)
    logins = demo_load(size=args.size, verbose=True)
    print("\n演示账号 / demo logins (synthetic data):")
    for row in logins:
        print(f"  {row['role']:<12} {row['username']:<16} {row['password']:<16} {row['note']}")
    if args.no_serve:
        return 0
    from django.core.management import call_command

    print(f"\n打开 / open  http://127.0.0.1:{args.port}/")
    call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False, use_threading=True)
    return 0


def cmd_manage(args) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kechuang manage", *args.rest])
    return 0


def cmd_import(args) -> int:
    setup_django()
    require_database()
    from kechuang.core.importing import ImportFileError, run_import

    user = None
    if args.user:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=args.user).first()
        if user is None:
            print(f"error: user: 用户不存在：{args.user}", file=sys.stderr)
            return 2
    try:
        with open(args.file, "rb") as f:
            data = f.read()
    except OSError as exc:
        print(f"error: file: 无法读取文件 {args.file}：{exc.strerror}", file=sys.stderr)
        return 2
    try:
        from kechuang.core.audit import acting_as

        with acting_as(user, f"cli:{getpass.getuser()}"):
            result = run_import(args.kind, data, os.path.basename(args.file), user=user, dry_run=args.dry_run,
                                progress=_progress if sys.stderr.isatty() else None)
    except ImportFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        for e in result.errors:
            print(f"第{e.row}行\t{e.column}\t{e.message}")
        if result.errors:
            print(f"{len(result.errors)} 处错误，共 {result.total} 行：未导入任何数据 / {len(result.errors)} errors, nothing imported",
                  file=sys.stderr)
        elif result.dry_run:
            print(f"校验通过 {result.total} 行（未写入） / {result.total} rows valid (dry run)")
        else:
            print(f"导入完成：新增 {result.created}，更新 {result.updated} / created {result.created}, updated {result.updated}")
    return 1 if result.errors else 0


def _progress(done: int, total: int) -> None:
    print(f"\r  {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def _delegate(module: str, needs_django: bool = True):
    def run(args) -> int:
        if needs_django:
            setup_django()
            needs_db = args.delegated not in ("restore", "market") or (
                args.rest[:1] == ["match"] and "--corpus" not in args.rest)
            if needs_db:
                require_database()
        if module == "kechuang.market.cli":
            # Without --corpus, `market match` searches the marketplace's published listings.
            from kechuang.market.search import documents

            return import_module(module).main(args.rest, documents_provider=documents)
        return import_module(module).main(args.rest)
    return run


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kechuang", description="科创 Kechuang — district S&T bureau platform")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("init", help="create or migrate the database and load reference data")
    s.add_argument("--home", default=None, help="the bureau's home region code (default 330212 鄞州区)")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("demo", help="load a synthetic demo city and serve it on localhost")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--size", choices=["tiny", "small", "city"], default="small",
                   help="tiny: a few hundred enterprises for browser tests; small: a district; city: all of Ningbo")
    s.add_argument("--home", default=None)
    s.add_argument("--no-serve", action="store_true", help="load the demo data and exit")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("manage", help="Django management commands", add_help=False)
    s.add_argument("rest", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_manage)

    s = sub.add_parser("import", help="bulk import an xlsx/csv file (all rows or none)")
    s.add_argument("kind")
    s.add_argument("file")
    s.add_argument("--dry-run", action="store_true")
    s.add_argument("--json", action="store_true")
    s.add_argument("--user", help="act as this user (scope applies); default: the bureau of the home region")
    s.set_defaults(func=cmd_import)

    for name, module, django_needed in (
        ("eval", "kechuang.evaluation.cli", False),
        ("indicators", "kechuang.indicators.cli", True),
        ("report", "kechuang.reports.cli", True),
        ("market", "kechuang.market.cli", True),
        ("backup", "kechuang.core.backup", True),
        ("restore", "kechuang.core.backup", True),
    ):
        s = sub.add_parser(name, add_help=False)
        s.add_argument("rest", nargs=argparse.REMAINDER)
        s.set_defaults(func=_delegate(module, django_needed), delegated=name)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "delegated", None) in ("backup", "restore"):
        args.rest = [args.delegated, *args.rest]
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        return 130
    except NotInitialised as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
