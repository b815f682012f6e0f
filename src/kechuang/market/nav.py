from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Role


def items(user):
    """The marketplace is public; signed-in users also get their workspace."""
    out = [{"label": _("科技大市场"), "url": reverse("market:home"), "order": 30, "public": True}]
    if user is not None and user.is_authenticated and (user.is_superuser or user.role != Role.BANK):
        out.append({"label": _("我的市场事务"), "url": reverse("market:mine"), "order": 31})
        if user.is_superuser or user.role == Role.BUREAU:
            out.append({"label": _("技术合同"), "url": reverse("market:contracts"), "order": 32})
    return out


def enterprise_actions(user, enterprise):
    """On an enterprise's page: post a problem for it, record an expert visit."""
    if user is None or not user.is_authenticated or user.role not in (Role.BUREAU, Role.TOWN, Role.ENTERPRISE) \
            and not user.is_superuser:
        return []
    out = [{"label": _("发布技术难题"), "url": reverse("market:demand_new") + f"?enterprise={enterprise.pk}"}]
    if user.role != Role.ENTERPRISE:
        out.append({"label": _("记录技术问诊"), "url": reverse("market:visit_new") + f"?enterprise={enterprise.pk}"})
    return out
