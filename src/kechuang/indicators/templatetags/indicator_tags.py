"""Display helpers for statistics: exact values rounded half-up only here."""
from decimal import Decimal

from django import template

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
