"""Fast audited bulk writes for imports: rows and their change-log rows without the ORM's per-object work.

The ORM's bulk_create spends most of its time preparing each value of each object; an import of 100,000 rows
needs values converted once per column instead. Rows are handled column by column: each column's values are
converted (SQLite) or rendered as COPY text (PostgreSQL) in one pass, and the rows are then zipped together.
Ids are reserved up front (a sequence on PostgreSQL, MAX(id) under SQLite's write lock) so that the history rows
(django-simple-history's tables) can be written in the same pass: on PostgreSQL a history row is the table row's
COPY line plus the history columns, so nothing is rendered twice. Updates stage the new values with COPY and log
the stored rows as the UPDATE returns them. Call inside transaction.atomic.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any, Callable, Iterable

from django.db import connection, models
from django.utils import timezone

CHUNK = 5000
COPY_MIN_ROWS = 50  # below this, plain INSERTs are cheaper than setting up COPY
COPY_BLOCK = 10000  # rows rendered and sent to COPY at a time


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


# -- PostgreSQL COPY text format ------------------------------------------------------------------------------

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(v) -> str:
    """A value as a field of COPY's text format, by its Python type (the fallback of _copy_formatter)."""
    if v is None:
        return NULL
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, (int, Decimal, uuid.UUID)):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (dt.date, dt.time)):  # datetimes included; aware ones carry their offset
        return v.isoformat()
    if isinstance(v, str):
        return v.translate(_ESCAPES)
    raise TypeError(f"cannot write {type(v).__name__} with COPY")


def _copy_formatter(field) -> Callable[[Any], str]:
    """A per-column function rendering a Python value as a COPY text field (NULL as \\N, text escaped)."""
    from .pii import EncryptedCharField

    if isinstance(field, models.ForeignKey):
        return _copy_formatter(field.target_field)
    if isinstance(field, EncryptedCharField):
        return lambda v: NULL if v is None else str(field.get_db_prep_save(v, connection)).translate(_ESCAPES)
    if isinstance(field, models.BooleanField):
        return lambda v: NULL if v is None else ("t" if v else "f")
    if isinstance(field, (models.IntegerField, models.AutoField)):  # every integer kind, pk included
        return lambda v: NULL if v is None else str(int(v))
    if isinstance(field, (models.CharField, models.TextField)):
        return lambda v: NULL if v is None else (v if type(v) is str else str(v)).translate(_ESCAPES)
    if isinstance(field, models.DateTimeField):
        cache: dict = {}  # imports stamp every row with the same instant; render it once

        def fmt(v):
            if v is None:
                return NULL
            s = cache.get(v)
            if s is None:
                s = cache[v] = connection.ops.adapt_datetimefield_value(v).isoformat()
            return s
        return fmt
    if isinstance(field, models.DateField):
        return lambda v: NULL if v is None else (v if type(v) is dt.date else field.to_python(v)).isoformat()
    if isinstance(field, models.DecimalField):
        return lambda v: NULL if v is None else str(v if isinstance(v, Decimal) else field.to_python(v))
    if isinstance(field, models.JSONField):
        return lambda v: NULL if v is None else json.dumps(v, cls=field.encoder).translate(_ESCAPES)
    return _copy_text


