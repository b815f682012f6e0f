"""Database guard: ledger rows can be inserted, never updated (any database) or deleted (PostgreSQL).

The application already refuses (model save/delete, queryset update/delete, read-only admin, no API); this makes a
raw SQL UPDATE fail too. On SQLite only UPDATE is blocked, because SQLite has no TRUNCATE and Django's `flush`
(used by transactional tests and restores) empties tables with DELETE; PostgreSQL's flush uses TRUNCATE, which
row-level DELETE triggers do not see.
"""
from django.db import migrations

PG_UP = [
    """CREATE OR REPLACE FUNCTION finance_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'finance ledger entries are append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS finance_ledgerentry_append_only ON finance_ledgerentry",
    """CREATE TRIGGER finance_ledgerentry_append_only BEFORE UPDATE OR DELETE ON finance_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION finance_ledger_append_only()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS finance_ledgerentry_append_only ON finance_ledgerentry",
    "DROP FUNCTION IF EXISTS finance_ledger_append_only()",
]
SQLITE_UP = ["""CREATE TRIGGER IF NOT EXISTS finance_ledgerentry_append_only BEFORE UPDATE ON finance_ledgerentry
BEGIN SELECT RAISE(ABORT, 'finance ledger entries are append-only (UPDATE refused)'); END"""]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS finance_ledgerentry_append_only"]


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [s.replace("%%", "%") for s in PG_UP])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_DOWN)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
