"""Import specs for enterprises, annual data, IP, qualifications and R&D institutions (Chinese headers)."""
from __future__ import annotations


from kechuang.core.fields import parse_bool, parse_choice, parse_date, parse_decimal, parse_int, parse_text
from kechuang.core.bulk import bulk_insert_audited, bulk_update_audited, rows_by_keys
from kechuang.core.importing import Column, ImportSpec, RowContext
from kechuang.core.services import acting_user
from kechuang.core.units import add_years

from .annual import ANNUAL_PARSERS, MONEY_FIELDS, check_annual
from .choices import Acquisition, FilingStatus, IPKind, Level, QualificationKind, RDInstitutionType
from .models import AnnualData, Enterprise, IPRecord, Qualification, RDInstitution
from .rd import five_haves_missing
from .validation import ENTERPRISE_PARSERS, Lookups, check_enterprise, parse_uscc, parse_wan

BATCH = 2000


class EnterpriseImport(ImportSpec):
    kind = "enterprises"
    label = "企业名录"
    key = "uscc"
    columns = [
        Column("uscc", "统一社会信用代码", ENTERPRISE_PARSERS["uscc"], required=True, example="91330212MA2AXXXXXX",
               help="18位，含校验位"),
        Column("name", "企业名称", ENTERPRISE_PARSERS["name"], required=True, example="宁波某某科技有限公司"),
        Column("town", "所属镇街代码", ENTERPRISE_PARSERS["town"], required=True, example="330212001",
               aliases=("镇街代码", "town_code"), help="9位统计用区划代码"),
        Column("industry", "行业代码", ENTERPRISE_PARSERS["industry"], aliases=("industry_code",), example="6513",
               help="GB/T 4754-2017 中类或小类"),
        Column("domain", "高新技术领域代码", ENTERPRISE_PARSERS["domain"], aliases=("domain_code",), example="10101"),
        Column("founded_on", "成立日期", ENTERPRISE_PARSERS["founded_on"], required=True, example="2019-05-20"),
        Column("staff", "职工人数", ENTERPRISE_PARSERS["staff"], example=35),
        Column("above_size", "规上企业", ENTERPRISE_PARSERS["above_size"], example="否", help="是/否"),
        Column("legal_rep", "法定代表人", ENTERPRISE_PARSERS["legal_rep"]),
        Column("address", "地址", ENTERPRISE_PARSERS["address"]),
        Column("contact_phone", "联系电话", ENTERPRISE_PARSERS["contact_phone"]),
    ]

    def prepare(self, rows):
        # The existing keys in one query (one array parameter), not thousands of IN lists.
        self.lk = Lookups.load(self.user)
        self.lk.existing = {uscc: (pk, town) for pk, uscc, town in
                            rows_by_keys(Enterprise, "uscc", [r.get("uscc") for r in rows], ["id", "uscc", "town"])}

    def clean_row(self, values, ctx: RowContext):
        check_enterprise(values, ctx, self.lk)
        return values

    def apply(self, rows):
        fk = {"town": "town_id", "industry": "industry_id", "domain": "domain_id"}
        # The columns of the file, plus those an enterprise must have (written as empty when the file lacks them);
        # an update leaves the other fields (industry, domain when absent from the file) as they are.
        always = ("legal_rep", "address", "contact_phone", "staff", "above_size")
        names = [c.name for c in self.columns if c.name in always or (rows and c.name in rows[0])]
        attnames = [fk.get(n, n) for n in names]
        new, changed = [], []
        existing = self.lk.existing
        for r in rows:
            data = dict(zip(attnames, map(r.get, names)))
            data["legal_rep"] = data["legal_rep"] or ""
            data["address"] = data["address"] or ""
            data["contact_phone"] = data["contact_phone"] or ""
            data["staff"] = data["staff"] or 0
            data["above_size"] = bool(data["above_size"])
            hit = existing.get(data["uscc"])
            if hit:
                data["id"] = hit[0]
                changed.append(data)
            else:
                new.append(data)
        user = acting_user(self.user)
        bulk_insert_audited(Enterprise, new, user=user, reason="import:enterprises")
        # The change-log rows of updates are the rows as stored after the update.
        fields = [a for a in attnames if a != "uscc"]
        bulk_update_audited(Enterprise, changed, fields, user=user, reason="import:enterprises")
        return len(new), len(changed)


