"""Menu entry of the reports app: the bureau, town assistants and auditors."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(user):
    from .selectors import may_use

    if not may_use(user):
        return []
    return [{"label": _("工作总结与分析"), "url": reverse("reports:index"), "order": 85}]
