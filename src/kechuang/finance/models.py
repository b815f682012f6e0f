"""Tech finance records: voucher programmes, applications, grants, orders and settlements; the immutable money
ledger; risk-pool funds and loans; interest-subsidy policies and batches; workflow events.

Money is Decimal in yuan (2 places). Balances are never stored: they are sums over `LedgerEntry`, the one place
where money moves. Ledger entries and workflow events are append-only (model, queryset, admin and database guards).
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Role
from kechuang.core.models import BaseModel
from kechuang.core.scope import READ, RestrictedQuerySet, ScopeRule
from kechuang.enterprises.models import MONEY

from .choices import (ApplicationStatus, BatchStatus, Book, ClaimStatus, DayCount, DocumentKind, EntryKind,
                      GrantStatus, LoanStatus, OrderStatus, Party, ProgrammeStatus, RelationKind, ServiceCategory)
from .engine.money import describe_tiers, parse_tiers

RATIO = {"max_digits": 9, "decimal_places": 6}
READ_ONLY_FOR_OTHERS = {Role.TOWN: READ, Role.ENTERPRISE: READ, Role.AGENCY: READ, Role.BANK: READ, Role.EXPERT: READ}


class ImmutableRecord(Exception):
    """Raised on any attempt to change or delete an append-only record (ledger entries, workflow events)."""


# ---------------------------------------------------------------------------------------------------- vouchers

class VoucherProgramme(BaseModel):
    """One year's innovation-voucher programme of a district: its budget and its rules, as data."""

    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("方案名称"), max_length=200)
    region = models.ForeignKey("regions.Region", verbose_name=_("主管辖区"), on_delete=models.PROTECT, related_name="+")
    budget = models.DecimalField(_("年度预算（元）"), **MONEY,
                                 help_text=_("下达的预算总额；每次下达都记入资金台账，本字段与台账核对"))
    annual_cap = models.DecimalField(_("每户年度上限（元）"), **MONEY)
    tiers = models.JSONField(_("分档补助比例"), default=list,
                             help_text=_('如 [{"upto": "50000", "ratio": "1"}, {"upto": null, "ratio": "0.5"}]'))
    holder_kinds = models.JSONField(_("申领对象"), default=list)
    categories = models.JSONField(_("支持的服务类别"), default=list)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期止"))
    grant_days = models.PositiveSmallIntegerField(_("创新券有效天数"), null=True, blank=True,
                                                  help_text=_("自发放日起的有效天数；留空则至方案有效期止"))
    publicity_days = models.PositiveSmallIntegerField(_("公示天数"), default=5)
    status = models.CharField(_("状态"), max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT)
    notes = models.TextField(_("说明"), blank=True)

    scope = ScopeRule(region="region", public=Q(status__in=[ProgrammeStatus.OPEN, ProgrammeStatus.CLOSED]),
                      actions={Role.TOWN: READ})

    class Meta:
        verbose_name = _("创新券方案")
        verbose_name_plural = _("创新券方案")
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="voucher_programme_one_per_year"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="voucher_programme_budget_nonneg"),
            models.CheckConstraint(condition=Q(annual_cap__gt=0), name="voucher_programme_cap_positive"),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="voucher_programme_dates"),
        ]

    def __str__(self) -> str:
        return self.name

    def grant_valid_until(self, granted_on):
        """A grant lapses after `grant_days` days (counting the grant day), and never after the programme."""
        import datetime as dt

        if self.grant_days:
            return min(self.valid_until, granted_on + dt.timedelta(days=self.grant_days - 1))
        return self.valid_until

    def tier_list(self):
        return parse_tiers(self.tiers)

    @property
    def tiers_text(self) -> str:
        return describe_tiers(self.tier_list())

    @property
    def holder_kinds_text(self) -> str:
        from .choices import HolderKind

        return "、".join(str(HolderKind(k).label) for k in self.holder_kinds if k in HolderKind.values)

    @property
    def categories_text(self) -> str:
        return "、".join(str(ServiceCategory(k).label) for k in self.categories if k in ServiceCategory.values)


