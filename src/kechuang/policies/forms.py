"""Page forms. They only describe and render fields (labels, widgets, choices); every value is parsed and checked
by the services, so a page, the API and an import can never disagree. Errors come back from `ValidationFailed`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from kechuang.core.errors import ValidationFailed

from .choices import (
    AdvanceRule,
    Aggregation,
    AwardAction,
    EventStatus,
    FairKind,
    LotStatus,
    PolicyStatus,
    Rounding,
    TaskLine,
)
from .engine import FACT_LIST, FACTS, KINDS, MODES, OPS, TYPE_OPS
from .engine.values import WAN, plain, to_dec


@dataclass
class Field:
    name: str
    label: str
    kind: str = "text"  # text | number | date | select | textarea | checkbox
    choices: list = field(default_factory=list)
    help: str = ""
    required: bool = False
    placeholder: str = ""


class ServiceForm:
    """A set of fields with the values typed and the errors the service returned, for rendering only."""

    fields: list[Field] = []
    prefix = ""

    def __init__(self, values: dict | None = None, errors: dict | None = None, *, prefix: str | None = None):
        self.values = values or {}
        self.errors = errors or {}
        if prefix is not None:
            self.prefix = prefix

    @classmethod
    def from_post(cls, post, **kw):
        return cls({f.name: post.get(f.name, "") for f in cls.fields}, **kw)

    def data(self) -> dict:
        """The values to hand to a service: every field of the form, so that clearing a field clears it (a blank
        required field is reported by the service, a blank field with a default keeps its value)."""
        return dict(self.values)

    def fail(self, exc: ValidationFailed) -> ServiceForm:
        names = {f.name for f in self.fields}
        for e in exc.errors:
            key = e["field"] if e["field"] in names else "__all__"
            self.errors.setdefault(key, []).append(e["message"])
        return self

    def set_choices(self, name: str, choices: list) -> ServiceForm:
        """Per-request choices (divisions of this competition, indicators of the catalog …)."""
        self.fields = [replace(f, choices=choices) if f.name == name else f for f in self.fields]
        return self

    @property
    def non_field_errors(self) -> list[str]:
        return self.errors.get("__all__", [])

    def __iter__(self):
        for f in self.fields:
            value = self.values.get(f.name, "")
            yield {"f": f, "id": f"id_{self.prefix}{f.name}", "value": "" if value is None else value,
                   "errors": self.errors.get(f.name, [])}


def _choices(tc, blank: bool = False) -> list:
    out = [(c, str(label)) for c, label in tc.choices]
    return [("", "——")] + out if blank else out


# ----- policies -----------------------------------------------------------------------------------------------------

class PolicyForm(ServiceForm):
    fields = [
        Field("title", _("政策名称"), required=True),
        Field("doc_number", _("发文字号"), placeholder="鄞科〔2025〕12号"),
        Field("year", _("政策年度"), "number", required=True),
        Field("data_year", _("数据年度"), "number", required=True, help=_("条件和公式中的“当年”数据所指的会计年度，通常为政策年度的上一年")),
        Field("reference_date", _("资格判定日"), "date", required=True, help=_("资质须在该日有效")),
        Field("valid_from", _("有效期起"), "date", required=True),
        Field("valid_to", _("有效期止"), "date"),
        Field("status", _("状态"), "select", _choices(PolicyStatus)),
        Field("budget_wan", _("资金预算（万元）"), "number"),
        Field("description", _("政策说明"), "textarea"),
    ]


FIELD_CHOICES = [("", "——")] + [(f.key, f.label_for(None)) for f in FACT_LIST]
OP_CHOICES = [("", "——")] + list(OPS.items())


def condition_rows(conditions: list, extra: int = 3) -> list[dict]:
    """Editor rows for stored conditions (money values shown in 万元) plus blank rows."""
    rows = []
    for c in conditions:
        value = c.get("value", "")
        if FACTS.get(c.get("field")) and FACTS[c["field"]].type == "money" and value not in ("", None):
            parts = value if isinstance(value, list) else [value]
            value = ",".join(plain(Decimal(str(v)) / WAN) for v in parts)
        elif isinstance(value, list):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "是" if value else "否"
        rows.append({"field": c.get("field", ""), "op": c.get("op", ""), "value": value, "note": c.get("note", "")})
    rows += [{"field": "", "op": "", "value": "", "note": ""} for _ in range(extra)]
    return rows


def conditions_from_post(post) -> tuple[list[dict], list[dict], list[int]]:
    """The typed rows, the conditions for the service (万元 → 元 for money facts) and each condition's row number."""
    rows, conditions, at = [], [], []
    n = min(int(post.get("cond-count") or 0), 60)
    for i in range(n):
        row = {k: (post.get(f"cond-{i}-{k}") or "").strip() for k in ("field", "op", "value", "note")}
        rows.append(row)
        if not row["field"] and not row["op"] and not row["value"]:
            continue
        value: object = row["value"]
        spec = FACTS.get(row["field"])
        if spec is not None and spec.type == "money" and value:
            try:
                parts = [to_dec(p) * WAN for p in str(value).replace("，", ",").split(",") if p.strip()]
                value = [plain(p) for p in parts] if len(parts) > 1 else plain(parts[0])
            except (ValueError, IndexError):
                pass  # the engine reports the typed text
        conditions.append({"field": row["field"], "op": row["op"], "value": value, "note": row["note"]})
        at.append(i)
    return rows, conditions, at


