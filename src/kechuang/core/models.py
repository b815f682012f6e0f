"""The user, the base model every domain model inherits, and background jobs."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Role
from .pii import EncryptedCharField
from .scope import RestrictedManager, ScopeRule


class User(AbstractUser):
    """A person with one role; the role's scope comes from the region or organisation it is tied to."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.ENTERPRISE)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区域"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("科技局：本局辖区（区或市）；科技助理：所负责的镇街"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("所属企业"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="users",
    )
    agency = models.ForeignKey(
        "enterprises.ServiceAgency", verbose_name=_("所属服务机构"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="users",
    )
    bank = models.ForeignKey(
        "enterprises.Bank", verbose_name=_("所属银行"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="users",
    )
    institution = models.ForeignKey(
        "enterprises.Institution", verbose_name=_("所属院校/院所"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="users",
    )
    phone = EncryptedCharField(_("手机号"), max_plain_length=20)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def expert_id(self):
        """The expert profile linked to this user (experts live in the marketplace)."""
        expert = getattr(self, "expert_profile", None)
        return expert.pk if expert is not None else None

    @property
    def is_bureau(self) -> bool:
        return self.is_superuser or self.role == Role.BUREAU


class BaseModel(models.Model):
    """Timestamps, the restricted manager and the change log (django-simple-history) for every domain model."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(inherit=True)

    objects = RestrictedManager()
    scope = ScopeRule()

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Job(models.Model):
    """A background job (import, report, index build) with progress the web and the CLI can show."""

    kind = models.CharField(_("类型"), max_length=40)
    params = models.JSONField(_("参数"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveIntegerField(_("进度"), default=0)
    total = models.PositiveIntegerField(_("总量"), default=0)
    message = models.TextField(_("信息"), blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    result_file = models.CharField(_("结果文件"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = RestrictedManager()
    # Jobs belong to whoever started them; the bureau sees all of its own.
    scope = ScopeRule(owner="created_by", actions={role: frozenset() for role in Role.values})  # owners only

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        return int(self.progress * 100 / self.total) if self.total else (100 if self.status == JobStatus.DONE else 0)


class Setting(models.Model):
    """A site-wide setting kept in the database (e.g. the bureau's home region chosen at `kechuang init`)."""

    key = models.CharField(_("键"), max_length=60, primary_key=True)
    value = models.TextField(_("值"))

    class Meta:
        verbose_name = _("系统设置")
        verbose_name_plural = _("系统设置")

    @classmethod
    def get(cls, key: str, default: str | None = None) -> str | None:
        row = cls.objects.filter(key=key).first()
        return row.value if row else default

    @classmethod
    def put(cls, key: str, value: str) -> None:
        cls.objects.update_or_create(key=key, defaults={"value": value})


class AuditSeal(models.Model):
    """The SM3 chain digest of one history table up to a history id (see core.audit_guard)."""

    table = models.CharField(_("审计表"), max_length=100, primary_key=True)
    last_history_id = models.BigIntegerField(_("封存至"))
    digest = models.CharField(_("SM3摘要"), max_length=64)
    rows = models.BigIntegerField(_("行数"), default=0)
    sealed_at = models.DateTimeField(_("封存时间"), auto_now=True)

    class Meta:
        verbose_name = _("审计封存")
        verbose_name_plural = _("审计封存")


class PIIAccess(models.Model):
    """A record that someone viewed unmasked personal information (个人信息保护法: access is audited)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    object_label = models.CharField(_("对象"), max_length=200)
    field = models.CharField(_("字段"), max_length=60)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        ordering = ["-at"]


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", _("登录成功")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出登录")
    ACCOUNT_CREATE = "account_create", _("创建账号")
    ACCOUNT_CHANGE = "account_change", _("修改账号")
    ACCOUNT_LOCK = "account_lock", _("锁定账号")
    ACCOUNT_UNLOCK = "account_unlock", _("解锁账号")
    PASSWORD_RESET = "password_reset", _("重置密码")
    AUDIT_EXPORT = "audit_export", _("导出审计记录")


class SecurityEvent(models.Model):
    """A security-relevant event (logins, account administration, audit exports), append-only like the change log.

    `username` keeps the name as typed or as it was at the time, so the record stays readable if the account goes.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("事件"), max_length=30, choices=SecurityEventKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("操作人"))
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    target = models.CharField(_("对象"), max_length=200, blank=True)
    detail = models.TextField(_("详情"), blank=True)
    ip = models.CharField(_("来源地址"), max_length=45, blank=True)

    class Meta:
        verbose_name = _("安全事件")
        verbose_name_plural = _("安全事件")
        ordering = ["-at", "-id"]
