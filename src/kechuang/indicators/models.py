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
