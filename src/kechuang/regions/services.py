"""Loading the reference data shipped with the package, and the bureau's home region."""
from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .choices import RegionLevel
from .models import HitechDomain, Industry, IPCClass, Region

DATA_DIR = Path(__file__).resolve().parent / "data"
HOME_KEY = "home_region"


def _rows(name: str):
    with open(DATA_DIR / name, encoding="utf-8-sig", newline="") as f:
        yield from csv.DictReader(f)


@transaction.atomic
def reference_load(*, towns_prefix: str = "") -> dict[str, int]:
    """Create or refresh every region and reference list; idempotent. `towns_prefix` limits the towns (tests)."""
    regions: dict[str, Region] = {}
    for r in _rows("provinces.csv"):
        regions[r["code"]] = Region(code=r["code"], name=r["name"], level=RegionLevel.PROVINCE)
    for r in _rows("cities.csv"):
        name = r["name"]
        if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            # Municipalities list their districts under a placeholder city; keep the province's name.
            name = regions[r["provinceCode"]].name if name == "市辖区" else name
        regions[r["code"]] = Region(code=r["code"], name=name, level=RegionLevel.CITY, parent_id=r["provinceCode"])
    for r in _rows("areas.csv"):
        regions[r["code"]] = Region(code=r["code"], name=r["name"], level=RegionLevel.DISTRICT, parent_id=r["cityCode"])
    for name in ("streets.csv", "ningbo_streets_nbs2023.csv"):
        for r in _rows(name):
            if not r["code"].startswith(towns_prefix):
                continue
            regions[r["code"]] = Region(code=r["code"], name=r["name"], level=RegionLevel.TOWN, parent_id=r["areaCode"])
    _upsert(Region, regions.values(), ["name", "level", "parent"])

    industries, seen = [], set()
    all_codes = {r["code"] for r in _rows("gbt4754_2017_industry.csv")}
    for r in _rows("gbt4754_2017_industry.csv"):
        if r["code"] in seen:
            continue  # the transcription lists 374 twice (the second is 飞机制造, a 小类 of 374); keep the first
        seen.add(r["code"])
        level = int(r["level"])
        parent = {1: None, 2: r["section"], 3: r["division"], 4: r["group"]}[level] or None
        if level == 4 and parent not in all_codes:
            parent = r["division"]  # a 中类 with a single 小类 (e.g. 019/0190) has no row of its own
        industries.append(Industry(code=r["code"], name=r["name"], level=level, parent_id=parent, remark=r["remark"] or ""))
    _upsert(Industry, industries, ["name", "level", "parent", "remark"])

    domains = []
    for r in _rows("hitech_domains_2016.csv"):
        level = int(r["level"])
        parent = {1: None, 2: r["level1_code"], 3: r["level2_code"]}[level]
        domains.append(HitechDomain(code=r["code"], name=r["name"], level=level, parent_id=parent))
    _upsert(HitechDomain, domains, ["name", "level", "parent"])

    ipc = [IPCClass(code=r["code"], level=r["level"], title=r["title"]) for r in _rows("ipc_zh_2026_01_subclasses.csv")]
    _upsert(IPCClass, ipc, ["level", "title"])
    return {"regions": len(regions), "industries": len(industries), "domains": len(domains), "ipc": len(ipc)}


def _upsert(model, objs, fields) -> None:
    objs = list(objs)
    # Parents first, so that self-references resolve on databases that check foreign keys immediately.
    order = {v: i for i, v in enumerate(RegionLevel.values)}
    objs.sort(key=lambda o: (o.level if isinstance(o.level, int) else order.get(o.level, 0), o.pk))
    existing = set(model.objects.values_list("pk", flat=True))
    model.objects.bulk_create([o for o in objs if o.pk not in existing], batch_size=2000)
    model.objects.bulk_update([o for o in objs if o.pk in existing], fields, batch_size=2000)


def home_region_code() -> str:
    from kechuang.core.models import Setting

    try:
        return Setting.get(HOME_KEY) or settings.KECHUANG_HOME_REGION
    except Exception:  # before migrations (e.g. while checking settings)
        return settings.KECHUANG_HOME_REGION


def home_region() -> Region:
    return Region.objects.get(code=home_region_code())


def home_region_set(code: str) -> Region:
    """Make a district (or city) the bureau's home region; it must exist in the loaded divisions."""
    from kechuang.core.models import Setting

    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValueError(f"未知的行政区划代码：{code}")
    if region.level not in (RegionLevel.DISTRICT, RegionLevel.CITY):
        raise ValueError(f"本局辖区应为区县或地市，{code} {region.name} 是{region.get_level_display()}")
    Setting.put(HOME_KEY, code)
    return region


def towns_of(region_code: str):
    """The towns (镇街) under a district or city."""
    return Region.objects.filter(level=RegionLevel.TOWN, code__startswith=region_code)