def _render_column(field, values: list) -> list[str]:
    """A whole column as COPY text fields: common types are rendered a column at a time, others value by value."""
    from .pii import EncryptedCharField

    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, (models.CharField, models.TextField)) and not isinstance(target, EncryptedCharField):
        # Escape the whole column in one translate: join on NUL (which PostgreSQL text cannot hold anyway,
        # so a NUL in a value makes the join ambiguous: then go value by value).
        texts = ["" if v is None else v for v in values]
        try:
            joined = "\x00".join(texts)
        except TypeError:  # a value that is not a str
            pass
        else:
            if joined.count("\x00") == len(values) - 1:
                parts = joined.translate(_ESCAPES).split("\x00")
                if None in values:
                    parts = [NULL if v is None else p for v, p in zip(values, parts)]
                return parts
    elif isinstance(target, models.BooleanField):
        return [NULL if v is None else ("t" if v else "f") for v in values]
    elif isinstance(target, (models.IntegerField, models.AutoField)):
        if all(type(v) is int for v in values):
            return list(map(str, values))
    elif isinstance(target, models.DateField) and not isinstance(target, models.DateTimeField):
        seen: dict = {}  # dates repeat (founding dates, report days): render each once
        out = []
        for v in values:
            s = seen.get(v)
            if s is None:
                s = seen[v] = NULL if v is None else (v if type(v) is dt.date else target.to_python(v)).isoformat()
            out.append(s)
        return out
    fmt = _copy_formatter(field)
    return [fmt(v) for v in values]


class _CopyIn:
    """One COPY FROM STDIN in text format, fed line blocks as they are rendered (the server works meanwhile)."""

    def __init__(self, table: str, columns: list[str]):
        qn = connection.ops.quote_name
        self._sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"

    def __enter__(self):
        self._wrapper = connection.cursor()
        self._cm = self._wrapper.cursor.copy(self._sql)
        self._copy = self._cm.__enter__()
        return self

    def write_lines(self, lines: list[str], suffix: str = "\n") -> None:
        if lines:
            self._copy.write((suffix.join(lines) + suffix).encode())

    def __exit__(self, *exc):
        try:
            return self._cm.__exit__(*exc)
        finally:
            self._wrapper.close()


def _copy_text_lines(table: str, columns: list[str], text: str) -> None:
    """COPY FROM STDIN of text already in COPY's text format (one line per row, ending in a newline)."""
    with _CopyIn(table, columns) as cp:
        cp._copy.write(text.encode())


def _rendered_lines(fields: list, columns: list[list]) -> list[str]:
    """The COPY lines of rows given column by column (a column given as a 1-item tuple is a constant)."""
    n = max(len(c) for c in columns if not isinstance(c, tuple))
    rendered = []
    for f, values in zip(fields, columns):
        if isinstance(values, tuple):
            rendered.append([_copy_formatter(f)(values[0])] * n)
        else:
            rendered.append(_render_column(f, values))
    return list(map("\t".join, zip(*rendered)))


# -- shared helpers -------------------------------------------------------------------------------------------

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


def _columns(model, exclude: Iterable[str] = ()) -> list:
    return [f for f in model._meta.concrete_fields if f.attname not in exclude]


def _executemany(sql: str, params: list[tuple]) -> None:
    with connection.cursor() as cur:
        for i in range(0, len(params), CHUNK):
            cur.executemany(sql, params[i:i + CHUNK])


def _insert_sql(table: str, columns: list[str]) -> str:
    qn = connection.ops.quote_name
    return f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"


def _use_copy(n: int) -> bool:
    return connection.vendor == "postgresql" and n > COPY_MIN_ROWS


HISTORY_EXTRA = ("history_date", "history_change_reason", "history_type", "history_user_id")


def _history(model, fields: list):
    """The history model of `model` (None without a change log), checked to mirror `fields` column for column."""
    history = getattr(model, "history", None)
    if history is None:
        return None
    hmodel = history.model
    hcols = {f.attname: f for f in hmodel._meta.concrete_fields}
    names = [f.attname for f in fields]
    if set(hcols) != set(names) | set(HISTORY_EXTRA) | {"history_id"}:
        raise RuntimeError(f"history table of {model.__name__} does not mirror its fields")
    if [hcols[n].column for n in names] != [f.column for f in fields]:
        raise RuntimeError(f"history table of {model.__name__} names its columns differently")
    return hmodel