FORMULA_FIELDS = [
    Field("f_type", _("奖励方式"), "select", list(KINDS.items())),
    Field("f_amount_wan", _("定额（万元）"), "number", help=_("奖励方式为固定金额时填写")),
    Field("f_base", _("计算基数"), "select", [("", "——")] + [(f.key, f.label_for(None)) for f in FACT_LIST if f.type == "money"]),
    Field("f_rate", _("比例"), placeholder="10%", help=_("按比例时填写，如 10% 或 0.1")),
    Field("f_mode", _("分档方式"), "select", list(MODES.items())),
    Field("f_tiers", _("档次"), "textarea", help=_("每行一档：“下限（万元）, 金额（万元）”或“下限（万元）, 比例%”，如“0, 5”“500, 2%”")),
    Field("f_cap_wan", _("封顶金额（万元）"), "number"),
    Field("f_rounding", _("取整"), "select", _choices(Rounding)),
]


class FormulaForm(ServiceForm):
    fields = FORMULA_FIELDS

    @classmethod
    def from_formula(cls, formula: dict) -> FormulaForm:
        def wan(v):
            return plain(Decimal(str(v)) / WAN) if v not in (None, "") else ""

        tiers = []
        for t in formula.get("tiers", []):
            what = wan(t["amount"]) if "amount" in t else plain(Decimal(str(t["rate"])) * 100) + "%"
            tiers.append(f"{wan(t['min'])}, {what}")
        return cls({"f_type": formula.get("type", "fixed"), "f_amount_wan": wan(formula.get("amount")),
                    "f_base": formula.get("base", ""),
                    "f_rate": plain(Decimal(str(formula["rate"])) * 100) + "%" if formula.get("rate") else "",
                    "f_mode": formula.get("mode", "bracket"), "f_tiers": "\n".join(tiers),
                    "f_cap_wan": wan(formula.get("cap")), "f_rounding": formula.get("rounding", "yuan")})

    def formula(self) -> dict:
        """The formula for the service (万元 → 元); unparseable numbers are passed on as typed for the engine to name."""
        v = self.values

        def yuan(text):
            try:
                return plain(to_dec(text) * WAN)
            except ValueError:
                return text

        kind = v.get("f_type") or "fixed"
        out: dict = {"type": kind, "rounding": v.get("f_rounding") or "yuan"}
        if kind == "fixed":
            out["amount"] = yuan(v.get("f_amount_wan")) if v.get("f_amount_wan") else None
            return out
        out["base"] = v.get("f_base") or None
        if v.get("f_cap_wan"):
            out["cap"] = yuan(v["f_cap_wan"])
        if kind == "share":
            out["rate"] = v.get("f_rate") or None
            return out
        out["mode"] = v.get("f_mode") or "bracket"
        tiers = []
        for line in (v.get("f_tiers") or "").splitlines():
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if not any(parts):
                continue
            tier = {"min": yuan(parts[0])}
            what = parts[1] if len(parts) > 1 else ""
            if what.endswith("%"):
                tier["rate"] = what
            else:
                tier["amount"] = yuan(what) if what else None
            tiers.append(tier)
        out["tiers"] = tiers
        return out

    def fail_engine(self, exc: ValidationFailed, cond_rows: list[dict], at: list[int]) -> list[str]:
        """Attach formula errors to this form and condition errors to their rows; returns the others."""
        rest = []
        for e in exc.errors:
            f = e["field"]
            if f.startswith("formula"):
                key = {"formula.amount": "f_amount_wan", "formula.base": "f_base", "formula.rate": "f_rate",
                       "formula.cap": "f_cap_wan", "formula.mode": "f_mode", "formula.rounding": "f_rounding",
                       "formula.type": "f_type"}.get(f, "f_tiers" if f.startswith("formula.tiers") else "__all__")
                self.errors.setdefault(key, []).append(e["message"])
            elif f.startswith("conditions["):
                i = int(f[len("conditions["):f.index("]")])
                if i < len(at) and at[i] < len(cond_rows):
                    cond_rows[at[i]].setdefault("errors", []).append(e["message"])
                else:
                    rest.append(e["message"])
            elif f == "conditions":
                rest.append(e["message"])
        return rest


