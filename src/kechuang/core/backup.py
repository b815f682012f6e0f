"""`kechuang backup FILE` / `kechuang restore FILE`: a portable, compressed dump of every table (audit included).

The dump is Django's JSON serialisation (database-neutral, so a SQLite backup restores into PostgreSQL and back),
gzip-compressed, with a manifest line naming the version and the row count per model and an SM3 digest of the
content. Restore refuses a file whose digest does not match, migrates the target, empties it and loads the dump in
one transaction: it either restores everything or nothing.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import sys

from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import connection, transaction

MAGIC = "kechuang-backup/1"
SKIP = {"contenttypes.contenttype", "auth.permission", "sessions.session", "admin.logentry"}


def _models():
    out = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in SKIP or model._meta.proxy or not model._meta.managed:
            continue
        out.append(model)
    return out


def backup(path: str) -> dict:
    from .crypto import sm3_hex

    from django.core.serializers import sort_dependencies

    app_list = {}
    for model in _models():
        app_list.setdefault(model._meta.app_config, []).append(model)
    ordered = sort_dependencies(app_list.items(), allow_cycles=True)
    counts = {}
    body = io.StringIO()
    for model in ordered:
        qs = model._base_manager.order_by(model._meta.pk.name)
        n = 0
        for chunk_start in range(0, 10**12, 20000):
            objs = list(qs[chunk_start:chunk_start + 20000])
            if not objs:
                break
            body.write(serializers.serialize("json", objs))
            body.write("\n")
            n += len(objs)
        counts[model._meta.label_lower] = n
    content = body.getvalue()
    manifest = {"format": MAGIC, "counts": counts, "sm3": sm3_hex(content), "vendor": connection.vendor}
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps(manifest, ensure_ascii=False) + "\n")
        f.write(content)
    return manifest


def restore(path: str) -> dict:
    from .crypto import sm3_hex

    with gzip.open(path, "rt", encoding="utf-8") as f:
        manifest = json.loads(f.readline())
        content = f.read()
    if manifest.get("format") != MAGIC:
        raise ValueError("不是科创备份文件 / not a Kechuang backup")
    if sm3_hex(content) != manifest["sm3"]:
        raise ValueError("备份文件校验失败（SM3 不符），文件已损坏或被修改 / digest mismatch")
    call_command("migrate", interactive=False, verbosity=0)
    models = _models()
    with transaction.atomic():
        with connection.constraint_checks_disabled():
            for model in reversed(models):
                model._base_manager.all()._raw_delete(model._base_manager.db)
            for line in content.splitlines():
                if not line.strip():
                    continue
                objs = [o.object for o in serializers.deserialize("json", line)]
                if objs:
                    type(objs[0])._base_manager.bulk_create(objs, batch_size=2000)
        connection.check_constraints()
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(_NoStyle(), models):
            cur.execute(sql)
    return manifest


class _NoStyle:
    def __getattr__(self, name):
        return lambda x: x


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="kechuang")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("backup", "restore"):
        s = sub.add_parser(name)
        s.add_argument("file")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "backup":
            m = backup(args.file)
            print(f"备份完成 / backup written: {args.file} ({sum(m['counts'].values())} rows)")
        else:
            m = restore(args.file)
            print(f"恢复完成 / restored {sum(m['counts'].values())} rows from {args.file}")
    except (OSError, ValueError) as exc:
        print(f"error: file: {exc}", file=sys.stderr)
        return 2
    return 0
