"""Display helpers of the finance pages: rates as percentages, workflow codes as their labels (translated)."""
from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from kechuang.core.choices import Role
from kechuang.core.units import round_half_up

from ..choices import Party
from ..flows import FLOWS

register = template.Library()


@register.filter
def rate(value):
    """0.0385 → '3.85%' (half-up, at most 4 decimals, trailing zeros dropped)."""
    if value in (None, ""):
        return "—"
    pct = round_half_up(Decimal(value) * 100, 4).normalize()
    return f"{pct:f}%"


@register.filter
def party(code):
    return Party(code).label if code in Party.values else code


@register.filter
def role_label(code):
    if code == "system":
        return _("系统")
    return Role(code).label if code in Role.values else code


@register.simple_tag
def action_label(flow, action):
    f = FLOWS.get(flow)
    labels = {"create": _("设立"), "budget_add": _("追加预算"), "submit": _("提交申请"), "issue": _("发券"),
              "place": _("提交订单"), "apply": _("提交申请"), "compute": _("测算")}
    return labels.get(action) or (_(f.label(action)) if f else action)


@register.simple_tag
def state_label(flow, state):
    f = FLOWS.get(flow)
    return _(f.state_label(state)) if f and state else (state or "—")
