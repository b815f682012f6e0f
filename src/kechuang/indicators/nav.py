from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Role


def items(user):
    """Statistics for the bureau and town assistants; the monthly report for enterprises too."""
    if user is None or not user.is_authenticated:
        return []
    out = []
    bureau = user.is_superuser or user.role in (Role.BUREAU, Role.AUDITOR)
    if bureau or user.role == Role.TOWN:
        out.append({"label": _("驾驶舱"), "url": reverse("indicators:dashboard"), "order": 5})
        out.append({"label": _("指标面板"), "url": reverse("indicators:panel"), "order": 40})
    if bureau:
        out.append({"label": _("年度目标"), "url": reverse("indicators:targets"), "order": 41})
    if bureau or user.role in (Role.TOWN, Role.ENTERPRISE):
        out.append({"label": _("科技服务业月报"), "url": reverse("indicators:reports"), "order": 42})
    return out
