"""Policies and their awards (免申即享), competitions, trainings, achievement fairs and auctions, work tasks."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Role
from kechuang.core.models import BaseModel
from kechuang.core.scope import READ, ScopeRule

from . import engine
from .choices import (
    AdvanceRule,
    Aggregation,
    AwardStatus,
    EventStatus,
    FairKind,
    LotStatus,
    PolicyStatus,
    RoundStatus,
    TaskLine,
)
from .engine.events import premium_rate, task_state

MONEY = {"max_digits": 18, "decimal_places": 2}
READ_ONLY_OTHERS = {Role.TOWN: READ, Role.ENTERPRISE: READ, Role.EXPERT: READ, Role.AGENCY: READ, Role.BANK: READ,
                    Role.AUDITOR: READ}
VISIBLE_EVENT = (EventStatus.PUBLISHED, EventStatus.FINISHED)


# ----- policies --------------------------------------------------------------------------------------------------

class Policy(BaseModel):
    """A support policy with structured eligibility conditions and an award formula (both data, see engine/)."""

    region = models.ForeignKey("regions.Region", verbose_name=_("发布单位辖区"), on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField(_("政策名称"), max_length=200)
    doc_number = models.CharField(_("发文字号"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("政策年度"))
    data_year = models.PositiveSmallIntegerField(_("数据年度"), help_text=_("条件和公式中“当年”数据所指的会计年度"))
    reference_date = models.DateField(_("资格判定日"), help_text=_("资质须在该日有效"))
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    description = models.TextField(_("政策说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT)
    conditions = models.JSONField(_("申报条件"), default=list, blank=True)
    formula = models.JSONField(_("奖励公式"), default=dict)
    budget = models.DecimalField(_("资金预算"), null=True, blank=True, **MONEY)

    scope = ScopeRule(region="region", public=Q(status=PolicyStatus.PUBLISHED), actions=READ_ONLY_OTHERS)

    class Meta:
        verbose_name = _("政策")
        verbose_name_plural = _("政策")
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policies:detail", args=[self.pk])

    def definition(self) -> engine.PolicyDefinition:
        """The evaluable definition (stored JSON was validated when saved)."""
        return engine.parse_definition(self.conditions, self.formula, year=self.data_year)

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class PolicyAward(BaseModel):
    """One enterprise's award under one policy: proposed → approved → paid (or rejected); at most one per policy."""

    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.PROTECT, related_name="awards")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT,
                                   related_name="policy_awards")
    amount = models.DecimalField(_("奖励金额"), **MONEY)
    status = models.CharField(_("状态"), max_length=10, choices=AwardStatus.choices, default=AwardStatus.PROPOSED,
                              db_index=True)
    explanation = models.JSONField(_("计算依据"), default=dict, blank=True)
    payment_ref = models.CharField(_("拨付凭证号"), max_length=60, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise",
                      actions={Role.TOWN: READ, Role.ENTERPRISE: READ, Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("政策奖励")
        verbose_name_plural = _("政策奖励")
        ordering = ["policy", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "enterprise"], name="policy_award_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="policy_award_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.enterprise}"

    def get_absolute_url(self) -> str:
        return reverse("policies:award", args=[self.pk])


class PolicyAwardEvent(BaseModel):
    """One step of an award's workflow, with who took it and when (the approval trail)."""

    award = models.ForeignKey(PolicyAward, verbose_name=_("奖励"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=10)
    from_status = models.CharField(_("原状态"), max_length=10, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL,
                             related_name="+")
    user_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    note = models.TextField(_("说明"), blank=True)

    scope = ScopeRule(region="award__enterprise__town", enterprise="award__enterprise",
                      actions={Role.TOWN: READ, Role.ENTERPRISE: READ, Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("奖励流转记录")
        verbose_name_plural = _("奖励流转记录")
        ordering = ["award", "created_at", "pk"]


# ----- competitions ------------------------------------------------------------------------------------------------

_EVENT_PUBLIC = Q(status__in=VISIBLE_EVENT)


def _public_via(path: str) -> Q:
    return Q(**{f"{path}__status__in": VISIBLE_EVENT})


class Competition(BaseModel):
    """A competition (e.g. a maker contest) with divisions, rounds, entries and judges' scores."""

    region = models.ForeignKey("regions.Region", verbose_name=_("主办辖区"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("赛事名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    organiser = models.CharField(_("主办单位"), max_length=200, blank=True)
    description = models.TextField(_("赛事说明"), blank=True)
    aggregation = models.CharField(_("计分方式"), max_length=20, choices=Aggregation.choices,
                                   default=Aggregation.TRIMMED_MEAN)
    min_judges = models.PositiveSmallIntegerField(_("每项最少评委数"), default=3)
    status = models.CharField(_("状态"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT)

    scope = ScopeRule(region="region", public=_EVENT_PUBLIC, actions=READ_ONLY_OTHERS)

    class Meta:
        verbose_name = _("赛事")
        verbose_name_plural = _("赛事")
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policies:competition", args=[self.pk])


_COMP_CHILD = ScopeRule(region="competition__region", public=_public_via("competition"), actions=READ_ONLY_OTHERS)


class Division(BaseModel):
    """A division of a competition (e.g. regional 区域赛, overseas 海外赛); entries are ranked within it."""

    competition = models.ForeignKey(Competition, verbose_name=_("赛事"), on_delete=models.CASCADE,
                                    related_name="divisions")
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("赛区名称"), max_length=60)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    scope = _COMP_CHILD

    class Meta:
        verbose_name = _("赛区")
        verbose_name_plural = _("赛区")
        ordering = ["competition", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["competition", "code"], name="division_unique_code")]

    def __str__(self) -> str:
        return self.name


class Round(BaseModel):
    """A round of a competition; entries advance to the next round by its rule, applied within each division."""

    competition = models.ForeignKey(Competition, verbose_name=_("赛事"), on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    name = models.CharField(_("名称"), max_length=60)
    date = models.DateField(_("日期"), null=True, blank=True)
    rule = models.CharField(_("晋级规则"), max_length=10, choices=AdvanceRule.choices, default=AdvanceRule.TOP_N)
    top_n = models.PositiveIntegerField(_("晋级名额（每赛区）"), null=True, blank=True)
    threshold = models.DecimalField(_("分数线"), max_digits=7, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)

    scope = _COMP_CHILD

    class Meta:
        verbose_name = _("轮次")
        verbose_name_plural = _("轮次")
        ordering = ["competition", "number"]
        constraints = [models.UniqueConstraint(fields=["competition", "number"], name="round_unique_number")]

    def __str__(self) -> str:
        return f"{self.competition} · {self.name}"


class DivisionRule(BaseModel):
    """A division's own advancement rule for one round, overriding the round's rule (e.g. overseas: score ≥ 80)."""

    round = models.ForeignKey(Round, verbose_name=_("轮次"), on_delete=models.CASCADE, related_name="division_rules")
    division = models.ForeignKey(Division, verbose_name=_("赛区"), on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(_("晋级规则"), max_length=10, choices=AdvanceRule.choices)
    top_n = models.PositiveIntegerField(_("晋级名额"), null=True, blank=True)
    threshold = models.DecimalField(_("分数线"), max_digits=7, decimal_places=2, null=True, blank=True)

    scope = ScopeRule(region="round__competition__region", public=_public_via("round__competition"),
                      actions=READ_ONLY_OTHERS)

    class Meta:
        verbose_name = _("赛区晋级规则")
        verbose_name_plural = _("赛区晋级规则")
        constraints = [models.UniqueConstraint(fields=["round", "division"], name="division_rule_unique")]


class Entry(BaseModel):
    """A project entered in a competition by an enterprise or a team (overseas teams need not be enterprises)."""

    competition = models.ForeignKey(Competition, verbose_name=_("赛事"), on_delete=models.CASCADE, related_name="entries")
    division = models.ForeignKey(Division, verbose_name=_("赛区"), on_delete=models.PROTECT, related_name="entries")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("参赛企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="competition_entries")
    team = models.CharField(_("参赛主体"), max_length=200)
    project = models.CharField(_("项目名称"), max_length=200)
    origin = models.CharField(_("来源地"), max_length=60, blank=True)

    scope = ScopeRule(region="competition__region", enterprise="enterprise", public=_public_via("competition"),
                      actions=READ_ONLY_OTHERS)

    class Meta:
        verbose_name = _("参赛项目")
        verbose_name_plural = _("参赛项目")
        ordering = ["competition", "division", "team"]
        constraints = [models.UniqueConstraint(fields=["competition", "project", "team"], name="entry_unique_project")]

    def __str__(self) -> str:
        return f"{self.team}：{self.project}"


class Score(BaseModel):
    """One judge's score of one entry in one round (0–100, two decimals)."""

    round = models.ForeignKey(Round, verbose_name=_("轮次"), on_delete=models.CASCADE, related_name="scores")
    entry = models.ForeignKey(Entry, verbose_name=_("参赛项目"), on_delete=models.CASCADE, related_name="scores")
    judge = models.CharField(_("评委"), max_length=60)
    score = models.DecimalField(_("评分"), max_digits=5, decimal_places=2)

    # Scores are the bureau's working papers; entrants see the aggregated round results.
    scope = ScopeRule(region="round__competition__region", actions={Role.TOWN: frozenset(), Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        ordering = ["round", "entry", "judge"]
        constraints = [
            models.UniqueConstraint(fields=["round", "entry", "judge"], name="score_unique_judge"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="score_0_100"),
        ]


class RoundResult(BaseModel):
    """An entry's aggregate, rank within its division and advancement, fixed when the round is closed."""

    round = models.ForeignKey(Round, verbose_name=_("轮次"), on_delete=models.CASCADE, related_name="results")
    entry = models.ForeignKey(Entry, verbose_name=_("参赛项目"), on_delete=models.CASCADE, related_name="results")
    aggregate = models.DecimalField(_("得分"), max_digits=9, decimal_places=4)
    rank = models.PositiveIntegerField(_("赛区排名"))
    advanced = models.BooleanField(_("晋级"), default=False)
    n_scores = models.PositiveSmallIntegerField(_("评分数"))

    scope = ScopeRule(region="round__competition__region", enterprise="entry__enterprise",
                      public=_public_via("round__competition"), actions=READ_ONLY_OTHERS)

    class Meta:
        verbose_name = _("轮次成绩")
        verbose_name_plural = _("轮次成绩")
        ordering = ["round", "entry__division__order", "rank", "entry__team"]
        constraints = [models.UniqueConstraint(fields=["round", "entry"], name="round_result_unique")]


class CompetitionAward(BaseModel):
    """A prize given to an entry (一等奖 …), with an optional bonus amount."""

    competition = models.ForeignKey(Competition, verbose_name=_("赛事"), on_delete=models.CASCADE, related_name="awards")
    entry = models.ForeignKey(Entry, verbose_name=_("参赛项目"), on_delete=models.CASCADE, related_name="awards")
    prize = models.CharField(_("奖项"), max_length=60)
    amount = models.DecimalField(_("奖金"), null=True, blank=True, **MONEY)

    scope = ScopeRule(region="competition__region", enterprise="entry__enterprise", public=_public_via("competition"),
                      actions=READ_ONLY_OTHERS)

    class Meta:
        verbose_name = _("赛事奖项")
        verbose_name_plural = _("赛事奖项")
        ordering = ["competition", "entry__division__order", "pk"]
        constraints = [models.UniqueConstraint(fields=["competition", "entry"], name="competition_award_once")]


# ----- trainings ---------------------------------------------------------------------------------------------------

class Training(BaseModel):
    """A training programme (e.g. HTE application training) with sessions and target enterprises."""

    region = models.ForeignKey("regions.Region", verbose_name=_("主办辖区"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("培训名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    organiser = models.CharField(_("主办单位"), max_length=200, blank=True)
    description = models.TextField(_("培训说明"), blank=True)
    target_note = models.CharField(_("目标企业说明"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT)

    scope = ScopeRule(region="region", public=_EVENT_PUBLIC, actions=READ_ONLY_OTHERS)

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policies:training", args=[self.pk])


class TrainingSession(BaseModel):
    """One session (期/场) of a training."""

    training = models.ForeignKey(Training, verbose_name=_("培训"), on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    topic = models.CharField(_("主题"), max_length=200)
    speaker = models.CharField(_("主讲人"), max_length=100, blank=True)

    scope = ScopeRule(region="training__region", public=_public_via("training"), actions=READ_ONLY_OTHERS)

    class Meta:
        verbose_name = _("培训场次")
        verbose_name_plural = _("培训场次")
        ordering = ["training", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.topic}"


class TrainingTarget(BaseModel):
    """An enterprise the training aims to reach."""

    training = models.ForeignKey(Training, verbose_name=_("培训"), on_delete=models.CASCADE, related_name="targets")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="+")

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise",
                      actions={Role.TOWN: READ, Role.ENTERPRISE: READ, Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("培训目标企业")
        verbose_name_plural = _("培训目标企业")
        constraints = [models.UniqueConstraint(fields=["training", "enterprise"], name="training_target_unique")]


class Attendance(BaseModel):
    """A person of an enterprise who attended a session (town assistants may register their town's attendees)."""

    session = models.ForeignKey(TrainingSession, verbose_name=_("场次"), on_delete=models.CASCADE,
                                related_name="attendances")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="+")
    attendee = models.CharField(_("参训人员"), max_length=60)
    position = models.CharField(_("职务"), max_length=60, blank=True)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise",
                      actions={Role.TOWN: frozenset({"view", "add"}), Role.ENTERPRISE: READ, Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        ordering = ["session", "enterprise", "attendee"]
        constraints = [models.UniqueConstraint(fields=["session", "enterprise", "attendee"], name="attendance_unique")]


# ----- achievement fairs and auctions ------------------------------------------------------------------------------

class AchievementFair(BaseModel):
    """An achievement fair (成果发布/对接会) or auction (成果拍卖会) with its lots."""

    region = models.ForeignKey("regions.Region", verbose_name=_("主办辖区"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("活动名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10, choices=FairKind.choices, default=FairKind.AUCTION)
    date = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    organiser = models.CharField(_("主办单位"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT)

    scope = ScopeRule(region="region", public=_EVENT_PUBLIC, actions=READ_ONLY_OTHERS)

    class Meta:
        verbose_name = _("成果发布/拍卖活动")
        verbose_name_plural = _("成果发布/拍卖活动")
        ordering = ["-date", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policies:fair", args=[self.pk])


class Lot(BaseModel):
    """A lot (an achievement offered) with its starting and hammer price; premium = (hammer − start) / start."""

    fair = models.ForeignKey(AchievementFair, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="lots")
    number = models.CharField(_("拍品号"), max_length=20)
    title = models.CharField(_("成果名称"), max_length=200)
    seller = models.CharField(_("出让方"), max_length=200)
    buyer = models.CharField(_("受让方"), max_length=200, blank=True)
    buyer_enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("受让企业"), null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    starting_price = models.DecimalField(_("起拍价"), **MONEY)
    hammer_price = models.DecimalField(_("成交价"), null=True, blank=True, **MONEY)
    status = models.CharField(_("状态"), max_length=10, choices=LotStatus.choices, default=LotStatus.LISTED)

    scope = ScopeRule(region="fair__region", public=_public_via("fair"), actions=READ_ONLY_OTHERS)

    class Meta:
        verbose_name = _("拍品/成果")
        verbose_name_plural = _("拍品/成果")
        ordering = ["fair", "number"]
        constraints = [
            models.UniqueConstraint(fields=["fair", "number"], name="lot_unique_number"),
            models.CheckConstraint(condition=Q(starting_price__gt=0), name="lot_start_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def premium(self):
        """The exact premium rate (a Fraction), None when not sold."""
        return premium_rate(self.starting_price, self.hammer_price if self.status == LotStatus.SOLD else None)


# ----- work tasks (挂图作战) ---------------------------------------------------------------------------------------

class WorkTask(BaseModel):
    """A task of the year's work plan: owner unit, line of work, deadline, linked indicator or target, progress."""

    region = models.ForeignKey("regions.Region", verbose_name=_("责任辖区"), on_delete=models.PROTECT, related_name="+",
                               help_text=_("区级科室填本区；落实到镇街的任务填该镇街，镇街科技助理可更新进度"))
    year = models.PositiveSmallIntegerField(_("年度"))
    code = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("任务"), max_length=300)
    line = models.CharField(_("条线"), max_length=20, choices=TaskLine.choices, default=TaskLine.GENERAL)
    owner_unit = models.CharField(_("责任单位"), max_length=100)
    owner_person = models.CharField(_("责任人"), max_length=60, blank=True)
    deadline = models.DateField(_("完成时限"))
    indicator = models.ForeignKey("indicators.Indicator", verbose_name=_("关联指标"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    target_value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4, null=True, blank=True)
    target_text = models.CharField(_("目标说明"), max_length=300, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    actual_value = models.DecimalField(_("最新完成值"), max_digits=20, decimal_places=4, null=True, blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)

    scope = ScopeRule(region="region", actions={Role.TOWN: frozenset({"view", "change"}), Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("重点工作任务")
        verbose_name_plural = _("重点工作任务")
        ordering = ["year", "line", "deadline", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "code"], name="work_task_unique_code"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="work_task_progress_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("policies:task", args=[self.pk])

    def state(self, today: dt.date) -> str:
        return task_state(self.deadline, self.progress, today, self.completed_on)


class TaskProgress(BaseModel):
    """A progress report on a task: percent done, a note, optionally the indicator's value reached."""

    task = models.ForeignKey(WorkTask, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="updates")
    percent = models.PositiveSmallIntegerField(_("进度（%）"))
    note = models.TextField(_("进展说明"))
    actual_value = models.DecimalField(_("完成值"), max_digits=20, decimal_places=4, null=True, blank=True)
    reported_on = models.DateField(_("报告日期"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reporter_name = models.CharField(_("填报人姓名"), max_length=150, blank=True)

    scope = ScopeRule(region="task__region", actions={Role.TOWN: frozenset({"view", "add"}), Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        ordering = ["task", "-reported_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="task_progress_0_100")]
