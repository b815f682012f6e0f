"""Choices of the technology marketplace (科技大市场)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import PublicationStatus  # noqa: F401  (listings use the shared publication states)


class Maturity(models.TextChoices):
    LAB = "lab", _("实验室")
    SMALL = "small_pilot", _("小试")
    PILOT = "pilot", _("中试")
    MASS = "mass", _("可量产")


class IPType(models.TextChoices):
    INVENTION = "invention", _("发明专利")
    UTILITY = "utility_model", _("实用新型专利")
    DESIGN = "design", _("外观设计专利")
    SOFTWARE = "software", _("软件著作权")
    KNOW_HOW = "know_how", _("技术秘密")
    IC_LAYOUT = "ic_layout", _("集成电路布图设计")
    PLANT = "plant_variety", _("植物新品种")
    NONE = "none", _("无")


class Cooperation(models.TextChoices):
    TRANSFER = "transfer", _("转让")
    LICENSE = "license", _("许可")
    JOINT = "joint_dev", _("合作开发")
    EQUITY = "equity", _("作价入股")


class ContractType(models.TextChoices):
    """The five classes of 技术合同 (民法典 合同编 第二十章; RULES §3.1)."""

    DEVELOPMENT = "development", _("技术开发")
    TRANSFER = "transfer", _("技术转让")
    LICENSE = "license", _("技术许可")
    CONSULTING = "consulting", _("技术咨询")
    SERVICE = "service", _("技术服务")


class ContractStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    REGISTERED = "registered", _("已登记")
    REJECTED = "rejected", _("未予登记")


class RoutingStatus(models.TextChoices):
    ROUTED = "routed", _("已推送")
    ANSWERED = "answered", _("已答复")
    DECLINED = "declined", _("已谢绝")


class AnswerStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    SHORTLISTED = "shortlisted", _("入围")
    SELECTED = "selected", _("已选定")
    DECLINED = "declined", _("未选中")
    WITHDRAWN = "withdrawn", _("已撤回")


class DealStatus(models.TextChoices):
    OPEN = "open", _("洽谈中")
    CONTRACTED = "contracted", _("已签约待登记")
    COMPLETED = "completed", _("已成交")
    CANCELLED = "cancelled", _("已终止")


class VisitStatus(models.TextChoices):
    RECORDED = "recorded", _("已记录")
    SPAWNED = "spawned", _("已形成难题")


class ListingKind(models.TextChoices):
    """The four libraries; also the `kind` of a search document."""

    ACHIEVEMENT = "achievement", _("技术成果")
    DEMAND = "demand", _("技术难题")
    EXPERT = "expert", _("专家")
    AGENCY = "agency", _("服务机构")
