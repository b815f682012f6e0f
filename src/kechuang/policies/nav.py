"""Menu entries of the policies app, by role; and the calculator button on an enterprise's page."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Role


def items(user):
    library = {"label": _("政策"), "url": reverse("policies:list"), "order": 40, "public": True}
    if user is None or not user.is_authenticated:
        return [library]
    out = [library]
    officer = user.is_superuser or user.role in (Role.BUREAU, Role.TOWN, Role.AUDITOR)
    if officer or (user.role == Role.ENTERPRISE and user.enterprise_id):
        out.append({"label": _("政策计算器"), "url": reverse("policies:calculator_index"), "order": 41})
    if officer or user.role == Role.ENTERPRISE:
        out.append({"label": _("活动"), "url": reverse("policies:competitions"), "order": 42})
    if officer:
        out.append({"label": _("挂图作战"), "url": reverse("policies:tasks"), "order": 43})
    return out


def enterprise_actions(user, enterprise):
    """The enterprise page (already scope-checked) links to that enterprise's policy calculator."""
    if user is None or not user.is_authenticated:
        return []
    return [{"label": _("政策计算器"), "url": reverse("policies:calculator", args=[enterprise.pk])}]
