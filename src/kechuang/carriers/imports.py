"""Import spec for innovation carriers (keyed by name), with the latest evaluation grade."""
from __future__ import annotations


from kechuang.core.bulk import bulk_insert_audited, bulk_update_audited
from kechuang.core.fields import parse_choice, parse_date, parse_decimal, parse_int, parse_text
from kechuang.core.importing import Column, ImportSpec
from kechuang.core.services import acting_user
from kechuang.enterprises.choices import Level
from kechuang.enterprises.validation import Lookups, parse_town_code, parse_wan

from .choices import CarrierKind
from .models import Carrier


class CarrierImport(ImportSpec):
    kind = "carriers"
    label = "双创平台载体"
    key = "name"
    columns = [
        Column("name", "载体名称", lambda v: parse_text(v, max_length=200), required=True, example="鄞州某某众创空间"),
        Column("kind", "类型", lambda v: parse_choice(v, CarrierKind), required=True, example="众创空间"),
        Column("level", "级别", lambda v: parse_choice(v, Level), required=True, example="市级"),
        Column("town", "所属镇街代码", parse_town_code, required=True, example="330212001"),
        Column("operator", "运营主体", lambda v: parse_text(v, max_length=200)),
        Column("recognised_on", "认定日期", lambda v: parse_date(v, not_future=True), required=True, example="2022-09-01"),
        Column("area", "孵化面积（㎡）", lambda v: parse_decimal(v, places=2), example="3000"),
        Column("tenants", "在孵企业数", lambda v: parse_int(v), example=25),
        Column("output_value", "在孵企业产值（万元）", parse_wan, example="1200"),
    ]

    def prepare(self, rows):
        self.lk = Lookups.load(self.user)
        self.current = {c.name: c for c in Carrier.objects.filter(name__in=[r.get("name") for r in rows])}

    def clean_row(self, values, ctx):
        town = values.get("town")
        if town and not self.lk.town_writable(town):
            ctx.error("town", f"镇街 {town} 未知或不在您的管辖范围内", "out_of_scope")
        old = self.current.get(values.get("name"))
        if old is not None and not self.lk.town_writable(old.town_id):
            ctx.error("name", "同名载体不在您的管辖范围内", "out_of_scope")
        for k in ("area", "tenants", "output_value"):
            values[k] = values.get(k) or 0
        values["operator"] = values.get("operator") or ""
        return values

    def apply(self, rows):
        new, changed = [], []
        for r in rows:
            data = {("town_id" if k == "town" else k): v for k, v in r.items() if k != "__row__"}
            old = self.current.get(data["name"])
            if old is None:
                new.append(data)
            else:
                current = {f.attname: getattr(old, f.attname) for f in Carrier._meta.concrete_fields}
                changed.append({**current, **data, "id": old.pk})
        user = acting_user(self.user)
        bulk_insert_audited(Carrier, new, user=user, reason="import:carriers")
        bulk_update_audited(Carrier, changed, [c.name for c in self.columns if c.name != "name"], user=user,
                            reason="import:carriers")
        return len(new), len(changed)
