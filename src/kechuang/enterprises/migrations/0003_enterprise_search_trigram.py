"""Trigram indexes for the enterprise search (name or USCC contains …) on PostgreSQL.

The list's search is `name__icontains | uscc__icontains`, i.e. ``UPPER(col) LIKE UPPER('%term%')``, which no btree
index serves: at 500,000 enterprises it was a sequential scan of the table on every search (bench/scale_bench.py).
A GIN index on ``UPPER(col) gin_trgm_ops`` answers it with an index scan. pg_trgm is a trusted extension
(PostgreSQL ≥ 13), so the database owner may create it. Other databases (SQLite) are left as they are.
"""
from django.db import migrations

INDEXES = {"enterprise_name_trgm": "name", "enterprise_uscc_trgm": "uscc"}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON enterprises_enterprise '
                              f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_alter_enterprise_contact_phone_and_more")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
