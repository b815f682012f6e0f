"""Import specs of the four libraries: `achievements`, `demands`, `experts`, `agencies` (Chinese headers).

Each row is parsed with the same parsers as the forms and the API; every row's errors are reported at once and
nothing is written if one row fails (the foundation's rules). Rows are matched to existing listings by their
natural key (owner + title, enterprise + title, institution + name, agency name) and update them. The bureau may
import listings as published; a town assistant's rows go to the bureau's review.
"""
from __future__ import annotations

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from kechuang.core.choices import PublicationStatus, Role
from kechuang.core.fields import parse_bool, parse_choice, parse_text
from kechuang.core.importing import Column, ImportSpec, RowContext
from kechuang.enterprises.models import Enterprise, Institution, ServiceAgency
from kechuang.enterprises.validation import Lookups, parse_uscc
from kechuang.regions.models import HitechDomain, Industry, Region
from kechuang.regions.services import home_region_code

from . import search
from .choices import Cooperation, IPType, Maturity
from .models import Achievement, Demand, Expert, MarketEvent
from .validation import (ACHIEVEMENT_PARSERS, DEMAND_PARSERS, EXPERT_PARSERS, NEGOTIABLE, parse_keywords,
                         parse_long_text, parse_price, parse_title)

BATCH = 2000
P = PublicationStatus


def _history_user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _parse_status(value) -> str:
    return parse_choice(value, PublicationStatus)


def _role(user) -> str:
    """'bureau' (the command line too), 'town' or '' (may not import listings)."""
    if user is None or user.is_superuser or user.role == Role.BUREAU:
        return "bureau"
    if user.role == Role.TOWN and user.region_id:
        return "town"
    return ""


class _ListingImport(ImportSpec):
    """Shared machinery: who may import, the publication status of a row, duplicate keys, bulk writes, events."""

    model = None
    roles = ("bureau", "town")
    first_column = "title"
    text_defaults: dict = {}

    def prepare(self, rows):
        self.role = _role(self.user)
        self.domains = set(HitechDomain.objects.values_list("code", flat=True))
        self.seen: dict[tuple, int] = {}
        self.current: dict[tuple, object] = {}

    def check_role(self, ctx) -> bool:
        if self.role not in self.roles:
            ctx.error(self.first_column, f"您的角色不能导入{self.label}", "forbidden")
            return False
        return True

    def status_of(self, values, ctx) -> str:
        status = values.get("status")
        if status is None:
            return P.PUBLISHED if self.role == "bureau" else P.REVIEW
        if status == P.PUBLISHED and self.role != "bureau":
            ctx.error("status", "只有科技局可以直接发布，请填写“待审核”", "forbidden")
        return status

    def check_domain(self, values, ctx) -> None:
        code = values.get("domain")
        if code and code not in self.domains:
            ctx.error("domain", f"未知的高新技术领域代码：{code}", "unknown_domain")

    def unique(self, key: tuple, ctx: RowContext, column: str) -> None:
        if key in self.seen:
            ctx.error(column, f"与第{self.seen[key]}行重复", "duplicate")
        else:
            self.seen[key] = ctx.row

    def build(self, obj, row: dict):
        for k, v in row.items():
            if k.startswith("__") or k in self.skip_fields:
                continue
            setattr(obj, k, v if v is not None else self.text_defaults.get(k, v))
        return obj

    skip_fields: tuple = ()

    def write(self, rows: list[dict], key_of) -> tuple[int, int]:
        now = timezone.now()
        new, changed = [], []
        for r in rows:
            obj = self.current.get(key_of(r))
            if obj is None:
                new.append(self.build(self.model(created_at=now, updated_at=now), r))
            else:
                self.build(obj, r).updated_at = now
                changed.append(obj)
        user = _history_user(self.user)
        reason = f"import:{self.kind}"
        if new:
            created = bulk_create_with_history(new, self.model, batch_size=BATCH, default_user=user,
                                               default_change_reason=reason)
            self.events(list(created) or new, user)
        if changed:
            fields = sorted({k for r in rows for k in r if not k.startswith("__") and k not in self.skip_fields
                             and k != "posted_by_id"} | {"updated_at"})
            bulk_update_with_history(changed, self.model, fields, batch_size=BATCH, default_user=user,
                                     default_change_reason=reason)
        search.refresh_all()
        return len(new), len(changed)

    def events(self, objs, user) -> None:
        """One 'import' event per new listing, so its history starts with how it arrived."""
        if objs and not objs[0].pk:  # a backend that returns no ids: find the rows just written
            objs = list(self.model.objects.filter(created_at=objs[0].created_at).only("pk", "status"))
        key = f"pub:{self.model.__name__.lower()}"
        name = (user.get_full_name() or user.username) if user else "命令行导入"
        MarketEvent.objects.bulk_create([
            MarketEvent(workflow=key, object_id=o.pk, action="import", from_state="", to_state=o.status, actor=user,
                        actor_name=name, actor_role="bureau" if self.role == "bureau" else "town",
                        note=f"import:{self.kind}") for o in objs], batch_size=BATCH)


