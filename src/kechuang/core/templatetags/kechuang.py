"""Display filters: money in 万元/亿元 and percentages, rounded half-up (stored values stay exact)."""
from decimal import Decimal

from django import template
from django.utils.html import format_html

from kechuang.core.units import WAN, YI, round_half_up, to_decimal

register = template.Library()


@register.filter
def wan(yuan, places=2):
    """Yuan → 万元 with thousands separators, e.g. 12345678.9 → 1,234.57."""
    if yuan is None or yuan == "":
        return "—"
    return f"{round_half_up(to_decimal(yuan) / WAN, int(places)):,}"


@register.filter
def yi(yuan, places=2):
    if yuan is None or yuan == "":
        return "—"
    return f"{round_half_up(to_decimal(yuan) / YI, int(places)):,}"


@register.filter
def dec(value, places=2):
    """A Decimal rounded half-up for display; None shows as a dash."""
    if value is None or value == "":
        return "—"
    return f"{round_half_up(to_decimal(value), int(places)):,}"


@register.filter
def pct(value, places=2):
    if value is None or value == "":
        return "—"
    return f"{round_half_up(to_decimal(value), int(places))}%"


@register.filter
def masked(value):
    """Personal information in lists and pages: 138****1234."""
    from kechuang.core.crypto import mask

    return mask(value)


@register.filter
def data(value):
    """Data (a name, a title) shown inside translated chrome — a heading, a label, a button: `{{ e.name|data }}`.

    Chinese data is marked lang="zh-CN" (screen readers read it in its own language), any data translate="no";
    English pages' checks skip text so marked. For element content only, never inside an attribute.
    """
    if value is None or value == "":
        return value
    text = str(value)
    if any("\u3400" <= ch <= "\u9fff" for ch in text):
        return format_html('<span lang="zh-CN" translate="no">{}</span>', text)
    return format_html('<span translate="no">{}</span>', text)
