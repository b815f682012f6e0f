"""The technology marketplace: four libraries (achievements, problems, experts; agencies live in `enterprises`),
the problem → answer → deal → contract workflow, brokers, expert visits and the event log of every transition.

Money is Decimal in yuan. Every listing has the shared publication states (draft → review → published → closed);
the workflows' states and transitions are declared once in `workflow.py`.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import PublicationStatus, Role
from kechuang.core.models import BaseModel
from kechuang.core.scope import READ, READ_WRITE, RestrictedManager

from .choices import (AnswerStatus, ContractStatus, ContractType, Cooperation, DealStatus, IPType, Maturity,
                      RoutingStatus, VisitStatus)
from .scope import MarketScope

MONEY = {"max_digits": 18, "decimal_places": 2}
PUBLISHED = Q(status=PublicationStatus.PUBLISHED)


def _status_field():
    return models.CharField(_("发布状态"), max_length=10, choices=PublicationStatus.choices,
                            default=PublicationStatus.DRAFT, db_index=True)


class Broker(BaseModel):
    """A technology broker (技术经纪人): a user who routes problems to experts and owns deals."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                                related_name="broker_profile")
    name = models.CharField(_("姓名"), max_length=50)
    organisation = models.CharField(_("所在机构"), max_length=200, blank=True)
    certificate_no = models.CharField(_("技术经纪人证书编号"), max_length=60, blank=True)
    region = models.ForeignKey("regions.Region", verbose_name=_("服务区域"), on_delete=models.PROTECT,
                               related_name="+")
    active = models.BooleanField(_("在册"), default=True)

    scope = MarketScope(region="region", owner="user", actions={Role.TOWN: READ})

    class Meta:
        verbose_name = _("技术经纪人")
        verbose_name_plural = _("技术经纪人")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Expert(BaseModel):
    """A researcher of the talent pool (人才库). Contact details are private: the bureau and the expert only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("登录用户"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="expert_profile")
    name = models.CharField(_("姓名"), max_length=50)
    institution = models.ForeignKey("enterprises.Institution", verbose_name=_("所属院校/院所"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="experts")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("所属企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="experts",
                                   help_text=_("企业专家（如高企技术负责人）所在企业；签约时为卖方"))
    title = models.CharField(_("职称"), max_length=50, blank=True)
    fields = models.CharField(_("研究领域"), max_length=300, blank=True)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    bio = models.TextField(_("简介"), blank=True)
    domain = models.ForeignKey("regions.HitechDomain", verbose_name=_("高新技术领域"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    status = _status_field()
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    # Experts are not tied to a district: the bureau sees the whole pool; an expert sees and edits itself.
    scope = MarketScope(expert="pk", owner=("user", "posted_by"), public=PUBLISHED,
                        actions={Role.EXPERT: frozenset({"view", "change"}), Role.TOWN: READ,
                                 Role.ENTERPRISE: READ})

    class Meta:
        verbose_name = _("专家")
        verbose_name_plural = _("专家")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["institution", "name"]), models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def organisation(self) -> str:
        return str(self.institution or self.enterprise or "")


class Achievement(BaseModel):
    """A technology achievement (技术成果) offered by a university, institute or enterprise."""

    title = models.CharField(_("成果名称"), max_length=200)
    description = models.TextField(_("成果简介"))
    owner_institution = models.ForeignKey("enterprises.Institution", verbose_name=_("权属院校/院所"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="achievements")
    owner_enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("权属企业"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="achievements")
    region = models.ForeignKey("regions.Region", verbose_name=_("登记区域"), on_delete=models.PROTECT,
                               related_name="+", help_text=_("权属企业所在镇街；院校成果为本局辖区"))
    domain = models.ForeignKey("regions.HitechDomain", verbose_name=_("高新技术领域"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    maturity = models.CharField(_("成熟度"), max_length=12, choices=Maturity.choices, default=Maturity.LAB)
    ip_type = models.CharField(_("知识产权类型"), max_length=16, choices=IPType.choices, default=IPType.NONE)
    cooperation = models.CharField(_("合作方式"), max_length=12, choices=Cooperation.choices,
                                   default=Cooperation.TRANSFER)
    price = models.DecimalField(_("价格（元）"), null=True, blank=True, **MONEY)
    price_negotiable = models.BooleanField(_("面议"), default=False)
    international = models.BooleanField(_("国际合作"), default=False)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    status = _status_field()
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)

    scope = MarketScope(region="region", enterprise="owner_enterprise", institution="owner_institution",
                        owner="posted_by", public=PUBLISHED, actions={Role.TOWN: READ})

    class Meta:
        verbose_name = _("技术成果")
        verbose_name_plural = _("技术成果")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner_institution", "title"], name="achievement_unique_inst_title",
                                    condition=Q(owner_institution__isnull=False)),
            models.UniqueConstraint(fields=["owner_enterprise", "title"], name="achievement_unique_ent_title",
                                    condition=Q(owner_enterprise__isnull=False)),
            models.CheckConstraint(condition=Q(owner_institution__isnull=False) | Q(owner_enterprise__isnull=False),
                                   name="achievement_has_owner"),
        ]
        indexes = [models.Index(fields=["status", "updated_at"]), models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def owner(self):
        return self.owner_institution or self.owner_enterprise


class ExpertVisit(BaseModel):
    """An expert visit to an enterprise (技术问诊); its findings can become a problem (Demand)."""

    expert = models.ForeignKey(Expert, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="visits")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT,
                                   related_name="expert_visits")
    visit_date = models.DateField(_("问诊日期"))
    findings = models.TextField(_("问诊发现"))
    status = models.CharField(_("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.RECORDED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    scope = MarketScope(region="enterprise__town", enterprise="enterprise", expert="expert", owner="recorded_by",
                        actions={Role.ENTERPRISE: READ, Role.EXPERT: READ})

    class Meta:
        verbose_name = _("技术问诊")
        verbose_name_plural = _("技术问诊")
        ordering = ["-visit_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.expert} → {self.enterprise} {self.visit_date}"


class Demand(BaseModel):
    """A technical problem (技术难题) posted by or for an enterprise."""

    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT,
                                   related_name="demands")
    title = models.CharField(_("难题名称"), max_length=200)
    description = models.TextField(_("难题描述"))
    budget = models.DecimalField(_("预算（元）"), null=True, blank=True, **MONEY)
    deadline = models.DateField(_("期望解决日期"), null=True, blank=True)
    domain = models.ForeignKey("regions.HitechDomain", verbose_name=_("高新技术领域"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    cooperation = models.CharField(_("期望合作方式"), max_length=12, choices=Cooperation.choices,
                                   default=Cooperation.JOINT)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    status = _status_field()
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    broker = models.ForeignKey(Broker, verbose_name=_("技术经纪人"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="demands")
    visit = models.ForeignKey(ExpertVisit, verbose_name=_("来源问诊"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="demands")
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)

    # Experts see the problems routed to them (and published ones); the poster and the broker see theirs.
    scope = MarketScope(region="enterprise__town", enterprise="enterprise", expert="routings__expert",
                        owner=("posted_by", "broker__user"), public=PUBLISHED,
                        actions={Role.EXPERT: READ})

    class Meta:
        verbose_name = _("技术难题")
        verbose_name_plural = _("技术难题")
        ordering = ["-updated_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "title"], name="demand_unique_title")]
        indexes = [models.Index(fields=["status", "updated_at"]), models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return self.title


class Routing(BaseModel):
    """A problem routed to one expert by the bureau or a broker."""

    demand = models.ForeignKey(Demand, verbose_name=_("难题"), on_delete=models.CASCADE, related_name="routings")
    expert = models.ForeignKey(Expert, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="routings")
    status = models.CharField(_("状态"), max_length=10, choices=RoutingStatus.choices, default=RoutingStatus.ROUTED)
    note = models.CharField(_("推送说明"), max_length=500, blank=True)
    routed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("推送人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    scope = MarketScope(region="demand__enterprise__town", enterprise="demand__enterprise", expert="expert",
                        owner="demand__broker__user", actions={Role.ENTERPRISE: READ, Role.EXPERT: READ})

    class Meta:
        verbose_name = _("难题推送")
        verbose_name_plural = _("难题推送")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["demand", "expert"], name="routing_unique_expert")]

    def __str__(self) -> str:
        return f"{self.demand} → {self.expert}"


class Answer(BaseModel):
    """An expert's answer (解决方案) to a routed problem."""

    demand = models.ForeignKey(Demand, verbose_name=_("难题"), on_delete=models.CASCADE, related_name="answers")
    expert = models.ForeignKey(Expert, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="answers")
    routing = models.OneToOneField(Routing, verbose_name=_("推送"), on_delete=models.CASCADE, related_name="answer")
    summary = models.CharField(_("方案摘要"), max_length=200)
    proposal = models.TextField(_("解决方案"))
    quote = models.DecimalField(_("报价（元）"), null=True, blank=True, **MONEY)
    duration_days = models.PositiveIntegerField(_("预计周期（天）"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=AnswerStatus.choices, default=AnswerStatus.SUBMITTED)

    scope = MarketScope(region="demand__enterprise__town", enterprise="demand__enterprise", expert="expert",
                        owner="demand__broker__user",
                        actions={Role.ENTERPRISE: frozenset({"view", "change"}), Role.TOWN: READ})

    class Meta:
        verbose_name = _("专家答复")
        verbose_name_plural = _("专家答复")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.summary


class Deal(BaseModel):
    """A deal (成交项目) negotiated by a broker: from a selected answer or an achievement to a contract."""

    broker = models.ForeignKey(Broker, verbose_name=_("技术经纪人"), on_delete=models.PROTECT, related_name="deals")
    title = models.CharField(_("项目名称"), max_length=200)
    demand = models.ForeignKey(Demand, verbose_name=_("难题"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="deals")
    answer = models.ForeignKey(Answer, verbose_name=_("选定答复"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="deals")
    achievement = models.ForeignKey(Achievement, verbose_name=_("技术成果"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="deals")
    seller_enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("卖方企业"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="deals_sold")
    seller_institution = models.ForeignKey("enterprises.Institution", verbose_name=_("卖方院校/院所"), null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="deals_sold")
    buyer_enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("买方企业"), on_delete=models.PROTECT,
                                         related_name="deals_bought")
    status = models.CharField(_("状态"), max_length=12, choices=DealStatus.choices, default=DealStatus.OPEN)
    commission = models.DecimalField(_("经纪佣金（元）"), null=True, blank=True, **MONEY)
    commission_rule = models.ForeignKey("CommissionRule", verbose_name=_("佣金规则"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("备注"), blank=True)

    scope = MarketScope(region=("buyer_enterprise__town", "seller_enterprise__town"),
                        enterprise=("buyer_enterprise", "seller_enterprise"), expert="answer__expert",
                        owner="broker__user",
                        actions={Role.ENTERPRISE: READ, Role.EXPERT: READ, Role.TOWN: READ})

    class Meta:
        verbose_name = _("成交项目")
        verbose_name_plural = _("成交项目")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def seller(self):
        return self.seller_enterprise or self.seller_institution


class TechContract(BaseModel):
    """A technology contract (技术合同) and its 认定登记 (RULES §3): only registered contracts count."""

    deal = models.ForeignKey(Deal, verbose_name=_("成交项目"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="contracts")
    title = models.CharField(_("合同名称"), max_length=200)
    type = models.CharField(_("合同类型"), max_length=12, choices=ContractType.choices)
    seller_enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("卖方企业"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="contracts_sold")
    seller_institution = models.ForeignKey("enterprises.Institution", verbose_name=_("卖方院校/院所"), null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="contracts_sold")
    buyer_enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("买方企业"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="contracts_bought")
    buyer_name = models.CharField(_("买方名称"), max_length=200, blank=True)
    contract_total = models.DecimalField(_("合同成交总额（元）"), **MONEY)
    tech_amount = models.DecimalField(_("技术交易额（元）"), **MONEY,
                                      help_text=_("扣除设备、原材料等非技术性费用后的金额；登记时核定"))
    signed_on = models.DateField(_("签订日期"))
    status = models.CharField(_("登记状态"), max_length=12, choices=ContractStatus.choices,
                              default=ContractStatus.SUBMITTED, db_index=True)
    registration_no = models.CharField(_("登记编号"), max_length=40, blank=True)
    registration_date = models.DateField(_("登记日期"), null=True, blank=True, db_index=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    rejection_reason = models.CharField(_("未予登记原因"), max_length=500, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    scope = MarketScope(region=("seller_enterprise__town", "buyer_enterprise__town"),
                        enterprise=("seller_enterprise", "buyer_enterprise"), institution="seller_institution",
                        expert="deal__answer__expert", owner=("deal__broker__user", "submitted_by"),
                        actions={Role.ENTERPRISE: READ, Role.EXPERT: READ, Role.TOWN: READ})

    class Meta:
        verbose_name = _("技术合同")
        verbose_name_plural = _("技术合同")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["registration_no"], name="contract_unique_registration_no",
                                    condition=~Q(registration_no="")),
            models.CheckConstraint(condition=Q(tech_amount__lte=models.F("contract_total")),
                                   name="contract_tech_amount_within_total"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def seller(self):
        return self.seller_enterprise or self.seller_institution

    @property
    def buyer(self):
        return self.buyer_enterprise or self.buyer_name


class CommissionRule(BaseModel):
    """A broker commission rule (versioned: the rule valid on the registration date applies)."""

    name = models.CharField(_("规则名称"), max_length=100)
    rate = models.DecimalField(_("佣金比例"), max_digits=7, decimal_places=6, help_text=_("如 0.01 表示 1%"))
    cap = models.DecimalField(_("封顶金额（元）"), null=True, blank=True, **MONEY)
    valid_from = models.DateField(_("生效日期"))

    scope = MarketScope(public=Q())

    class Meta:
        verbose_name = _("佣金规则")
        verbose_name_plural = _("佣金规则")
        ordering = ["-valid_from", "-pk"]

    def __str__(self) -> str:
        return self.name


class MarketEvent(models.Model):
    """One transition of a marketplace workflow (who, when, from which state to which, why).

    Events inherit the scope of their object: read them only through `selectors.events_for(obj)` after the object
    itself was fetched in scope."""

    workflow = models.CharField(_("流程"), max_length=20)
    object_id = models.PositiveBigIntegerField(_("对象"))
    action = models.CharField(_("操作"), max_length=20)
    from_state = models.CharField(_("原状态"), max_length=12, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    actor_role = models.CharField(_("操作身份"), max_length=12, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = RestrictedManager()
    scope = MarketScope(owner="actor")

    class Meta:
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["workflow", "object_id"])]

    def __str__(self) -> str:
        return f"{self.workflow}#{self.object_id} {self.action}"


__all__ = ["Achievement", "Answer", "Broker", "CommissionRule", "Deal", "Demand", "Expert", "ExpertVisit",
           "MarketEvent", "Routing", "TechContract", "READ_WRITE"]