class AchievementImport(_ListingImport):
    kind = "achievements"
    label = "技术成果"
    model = Achievement
    skip_fields = ("owner_institution_name", "owner_uscc", "price_in")
    text_defaults = {"keywords": "", "maturity": Maturity.LAB, "ip_type": IPType.NONE,
                     "cooperation": Cooperation.TRANSFER, "international": False}
    columns = [
        Column("title", "成果名称", parse_title, required=True, example="一种高效低功耗电机控制方法"),
        Column("description", "成果简介", parse_long_text, required=True, example="本成果……"),
        Column("owner_institution_name", "权属院校/院所", lambda v: parse_text(v, max_length=200),
               example="宁波大学", help="与“权属企业统一社会信用代码”二选一"),
        Column("owner_uscc", "权属企业统一社会信用代码", parse_uscc, example=""),
        Column("domain", "高新技术领域代码", ACHIEVEMENT_PARSERS["domain"], example="80101"),
        Column("maturity", "成熟度", ACHIEVEMENT_PARSERS["maturity"], example="中试", help="实验室/小试/中试/可量产"),
        Column("ip_type", "知识产权类型", ACHIEVEMENT_PARSERS["ip_type"], example="发明专利"),
        Column("cooperation", "合作方式", ACHIEVEMENT_PARSERS["cooperation"], example="转让",
               help="转让/许可/合作开发/作价入股"),
        Column("price_in", "价格（万元）", parse_price, example="面议", help="金额（万元）或“面议”"),
        Column("international", "国际合作", parse_bool, example="否"),
        Column("keywords", "关键词", parse_keywords, example="电机，控制，低功耗"),
        Column("status", "发布状态", _parse_status, example="已发布", help="草稿/待审核/已发布/已关闭；留空：科技局为已发布"),
    ]

    def prepare(self, rows):
        super().prepare(rows)
        names = {r.get("owner_institution_name") for r in rows if r.get("owner_institution_name")}
        self.institutions = dict(Institution.objects.filter(name__in=names).values_list("name", "pk"))
        self.lk = Lookups.load(self.user if self.role == "town" else None, [r.get("owner_uscc") for r in rows])
        if self.user is not None and self.user.is_superuser:
            self.lk.scope_prefix = ""
        elif self.role == "bureau" and self.user is not None:
            self.lk.scope_prefix, self.lk.exact_town = self.user.region_id, False
        titles = {r.get("title") for r in rows if r.get("title")}
        for a in Achievement.objects.filter(title__in=titles):
            self.current[(a.owner_institution_id, a.owner_enterprise_id, a.title)] = a

    def clean_row(self, values, ctx):
        if not self.check_role(ctx):
            return values
        inst_name, uscc = values.get("owner_institution_name"), values.get("owner_uscc")
        inst_id = ent_id = None
        town = None
        if bool(inst_name) == bool(uscc):
            ctx.error("owner_institution_name", "请填写权属院校/院所或权属企业统一社会信用代码（二选一）", "required")
        elif inst_name:
            inst_id = self.institutions.get(inst_name)
            if inst_id is None:
                ctx.error("owner_institution_name", f"未登记的院校/院所：{inst_name}", "unknown_institution")
            elif self.role == "town":
                ctx.error("owner_institution_name", "科技助理只能导入本镇街企业的成果", "out_of_scope")
        else:
            hit = self.lk.existing.get(uscc)
            if hit is None:
                ctx.error("owner_uscc", f"企业 {uscc} 尚未登记", "unknown_enterprise")
            elif not self.lk.town_writable(hit[1]):
                ctx.error("owner_uscc", f"企业 {uscc} 不在您的管辖范围内", "out_of_scope")
            else:
                ent_id, town = hit
        self.check_domain(values, ctx)
        values["status"] = self.status_of(values, ctx)
        if values.get("title") and (inst_id or ent_id):
            self.unique((inst_id, ent_id, values["title"]), ctx, "title")
        price = values.pop("price_in", None)
        values["price_negotiable"] = price is None or price == NEGOTIABLE
        values["price"] = None if values["price_negotiable"] else price
        values.update(owner_institution_id=inst_id, owner_enterprise_id=ent_id,
                      region_id=town or home_region_code(), domain_id=values.pop("domain", None))
        return values

    def apply(self, rows):
        for r in rows:
            if self.user is not None and getattr(self.user, "is_authenticated", False):
                r.setdefault("posted_by_id", self.user.pk)
        return self.write(rows, lambda r: (r["owner_institution_id"], r["owner_enterprise_id"], r["title"]))


