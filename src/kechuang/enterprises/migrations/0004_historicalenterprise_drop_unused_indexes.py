"""Drop the change-log indexes of HistoricalEnterprise that no query uses.

django-simple-history copies every index of Enterprise onto its history table (uscc, name, town, industry, domain,
each twice on PostgreSQL with its varchar_pattern_ops twin). Change-log rows are read by enterprise (`id`), by time
(`history_date`: the audit page and the retention purge), by user (`history_user`) and in `history_id` order (the
SM3 seal); those indexes stay. The ten others only cost time on every write (an import of 100,000 enterprises
writes 100,000 change-log rows). The model state keeps simple-history's fields as they are (they are generated
for every BaseModel alike); this migration changes only the database.
"""
from django.db import migrations

TABLE = "enterprises_historicalenterprise"
COLUMNS = ("uscc", "name", "town_id", "industry_id", "domain_id")


def drop_indexes(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cur:
        constraints = conn.introspection.get_constraints(cur, TABLE)
    for name, c in sorted(constraints.items()):
        if c["index"] and not c["unique"] and not c["primary_key"] and len(c["columns"]) == 1 \
                and c["columns"][0] in COLUMNS:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    model = apps.get_model("enterprises", "HistoricalEnterprise")
    for field in model._meta.concrete_fields:
        if field.column in COLUMNS:
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
            like = getattr(schema_editor, "_create_like_index_sql", None)
            sql = like(model, field) if like else None
            if sql is not None:
                schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("enterprises", "0003_enterprise_search_trigram"),
    ]

    operations = [
        migrations.RunPython(drop_indexes, create_indexes, elidable=False),
    ]
