"""Display filters of the evaluation pages (rounding half-up for display only)."""
from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def pct100(ratio, places=2):
    """A stored ratio (0.123456) as a percentage (12.35%), rounded half-up; None shows a dash."""
    if ratio is None or ratio == "":
        return "—"
    value = (Decimal(ratio) * 100).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    return f"{value}%"