class DemandImport(_ListingImport):
    kind = "demands"
    label = "技术难题"
    model = Demand
    skip_fields = ("uscc",)
    text_defaults = {"keywords": "", "cooperation": Cooperation.JOINT}
    first_column = "uscc"
    columns = [
        Column("uscc", "企业统一社会信用代码", parse_uscc, required=True, example="91330212MA2AXXXXXX"),
        Column("title", "难题名称", parse_title, required=True, example="注塑件翘曲变形控制"),
        Column("description", "难题描述", parse_long_text, required=True, example="我司生产的……"),
        Column("budget", "预算（万元）", DEMAND_PARSERS["budget"], example="50"),
        Column("deadline", "期望解决日期", DEMAND_PARSERS["deadline"], example="2026-12-31"),
        Column("domain", "高新技术领域代码", DEMAND_PARSERS["domain"], example="40101"),
        Column("cooperation", "期望合作方式", DEMAND_PARSERS["cooperation"], example="合作开发"),
        Column("keywords", "关键词", parse_keywords, example="注塑，翘曲"),
        Column("status", "发布状态", _parse_status, example="待审核"),
    ]

    def prepare(self, rows):
        super().prepare(rows)
        self.lk = Lookups.load(self.user if self.role == "town" else None, [r.get("uscc") for r in rows])
        if self.user is not None and self.user.is_superuser:
            self.lk.scope_prefix = ""
        elif self.role == "bureau" and self.user is not None:
            self.lk.scope_prefix, self.lk.exact_town = self.user.region_id, False
        ids = [v[0] for v in self.lk.existing.values()]
        for d in Demand.objects.filter(enterprise_id__in=ids):
            self.current[(d.enterprise_id, d.title)] = d

    def clean_row(self, values, ctx):
        if not self.check_role(ctx):
            return values
        uscc = values.get("uscc")
        ent_id = None
        if uscc:
            hit = self.lk.existing.get(uscc)
            if hit is None:
                ctx.error("uscc", f"企业 {uscc} 尚未登记，请先导入企业名录", "unknown_enterprise")
            elif not self.lk.town_writable(hit[1]):
                ctx.error("uscc", f"企业 {uscc} 不在您的管辖范围内", "out_of_scope")
            else:
                ent_id = hit[0]
        self.check_domain(values, ctx)
        values["status"] = self.status_of(values, ctx)
        if values.get("deadline") and values["deadline"] < timezone.localdate() and values["status"] != P.CLOSED:
            ctx.error("deadline", "期望解决日期不能早于今天（已解决的难题请填“已关闭”）", "invalid")
        if ent_id and values.get("title"):
            self.unique((ent_id, values["title"]), ctx, "title")
        values.update(enterprise_id=ent_id, domain_id=values.pop("domain", None))
        return values

    def apply(self, rows):
        for r in rows:
            if self.user is not None and getattr(self.user, "is_authenticated", False):
                r.setdefault("posted_by_id", self.user.pk)
        return self.write(rows, lambda r: (r["enterprise_id"], r["title"]))