def _history_extra(hmodel, kind: str, user, reason: str) -> tuple:
    """Values of the history columns shared by every row of one bulk write: when, why, what, who."""
    uid = getattr(user, "pk", None) if user is not None and getattr(user, "is_authenticated", False) else None
    return timezone.now(), reason, kind, uid


# -- inserts --------------------------------------------------------------------------------------------------

def bulk_insert_audited(model, rows: list[dict], *, user=None, reason: str = "") -> list[int]:
    """Insert rows (dicts keyed by field attname) and their '+' change-log rows; returns the new ids."""
    if not rows:
        return []
    n = len(rows)
    now = timezone.now()
    ids = reserve_ids(model, n)
    fields = _columns(model)
    # Column by column: a missing value takes the field's default, created_at defaults to now, updated_at is now.
    columns: list[list | tuple] = []
    for f in fields:
        a = f.attname
        per_row = f.has_default() and callable(f.default)  # e.g. default=dict: a fresh value for each row
        if f.primary_key:
            columns.append(ids)
        elif a == "updated_at":
            columns.append((now,))
        elif not any(a in r for r in rows):
            if a == "created_at":
                columns.append((now,))
            else:
                columns.append([f.get_default() for _ in rows] if per_row else (f.get_default(),))
        else:
            d = None if per_row else f.get_default()
            col = [r[a] if a in r else (f.get_default() if per_row else d) for r in rows]
            if a == "created_at":
                col = [now if v is None else v for v in col]
            columns.append(col)
    table = model._meta.db_table
    names = [f.column for f in fields]
    hmodel = _history(model, fields)
    extra = _history_extra(hmodel, "+", user, reason) if hmodel is not None else ()
    if _use_copy(n):
        # Rendered and sent a block at a time, so that the server inserts one block while the next is rendered.
        lines: list[str] = []
        with _CopyIn(table, names) as cp:
            for i in range(0, n, COPY_BLOCK):
                block = _rendered_lines(fields, [c if isinstance(c, tuple) else c[i:i + COPY_BLOCK] for c in columns])
                cp.write_lines(block)
                lines.extend(block)
        if hmodel is not None:
            hfields = [hmodel._meta.get_field(a) for a in HISTORY_EXTRA]
            suffix = "\t" + "\t".join(_copy_formatter(f)(v) for f, v in zip(hfields, extra)) + "\n"
            _copy_text_lines(hmodel._meta.db_table, names + [f.column for f in hfields],
                             suffix.join(lines) + suffix)
        return ids
    converted = []
    for f, values in zip(fields, columns):
        conv = _converter(f)
        if isinstance(values, tuple):
            converted.append([conv(values[0])] * n)
        else:
            converted.append(values if conv is _identity else [conv(v) for v in values])
    params = list(zip(*converted))
    _executemany(_insert_sql(table, names), params)
    if hmodel is not None:
        hfields = [hmodel._meta.get_field(a) for a in HISTORY_EXTRA]
        hextra = tuple(_converter(f)(v) for f, v in zip(hfields, extra))
        _executemany(_insert_sql(hmodel._meta.db_table, names + [f.column for f in hfields]),
                     [p + hextra for p in params])
    return ids


# -- updates --------------------------------------------------------------------------------------------------

