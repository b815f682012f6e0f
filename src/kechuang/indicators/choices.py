"""Choices of the indicators app: value sources and the monthly report's states and actions."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ValueSource(models.TextChoices):
    """Where a stored indicator value came from."""

    IMPORTED = "imported", _("导入（统计部门）")
    PLATFORM = "platform", _("平台统计")
    DERIVED = "derived", _("公式计算")


class ReportStatus(models.TextChoices):
    """States of a tech-service industry monthly report (科技服务业月报)."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    ACCEPTED = "accepted", _("已审核")
    RETURNED = "returned", _("已退回")


class ReportAction(models.TextChoices):
    """Transitions of a monthly report (see models.TRANSITIONS)."""

    SAVE = "save", _("保存草稿")
    SUBMIT = "submit", _("报送")
    ACCEPT = "accept", _("审核通过")
    RETURN = "return", _("退回修改")
    REOPEN = "reopen", _("撤销审核")
