"""Loading the indicator catalog shipped with the package."""
import csv

from django.db import transaction

from kechuang.regions.services import DATA_DIR

from .models import Indicator


@transaction.atomic
def catalog_load() -> int:
    """Create or refresh every indicator of the catalog; idempotent."""
    with open(DATA_DIR / "indicators.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, r in enumerate(rows):
        Indicator.objects.update_or_create(code=r["code"], defaults={
            "name_zh": r["name_zh"], "name_en": r["name_en"], "unit": r["unit"], "kind": r["kind"],
            "source": r["source"], "formula": r["formula"] or "", "notes": r["notes"] or "", "position": i,
        })
    return len(rows)