def bulk_update_audited(model, rows: list[dict], fields: list[str], *, user=None, reason: str = "") -> None:
    """Update the given fields of rows (each a dict with its 'id' and at least those fields) and log '~' rows.

    The change-log rows are the rows as stored after the update (read back by the database itself), so callers
    need not pass the other fields.
    """
    if not rows:
        return
    now = timezone.now()
    meta = model._meta
    pk = meta.pk
    upd = [meta.get_field(name) for name in fields if name != "updated_at"] + [meta.get_field("updated_at")]
    for r in rows:
        r["updated_at"] = now
    ids = [r[pk.attname] for r in rows]
    all_fields = _columns(model)
    hmodel = _history(model, all_fields)
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    if _use_copy(len(rows)):
        # Stage the new values with COPY; one UPDATE … FROM joins them in and hands its rows to the change log.
        tmp = qn(f"kc_upd_{meta.db_table}")
        cols = [pk] + upd
        with connection.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT "
                        f"{', '.join(qn(f.column) for f in cols)} FROM {table} WITH NO DATA")
        columns = [[r.get(f.attname) for r in rows] for f in cols]
        _copy_text_lines(f"kc_upd_{meta.db_table}", [f.column for f in cols],
                         "\n".join(_rendered_lines(cols, columns)) + "\n")
        update = (f"UPDATE {table} AS t SET {', '.join(f'{qn(f.column)} = s.{qn(f.column)}' for f in upd)} "
                  f"FROM {tmp} AS s WHERE t.{qn(pk.column)} = s.{qn(pk.column)}")
        with connection.cursor() as cur:
            if hmodel is None:
                cur.execute(update)
            else:
                names = [f.column for f in all_fields]
                hcols = names + [hmodel._meta.get_field(a).column for a in HISTORY_EXTRA]
                cur.execute(f"WITH u AS ({update} RETURNING {', '.join(f't.{qn(c)}' for c in names)}) "
                            f"INSERT INTO {qn(hmodel._meta.db_table)} ({', '.join(qn(c) for c in hcols)}) "
                            f"SELECT {', '.join(f'u.{qn(c)}' for c in names)}, %s, %s, %s, %s FROM u",
                            list(_history_extra(hmodel, "~", user, reason)))
            cur.execute(f"DROP TABLE {tmp}")
        return
    convs = [_converter(f) for f in upd]
    sql = (f"UPDATE {table} SET {', '.join(f'{qn(f.column)} = %s' for f in upd)} "
           f"WHERE {qn(pk.column)} = %s")
    _executemany(sql, [tuple(conv(r.get(f.attname)) for f, conv in zip(upd, convs)) + (r[pk.attname],)
                       for r in rows])
    if hmodel is not None:
        # The change log copies the stored rows inside the database: no value goes through Python again.
        names = [qn(f.column) for f in all_fields]
        hcols = names + [qn(hmodel._meta.get_field(a).column) for a in HISTORY_EXTRA]
        extra = [_converter(hmodel._meta.get_field(a))(v)
                 for a, v in zip(HISTORY_EXTRA, _history_extra(hmodel, "~", user, reason))]
        with connection.cursor() as cur:
            for i in range(0, len(ids), CHUNK):
                chunk = ids[i:i + CHUNK]
                cur.execute(f"INSERT INTO {qn(hmodel._meta.db_table)} ({', '.join(hcols)}) "
                            f"SELECT {', '.join(names)}, %s, %s, %s, %s FROM {table} "
                            f"WHERE {qn(pk.column)} IN ({', '.join(['%s'] * len(chunk))}) ORDER BY {qn(pk.column)}",
                            extra + chunk)


# -- reads ----------------------------------------------------------------------------------------------------

def rows_by_keys(model, key: str, keys: list, columns: list[str]) -> list[tuple]:
    """The given columns of the rows whose `key` column is among keys, in one query (keys passed as one array)."""
    keys = [k for k in dict.fromkeys(keys) if k is not None]
    if not keys:
        return []
    qn = connection.ops.quote_name
    meta = model._meta
    cols = ", ".join(qn(meta.get_field(c).column) for c in columns)
    kcol = qn(meta.get_field(key).column)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"SELECT {cols} FROM {qn(meta.db_table)} WHERE {kcol} = ANY(%s)", [keys])
            return cur.fetchall()
        out = []
        for i in range(0, len(keys), CHUNK):
            chunk = keys[i:i + CHUNK]
            cur.execute(f"SELECT {cols} FROM {qn(meta.db_table)} WHERE {kcol} IN ({', '.join(['%s'] * len(chunk))})",
                        chunk)
            out.extend(cur.fetchall())
        return out


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
