"""Field lists of the marketplace's HTML forms. Forms only collect raw strings: parsing and validation happen in
the services (the same parsers as the API and the imports), whose errors are shown next to each field."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .choices import ContractType, Cooperation, IPType, Maturity


@dataclass
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, number, date, select, checkbox
    required: bool = False
    choices: list = field(default_factory=list)
    help: str = ""


def _choices(c) -> list:
    return [(v, str(label)) for v, label in c.choices]


ACHIEVEMENT_FIELDS = [
    Field("title", _("成果名称"), required=True),
    Field("description", _("成果简介"), "textarea", required=True),
    Field("domain", _("高新技术领域代码"), help=_("如 40101；见《国家重点支持的高新技术领域》")),
    Field("maturity", _("成熟度"), "select", choices=_choices(Maturity)),
    Field("ip_type", _("知识产权类型"), "select", choices=_choices(IPType)),
    Field("cooperation", _("合作方式"), "select", choices=_choices(Cooperation)),
    Field("price", _("价格（万元）"), help=_("填写金额或“面议”")),
    Field("international", _("国际合作"), "checkbox"),
    Field("keywords", _("关键词"), help=_("以逗号或顿号分隔")),
]

DEMAND_FIELDS = [
    Field("title", _("难题名称"), required=True),
    Field("description", _("难题描述"), "textarea", required=True),
    Field("budget", _("预算（万元）"), "number"),
    Field("deadline", _("期望解决日期"), "date"),
    Field("domain", _("高新技术领域代码"), help=_("如 40101")),
    Field("cooperation", _("期望合作方式"), "select", choices=_choices(Cooperation)),
    Field("keywords", _("关键词")),
]

EXPERT_FIELDS = [
    Field("name", _("姓名"), required=True),
    Field("title", _("职称")),
    Field("fields", _("研究领域"), required=True),
    Field("keywords", _("关键词")),
    Field("domain", _("高新技术领域代码")),
    Field("phone", _("联系电话"), help=_("仅科技局和专家本人可见")),
    Field("email", _("电子邮箱"), help=_("仅科技局和专家本人可见")),
    Field("bio", _("简介"), "textarea"),
]

ANSWER_FIELDS = [
    Field("summary", _("方案摘要"), required=True),
    Field("proposal", _("解决方案"), "textarea", required=True),
    Field("quote", _("报价（万元）"), "number"),
    Field("duration_days", _("预计周期（天）"), "number"),
]

CONTRACT_FIELDS = [
    Field("title", _("合同名称"), required=True),
    Field("type", _("合同类型"), "select", required=True, choices=_choices(ContractType)),
    Field("contract_total", _("合同成交总额（万元）"), "number", required=True),
    Field("tech_amount", _("技术交易额（万元）"), "number", required=True,
          help=_("扣除购置设备、仪器、原材料等非技术性费用后的金额")),
    Field("signed_on", _("签订日期"), "date", required=True),
]

DIRECT_CONTRACT_FIELDS = CONTRACT_FIELDS + [
    Field("seller_enterprise", _("卖方企业ID"), "number"),
    Field("seller_institution", _("卖方院校/院所ID"), "number"),
    Field("buyer_enterprise", _("买方企业ID"), "number"),
    Field("buyer_name", _("买方名称"), help=_("买方不是本区企业时填写")),
]

REGISTER_FIELDS = [
    Field("registration_no", _("登记编号"), required=True),
    Field("registration_date", _("登记日期"), "date", required=True),
    Field("tech_amount", _("核定技术交易额（万元）"), "number", help=_("留空则按申报金额")),
]

VISIT_FIELDS = [
    Field("expert", _("专家ID"), "number", required=True),
    Field("enterprise", _("企业ID"), "number", required=True),
    Field("visit_date", _("问诊日期"), "date", required=True),
    Field("findings", _("问诊发现"), "textarea", required=True),
]

BROKER_FIELDS = [
    Field("user", _("用户ID"), "number", required=True),
    Field("name", _("姓名"), required=True),
    Field("organisation", _("所在机构")),
    Field("certificate_no", _("技术经纪人证书编号")),
    Field("region", _("服务区域代码"), required=True, help=_("本区或镇街的区划代码")),
]


def collect(post, fields: list[Field]) -> dict:
    """The submitted values of the declared fields (blank text left out so that partial updates keep values)."""
    data = {}
    for f in fields:
        if f.kind == "checkbox":
            data[f.name] = bool(post.get(f.name))
        elif f.name in post:
            data[f.name] = post.get(f.name, "")
    return data


def initial(obj, fields: list[Field], **extra) -> dict:
    """Form values of an existing object (amounts back in 万元)."""
    from decimal import Decimal

    out = {}
    for f in fields:
        value = getattr(obj, f.name + "_id", None) if f.name in ("domain",) else getattr(obj, f.name, None)
        if f.name == "price" and getattr(obj, "price_negotiable", False):
            value = "面议"
        elif isinstance(value, Decimal) and f.name in ("price", "budget", "quote", "contract_total", "tech_amount"):
            value = (value / Decimal(10000)).normalize()
            value = format(value, "f")
        out[f.name] = "" if value is None else value
    out.update(extra)
    return out
