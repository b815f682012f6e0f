from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Role


def items(user):
    if user is None or not user.is_authenticated:
        return []
    if user.role == Role.ENTERPRISE and not user.is_superuser:
        if user.enterprise_id:
            return [{"label": _("本企业"), "url": reverse("enterprises:detail", args=[user.enterprise_id]), "order": 10}]
        return []
    if user.is_superuser or user.role in (Role.BUREAU, Role.TOWN, Role.AUDITOR):
        out = [{"label": _("企业"), "url": reverse("enterprises:list"), "order": 10}]
        if user.is_superuser or user.role in (Role.BUREAU, Role.TOWN):
            out.append({"label": _("数据导入"), "url": reverse("imports"), "order": 90})
        return out
    return []
