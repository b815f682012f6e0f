"""Choices of the reports app."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    ANNUAL = "annual", _("年度工作总结")
    QUARTERLY = "quarterly", _("科技服务业季度分析")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已生成")
    FAILED = "failed", _("失败")


#: The background job kind of each report kind (core.jobs).
JOB_KINDS = {ReportKind.ANNUAL: "report_annual", ReportKind.QUARTERLY: "report_quarterly"}