def type_ops() -> dict:
    """For the editor's help table: each fact's type and the comparisons it allows."""
    return {k: [OPS[o] for o in TYPE_OPS[f.type]] for k, f in FACTS.items()}


class AwardActionForm(ServiceForm):
    fields = [
        Field("action", _("操作"), "select", _choices(AwardAction)),
        Field("note", _("说明"), help=_("不予奖励时必填")),
        Field("payment_ref", _("拨付凭证号"), help=_("确认拨付时必填")),
        Field("paid_on", _("拨付日期"), "date"),
    ]


# ----- events -------------------------------------------------------------------------------------------------------

class CompetitionForm(ServiceForm):
    fields = [
        Field("title", _("赛事名称"), required=True),
        Field("year", _("年度"), "number", required=True),
        Field("organiser", _("主办单位")),
        Field("aggregation", _("计分方式"), "select", _choices(Aggregation)),
        Field("min_judges", _("每项最少评委数"), "number"),
        Field("status", _("状态"), "select", _choices(EventStatus)),
        Field("description", _("赛事说明"), "textarea"),
    ]


class DivisionForm(ServiceForm):
    prefix = "div-"
    fields = [Field("code", _("赛区代码"), required=True, placeholder="regional"),
              Field("name", _("赛区名称"), required=True, placeholder="区域赛"),
              Field("order", _("顺序"), "number")]


class RoundForm(ServiceForm):
    prefix = "round-"
    fields = [Field("number", _("轮次"), "number", required=True), Field("name", _("名称"), required=True, placeholder="初赛"),
              Field("date", _("日期"), "date"), Field("rule", _("晋级规则"), "select", _choices(AdvanceRule)),
              Field("top_n", _("晋级名额（每赛区）"), "number"), Field("threshold", _("分数线"), "number")]


class DivisionRuleForm(ServiceForm):
    fields = [Field("rule", _("本赛区晋级规则"), "select", [("", str(_("沿用本轮规则")))] + _choices(AdvanceRule)),
              Field("top_n", _("晋级名额"), "number"), Field("threshold", _("分数线"), "number")]