class ExpertImport(_ListingImport):
    kind = "experts"
    label = "专家"
    model = Expert
    roles = ("bureau",)
    first_column = "name"
    skip_fields = ("institution_name", "enterprise_uscc")
    text_defaults = {"title": "", "fields": "", "keywords": "", "bio": "", "phone": "", "email": ""}
    columns = [
        Column("name", "姓名", EXPERT_PARSERS["name"], required=True, example="张三"),
        Column("institution_name", "所属院校/院所", lambda v: parse_text(v, max_length=200), example="宁波大学"),
        Column("enterprise_uscc", "所属企业统一社会信用代码", parse_uscc),
        Column("title", "职称", EXPERT_PARSERS["title"], example="教授"),
        Column("fields", "研究领域", EXPERT_PARSERS["fields"], required=True, example="高分子材料改性"),
        Column("keywords", "关键词", parse_keywords, example="注塑，复合材料"),
        Column("domain", "高新技术领域代码", EXPERT_PARSERS["domain"], example="40101"),
        Column("phone", "联系电话", EXPERT_PARSERS["phone"], example="13800000000", help="仅科技局和专家本人可见"),
        Column("email", "电子邮箱", EXPERT_PARSERS["email"], example="zhang@example.edu.cn"),
        Column("bio", "简介", EXPERT_PARSERS["bio"]),
        Column("status", "发布状态", _parse_status, example="已发布"),
    ]

    def prepare(self, rows):
        super().prepare(rows)
        names = {r.get("institution_name") for r in rows if r.get("institution_name")}
        self.institutions = dict(Institution.objects.filter(name__in=names).values_list("name", "pk"))
        usccs = [r.get("enterprise_uscc") for r in rows if r.get("enterprise_uscc")]
        self.enterprises = dict(Enterprise.objects.filter(uscc__in=usccs).values_list("uscc", "pk"))
        for e in Expert.objects.filter(name__in={r.get("name") for r in rows if r.get("name")}):
            self.current[(e.name, e.institution_id, e.enterprise_id)] = e

    def clean_row(self, values, ctx):
        if not self.check_role(ctx):
            return values
        inst_id = ent_id = None
        if values.get("institution_name"):
            inst_id = self.institutions.get(values["institution_name"])
            if inst_id is None:
                ctx.error("institution_name", f"未登记的院校/院所：{values['institution_name']}", "unknown_institution")
        if values.get("enterprise_uscc"):
            ent_id = self.enterprises.get(values["enterprise_uscc"])
            if ent_id is None:
                ctx.error("enterprise_uscc", f"企业 {values['enterprise_uscc']} 尚未登记", "unknown_enterprise")
        self.check_domain(values, ctx)
        values["status"] = self.status_of(values, ctx)
        if values.get("name"):
            self.unique((values["name"], inst_id, ent_id), ctx, "name")
        values.update(institution_id=inst_id, enterprise_id=ent_id, domain_id=values.pop("domain", None))
        return values

    def apply(self, rows):
        return self.write(rows, lambda r: (r["name"], r["institution_id"], r["enterprise_id"]))


class AgencyImport(_ListingImport):
    """Writes the foundation's enterprises.ServiceAgency (the service directory 服务库): no second table."""

    kind = "agencies"
    label = "科技服务机构"
    model = ServiceAgency
    roles = ("bureau",)
    first_column = "name"
    text_defaults = {"uscc": "", "services": "", "qualifications": "", "contact_person": "", "contact_phone": "",
                     "voucher_listed": False}
    columns = [
        Column("name", "机构名称", lambda v: parse_text(v, max_length=200), required=True, example="宁波某检测认证有限公司"),
        Column("uscc", "统一社会信用代码", parse_uscc),
        Column("region", "所在地区划代码", lambda v: parse_text(v, max_length=12), example="330212"),
        Column("industry", "行业代码", lambda v: parse_text(v, max_length=5), example="7452",
               help="GB/T 4754-2017，科技服务业如 7451–7530"),
        Column("services", "服务内容", lambda v: parse_text(v, max_length=2000), required=True, example="检验检测、计量校准"),
        Column("qualifications", "资质", lambda v: parse_text(v, max_length=2000), example="CMA、CNAS"),
        Column("contact_person", "联系人", lambda v: parse_text(v, max_length=50)),
        Column("contact_phone", "联系电话", EXPERT_PARSERS["phone"]),
        Column("voucher_listed", "创新券服务机构", parse_bool, example="是"),
        Column("status", "发布状态", _parse_status, example="已发布"),
    ]

    def prepare(self, rows):
        super().prepare(rows)
        self.regions = set(Region.objects.filter(code__in={r.get("region") for r in rows if r.get("region")})
                           .values_list("code", flat=True))
        self.industries = dict(Industry.objects.values_list("code", "level"))
        for a in ServiceAgency.objects.filter(name__in={r.get("name") for r in rows if r.get("name")}):
            self.current[(a.name,)] = a

    def clean_row(self, values, ctx):
        if not self.check_role(ctx):
            return values
        region = values.get("region")
        if region and region not in self.regions:
            ctx.error("region", f"未知的区划代码：{region}", "unknown_region")
        ind = values.get("industry")
        if ind:
            level = self.industries.get(ind)
            if level is None:
                ctx.error("industry", f"未知的国民经济行业代码（GB/T 4754-2017）：{ind}", "unknown_industry")
            elif level < 3:
                ctx.error("industry", f"行业代码应细到中类或小类（3–4位），实为“{ind}”", "industry_too_coarse")
        values["status"] = self.status_of(values, ctx)
        if values.get("name"):
            self.unique((values["name"],), ctx, "name")
        values.update(region_id=values.pop("region", None), industry_id=values.pop("industry", None))
        return values

    def apply(self, rows):
        return self.write(rows, lambda r: (r["name"],))
