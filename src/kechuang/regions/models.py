"""Administrative divisions and the reference lists (industries, high-tech domains, IPC)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.core.scope import RestrictedManager, ScopeRule

from .choices import RegionLevel

PUBLIC = ScopeRule(public=models.Q())


class Region(models.Model):
    """A province, city, district or town, keyed by its statistical division code (6 digits, 9 for towns)."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")

    objects = RestrictedManager()
    scope = PUBLIC

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        names, node = [], self
        while node is not None and node.level != RegionLevel.PROVINCE:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class Industry(models.Model):
    """GB/T 4754-2017 industry classification, all four levels (门类, 大类, 中类, 小类)."""

    code = models.CharField(_("行业代码"), max_length=5, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    remark = models.TextField(_("说明"), blank=True)

    objects = RestrictedManager()
    scope = PUBLIC

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class HitechDomain(models.Model):
    """《国家重点支持的高新技术领域》 (2016), three levels."""

    code = models.CharField(_("领域代码"), max_length=8, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")

    objects = RestrictedManager()
    scope = PUBLIC

    class Meta:
        verbose_name = _("高新技术领域")
        verbose_name_plural = _("高新技术领域")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def top_level(self) -> str:
        return self.code[:2]


class IPCClass(models.Model):
    """IPC 2026.01 sections, classes and subclasses."""

    code = models.CharField(_("IPC代码"), max_length=8, primary_key=True)
    level = models.CharField(_("层级"), max_length=10)
    title = models.TextField(_("名称"))

    objects = RestrictedManager()
    scope = PUBLIC

    class Meta:
        verbose_name = _("国际专利分类")
        verbose_name_plural = _("国际专利分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
