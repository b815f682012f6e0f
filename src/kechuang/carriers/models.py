"""Innovation carriers (双创平台): maker spaces, incubators, accelerators, 星创天地, with yearly evaluations."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import BaseModel
from kechuang.core.scope import ScopeRule
from kechuang.enterprises.choices import Level
from kechuang.enterprises.models import MONEY

from .choices import CarrierKind, Grade


class Carrier(BaseModel):
    """A maker space, incubator, accelerator or 星创天地 recognised at some level."""

    name = models.CharField(_("载体名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=CarrierKind.choices)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    town = models.ForeignKey("regions.Region", verbose_name=_("所属镇街"), on_delete=models.PROTECT, related_name="+")
    operator = models.CharField(_("运营主体"), max_length=200, blank=True)
    recognised_on = models.DateField(_("认定日期"))
    area = models.DecimalField(_("孵化面积（㎡）"), max_digits=12, decimal_places=2, default=0)
    tenants = models.PositiveIntegerField(_("在孵企业（团队）数"), default=0)
    output_value = models.DecimalField(_("在孵企业产值"), default=0, **MONEY)

    scope = ScopeRule(region="town", public=Q())

    class Meta:
        verbose_name = _("双创平台载体")
        verbose_name_plural = _("双创平台载体")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CarrierEvaluation(BaseModel):
    """A carrier's yearly evaluation grade (e.g. national assessment A/优秀)."""

    carrier = models.ForeignKey(Carrier, verbose_name=_("载体"), on_delete=models.CASCADE, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("评价等级"), max_length=2, choices=Grade.choices)

    scope = ScopeRule(region="carrier__town", public=Q())

    class Meta:
        verbose_name = _("载体年度评价")
        verbose_name_plural = _("载体年度评价")
        ordering = ["carrier", "year"]
        constraints = [models.UniqueConstraint(fields=["carrier", "year"], name="carrier_eval_unique_year")]

    def __str__(self) -> str:
        return f"{self.carrier} {self.year} {self.grade}"
