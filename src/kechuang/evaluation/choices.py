"""Choices of the evaluation app: verdicts, run states, cultivation-pool batch and entry states."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Verdict(models.TextChoices):
    QUALIFIED = "qualified", _("符合条件")
    BORDERLINE = "borderline", _("临界（待专家评分）")
    NOT_QUALIFIED = "not_qualified", _("不符合条件")
    NO_DATA = "no_data", _("数据不足")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class CandidateReason(models.TextChoices):
    QUALIFIED = "qualified", _("已符合条件")
    BORDERLINE = "borderline", _("硬性条件满足、得分临界")
    NEAR_MISS = "near_miss", _("小幅未达标")


class BatchStatus(models.TextChoices):
    OPEN = "open", _("审核中")
    PUBLISHED = "published", _("已公示")
    CLOSED = "closed", _("已结束")


class EntryStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    APPROVED = "approved", _("同意入库")
    REJECTED = "rejected", _("不予入库")


class EntrySource(models.TextChoices):
    CANDIDATE = "candidate", _("评价候选")
    MANUAL = "manual", _("人工添加")


# Condition codes of the HTE evaluator, in the order the rule set lists them, for filters and exports.
HTE_CODES = ("C1", "C2", "C3", "C4", "C5a", "C5b", "C6", "C7", "C8")
