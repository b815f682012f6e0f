"""Fast writes of many indicator values (demo, benchmark, platform refresh): one executemany, no model objects.

The ORM's bulk_create prepares every field of every object in Python, which dominates when writing a few
hundred thousand values; here each row is a plain tuple and the only per-row work is the driver's binding.
These rows get no change-log entries: they are machine-made and reproducible (refresh, demo, benchmark).
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from .models import IndicatorValue

COLUMNS = ("region_id", "indicator_id", "year", "month", "value", "source", "note", "created_at", "updated_at")


def insert_values(rows: Iterable[tuple[str, str, int, int, Decimal, str, str]], *, batch: int = 20000) -> int:
    """Insert ``(region, code, year, month, value, source, note)`` tuples; returns the number written.

    Values must already be rounded to the column's 6 decimals (services.store_value).
    """
    meta = IndicatorValue._meta
    columns = [meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name).column for name in COLUMNS]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    if connection.vendor == "postgresql":
        return _copy_postgres(rows, meta.db_table, columns)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    adapt = _decimal_adapter()
    written = 0
    chunk: list[tuple] = []
    with connection.cursor() as cursor:
        for region, code, year, month, value, source, note in rows:
            chunk.append((region, code, year, month, adapt(value), source, note, now, now))
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                written += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


def _decimal_adapter():
    if connection.vendor == "sqlite":
        # Django's SQLite backend stores decimals as text bound from str(); do it once here.
        return str
    return lambda v: v


def _copy_postgres(rows, table: str, columns: list[str]) -> int:
    """PostgreSQL's COPY: an order of magnitude faster than INSERTs for hundreds of thousands of rows."""
    now = timezone.now()
    quote = connection.ops.quote_name
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
            for region, code, year, month, value, source, note in rows:
                copy.write_row((region, code, year, month, value, source, note, now, now))
                written += 1
    return written
