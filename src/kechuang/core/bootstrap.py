"""`kechuang init`: migrate the database and load the reference data; idempotent."""
from __future__ import annotations

import os

from django.conf import settings
from django.core.management import call_command


def initialise(*, home: str | None = None, verbose: bool = False) -> dict:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        os.makedirs(os.path.dirname(settings.DATABASES["default"]["NAME"]) or ".", exist_ok=True)
    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)
    from kechuang.indicators.catalog import catalog_load
    from kechuang.regions.models import Region
    from kechuang.regions.services import home_region_code, home_region_set, reference_load

    summary = {}
    if not Region.objects.filter(code="330212").exists() or not Region.objects.filter(level="town").exists():
        summary.update(reference_load())
    summary["indicators"] = catalog_load()
    region = home_region_set(home or home_region_code())
    summary["home"] = f"{region.code} {region.full_name}"
    if verbose:
        print(f"数据库已就绪；本局辖区 {summary['home']} / database ready; home region {region.code}")
    return summary
