"""Evaluation records: entered assessment inputs, district evaluation runs and their results, pool batches."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Action, Role
from kechuang.core.models import BaseModel
from kechuang.core.scope import READ, READ_WRITE, RestrictedManager, ScopeRule

from .choices import BatchStatus, CandidateReason, EntrySource, EntryStatus, RunStatus, Verdict

MONEY = {"max_digits": 18, "decimal_places": 2}
# Key ratios are stored rounded half-up to 6 places for sorting and filtering only; verdicts come from the engine's
# exact comparison, never from these columns.
RATIO = {"max_digits": 12, "decimal_places": 6, "null": True, "blank": True}
NOBODY = frozenset()


class AssessmentInput(BaseModel):
    """What the stored annual data lacks for an HTE assessment: transformations, incidents, expert points."""

    enterprise = models.OneToOneField("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE,
                                      related_name="assessment_input")
    transformations = models.PositiveIntegerField(
        _("近三年科技成果转化数（项）"), null=True, blank=True,
        help_text=_("未填报时按0至满分的区间估算创新能力得分"))
    major_incident_last_year = models.BooleanField(
        _("申请前一年内发生重大安全、质量事故或严重环境违法行为"), default=False)
    expert = models.JSONField(_("专家评分"), default=dict, blank=True,
                              help_text=_("由科技局录入，键与评价接口 expert 字段相同"))
    expert_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("专家评分录入人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise",
                      actions={Role.ENTERPRISE: READ_WRITE, Role.TOWN: READ_WRITE})

    class Meta:
        verbose_name = _("自评补充信息")
        verbose_name_plural = _("自评补充信息")

    def __str__(self) -> str:
        return str(self.enterprise)


class EvaluationRun(BaseModel):
    """One batch evaluation of every enterprise of a district (or town) from stored data, on a date."""

    region = models.ForeignKey("regions.Region", verbose_name=_("评价范围"), on_delete=models.PROTECT,
                               related_name="+")
    on_date = models.DateField(_("评价（申请）日期"))
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    job = models.ForeignKey("core.Job", verbose_name=_("后台任务"), null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    hte_ruleset = models.CharField(_("高企规则集"), max_length=40, blank=True)
    pool_ruleset = models.CharField(_("培育库规则集"), max_length=40, blank=True)
    total = models.PositiveIntegerField(_("企业数"), default=0)
    qualified = models.PositiveIntegerField(_("符合条件"), default=0)
    borderline = models.PositiveIntegerField(_("临界"), default=0)
    not_qualified = models.PositiveIntegerField(_("不符合条件"), default=0)
    no_data = models.PositiveIntegerField(_("数据不足"), default=0)
    candidates = models.PositiveIntegerField(_("培育库候选"), default=0)
    seconds = models.DecimalField(_("用时（秒）"), max_digits=10, decimal_places=2, null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    # A town assistant may run (and see) the evaluation of their own town.
    scope = ScopeRule(region="region", actions={Role.TOWN: frozenset({Action.VIEW, Action.ADD}), Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("企业评价批次")
        verbose_name_plural = _("企业评价批次")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.on_date:%Y-%m-%d}"


class EvaluationResult(models.Model):
    """One enterprise's HTE evaluation in a run: the verdict, scores, failures and key ratios (a snapshot).

    Results are derived data written 60,000 at a time, so they carry no change log (BaseModel's history).
    """

    # The run's own index is the composite ones below (each starts with run); the town is filtered by prefix
    # (LIKE), which a plain index does not serve. Fewer indexes keep a 60,000-row write fast.
    run = models.ForeignKey(EvaluationRun, verbose_name=_("评价批次"), on_delete=models.CASCADE, related_name="results",
                            db_index=False)
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="+")
    town = models.ForeignKey("regions.Region", verbose_name=_("镇街"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    verdict = models.CharField(_("评价结论"), max_length=14, choices=Verdict.choices)
    score_min = models.PositiveSmallIntegerField(_("保守得分"), null=True, blank=True)
    score_max = models.PositiveSmallIntegerField(_("乐观得分"), null=True, blank=True)
    failed_codes = models.CharField(_("未满足条件"), max_length=60, blank=True,
                                    help_text=_("以逗号包围的条件代码，如 ,C4,C5a,"))
    failed_count = models.PositiveSmallIntegerField(_("未满足条件数"), default=0)
    candidate = models.BooleanField(_("培育库候选"), default=False)
    candidate_reason = models.CharField(_("候选原因"), max_length=12, choices=CandidateReason.choices, blank=True)
    near_misses = models.JSONField(_("小幅未达标项"), default=list, blank=True)
    blocking = models.JSONField(_("阻断原因"), default=list, blank=True)
    flags = models.JSONField(_("提示"), default=list, blank=True)
    tech_ratio = models.DecimalField(_("科技人员占比"), **RATIO)
    rd_ratio = models.DecimalField(_("研发费用占比"), **RATIO)
    rd_threshold = models.DecimalField(_("研发费用占比标准"), **RATIO)
    domestic_ratio = models.DecimalField(_("境内研发费用占比"), **RATIO)
    hitech_ratio = models.DecimalField(_("高新收入占比"), **RATIO)
    latest_sales = models.DecimalField(_("最近一年销售收入"), null=True, blank=True, **MONEY)
    ip_class_i = models.PositiveSmallIntegerField(_("Ⅰ类知识产权"), default=0)
    ip_class_ii = models.PositiveSmallIntegerField(_("Ⅱ类知识产权（可计入）"), default=0)
    transformations_known = models.BooleanField(_("已填报成果转化数"), default=False)
    holds_hte = models.BooleanField(_("持有效高企证书"), default=False)
    is_tsme = models.BooleanField(_("有效科小"), default=False)
    in_pool = models.BooleanField(_("已在培育库"), default=False)
    error = models.CharField(_("数据问题"), max_length=300, blank=True)

    objects = RestrictedManager()
    # Results name other enterprises: bureau and town only; an enterprise never sees the candidate list.
    scope = ScopeRule(region="enterprise__town", actions={Role.TOWN: READ, Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("企业评价结果")
        verbose_name_plural = _("企业评价结果")
        ordering = ["run", "-score_max", "enterprise_id"]
        constraints = [models.UniqueConstraint(fields=["run", "enterprise"], name="evaluation_result_unique")]
        indexes = [models.Index(fields=["run", "candidate", "score_max"]), models.Index(fields=["run", "verdict"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.verdict}"

    @property
    def failed_list(self) -> list[str]:
        return [c for c in self.failed_codes.split(",") if c]


class PoolBatch(BaseModel):
    """A cultivation-pool batch (高新技术企业培育库 入库批次), e.g. 2026年第一批, for the bureau's district."""

    region = models.ForeignKey("regions.Region", verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("批次名称"), max_length=60)
    status = models.CharField(_("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    issue_date = models.DateField(_("入库日期"), null=True, blank=True,
                                  help_text=_("写入企业资质的入库日期；为空时取审核通过当日"))
    source_run = models.ForeignKey(EvaluationRun, verbose_name=_("候选来源"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    published_on = models.DateField(_("公示日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    scope = ScopeRule(region="region", actions={Role.TOWN: READ, Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("培育库入库批次")
        verbose_name_plural = _("培育库入库批次")
        ordering = ["-year", "-pk"]
        constraints = [models.UniqueConstraint(fields=["region", "year", "name"], name="pool_batch_unique_name")]

    def __str__(self) -> str:
        return self.name


class PoolEntry(BaseModel):
    """One enterprise in a pool batch: proposed, then approved (a pool qualification) or rejected with a reason."""

    batch = models.ForeignKey(PoolBatch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="entries")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.PROPOSED)
    source = models.CharField(_("来源"), max_length=10, choices=EntrySource.choices, default=EntrySource.CANDIDATE)
    result = models.ForeignKey(EvaluationResult, verbose_name=_("评价结果"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    verdict = models.CharField(_("评价结论"), max_length=14, choices=Verdict.choices, blank=True)
    score_min = models.PositiveSmallIntegerField(_("保守得分"), null=True, blank=True)
    score_max = models.PositiveSmallIntegerField(_("乐观得分"), null=True, blank=True)
    candidate_reason = models.CharField(_("候选原因"), max_length=12, choices=CandidateReason.choices, blank=True)
    failed_codes = models.CharField(_("未满足条件"), max_length=60, blank=True)
    reason = models.TextField(_("审核意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    qualification = models.ForeignKey("enterprises.Qualification", verbose_name=_("入库资质"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")

    scope = ScopeRule(region="enterprise__town", actions={Role.TOWN: READ, Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("培育库入库企业")
        verbose_name_plural = _("培育库入库企业")
        ordering = ["batch", "-score_max", "pk"]
        constraints = [models.UniqueConstraint(fields=["batch", "enterprise"], name="pool_entry_unique")]

    def __str__(self) -> str:
        return f"{self.batch} {self.enterprise_id}"

    @property
    def failed_list(self) -> list[str]:
        return [c for c in self.failed_codes.split(",") if c]


class PoolEvent(models.Model):
    """A workflow step on a pool batch or entry: who did what, from which state to which, and why."""

    batch = models.ForeignKey(PoolBatch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="events")
    entry = models.ForeignKey(PoolEntry, verbose_name=_("入库企业"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="events")
    action = models.CharField(_("操作"), max_length=20)
    from_state = models.CharField(_("原状态"), max_length=10, blank=True)
    to_state = models.CharField(_("新状态"), max_length=10, blank=True)
    reason = models.TextField(_("意见"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    user_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="batch__region", actions={Role.TOWN: NOBODY, Role.AUDITOR: READ})

    class Meta:
        verbose_name = _("培育库审核记录")
        verbose_name_plural = _("培育库审核记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"
