"""Display filters of the policies app: exact ratios (Fractions) as percentages, yuan amounts."""
from decimal import Decimal
from fractions import Fraction

from django import template

from kechuang.policies.engine.values import fmt_yuan, round_fraction

register = template.Library()


@register.filter
def ratio_pct(value, places=2):
    """An exact ratio (Fraction or Decimal) as a percentage rounded half-up: Fraction(1, 3) → '33.33%'."""
    if value is None or value == "":
        return "—"
    return f"{round_fraction(Fraction(value) * 100, int(places))}%"


@register.filter
def yuan(value):
    """Exact yuan with separators: 500000 → '500,000元'."""
    if value is None or value == "":
        return "—"
    return fmt_yuan(Decimal(value))


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
