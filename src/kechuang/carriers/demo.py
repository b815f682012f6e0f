"""Demo carriers: maker spaces, incubators, accelerators and 星创天地 across the city, with grades."""
import datetime as dt
from decimal import Decimal

from kechuang.enterprises.choices import Level
from kechuang.regions.models import Region

from .choices import CarrierKind, Grade
from .models import Carrier, CarrierEvaluation


def load(ctx) -> None:
    rng = ctx.rng
    towns = list(Region.objects.filter(level="town", code__startswith=ctx.city).values_list("code", "name"))
    home_towns = [t for t in towns if t[0].startswith(ctx.home)]
    n = 0
    for i in range(60):
        code, tname = rng.choice(home_towns if i < 25 else towns)
        kind = rng.choice(list(CarrierKind))
        level = rng.choice([Level.NATIONAL, Level.PROVINCIAL, Level.PROVINCIAL, Level.MUNICIPAL, Level.MUNICIPAL, Level.DISTRICT])
        c = Carrier.objects.create(
            name=f"{tname}{['智造', '青创', '数字', '科创', '星火'][i % 5]}{kind.label}{i + 1}号", kind=kind, level=level,
            town_id=code, operator=f"宁波{tname}创业服务有限公司", recognised_on=dt.date(ctx.today.year - rng.randint(1, 8), 9, 1),
            area=Decimal(rng.randint(800, 30000)), tenants=rng.randint(5, 120),
            output_value=Decimal(rng.randint(100, 50000) * 10000))
        for y in range(ctx.today.year - 3, ctx.today.year):
            if y >= c.recognised_on.year:
                CarrierEvaluation.objects.create(carrier=c, year=y, grade=rng.choice([Grade.EXCELLENT, Grade.GOOD, Grade.GOOD, Grade.PASS]))
        n += 1
    ctx.log(f"{n} 个双创载体")