class _EnterpriseChildImport(ImportSpec):
    """Rows that belong to an enterprise named by its USCC, which must exist and be inside the user's scope."""

    model = None
    natural = ()  # fields besides the enterprise that identify a row

    def prepare(self, rows):
        self.lk = Lookups.load(self.user, [r.get("uscc") for r in rows])
        keys = {self.lk.existing[r["uscc"]][0] for r in rows if r.get("uscc") in self.lk.existing}
        self.current = {}
        for obj in self.model.objects.filter(enterprise_id__in=keys):
            self.current[(obj.enterprise_id, *[getattr(obj, f) for f in self.natural])] = obj
        self.seen: dict[tuple, int] = {}

    def clean_row(self, values, ctx):
        uscc = values.get("uscc")
        if uscc:
            hit = self.lk.existing.get(uscc)
            if hit is None:
                ctx.error("uscc", f"企业 {uscc} 尚未登记，请先导入企业名录", "unknown_enterprise")
            elif not self.lk.town_writable(hit[1]):
                ctx.error("uscc", f"企业 {uscc} 不在您的管辖范围内", "out_of_scope")
            else:
                values["enterprise_id"] = hit[0]
                key = (hit[0], *[values.get(f) for f in self.natural])
                if key in self.seen:
                    ctx.error("uscc", f"与第{self.seen[key]}行重复", "duplicate")
                else:
                    self.seen[key] = ctx.row
        return values

    def build(self, obj, values):
        for k, v in values.items():
            if k not in ("uscc", "__row__"):
                setattr(obj, k, v)
        return obj

    def apply(self, rows):
        new, changed = [], []
        names = {f.attname for f in self.model._meta.concrete_fields}
        for r in rows:
            key = (r["enterprise_id"], *[r.get(f) for f in self.natural])
            obj = self.current.get(key)
            data = {k: v for k, v in r.items() if k in names}
            if obj is None:
                new.append(data)
            else:
                current = {f.attname: getattr(obj, f.attname) for f in self.model._meta.concrete_fields}
                changed.append({**current, **data, "id": obj.pk})
        user = acting_user(self.user)
        reason = f"import:{self.kind}"
        bulk_insert_audited(self.model, new, user=user, reason=reason)
        if changed:
            fields = [c.name for c in self.columns if c.name not in ("uscc", *self.natural)]
            fields += [f for f in self.extra_fields if f not in fields]
            bulk_update_audited(self.model, changed, fields, user=user, reason=reason)
        return len(new), len(changed)

    extra_fields: tuple = ()


USCC_COLUMN = Column("uscc", "统一社会信用代码", parse_uscc, required=True)


class AnnualDataImport(_EnterpriseChildImport):
    kind = "annual_data"
    label = "企业年度数据"
    model = AnnualData
    natural = ("year",)
    columns = [
        USCC_COLUMN,
        Column("year", "年度", ANNUAL_PARSERS["year"], required=True, example=2025),
        Column("staff_total", "职工总数", ANNUAL_PARSERS["staff_total"], required=True, example=80),
        Column("staff_tech", "科技人员数", ANNUAL_PARSERS["staff_tech"], required=True, example=20),
        Column("sales", "销售收入（万元）", ANNUAL_PARSERS["sales"], required=True, example="4000"),
        Column("total_income", "收入总额（万元）", ANNUAL_PARSERS["total_income"], required=True, example="4100"),
        Column("non_taxable_income", "不征税收入（万元）", ANNUAL_PARSERS["non_taxable_income"], example="0"),
        Column("hitech_income", "高新技术产品收入（万元）", ANNUAL_PARSERS["hitech_income"], example="3000"),
        Column("rd_expense", "研发费用（万元）", ANNUAL_PARSERS["rd_expense"], example="300"),
        Column("rd_domestic", "境内研发费用（万元）", ANNUAL_PARSERS["rd_domestic"], example="300"),
        Column("net_assets", "净资产（万元）", ANNUAL_PARSERS["net_assets"], example="2500"),
        Column("total_assets", "资产总额（万元）", ANNUAL_PARSERS["total_assets"], example="6000"),
        Column("cost_expense_total", "成本费用支出总额（万元）", ANNUAL_PARSERS["cost_expense_total"], example="3500"),
    ]

    def clean_row(self, values, ctx):
        values = super().clean_row(values, ctx)
        check_annual(values, ctx)
        for name in MONEY_FIELDS:
            if values.get(name) is None:
                values[name] = 0
        return values


def _ip_kind(v):
    return parse_choice(v, IPKind)


