"""Indicator catalog; values, targets and monthly reports are added by the indicators module."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.core.scope import RestrictedManager, ScopeRule


class IndicatorKind(models.TextChoices):
    FLOW = "flow", _("流量（1月起累计）")
    STOCK = "stock", _("存量（期末值）")
    RATIO = "ratio", _("比率")


class Indicator(models.Model):
    """One headline indicator of the catalog (../shared/data/indicators.csv)."""

    code = models.CharField(_("指标代码"), max_length=40, primary_key=True)
    name_zh = models.CharField(_("中文名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200)
    unit = models.CharField(_("单位"), max_length=20)
    kind = models.CharField(_("类型"), max_length=10, choices=IndicatorKind.choices)
    source = models.CharField(_("来源"), max_length=20)
    formula = models.CharField(_("公式"), max_length=200, blank=True)
    notes = models.TextField(_("说明"), blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = RestrictedManager()
    scope = ScopeRule(public=Q())

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标目录")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


# -- values, targets, monthly reports -------------------------------------------------------------------------

from django.conf import settings  # noqa: E402
from django.core.validators import MaxValueValidator, MinValueValidator  # noqa: E402

from kechuang.core.choices import Action, Role  # noqa: E402
from kechuang.core.models import BaseModel  # noqa: E402
from kechuang.core.scope import READ  # noqa: E402

from .choices import ReportAction, ReportStatus, ValueSource  # noqa: E402

#: Exact storage for indicator values: up to 18 integer digits and 6 decimals (亿元 to the yuan, counts, ratios).
VALUE = {"max_digits": 24, "decimal_places": 6}
MONEY = {"max_digits": 18, "decimal_places": 2}
MONTH_VALIDATORS = [MinValueValidator(1), MaxValueValidator(12)]

# Statistics are read by the bureau (its region's subtree) and by a town assistant (their own town); only the
# bureau writes them (by import, by the platform refresh or on the targets page).
STATISTICS_SCOPE = ScopeRule(region="region", actions={
    Role.TOWN: READ, Role.AUDITOR: READ, Role.ENTERPRISE: frozenset(), Role.EXPERT: frozenset(),
    Role.AGENCY: frozenset(), Role.BANK: frozenset(),
})


class IndicatorValue(BaseModel):
    """One indicator's value for one region and month (flows cumulative from January, stocks at month end)."""

    # No single-column indexes: the unique constraint leads with region, the period index with indicator.
    region = models.ForeignKey("regions.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="values",
                                  db_index=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"), validators=MONTH_VALIDATORS)
    value = models.DecimalField(_("数值"), **VALUE)
    source = models.CharField(_("来源"), max_length=10, choices=ValueSource.choices, default=ValueSource.IMPORTED)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope = STATISTICS_SCOPE

    class Meta:
        verbose_name = _("指标数值")
        verbose_name_plural = _("指标数值")
        ordering = ["region", "indicator", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["region", "indicator", "year", "month"], name="indicator_value_unique"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="indicator_value_month"),
        ]
        indexes = [models.Index(fields=["indicator", "year", "month"], name="indicator_value_period")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.indicator_id} {self.year}-{self.month:02d} = {self.value}"

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class Target(BaseModel):
    """A year's target (目标) for one indicator at one region: an absolute value and/or a growth rate in %."""

    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="targets")
    region = models.ForeignKey("regions.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("目标值"), null=True, blank=True, **VALUE)
    growth_pct = models.DecimalField(_("目标增速（%）"), max_digits=12, decimal_places=4, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True,
                            help_text=_("如：技术交易额突破xx亿元，增长xx%"))

    scope = STATISTICS_SCOPE

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["year", "region", "indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "region", "year"], name="target_unique_year"),
            models.CheckConstraint(condition=models.Q(value__isnull=False) | models.Q(growth_pct__isnull=False),
                                   name="target_value_or_growth"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.indicator_id} {self.year}"


class MonthlyReportTask(BaseModel):
    """A month's tech-service industry report collection (科技服务业月报任务) of a district, with its deadline."""

    region = models.ForeignKey("regions.Region", verbose_name=_("填报区域"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"), validators=MONTH_VALIDATORS)
    deadline = models.DateField(_("报送截止日期"))
    note = models.TextField(_("填报说明"), blank=True)

    # Every signed-in user may read a task (it says only "report month M by date D"); only the bureau writes.
    # (public is a non-empty always-true filter: ScopeRule.q combines `own | public`, and Django drops an empty Q
    # from an OR, which would leave a town assistant with their town's tasks only — there are none.)
    scope = ScopeRule(region="region", public=Q(pk__isnull=False), actions={
        Role.TOWN: READ, Role.ENTERPRISE: READ, Role.AUDITOR: READ, Role.EXPERT: frozenset(),
        Role.AGENCY: frozenset(), Role.BANK: frozenset(),
    })

    class Meta:
        verbose_name = _("月报任务")
        verbose_name_plural = _("月报任务")
        ordering = ["-year", "-month", "region"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "month"], name="report_task_unique_period"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="report_task_month"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月科技服务业月报"

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


#: The monthly report's state machine, declared once: (from state, action, to state, roles allowed).
#: A superuser counts as the bureau. Saving a draft is not a transition (it stays a draft or returned).
TRANSITIONS: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    (ReportStatus.DRAFT, ReportAction.SUBMIT, ReportStatus.SUBMITTED,
     frozenset({Role.ENTERPRISE, Role.TOWN, Role.BUREAU})),
    (ReportStatus.RETURNED, ReportAction.SUBMIT, ReportStatus.SUBMITTED,
     frozenset({Role.ENTERPRISE, Role.TOWN, Role.BUREAU})),
    (ReportStatus.SUBMITTED, ReportAction.ACCEPT, ReportStatus.ACCEPTED, frozenset({Role.BUREAU})),
    (ReportStatus.SUBMITTED, ReportAction.RETURN, ReportStatus.RETURNED, frozenset({Role.BUREAU, Role.TOWN})),
    (ReportStatus.ACCEPTED, ReportAction.REOPEN, ReportStatus.RETURNED, frozenset({Role.BUREAU})),
)
#: States in which the figures may still be edited.
EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})
#: States whose figures count as reported (for the next month's checks and for completeness).
REPORTED = frozenset({ReportStatus.SUBMITTED, ReportStatus.ACCEPTED})


def transition_for(status: str, action: str) -> tuple[str, frozenset[str]] | None:
    """The target state and allowed roles of ``action`` from ``status``, or None when not allowed at all."""
    for src, act, dst, roles in TRANSITIONS:
        if src == status and act == action:
            return dst, roles
    return None


class MonthlyReport(BaseModel):
    """One enterprise's tech-service monthly report; money in yuan, cumulative from January; staff at month end."""

    task = models.ForeignKey(MonthlyReportTask, verbose_name=_("月报任务"), on_delete=models.PROTECT,
                             related_name="reports")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT,
                                   related_name="monthly_reports")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"), validators=MONTH_VALIDATORS)
    operating_revenue = models.DecimalField(_("营业收入（1月起累计）"), null=True, blank=True, **MONEY)
    value_added = models.DecimalField(_("增加值（1月起累计）"), null=True, blank=True, **MONEY)
    staff = models.PositiveIntegerField(_("从业人员（期末）"), null=True, blank=True)
    rd_expense = models.DecimalField(_("研发费用（1月起累计）"), null=True, blank=True, **MONEY)
    explanation = models.TextField(_("情况说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise", actions={
        Role.ENTERPRISE: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.TOWN: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.AUDITOR: READ, Role.EXPERT: frozenset(), Role.AGENCY: frozenset(), Role.BANK: frozenset(),
    })

    class Meta:
        verbose_name = _("科技服务业月报")
        verbose_name_plural = _("科技服务业月报")
        ordering = ["-year", "-month", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year", "month"], name="monthly_report_unique_period"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="monthly_report_month"),
        ]
        indexes = [models.Index(fields=["year", "month", "status"], name="monthly_report_period")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}-{self.month:02d}"

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    def late(self, deadline) -> bool:
        """Whether the first submission came after the deadline day (local time)."""
        if self.first_submitted_at is None:
            return False
        from django.utils import timezone

        return timezone.localtime(self.first_submitted_at).date() > deadline


class MonthlyReportEvent(models.Model):
    """One step of a monthly report's workflow (save, submit, accept, return); append-only, so no change log."""

    report = models.ForeignKey(MonthlyReport, verbose_name=_("月报"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=10, choices=ReportAction.choices)
    from_status = models.CharField(_("原状态"), max_length=10, choices=ReportStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=ReportStatus.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="report__enterprise__town", enterprise="report__enterprise", actions={
        Role.ENTERPRISE: READ, Role.TOWN: READ, Role.AUDITOR: READ,
    })

    class Meta:
        verbose_name = _("月报操作记录")
        verbose_name_plural = _("月报操作记录")
        ordering = ["report", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"
