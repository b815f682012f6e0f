"""Fast audited bulk writes for imports: plain executemany INSERT/UPDATE for rows and their change-log rows.

The ORM's bulk_create spends most of its time preparing each value of each object; an import of 100,000 rows
needs one prepared statement executed many times instead. Values are converted once per column type, ids are
reserved up front (a sequence on PostgreSQL, MAX(id) under SQLite's write lock) so that the history rows
(django-simple-history's tables) can be written in the same pass. Call inside transaction.atomic.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from django.db import connection, models
from django.utils import timezone

CHUNK = 5000


def _identity(v):
    return v


def _converter(field):
    """A per-column value converter cheaper than Field.get_db_prep_save for the plain types imports write."""
    from .pii import EncryptedCharField

    if isinstance(field, EncryptedCharField):
        return lambda v: field.get_db_prep_save(v, connection)
    if isinstance(field, models.DateTimeField):
        cache: dict = {}  # imports stamp every row with the same instant; adapt it once

        def conv(v):
            if v is None:
                return None
            if v not in cache:
                cache[v] = connection.ops.adapt_datetimefield_value(v)
            return cache[v]
        return conv
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else connection.ops.adapt_datefield_value(v)
    if isinstance(field, models.DecimalField):
        if connection.vendor == "sqlite":
            return lambda v: None if v is None else str(v)
        return _identity
    if isinstance(field, models.JSONField):
        return lambda v: field.get_db_prep_save(v, connection)
    return _identity


def reserve_ids(model, n: int) -> list[int]:
    """n fresh primary keys for model (the caller holds a write transaction)."""
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
        start = cur.fetchone()[0] + 1
        return list(range(start, start + n))


def _tuples(rows: list[dict], fields: list, convs: list) -> list[tuple]:
    """Rows as parameter tuples; columns whose converter is the identity are copied without a call."""
    plan = [(f.attname, None if c is _identity else c) for f, c in zip(fields, convs)]
    return [tuple(r.get(a) if c is None else c(r.get(a)) for a, c in plan) for r in rows]


def _columns(model, exclude: Iterable[str] = ()) -> list:
    return [f for f in model._meta.concrete_fields if f.attname not in exclude]


def _executemany(sql: str, params: list[tuple]) -> None:
    with connection.cursor() as cur:
        for i in range(0, len(params), CHUNK):
            cur.executemany(sql, params[i:i + CHUNK])


def _copy(table: str, columns: list[str], params: list[tuple]) -> None:
    """PostgreSQL COPY FROM STDIN: an order of magnitude faster than executemany for large imports."""
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as cp:
            for row in params:
                cp.write_row(row)


def _insert(table: str, columns: list[str], params: list[tuple]) -> None:
    if connection.vendor == "postgresql" and len(params) > 50:
        _copy(table, columns, params)
    else:
        _executemany(_insert_sql(table, columns), params)


def _insert_sql(table: str, columns: list[str]) -> str:
    qn = connection.ops.quote_name
    return f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"


HISTORY_EXTRA = ("history_date", "history_change_reason", "history_type", "history_user_id")


def _history_rows(model, fields: list, params: list[tuple], kind: str, user, reason: str) -> None:
    """Log rows whose values (in `fields` order) are already converted: the history row is the same tuple plus
    the history columns, so nothing is converted twice."""
    history = getattr(model, "history", None)
    if history is None:
        return
    hmodel = history.model
    hcols = {f.attname: f for f in hmodel._meta.concrete_fields}
    names = [f.attname for f in fields]
    if set(hcols) != set(names) | set(HISTORY_EXTRA) | {"history_id"}:
        raise RuntimeError(f"history table of {model.__name__} does not mirror its fields")
    uid = getattr(user, "pk", None) if user is not None and getattr(user, "is_authenticated", False) else None
    extra = (_converter(hcols["history_date"])(timezone.now()), reason, kind, uid)
    _insert(hmodel._meta.db_table, [hcols[n].column for n in names] + [hcols[n].column for n in HISTORY_EXTRA],
            [p + extra for p in params])


def bulk_insert_audited(model, rows: list[dict], *, user=None, reason: str = "") -> list[int]:
    """Insert rows (dicts keyed by field attname) and their '+' change-log rows; returns the new ids."""
    if not rows:
        return []
    now = timezone.now()
    ids = reserve_ids(model, len(rows))
    fields = _columns(model)
    convs = [_converter(f) for f in fields]
    full = []
    for pk, row in zip(ids, rows):
        r = {f.attname: f.get_default() for f in fields if f.attname not in row and not f.primary_key}
        r.update(row)
        r[model._meta.pk.attname] = pk
        if "created_at" in r and r["created_at"] is None:
            r["created_at"] = now
        if "updated_at" in r:
            r["updated_at"] = now
        full.append(r)
    params = _tuples(full, fields, convs)
    _insert(model._meta.db_table, [f.column for f in fields], params)
    _history_rows(model, fields, params, "+", user, reason)
    return ids


def bulk_update_audited(model, rows: list[dict], fields: list[str], *, user=None, reason: str = "") -> None:
    """Update the given fields of rows (each with its 'id' and the full current values) and log '~' rows."""
    if not rows:
        return
    now = timezone.now()
    meta = model._meta
    upd = [meta.get_field(name) for name in fields] + [meta.get_field("updated_at")]
    convs = [_converter(f) for f in upd]
    qn = connection.ops.quote_name
    sql = (f"UPDATE {qn(meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in upd)} "
           f"WHERE {qn(meta.pk.column)} = %s")
    for r in rows:
        r["updated_at"] = now
    params = [tuple(conv(r.get(f.attname)) for f, conv in zip(upd, convs)) + (r[meta.pk.attname],) for r in rows]
    if connection.vendor == "postgresql" and len(rows) > 50:
        # Stage the new values with COPY, then one UPDATE … FROM joins them in.
        tmp = f"kc_upd_{meta.db_table}"
        cols = [f.column for f in upd] + [meta.pk.column]
        with connection.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE {qn(tmp)} ON COMMIT DROP AS SELECT {', '.join(qn(c) for c in cols)} "
                        f"FROM {qn(meta.db_table)} WITH NO DATA")
        _copy(tmp, cols, params)
        with connection.cursor() as cur:
            cur.execute(f"UPDATE {qn(meta.db_table)} AS t SET {', '.join(f'{qn(f.column)} = s.{qn(f.column)}' for f in upd)} "
                        f"FROM {qn(tmp)} AS s WHERE t.{qn(meta.pk.column)} = s.{qn(meta.pk.column)}")
            cur.execute(f"DROP TABLE {qn(tmp)}")
    else:
        _executemany(sql, params)
    all_fields = _columns(model)
    all_convs = [_converter(f) for f in all_fields]
    _history_rows(model, all_fields, [tuple(conv(r.get(f.attname)) for f, conv in zip(all_fields, all_convs))
                                      for r in rows], "~", user, reason)


def current_rows(model, ids: list[int]) -> dict[int, dict]:
    """The stored values of rows by id (attname keys), fetched in chunks, for updates that log full snapshots."""
    names = [f.attname for f in _columns(model)]
    out: dict[int, dict] = {}
    for i in range(0, len(ids), CHUNK):
        for values in model.objects.filter(pk__in=ids[i:i + CHUNK]).values(*names):
            out[values[model._meta.pk.attname]] = values
    return out


def today() -> dt.date:
    return timezone.localdate()