class IPImport(_EnterpriseChildImport):
    kind = "ip"
    label = "知识产权"
    model = IPRecord
    natural = ("number",)
    columns = [
        USCC_COLUMN,
        Column("kind", "类型", _ip_kind, required=True, example="发明专利"),
        Column("number", "登记号/专利号", lambda v: parse_text(v, max_length=40), required=True, example="ZL202310000001.X"),
        Column("title", "名称", lambda v: parse_text(v, max_length=200), required=True, example="一种……方法"),
        Column("acquisition", "获得方式", lambda v: parse_choice(v, Acquisition), example="自主研发"),
        Column("granted_on", "授权日期", lambda v: parse_date(v, not_future=True), required=True, example="2023-06-01"),
        Column("expires_on", "有效期至", parse_date),
        Column("used_in_hte", "已用于高企申报", parse_bool, example="否"),
        Column("ipc", "IPC分类", lambda v: parse_text(v, max_length=8)),
    ]

    def clean_row(self, values, ctx):
        values = super().clean_row(values, ctx)
        values["acquisition"] = values.get("acquisition") or Acquisition.SELF
        values["used_in_hte"] = bool(values.get("used_in_hte"))
        values["ipc"] = values.get("ipc") or ""
        if values.get("expires_on") and values.get("granted_on") and values["expires_on"] < values["granted_on"]:
            ctx.error("expires_on", "有效期不能早于授权日期", "invalid")
        return values


class QualificationImport(_EnterpriseChildImport):
    kind = "qualifications"
    label = "企业资质"
    model = Qualification
    natural = ("kind", "year")
    extra_fields = ("expiry_date",)
    columns = [
        USCC_COLUMN,
        Column("kind", "资质类型", lambda v: parse_choice(v, QualificationKind), required=True, example="高新技术企业"),
        Column("year", "年度", lambda v: parse_int(v, min_value=1990, max_value=2100), required=True, example=2024),
        Column("number", "证书/登记编号", lambda v: parse_text(v, max_length=60), example="GR202433000001"),
        Column("batch", "批次", lambda v: parse_text(v, max_length=60)),
        Column("issue_date", "发证/入库日期", lambda v: parse_date(v, not_future=True), required=True, example="2024-12-06"),
        Column("expiry_date", "有效期至", parse_date, help="高企留空时按发证日起三年计算"),
    ]

    def clean_row(self, values, ctx):
        values = super().clean_row(values, ctx)
        values["number"] = values.get("number") or ""
        values["batch"] = values.get("batch") or ""
        issue = values.get("issue_date")
        if values.get("kind") == QualificationKind.HTE and issue and not values.get("expiry_date"):
            # 办法第九条: valid three years from the issue date; the last valid day is the day before.
            values["expiry_date"] = qualification_expiry(issue)
        if issue and values.get("expiry_date") and values["expiry_date"] < issue:
            ctx.error("expiry_date", "有效期不能早于发证日期", "invalid")
        return values


def qualification_expiry(issue_date):
    """Last valid day of an HTE certificate: three years from the issue date (the day before the anniversary)."""
    import datetime as dt

    return add_years(issue_date, 3) - dt.timedelta(days=1)


class RDInstitutionImport(_EnterpriseChildImport):
    kind = "rd_institutions"
    label = "企业研发机构"
    model = RDInstitution
    natural = ("name",)
    extra_fields = ("status", "refusal_reason")
    columns = [
        USCC_COLUMN,
        Column("name", "机构名称", lambda v: parse_text(v, max_length=200), required=True, example="宁波某某企业研究院"),
        Column("type", "类型", lambda v: parse_choice(v, RDInstitutionType), required=True, example="企业研究院"),
        Column("level", "级别", lambda v: parse_choice(v, Level), required=True, example="区级"),
        Column("approved_on", "认定/备案日期", lambda v: parse_date(v, not_future=True), required=True, example="2024-03-01"),
        Column("site_area", "研发场地面积（㎡）", lambda v: parse_decimal(v, places=2), example="500"),
        Column("equipment_value", "研发设备原值（万元）", parse_wan, example="200"),
        Column("staff", "研发人员数", lambda v: parse_int(v), example=12),
        Column("investment", "年度研发投入（万元）", parse_wan, example="300"),
        Column("projects", "在研项目数", lambda v: parse_int(v), example=3),
    ]

    def clean_row(self, values, ctx):
        values = super().clean_row(values, ctx)
        for k in ("site_area", "equipment_value", "staff", "investment", "projects"):
            values[k] = values.get(k) or 0
        if values.get("level") == Level.DISTRICT:
            missing = five_haves_missing(values)
            if missing:
                ctx.error("level", "区级研发机构备案不符合“五有”要求：缺少" + "、".join(missing), "five_haves")
        values["status"] = FilingStatus.FILED
        values["refusal_reason"] = ""
        return values