class AgencyProfile(BaseModel):
    """What the voucher rules need to know about a listed agency: its legal representative and its categories."""

    agency = models.OneToOneField("enterprises.ServiceAgency", verbose_name=_("服务机构"), on_delete=models.CASCADE,
                                  related_name="voucher_profile")
    legal_rep = models.CharField(_("法定代表人"), max_length=50, blank=True)
    categories = models.JSONField(_("可承接的服务类别"), default=list, blank=True,
                                  help_text=_("留空表示不限"))

    scope = ScopeRule(region="agency__region", agency="agency", actions={Role.AGENCY: frozenset({"view", "change"}),
                                                                         Role.TOWN: READ})

    class Meta:
        verbose_name = _("创新券服务机构信息")
        verbose_name_plural = _("创新券服务机构信息")

    def __str__(self) -> str:
        return str(self.agency)


class AgencyRelation(BaseModel):
    """An explicit relation between an agency and an enterprise: such an agency may not serve that holder."""

    agency = models.ForeignKey("enterprises.ServiceAgency", verbose_name=_("服务机构"), on_delete=models.CASCADE,
                               related_name="voucher_relations")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="agency_relations")
    kind = models.CharField(_("关联类型"), max_length=20, choices=RelationKind.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise", agency="agency", actions=READ_ONLY_FOR_OTHERS)

    class Meta:
        verbose_name = _("机构与企业关联关系")
        verbose_name_plural = _("机构与企业关联关系")
        constraints = [models.UniqueConstraint(fields=["agency", "enterprise"], name="agency_relation_unique")]

    def __str__(self) -> str:
        return f"{self.agency} ↔ {self.enterprise}"


VOUCHER_SCOPE = ScopeRule(region="enterprise__town", enterprise="enterprise",
                          actions={Role.TOWN: READ, Role.ENTERPRISE: frozenset({"view", "add"})})


class VoucherApplication(BaseModel):
    """An enterprise's application for an innovation voucher in a programme."""

    programme = models.ForeignKey(VoucherProgramme, verbose_name=_("方案"), on_delete=models.PROTECT,
                                  related_name="applications")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT,
                                   related_name="voucher_applications")
    amount = models.DecimalField(_("申请额度（元）"), **MONEY)
    purpose = models.TextField(_("用途说明"), blank=True)
    categories = models.JSONField(_("拟购买的服务类别"), default=list, blank=True)
    applied_on = models.DateField(_("申请日期"))
    status = models.CharField(_("状态"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED)
    decided_on = models.DateField(_("审核日期"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)

    scope = VOUCHER_SCOPE

    class Meta:
        verbose_name = _("创新券申请")
        verbose_name_plural = _("创新券申请")
        ordering = ["-applied_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "enterprise"], condition=Q(status=ApplicationStatus.SUBMITTED),
                                    name="voucher_one_pending_application"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_application_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.programme.year}"


class VoucherGrant(BaseModel):
    """An innovation voucher granted to a holder: an amount it may spend at listed agencies until it expires."""

    application = models.OneToOneField(VoucherApplication, verbose_name=_("申请"), on_delete=models.PROTECT,
                                       related_name="grant")
    programme = models.ForeignKey(VoucherProgramme, verbose_name=_("方案"), on_delete=models.PROTECT,
                                  related_name="grants")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("持券企业"), on_delete=models.PROTECT,
                                   related_name="voucher_grants")
    amount = models.DecimalField(_("发放额度（元）"), **MONEY)
    granted_on = models.DateField(_("发放日期"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.ACTIVE)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise",
                      actions={Role.TOWN: READ, Role.ENTERPRISE: READ})

    class Meta:
        verbose_name = _("创新券")
        verbose_name_plural = _("创新券")
        ordering = ["-granted_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_grant_amount_positive")]
        indexes = [models.Index(fields=["status", "valid_until"])]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"CXQ{self.programme.year if self.programme_id else ''}-{self.pk or 0:06d}"


