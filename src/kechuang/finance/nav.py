"""Menu entries of tech finance, by role; and the voucher/loan buttons on an enterprise's page."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Role


def items(user):
    if user is None or not user.is_authenticated:
        return [{"label": _("创新券公示"), "url": reverse("finance:publicity"), "order": 70, "public": True}]
    if user.is_superuser or user.role in (Role.BUREAU, Role.TOWN, Role.AUDITOR, Role.ENTERPRISE, Role.AGENCY, Role.BANK):
        return [{"label": _("科技金融"), "url": reverse("finance:index"), "order": 40}]
    return []


def enterprise_actions(user, enterprise):
    if user is None or not user.is_authenticated:
        return []
    if user.role == Role.ENTERPRISE and user.enterprise_id == enterprise.pk:
        return [{"label": _("申请创新券"), "url": reverse("finance:applications")},
                {"label": _("风险池贷款"), "url": reverse("finance:loans")}]
    if user.is_superuser or user.role == Role.BUREAU:
        # The bureau applies on the enterprise's behalf (the page shows it only inside the bureau's scope).
        return [{"label": _("申请创新券"), "url": reverse("finance:applications") + f"?enterprise={enterprise.pk}"},
                {"label": _("申请风险池贷款"), "url": reverse("finance:loans") + f"?enterprise={enterprise.pk}"}]
    return []
