"""Enterprises and their data, and the other organisations: universities/institutes, service agencies, banks."""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import PublicationStatus, Role
from kechuang.core.models import BaseModel
from kechuang.core.pii import EncryptedCharField
from kechuang.core.scope import READ, READ_WRITE, ScopeRule

from .choices import (CLASS_I_KINDS, Acquisition, FilingStatus, InstitutionKind, IPClass, IPKind, Level,
                      QualificationKind, QualificationStatus, RDInstitutionType)

MONEY = {"max_digits": 18, "decimal_places": 2}


class Enterprise(BaseModel):
    """An enterprise of the district, keyed by its unified social credit code."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=200, db_index=True)
    town = models.ForeignKey("regions.Region", verbose_name=_("所属镇街"), on_delete=models.PROTECT,
                             related_name="enterprises")
    industry = models.ForeignKey("regions.Industry", verbose_name=_("行业"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey("regions.HitechDomain", verbose_name=_("高新技术领域"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    founded_on = models.DateField(_("成立日期"))
    staff = models.PositiveIntegerField(_("职工人数"), default=0)
    above_size = models.BooleanField(_("规上企业"), default=False)
    legal_rep = models.CharField(_("法定代表人"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_phone = EncryptedCharField(_("联系电话"), max_plain_length=20)
    description = models.TextField(_("简介"), blank=True)

    scope = ScopeRule(region="town", enterprise="pk",
                      actions={Role.ENTERPRISE: frozenset({"view", "change"})})

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        indexes = [models.Index(fields=["town", "name"])]

    def __str__(self) -> str:
        return self.name


ENTERPRISE_CHILD = ScopeRule(region="enterprise__town", enterprise="enterprise")


class AnnualData(BaseModel):
    """One fiscal year of an enterprise's figures (money in yuan; staff as annual averages)."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="annual_data")
    year = models.PositiveSmallIntegerField(_("年度"))
    staff_total = models.PositiveIntegerField(_("职工总数"))
    staff_tech = models.PositiveIntegerField(_("科技人员数"))
    sales = models.DecimalField(_("销售收入"), **MONEY)
    total_income = models.DecimalField(_("收入总额"), **MONEY)
    non_taxable_income = models.DecimalField(_("不征税收入"), default=0, **MONEY)
    hitech_income = models.DecimalField(_("高新技术产品（服务）收入"), default=0, **MONEY)
    rd_expense = models.DecimalField(_("研发费用"), default=0, **MONEY)
    rd_domestic = models.DecimalField(_("境内研发费用"), default=0, **MONEY)
    net_assets = models.DecimalField(_("净资产"), default=0, **MONEY)
    total_assets = models.DecimalField(_("资产总额"), default=0, **MONEY)
    cost_expense_total = models.DecimalField(_("成本费用支出总额"), default=0, **MONEY)

    scope = ENTERPRISE_CHILD

    class Meta:
        verbose_name = _("企业年度数据")
        verbose_name_plural = _("企业年度数据")
        ordering = ["enterprise", "year"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="annual_data_unique_year")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"