class VoucherOrder(BaseModel):
    """A service ordered with a listed agency against a grant; the subsidy is reserved on the grant."""

    grant = models.ForeignKey(VoucherGrant, verbose_name=_("创新券"), on_delete=models.PROTECT, related_name="orders")
    programme = models.ForeignKey(VoucherProgramme, verbose_name=_("方案"), on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT,
                                   related_name="voucher_orders")
    agency = models.ForeignKey("enterprises.ServiceAgency", verbose_name=_("服务机构"), on_delete=models.PROTECT,
                               related_name="voucher_orders")
    category = models.CharField(_("服务类别"), max_length=20, choices=ServiceCategory.choices)
    service = models.CharField(_("服务内容"), max_length=200)
    fee = models.DecimalField(_("服务金额（元）"), **MONEY)
    subsidy = models.DecimalField(_("预占创新券（元）"), **MONEY)
    approved_subsidy = models.DecimalField(_("核定兑付额（元）"), null=True, blank=True, **MONEY)
    status = models.CharField(_("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    ordered_on = models.DateField(_("下单日期"))
    delivered_on = models.DateField(_("服务完成日期"), null=True, blank=True)
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示截止"), null=True, blank=True)
    paid_on = models.DateField(_("兑付日期"), null=True, blank=True)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise", agency="agency",
                      actions={Role.TOWN: READ, Role.ENTERPRISE: frozenset({"view", "add"}), Role.AGENCY: READ})

    class Meta:
        verbose_name = _("创新券服务订单")
        verbose_name_plural = _("创新券服务订单")
        ordering = ["-ordered_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(fee__gt=0), name="voucher_order_fee_positive"),
            models.CheckConstraint(condition=Q(subsidy__gt=0) & Q(subsidy__lte=models.F("fee")),
                                   name="voucher_order_subsidy_within_fee"),
            models.CheckConstraint(condition=Q(approved_subsidy__isnull=True) | Q(approved_subsidy__lte=models.F("subsidy")),
                                   name="voucher_order_approved_within_reserved"),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"DD{self.pk or 0:06d} {self.service}"

    @property
    def number(self) -> str:
        return f"DD{self.pk or 0:06d}"


class SettlementClaim(BaseModel):
    """A settlement claim for a delivered order, with its documents; its idempotency key makes a resubmission a no-op."""

    order = models.ForeignKey(VoucherOrder, verbose_name=_("订单"), on_delete=models.PROTECT, related_name="claims")
    idempotency_key = models.CharField(_("幂等键"), max_length=64, unique=True,
                                       help_text=_("同一次提交重复发送时返回同一结算申请，不会重复结算"))
    invoice_amount = models.DecimalField(_("实际服务金额（元）"), **MONEY)
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED)
    review_note = models.TextField(_("审核意见"), blank=True)
    approved_amount = models.DecimalField(_("核定兑付额（元）"), null=True, blank=True, **MONEY)
    submitted_on = models.DateField(_("提交日期"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    scope = ScopeRule(region="order__enterprise__town", enterprise="order__enterprise", agency="order__agency",
                      actions={Role.TOWN: READ, Role.ENTERPRISE: frozenset({"view", "add"}),
                               Role.AGENCY: frozenset({"view", "add"})})

    class Meta:
        verbose_name = _("结算申请")
        verbose_name_plural = _("结算申请")
        ordering = ["-submitted_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(invoice_amount__gt=0), name="settlement_invoice_positive")]

    def __str__(self) -> str:
        return f"{self.order} #{self.pk}"


def claim_upload_to(instance, filename: str) -> str:
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"finance/claims/{instance.claim.order_id}/{uuid.uuid4().hex}.{ext}"


class ClaimDocument(BaseModel):
    """One document of a settlement claim: an uploaded file or a reference (e.g. an e-invoice number)."""

    claim = models.ForeignKey(SettlementClaim, verbose_name=_("结算申请"), on_delete=models.CASCADE,
                              related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=10, choices=DocumentKind.choices)
    file = models.FileField(_("文件"), upload_to=claim_upload_to, blank=True, max_length=300)
    name = models.CharField(_("文件名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    reference = models.CharField(_("编号或链接"), max_length=300, blank=True)

    scope = ScopeRule(region="claim__order__enterprise__town", enterprise="claim__order__enterprise",
                      agency="claim__order__agency", actions=READ_ONLY_FOR_OTHERS)

    class Meta:
        verbose_name = _("结算材料")
        verbose_name_plural = _("结算材料")
        ordering = ["claim", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name or self.reference}"


class VoucherPublicity(BaseModel):
    """A settlement under public notice (公示): what anyone may read about it."""

    order = models.OneToOneField(VoucherOrder, verbose_name=_("订单"), on_delete=models.PROTECT, related_name="publicity")
    programme = models.ForeignKey(VoucherProgramme, verbose_name=_("方案"), on_delete=models.PROTECT, related_name="+")
    enterprise_name = models.CharField(_("企业"), max_length=200)
    agency_name = models.CharField(_("服务机构"), max_length=200)
    category = models.CharField(_("服务类别"), max_length=20, choices=ServiceCategory.choices)
    service = models.CharField(_("服务内容"), max_length=200)
    amount = models.DecimalField(_("拟兑付金额（元）"), **MONEY)
    start = models.DateField(_("公示开始"))
    end = models.DateField(_("公示截止"))
    withdrawn = models.BooleanField(_("已撤销"), default=False)

    scope = ScopeRule(region="programme__region", public=Q(withdrawn=False), actions=READ_ONLY_FOR_OTHERS)

    class Meta:
        verbose_name = _("创新券兑付公示")
        verbose_name_plural = _("创新券兑付公示")
        ordering = ["-start", "-pk"]

    def __str__(self) -> str:
        return f"{self.enterprise_name} {self.amount}"


# ---------------------------------------------------------------------------------------------------- risk pool

class RiskPoolFund(BaseModel):
    """A risk-pool fund: its partner banks, how a loss is shared (city : district : bank) and who may borrow."""

    name = models.CharField(_("名称"), max_length=200)
    region = models.ForeignKey("regions.Region", verbose_name=_("主管辖区"), on_delete=models.PROTECT, related_name="+")
    banks = models.ManyToManyField("enterprises.Bank", verbose_name=_("合作银行"), related_name="risk_pools", blank=True)
    city_share = models.DecimalField(_("市级分担份额"), max_digits=9, decimal_places=4, default=Decimal("4"))
    district_share = models.DecimalField(_("区级分担份额"), max_digits=9, decimal_places=4, default=Decimal("4"))
    bank_share = models.DecimalField(_("银行分担份额"), max_digits=9, decimal_places=4, default=Decimal("2"))
    remainder_party = models.CharField(_("分担尾差承担方"), max_length=10, choices=Party.choices, default=Party.DISTRICT,
                                       help_text=_("按份额分摊到分后剩余的尾差由该方承担，保证合计恰等于损失"))
    holder_kinds = models.JSONField(_("准入资质"), default=list, blank=True, help_text=_("如 [\"startup\"]；留空不限"))
    max_age_years = models.PositiveSmallIntegerField(_("成立年限上限（年）"), null=True, blank=True, default=5)
    max_loan = models.DecimalField(_("单户贷款上限（元）"), **MONEY)
    active = models.BooleanField(_("受理中"), default=True)

    scope = ScopeRule(region="region", bank="banks", public=Q(active=True), actions=READ_ONLY_FOR_OTHERS)

    class Meta:
        verbose_name = _("风险池基金")
        verbose_name_plural = _("风险池基金")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(
            condition=Q(city_share__gte=0) & Q(district_share__gte=0) & Q(bank_share__gte=0), name="risk_pool_shares_nonneg")]

    def __str__(self) -> str:
        return self.name

    @property
    def shares(self) -> dict[str, Decimal]:
        return {Party.CITY: self.city_share, Party.DISTRICT: self.district_share, Party.BANK: self.bank_share}

    @property
    def shares_text(self) -> str:
        return " : ".join(f"{v.normalize():f}" for v in self.shares.values())


class Loan(BaseModel):
    """A risk-pool loan, from the application to settlement or compensation."""

    fund = models.ForeignKey(RiskPoolFund, verbose_name=_("风险池"), on_delete=models.PROTECT, related_name="loans")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT,
                                   related_name="risk_pool_loans")
    bank = models.ForeignKey("enterprises.Bank", verbose_name=_("贷款银行"), on_delete=models.PROTECT, related_name="loans")
    amount_requested = models.DecimalField(_("申请金额（元）"), **MONEY)
    term_requested = models.PositiveSmallIntegerField(_("申请期限（月）"))
    purpose = models.TextField(_("贷款用途"), blank=True)
    applied_on = models.DateField(_("申请日期"))
    status = models.CharField(_("状态"), max_length=12, choices=LoanStatus.choices, default=LoanStatus.SUBMITTED)
    check_note = models.TextField(_("初审意见"), blank=True)
    assess_note = models.TextField(_("银行评估意见"), blank=True)
    approved_limit = models.DecimalField(_("审批额度（元）"), null=True, blank=True, **MONEY)
    rate = models.DecimalField(_("年利率"), null=True, blank=True, **RATIO, help_text=_("如 0.0365 表示 3.65%"))
    term_months = models.PositiveSmallIntegerField(_("期限（月）"), null=True, blank=True)
    approved_on = models.DateField(_("审批日期"), null=True, blank=True)
    disbursed_on = models.DateField(_("放款日期"), null=True, blank=True)
    maturity_date = models.DateField(_("到期日"), null=True, blank=True)
    overdue_since = models.DateField(_("逾期日期"), null=True, blank=True)
    defaulted_on = models.DateField(_("违约认定日期"), null=True, blank=True)
    compensated_on = models.DateField(_("代偿日期"), null=True, blank=True)
    settled_on = models.DateField(_("结清日期"), null=True, blank=True)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise", bank="bank",
                      actions={Role.TOWN: READ, Role.ENTERPRISE: frozenset({"view", "add"}), Role.BANK: READ})

    class Meta:
        verbose_name = _("风险池贷款")
        verbose_name_plural = _("风险池贷款")
        ordering = ["-applied_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(condition=Q(approved_limit__isnull=True) | Q(approved_limit__gt=0), name="loan_limit_positive"),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["approved_on"])]

    def __str__(self) -> str:
        return f"{self.number} {self.enterprise}"

    @property
    def number(self) -> str:
        return f"FXC{self.pk or 0:06d}"


# ---------------------------------------------------------------------------------------------------- subsidy

class SubsidyPolicy(BaseModel):
    """A year's loan-interest subsidy policy: the ratio, the day-count basis, the per-enterprise cap."""

    region = models.ForeignKey("regions.Region", verbose_name=_("主管辖区"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("贴息年度"))
    name = models.CharField(_("名称"), max_length=200)
    ratio = models.DecimalField(_("贴息比例"), **RATIO, help_text=_("如 0.5 表示按利息的50%贴息"))
    day_count = models.PositiveSmallIntegerField(_("计息基础（天）"), choices=DayCount.choices, default=DayCount.D360)
    cap_per_enterprise = models.DecimalField(_("每户年度贴息上限（元）"), **MONEY)
    rate_cap = models.DecimalField(_("贴息利率上限"), null=True, blank=True, **RATIO,
                                   help_text=_("如 0.0345（一年期LPR）；贷款利率高于此值时按此值计算，留空不限"))

    scope = ScopeRule(region="region", actions=READ_ONLY_FOR_OTHERS)

    class Meta:
        verbose_name = _("贴息政策")
        verbose_name_plural = _("贴息政策")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="subsidy_policy_one_per_year"),
            models.CheckConstraint(condition=Q(ratio__gt=0) & Q(ratio__lte=1), name="subsidy_ratio_range"),
        ]

    def __str__(self) -> str:
        return self.name


class SubsidyBatch(BaseModel):
    """The yearly batch of interest subsidies computed under a policy, submitted for approval and then paid."""

    policy = models.OneToOneField(SubsidyPolicy, verbose_name=_("贴息政策"), on_delete=models.PROTECT, related_name="batch")
    status = models.CharField(_("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    computed_on = models.DateField(_("测算日期"), null=True, blank=True)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)

    scope = ScopeRule(region="policy__region", actions={Role.TOWN: READ})

    class Meta:
        verbose_name = _("贴息批次")
        verbose_name_plural = _("贴息批次")
        ordering = ["-policy__year"]

    def __str__(self) -> str:
        return f"{self.policy.year} {self.policy.name}"


class SubsidyLine(BaseModel):
    """One loan-period line: a span of days with a constant principal and its subsidy, rounded once to the fen."""

    batch = models.ForeignKey(SubsidyBatch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="lines")
    loan = models.ForeignKey(Loan, verbose_name=_("贷款"), on_delete=models.PROTECT, related_name="subsidy_lines")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("enterprises.Bank", verbose_name=_("银行"), on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("起息日"))
    end = models.DateField(_("止息日（不含）"))
    days = models.PositiveIntegerField(_("天数"))
    principal = models.DecimalField(_("本金（元）"), **MONEY)
    rate = models.DecimalField(_("计算利率"), **RATIO)
    basis = models.PositiveSmallIntegerField(_("计息基础"))
    ratio = models.DecimalField(_("贴息比例"), **RATIO)
    amount = models.DecimalField(_("贴息额（元）"), **MONEY)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise", bank="bank", actions=READ_ONLY_FOR_OTHERS)

    class Meta:
        verbose_name = _("贴息明细")
        verbose_name_plural = _("贴息明细")
        ordering = ["batch", "enterprise", "loan", "start"]


class SubsidyAward(BaseModel):
    """One enterprise's subsidy in a batch: the sum of its lines, capped."""

    batch = models.ForeignKey(SubsidyBatch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="awards")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT,
                                   related_name="interest_subsidies")
    lines_total = models.DecimalField(_("明细合计（元）"), **MONEY)
    cap = models.DecimalField(_("上限（元）"), **MONEY)
    amount = models.DecimalField(_("核定贴息额（元）"), **MONEY)

    scope = ScopeRule(region="enterprise__town", enterprise="enterprise", actions=READ_ONLY_FOR_OTHERS)

    class Meta:
        verbose_name = _("企业贴息")
        verbose_name_plural = _("企业贴息")
        ordering = ["batch", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "enterprise"], name="subsidy_award_unique"),
            models.CheckConstraint(condition=Q(amount__lte=models.F("cap")) & Q(amount__lte=models.F("lines_total")),
                                   name="subsidy_award_capped"),
        ]


# ---------------------------------------------------------------------------------------------------- ledger

class AppendOnlyQuerySet(RestrictedQuerySet):
    """Bulk update and delete are refused: ledger entries and workflow events are never changed."""

    def update(self, **kwargs):
        raise ImmutableRecord(f"{self.model.__name__} 记录不可修改")

    def delete(self):
        raise ImmutableRecord(f"{self.model.__name__} 记录不可删除")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableRecord(f"{self.model.__name__} 记录不可修改")

    def update_or_create(self, *args, **kwargs):
        raise ImmutableRecord(f"{self.model.__name__} 记录不可修改")


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


class AppendOnly(models.Model):
    """Rows that are written once: save() of an existing row and delete() raise ImmutableRecord.

    Not a BaseModel on purpose: an append-only table is its own history, so it needs no change log.
    """

    objects = AppendOnlyManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding or self.pk is not None:
            raise ImmutableRecord(f"{type(self).__name__} 记录不可修改")
        kwargs.pop("force_update", None)
        kwargs.pop("force_insert", None)
        super().save(*args, force_insert=True, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(f"{type(self).__name__} 记录不可删除")


class LedgerEntry(AppendOnly):
    """One movement of money (always a positive amount; its kind says which balances it moves).

    The value date is when the money moved in business terms (indicators and subsidies use it); `created_at` is when
    it was recorded. A unique idempotency key makes a repeated payment impossible.
    """

    book = models.CharField(_("账簿"), max_length=10, choices=Book.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=EntryKind.choices)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    value_date = models.DateField(_("业务日期"))
    programme = models.ForeignKey(VoucherProgramme, verbose_name=_("方案"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="ledger")
    grant = models.ForeignKey(VoucherGrant, verbose_name=_("创新券"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="ledger")
    order = models.ForeignKey(VoucherOrder, verbose_name=_("订单"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="ledger")
    fund = models.ForeignKey(RiskPoolFund, verbose_name=_("风险池"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="ledger")
    loan = models.ForeignKey(Loan, verbose_name=_("贷款"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="ledger")
    batch = models.ForeignKey(SubsidyBatch, verbose_name=_("贴息批次"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="ledger")
    party = models.CharField(_("分担方"), max_length=10, choices=Party.choices, blank=True)
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("enterprises.ServiceAgency", verbose_name=_("服务机构"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("enterprises.Bank", verbose_name=_("银行"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+",
                               help_text=_("企业所在镇街，或方案/风险池的主管辖区"))
    idempotency_key = models.CharField(_("幂等键"), max_length=80, null=True, blank=True, unique=True)
    memo = models.CharField(_("摘要"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True)

    scope = ScopeRule(region="region", enterprise="enterprise", agency="agency", bank="bank",
                      actions={Role.BUREAU: READ, Role.AUDITOR: READ, **READ_ONLY_FOR_OTHERS})

    class Meta:
        verbose_name = _("资金台账")
        verbose_name_plural = _("资金台账")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive")]
        indexes = [models.Index(fields=["book", "kind", "value_date"]), models.Index(fields=["programme", "kind"]),
                   models.Index(fields=["grant", "kind"]), models.Index(fields=["loan", "kind"])]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.amount}"


class FlowEvent(AppendOnly):
    """One workflow transition: who did what, from which state to which, when, and why."""

    flow = models.CharField(_("流程"), max_length=20)
    object_id = models.PositiveBigIntegerField(_("对象"))
    from_state = models.CharField(_("原状态"), max_length=12, blank=True)
    action = models.CharField(_("操作"), max_length=20)
    to_state = models.CharField(_("新状态"), max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(_("角色"), max_length=12)
    note = models.TextField(_("说明"), blank=True)
    on = models.DateField(_("业务日期"))
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("enterprises.ServiceAgency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("enterprises.Bank", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")

    scope = ScopeRule(region="region", enterprise="enterprise", agency="agency", bank="bank",
                      actions={Role.BUREAU: READ, Role.AUDITOR: READ, **READ_ONLY_FOR_OTHERS})

    class Meta:
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")
        ordering = ["pk"]
        indexes = [models.Index(fields=["flow", "object_id"])]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.flow}#{self.object_id} {self.from_state}→{self.to_state}"
