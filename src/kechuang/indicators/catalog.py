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
    from .cache import data_changed

    data_changed()  # a changed formula or kind changes every computed panel
    return len(rows)


# -- the engine's view of the catalog ---------------------------------------------------------------------------

_ENGINE: dict[str, object] = {}


def engine_catalog(version: str | None = None):
    """The catalog as the pure engine's `Catalog` (formulas compiled), built once per process and data version."""
    from .cache import data_version
    from .engine import load_catalog

    version = version if version is not None else data_version()
    hit = _ENGINE.get(version)
    if hit is None:
        rows = list(Indicator.objects.order_by("position", "code").values(
            "code", "name_zh", "name_en", "unit", "kind", "source", "formula", "notes"))
        hit = load_catalog(rows)
        _ENGINE.clear()
        _ENGINE[version] = hit
    return hit
