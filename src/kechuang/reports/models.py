"""Generated reports: which region, year (and quarter), who asked, where the files are, and how it went."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Action, Role
from kechuang.core.models import BaseModel
from kechuang.core.scope import READ, ScopeRule

from .choices import ReportKind, ReportStatus

NOTHING = frozenset()


@dataclass(frozen=True)
class ReportScope(ScopeRule):
    """The bureau sees and generates reports of its region's subtree; a town assistant only its own town's
    quarterly analyses (not an annual summary, even of its town); nobody else sees any report."""

    def _own(self, user, role: str) -> Q | None:
        q = super()._own(user, role)
        if role == Role.TOWN and q is not None:
            q &= Q(kind=ReportKind.QUARTERLY)
        return q


class Report(BaseModel):
    """A generated annual work summary or quarterly analysis, with its DOCX (and PDF) under VAR_DIR/reports."""

    kind = models.CharField(_("类型"), max_length=10, choices=ReportKind.choices)
    region = models.ForeignKey("regions.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    period = models.CharField(_("数据截至"), max_length=7, blank=True, help_text=_("YYYY-MM"))
    title = models.CharField(_("标题"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    docx = models.CharField(_("DOCX 文件"), max_length=300, blank=True, help_text=_("相对于 VAR_DIR/reports 的路径"))
    pdf = models.CharField(_("PDF 文件"), max_length=300, blank=True)
    message = models.TextField(_("说明"), blank=True)
    seconds = models.DecimalField(_("生成耗时（秒）"), max_digits=8, decimal_places=2, null=True, blank=True)
    job = models.ForeignKey("core.Job", verbose_name=_("后台任务"), null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    scope = ReportScope(region="region", actions={
        Role.BUREAU: frozenset({Action.VIEW, Action.ADD}), Role.TOWN: frozenset({Action.VIEW, Action.ADD}),
        Role.AUDITOR: READ, Role.ENTERPRISE: NOTHING, Role.EXPERT: NOTHING, Role.AGENCY: NOTHING, Role.BANK: NOTHING,
    })

    class Meta:
        verbose_name = _("生成的报告")
        verbose_name_plural = _("生成的报告")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["region", "kind", "year"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind=ReportKind.ANNUAL, quarter__isnull=True)
                                   | Q(kind=ReportKind.QUARTERLY, quarter__gte=1, quarter__lte=4),
                                   name="report_quarter_matches_kind"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.region_id} {self.year} {self.get_kind_display()}"
