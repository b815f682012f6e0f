"""Display helpers for statistics: exact values rounded half-up only here."""
from decimal import Decimal

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kechuang.indicators.engine import display

register = template.Library()


@register.filter
def num(value, places=2):
    """A value rounded half-up with thousands separators; — when not applicable."""
    if value is None or value == "":
        return "—"
    return display(Decimal(value) if not isinstance(value, Decimal) else value, int(places), thousands=True)


@register.filter
def signed(value, places=2):
    """+1.23 / -1.23 (half-up); — when not applicable."""
    if value is None or value == "":
        return "—"
    shown = display(value, int(places))
    return shown if shown.startswith("-") or shown == display(0, int(places)) else f"+{shown}"


@register.filter
def bar(value):
    """A percentage clamped to 0–100 for a progress bar's width."""
    if value is None:
        return 0
    v = float(value)
    return max(0, min(100, round(v, 1)))


@register.filter
def wan(value, places=2):
    """Yuan → 万元, half-up."""
    if value is None or value == "":
        return "—"
    return display(Decimal(value) / Decimal(10000), int(places), thousands=True)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


COUNT_UNITS = ("家", "件", "个", "人", "项")


@register.filter
def qty(value, unit=""):
    """A value in its unit: whole numbers for counts (家, 件), two decimals otherwise (half-up)."""
    if value is None or value == "":
        return "—"
    return num(value, 0 if unit in COUNT_UNITS and Decimal(value) == Decimal(value).to_integral_value() else 2)


#: Units of the indicator catalog as shown on the page (the catalog stores the Chinese unit).
UNITS = {"万元": _("万元"), "亿元": _("亿元"), "万平方米": _("万平方米"), "件": _("件"), "家": _("家")}


@register.filter
def unit(value):
    """An indicator's unit in the page's language."""
    return UNITS.get(value, value) if value else ""


@register.filter
def iname(obj):
    """An indicator's name in the page's language: a catalog row or a selector dict (name_zh or name, name_en)."""
    if obj is None:
        return ""
    get = obj.get if isinstance(obj, dict) else (lambda k, default=None: getattr(obj, k, default))
    zh = get("name_zh") or get("name") or ""
    if (get_language() or "").startswith("en"):
        return get("name_en") or zh
    return zh
