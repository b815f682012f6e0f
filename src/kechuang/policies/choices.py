"""Choices of the policies app: policy and award states, event kinds, lines of work."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已废止")


class AwardStatus(models.TextChoices):
    PROPOSED = "proposed", _("拟奖励")
    APPROVED = "approved", _("已审批")
    PAID = "paid", _("已拨付")
    REJECTED = "rejected", _("不予奖励")


class AwardAction(models.TextChoices):
    APPROVE = "approve", _("审批通过")
    PAY = "pay", _("确认拨付")
    REJECT = "reject", _("不予奖励")
    REOPEN = "reopen", _("重新提交")


class Rounding(models.TextChoices):
    YUAN = "yuan", _("四舍五入到元")
    FEN = "fen", _("四舍五入到分")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    PUBLISHED = "published", _("已发布")
    FINISHED = "finished", _("已结束")


class Aggregation(models.TextChoices):
    MEAN = "mean", _("平均分")
    TRIMMED_MEAN = "trimmed_mean", _("去掉最高分和最低分后的平均分")
    MEDIAN = "median", _("中位数")
    SUM = "sum", _("总分")


class AdvanceRule(models.TextChoices):
    TOP_N = "top_n", _("前N名晋级")
    THRESHOLD = "threshold", _("分数线晋级")
    ALL = "all", _("全部晋级")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("评分中")
    CLOSED = "closed", _("已结束")


class FairKind(models.TextChoices):
    FAIR = "fair", _("成果发布/对接会")
    AUCTION = "auction", _("成果拍卖会")


class LotStatus(models.TextChoices):
    LISTED = "listed", _("待拍/待签")
    SOLD = "sold", _("已成交")
    UNSOLD = "unsold", _("流拍/未成交")


class TaskLine(models.TextChoices):
    SUBJECTS = "subjects", _("创新主体培育")
    PLATFORMS = "platforms", _("平台载体建设")
    TRANSFER = "transfer", _("科技成果转化")
    FINANCE = "finance", _("科技金融")
    TALENT = "talent", _("科技人才")
    STATISTICS = "statistics", _("统计监测与考核")
    GENERAL = "general", _("综合保障")


class TaskState(models.TextChoices):
    ON_TRACK = "on_track", _("正常推进")
    DUE_SOON = "due_soon", _("临近截止")
    OVERDUE = "overdue", _("已逾期")
    DONE = "done", _("已完成")
    DONE_LATE = "done_late", _("逾期完成")
