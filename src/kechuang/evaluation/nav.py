"""Menu entries and enterprise-page buttons of the evaluation app."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Role


def _office(user) -> bool:
    return user.is_superuser or user.role in (Role.BUREAU, Role.TOWN, Role.AUDITOR)


def items(user):
    if user is None or not user.is_authenticated:
        return []
    if _office(user):
        return [
            {"label": _("企业评价"), "url": reverse("evaluation:overview"), "order": 20},
            {"label": _("培育库"), "url": reverse("evaluation:pool"), "order": 21},
            {"label": _("资质有效期"), "url": reverse("evaluation:validity"), "order": 22},
        ]
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return [{"label": _("高企自评"), "url": reverse("evaluation:hte", args=[user.enterprise_id]), "order": 20}]
    return []


def enterprise_actions(user, enterprise):
    """The self-assessment buttons on an enterprise page (the page itself is already scope-checked)."""
    if user is None or not user.is_authenticated:
        return []
    if not (_office(user) or (user.role == Role.ENTERPRISE and user.enterprise_id == enterprise.pk)):
        return []
    return [
        {"label": _("高企自评"), "url": reverse("evaluation:hte", args=[enterprise.pk])},
        {"label": _("科小自评"), "url": reverse("evaluation:tsme", args=[enterprise.pk])},
    ]
