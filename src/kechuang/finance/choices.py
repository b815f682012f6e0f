"""Choices of tech finance: programme rules, workflow states, ledger movements."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("受理中")
    CLOSED = "closed", _("已结束")


class HolderKind(models.TextChoices):
    """Who may hold vouchers: the qualification kinds of enterprises.Qualification."""

    TSME = "tsme", _("科技型中小企业（当年有效）")
    STARTUP = "startup", _("创新型初创企业（已备案）")
    POOL = "pool", _("高新技术企业培育库在库企业")
    HTE = "hte", _("高新技术企业")


class ServiceCategory(models.TextChoices):
    TESTING = "testing", _("检验检测")
    JOINT_RD = "joint_rd", _("合作研发")
    CONSULTING = "consulting", _("技术咨询")
    DESIGN = "design", _("工业设计")
    INSTRUMENT = "instrument", _("大型仪器共享")
    IP = "ip", _("知识产权服务")
    STANDARD = "standard", _("标准化服务")
    TRANSFER = "transfer", _("技术转移")


class RelationKind(models.TextChoices):
    SAME_LEGAL_REP = "same_legal_rep", _("同一法定代表人")
    SHAREHOLDING = "shareholding", _("持股或投资关系")
    SAME_GROUP = "same_group", _("同一集团")
    KIN = "kin", _("主要负责人亲属关系")
    OTHER = "other", _("其他关联关系")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


class GrantStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    EXPIRED = "expired", _("已过期")
    CANCELLED = "cancelled", _("已取消")


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("待机构确认")
    CONFIRMED = "confirmed", _("服务中")
    DECLINED = "declined", _("机构已拒单")
    DELIVERED = "delivered", _("服务已完成")
    CLAIMED = "claimed", _("结算审核中")
    APPROVED = "approved", _("审核通过待公示")
    PUBLISHED = "published", _("公示中")
    PAID = "paid", _("已兑付")
    REJECTED = "rejected", _("结算不予通过")
    CANCELLED = "cancelled", _("已取消")


# Orders whose service has been delivered keep their reservation when the grant expires (they may still settle).
ORDER_EARLY = (OrderStatus.PLACED, OrderStatus.CONFIRMED)
ORDER_SETTLING = (OrderStatus.DELIVERED, OrderStatus.CLAIMED, OrderStatus.APPROVED, OrderStatus.PUBLISHED)


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("退回补正")
    REJECTED = "rejected", _("不予通过")


class DocumentKind(models.TextChoices):
    CONTRACT = "contract", _("服务合同")
    INVOICE = "invoice", _("发票")
    PAYMENT = "payment", _("支付凭证")
    REPORT = "report", _("服务结果报告")


class Party(models.TextChoices):
    CITY = "city", _("市级风险池")
    DISTRICT = "district", _("区级风险池")
    BANK = "bank", _("合作银行")


class LoanStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待区级初审")
    CHECKED = "checked", _("初审通过待银行评估")
    ASSESSED = "assessed", _("银行评估通过待审批")
    APPROVED = "approved", _("已审批待放款")
    DISBURSED = "disbursed", _("在贷")
    OVERDUE = "overdue", _("逾期")
    SETTLED = "settled", _("已结清")
    DEFAULTED = "defaulted", _("已违约")
    COMPENSATED = "compensated", _("已代偿")
    REJECTED = "rejected", _("初审未通过")
    DECLINED = "declined", _("银行不予贷款")
    WITHDRAWN = "withdrawn", _("已撤回")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("测算中")
    SUBMITTED = "submitted", _("已报审")
    APPROVED = "approved", _("已批准")
    PAID = "paid", _("已拨付")


class DayCount(models.IntegerChoices):
    D360 = 360, _("360天")
    D365 = 365, _("365天")


class Book(models.TextChoices):
    VOUCHER = "voucher", _("创新券")
    LOAN = "loan", _("风险池贷款")
    SUBSIDY = "subsidy", _("贷款贴息")


class EntryKind(models.TextChoices):
    BUDGET = "budget", _("预算下达")
    GRANT = "grant", _("创新券发放")
    RESERVE = "reserve", _("订单占用")
    RELEASE = "release", _("占用释放")
    PAY = "pay", _("创新券兑付")
    EXPIRE = "expire", _("过期收回")
    CANCEL = "cancel", _("取消收回")
    DISBURSE = "disburse", _("贷款发放")
    REPAY = "repay", _("贷款还本")
    LOSS = "loss", _("代偿损失分担")
    SUBSIDY = "subsidy", _("贴息拨付")


BOOK_OF = {
    EntryKind.BUDGET: Book.VOUCHER, EntryKind.GRANT: Book.VOUCHER, EntryKind.RESERVE: Book.VOUCHER,
    EntryKind.RELEASE: Book.VOUCHER, EntryKind.PAY: Book.VOUCHER, EntryKind.EXPIRE: Book.VOUCHER,
    EntryKind.CANCEL: Book.VOUCHER, EntryKind.DISBURSE: Book.LOAN, EntryKind.REPAY: Book.LOAN,
    EntryKind.LOSS: Book.LOAN, EntryKind.SUBSIDY: Book.SUBSIDY,
}