class EntryForm(ServiceForm):
    prefix = "entry-"
    fields = [Field("division", _("赛区"), "select", required=True),
              Field("enterprise", _("参赛企业（统一社会信用代码）"), help=_("本区企业填写；海外团队可不填")),
              Field("team", _("参赛主体"), help=_("不填则为企业名称")), Field("project", _("项目名称"), required=True),
              Field("origin", _("来源地"))]


class PrizeForm(ServiceForm):
    prefix = "prize-"
    fields = [Field("entry", _("参赛项目"), "select", required=True), Field("prize", _("奖项"), required=True, placeholder="一等奖"),
              Field("amount_wan", _("奖金（万元）"), "number")]


class TrainingForm(ServiceForm):
    fields = [
        Field("title", _("培训名称"), required=True), Field("year", _("年度"), "number", required=True),
        Field("organiser", _("主办单位")), Field("target_note", _("目标企业说明")),
        Field("status", _("状态"), "select", _choices(EventStatus)), Field("description", _("培训说明"), "textarea"),
    ]


class SessionForm(ServiceForm):
    prefix = "session-"
    fields = [Field("date", _("日期"), "date", required=True), Field("topic", _("主题"), required=True),
              Field("place", _("地点")), Field("speaker", _("主讲人"))]


class TargetsForm(ServiceForm):
    prefix = "targets-"
    fields = [Field("qualification", _("按有效资质"), "select", [("", "——"), ("tsme", "科技型中小企业"), ("pool", "高企培育库"),
                                                             ("hte", "高新技术企业"), ("startup", "创新型初创企业")]),
              Field("town", _("镇街代码（可选）")),
              Field("usccs", _("或逐个填写统一社会信用代码"), "textarea", help=_("每行一个"))]


class AttendanceForm(ServiceForm):
    fields = [Field("enterprise", _("企业（统一社会信用代码）"), required=True), Field("attendee", _("参训人员"), required=True),
              Field("position", _("职务"))]


class FairForm(ServiceForm):
    fields = [
        Field("title", _("活动名称"), required=True), Field("kind", _("类型"), "select", _choices(FairKind)),
        Field("date", _("日期"), "date", required=True), Field("place", _("地点")), Field("organiser", _("主办单位")),
        Field("status", _("状态"), "select", _choices(EventStatus)), Field("description", _("说明"), "textarea"),
    ]


class LotForm(ServiceForm):
    prefix = "lot-"
    fields = [Field("number", _("拍品号"), required=True), Field("title", _("成果名称"), required=True),
              Field("seller", _("出让方"), required=True), Field("starting_price_wan", _("起拍价（万元）"), "number", required=True)]


class LotResultForm(ServiceForm):
    fields = [Field("status", _("结果"), "select", _choices(LotStatus)),
              Field("hammer_price_wan", _("成交价（万元）"), "number"), Field("buyer", _("受让方")),
              Field("buyer_enterprise", _("受让企业（统一社会信用代码，可选）"))]


# ----- tasks --------------------------------------------------------------------------------------------------------

class TaskForm(ServiceForm):
    fields = [
        Field("year", _("年度"), "number", required=True), Field("code", _("编号"), required=True, placeholder="2025-01"),
        Field("title", _("任务"), "textarea", required=True), Field("line", _("条线"), "select", _choices(TaskLine)),
        Field("owner_unit", _("责任单位"), required=True, placeholder="高新科"), Field("owner_person", _("责任人")),
        Field("deadline", _("完成时限"), "date", required=True),
        Field("region", _("责任辖区代码"), help=_("默认为本区；落实到镇街的任务填写9位镇街代码")),
        Field("indicator", _("关联指标"), "select"), Field("target_value", _("目标值"), "number"),
        Field("target_text", _("目标说明")),
    ]


class ProgressForm(ServiceForm):
    fields = [Field("percent", _("进度（%）"), "number", required=True), Field("note", _("进展说明"), "textarea", required=True),
              Field("actual_value", _("完成值（按指标单位）"), "number"), Field("reported_on", _("报告日期"), "date")]
