"""Exact decimal arithmetic: the exact context, exact ratios, rounding up to a unit, display formatting."""

from __future__ import annotations

import math
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    localcontext,
)
from fractions import Fraction
from functools import wraps

# Sums and products of profile amounts must never round: every rounding is trapped, so a lost digit
# becomes a loud error instead of a result misplaced on a band edge. Inputs are bounded by the
# parser (18 significant digits), so products of a few of them fit easily in 100 digits.
EXACT = Context(
    prec=100,
    rounding=ROUND_HALF_UP,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact, Rounded],
)
# Display only: quotients are rounded half-up, never used in a comparison.
DISPLAY = Context(prec=40, rounding=ROUND_HALF_UP)

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")


def exact(func):
    """Run `func` inside the exact decimal context."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with localcontext(EXACT):
            return func(*args, **kwargs)

    return wrapper


def dec(value) -> Decimal:
    """Decimal from a rule-set value (int, decimal string or Decimal); floats are refused."""
    if isinstance(value, float):
        raise TypeError("rule-set numbers must be strings or integers, not floats")
    return value if isinstance(value, Decimal) else Decimal(value)


class Ratio:
    """An exact quotient num/den with den > 0, compared with thresholds by cross-multiplication."""

    __slots__ = ("num", "den")

    def __init__(self, num: Decimal, den: Decimal):
        if den <= 0:
            raise ValueError("ratio denominator must be positive")
        self.num = num
        self.den = den

    def ge(self, t: Decimal) -> bool:
        return self.num >= EXACT.multiply(t, self.den)

    def gt(self, t: Decimal) -> bool:
        return self.num > EXACT.multiply(t, self.den)

    def fraction(self) -> Fraction:
        return Fraction(self.num) / Fraction(self.den)

    def rounded(self, places: int = 6, threshold: Decimal | None = None) -> Decimal:
        """Half-up rounding for display; adds digits while rounding would hide which side of `threshold` it is on."""
        q = DISPLAY.divide(self.num, self.den)
        while True:
            shown = q.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=DISPLAY)
            if threshold is None or places >= 20 or (shown >= threshold) == self.ge(threshold):
                return shown
            places += 1

    def __repr__(self) -> str:
        return f"Ratio({self.num}/{self.den})"


def ceil_to(value: Fraction | Decimal, unit: Decimal) -> Decimal:
    """Smallest multiple of `unit` that is >= value (needed amounts are rounded up, never down)."""
    steps = math.ceil(Fraction(value) / Fraction(unit))
    return Decimal(steps) * unit


def ceil_int(value: Fraction | Decimal) -> int:
    """Smallest integer >= value (persons, IP items, transformations)."""
    return math.ceil(Fraction(value))


def strip(d: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 0.0400 -> '0.04', 5000 -> '5000'."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def pct(d: Decimal) -> str:
    """An exact fraction as a percentage without trailing zeros: 0.04 -> '4%'."""
    return strip(d.scaleb(2, context=DISPLAY)) + "%"


def pct_of(r: Ratio, threshold: Decimal | None = None) -> str:
    """A measured ratio as a percentage with 2 decimals, more if needed to stay on the right side of `threshold`."""
    return format(r.rounded(4, threshold).scaleb(2, context=DISPLAY), "f") + "%"


def wan(d: Decimal) -> str:
    """An amount in 万元 as shown: an integer when whole, else 2 decimals."""
    if d == d.to_integral_value():
        return format(d.to_integral_value(), "f")
    return format(d.quantize(CENT, rounding=ROUND_HALF_UP, context=DISPLAY), "f")


def yuan(d_wan: Decimal) -> str:
    """An amount in 万元 shown in yuan for English text: 261 -> 'RMB 2,610,000'."""
    y = (d_wan * 10000).quantize(ONE, rounding=ROUND_HALF_UP, context=DISPLAY)
    return f"RMB {int(y):,}"