class IPRecord(BaseModel):
    """An intellectual-property right held by an enterprise."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="ip_records")
    kind = models.CharField(_("类型"), max_length=20, choices=IPKind.choices)
    number = models.CharField(_("登记号/专利号"), max_length=40)
    title = models.CharField(_("名称"), max_length=200)
    acquisition = models.CharField(_("获得方式"), max_length=10, choices=Acquisition.choices, default=Acquisition.SELF)
    granted_on = models.DateField(_("授权日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    used_in_hte = models.BooleanField(_("已用于高企申报"), default=False)
    ipc = models.CharField(_("IPC分类"), max_length=8, blank=True)

    scope = ENTERPRISE_CHILD

    class Meta:
        verbose_name = _("知识产权")
        verbose_name_plural = _("知识产权")
        ordering = ["enterprise", "-granted_on"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "number"], name="ip_unique_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def ip_class(self) -> str:
        return IPClass.I if self.kind in CLASS_I_KINDS else IPClass.II

    def valid_on(self, day: dt.date) -> bool:
        return self.granted_on <= day and (self.expires_on is None or self.expires_on >= day)


class Qualification(BaseModel):
    """A rung of the ladder: startup filing, tech-SME registration, pool entry, HTE certificate, IP designation."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="qualifications")
    kind = models.CharField(_("资质类型"), max_length=20, choices=QualificationKind.choices, db_index=True)
    year = models.PositiveSmallIntegerField(_("年度"), help_text=_("科小：评价年度；培育库：入库批次年度；高企：发证年度"))
    number = models.CharField(_("证书/登记编号"), max_length=60, blank=True)
    batch = models.CharField(_("批次"), max_length=60, blank=True)
    issue_date = models.DateField(_("发证/入库日期"))
    expiry_date = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=QualificationStatus.choices,
                              default=QualificationStatus.VALID)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise",
                      actions={Role.ENTERPRISE: READ, Role.TOWN: READ})

    class Meta:
        verbose_name = _("企业资质")
        verbose_name_plural = _("企业资质")
        ordering = ["enterprise", "issue_date"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "kind", "year"], name="qualification_unique_year")]
        indexes = [models.Index(fields=["kind", "issue_date", "expiry_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"

    def valid_on(self, day: dt.date) -> bool:
        if self.status == QualificationStatus.REVOKED:
            return False
        return self.issue_date <= day and (self.expiry_date is None or day <= self.expiry_date)


def valid_on_q(day: dt.date, prefix: str = "") -> Q:
    """Qualifications valid on a day (as a filter), e.g. valid HTE certificates on the period's last day."""
    return (Q(**{f"{prefix}issue_date__lte": day})
            & (Q(**{f"{prefix}expiry_date__isnull": True}) | Q(**{f"{prefix}expiry_date__gte": day}))
            & ~Q(**{f"{prefix}status": QualificationStatus.REVOKED}))


class RDInstitution(BaseModel):
    """An enterprise R&D institution (技术中心, 研究院, 院士工作站 …) with the 'five haves' of a district filing."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("依托企业"), on_delete=models.CASCADE,
                                   related_name="rd_institutions")
    name = models.CharField(_("机构名称"), max_length=200)
    type = models.CharField(_("类型"), max_length=30, choices=RDInstitutionType.choices)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    approved_on = models.DateField(_("认定/备案日期"))
    site_area = models.DecimalField(_("研发场地面积（㎡）"), max_digits=12, decimal_places=2, default=0)
    equipment_value = models.DecimalField(_("研发设备原值"), default=0, **MONEY)
    staff = models.PositiveIntegerField(_("研发人员数"), default=0)
    investment = models.DecimalField(_("年度研发投入"), default=0, **MONEY)
    projects = models.PositiveIntegerField(_("在研项目数"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=FilingStatus.choices, default=FilingStatus.FILED)
    refusal_reason = models.TextField(_("不予备案原因"), blank=True)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise",
                      actions={Role.ENTERPRISE: frozenset({"view", "add"})})

    class Meta:
        verbose_name = _("企业研发机构")
        verbose_name_plural = _("企业研发机构")
        ordering = ["enterprise", "name"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name"], name="rd_institution_unique_name")]

    def __str__(self) -> str:
        return self.name


class Institution(BaseModel):
    """A university, research institute or new-type R&D institution (院校/院所)."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=InstitutionKind.choices, default=InstitutionKind.UNIVERSITY)
    region = models.ForeignKey("regions.Region", verbose_name=_("所在地"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("简介"), blank=True)

    scope = ScopeRule(institution="pk", public=Q(), actions={Role.EXPERT: frozenset({"view", "change"})})

    class Meta:
        verbose_name = _("高校/科研院所")
        verbose_name_plural = _("高校/科研院所")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceAgency(BaseModel):
    """A technology service agency (检验检测, 咨询, 知识产权 …); listed agencies may accept innovation vouchers."""

    name = models.CharField(_("机构名称"), max_length=200, unique=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    region = models.ForeignKey("regions.Region", verbose_name=_("所在地"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    industry = models.ForeignKey("regions.Industry", verbose_name=_("行业（GB/T 4754）"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    services = models.TextField(_("服务内容"), blank=True)
    qualifications = models.TextField(_("资质"), blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedCharField(_("联系电话"), max_plain_length=20)
    voucher_listed = models.BooleanField(_("创新券服务机构"), default=False)
    status = models.CharField(_("发布状态"), max_length=10, choices=PublicationStatus.choices,
                              default=PublicationStatus.PUBLISHED)

    scope = ScopeRule(agency="pk", public=Q(status=PublicationStatus.PUBLISHED),
                      actions={Role.AGENCY: frozenset({"view", "change"})})

    class Meta:
        verbose_name = _("科技服务机构")
        verbose_name_plural = _("科技服务机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Bank(BaseModel):
    """A partner bank (合作银行) of the risk pool and interest subsidies."""

    name = models.CharField(_("银行名称"), max_length=200, unique=True)
    branch = models.CharField(_("支行"), max_length=200, blank=True)

    scope = ScopeRule(bank="pk", public=Q(), actions={Role.BANK: READ})

    class Meta:
        verbose_name = _("合作银行")
        verbose_name_plural = _("合作银行")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
