"""Choices shared by every app: roles and scope actions."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU = "bureau", _("科技局")
    TOWN = "town", _("科技助理")
    ENTERPRISE = "enterprise", _("企业")
    EXPERT = "expert", _("专家/院校")
    AGENCY = "agency", _("服务机构")
    BANK = "bank", _("合作银行")
    AUDITOR = "auditor", _("安全审计员")
    SYSADMIN = "sysadmin", _("系统管理员")


class Action(models.TextChoices):
    VIEW = "view", _("查看")
    ADD = "add", _("新增")
    CHANGE = "change", _("修改")
    DELETE = "delete", _("删除")


class PublicationStatus(models.TextChoices):
    """Listings (achievements, problems, experts, agencies) are reviewed by the bureau before they are public."""

    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已关闭")
