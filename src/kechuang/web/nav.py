from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(user):
    out = [{"label": _("首页"), "url": reverse("home"), "order": 0}]
    return out
