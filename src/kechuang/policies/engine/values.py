"""Exact values for policy data: decimals from JSON and forms (never binary floats), exact display of money.

Money is yuan; a fact or a formula never rounds except where a formula says so (to the yuan or the fen,
half-up). Quotients that do not terminate (a mean of three scores, a premium rate of 1/3) are kept as
`Fraction` and rounded half-up exactly, only for display or storage.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

WAN = Decimal(10000)
YUAN = Decimal(1)
FEN = Decimal("0.01")
ROUNDING_UNITS = {"yuan": YUAN, "fen": FEN}
ROUNDING_LABELS = {"yuan": "元", "fen": "分"}


def to_dec(value) -> Decimal:
    """An exact Decimal from int, str or Decimal; floats go through their shortest repr. Raises ValueError."""
    if isinstance(value, bool) or value is None:
        raise ValueError("应为数值")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, float):
        d = Decimal(repr(value))
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"应为数值，实为“{value}”") from None
    else:
        raise ValueError(f"应为数值，实为“{value}”")
    if not d.is_finite():
        raise ValueError(f"应为数值，实为“{value}”")
    return d


def to_int(value) -> int:
    """A whole number from int, '12' or 12.0; refuses 12.5 and booleans. Raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("应为整数")
    d = to_dec(value)
    if d != d.to_integral_value():
        raise ValueError(f"应为整数，实为“{value}”")
    return int(d)


TRUE_WORDS = {"true", "1", "yes", "是", "y"}
FALSE_WORDS = {"false", "0", "no", "否", "n"}


def to_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"应为“是”或“否”，实为“{value}”")


def plain(d: Decimal) -> str:
    """Decimal text without exponent or trailing zeros: 0.1000 → '0.1', 5E+5 → '500000'."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def round_fraction(value: Fraction | Decimal | int, places: int) -> Decimal:
    """Exact half-up rounding of a rational number to `places` decimals (no intermediate float or precision loss)."""
    f = Fraction(value)
    scale = 10 ** places
    scaled = f * scale
    sign = -1 if scaled < 0 else 1
    n = abs(scaled)
    whole = n.numerator // n.denominator
    if (n - whole) * 2 >= 1:
        whole += 1
    return (Decimal(sign * whole) / Decimal(scale)).quantize(Decimal(1).scaleb(-places)) if places else Decimal(sign * whole)


def round_money(value: Decimal, rounding: str) -> Decimal:
    """Half-up to the yuan or the fen."""
    return value.quantize(ROUNDING_UNITS[rounding], rounding=ROUND_HALF_UP)


def fmt_yuan(d: Decimal | None) -> str:
    """Exact yuan with thousands separators: 1234567.5 → '1,234,567.50元', 500000 → '500,000元'."""
    if d is None:
        return "—"
    if d == d.to_integral_value():
        return f"{d.to_integral_value():,}元"
    if d == d.quantize(FEN):
        return f"{d.quantize(FEN):,}元"
    return f"{d.normalize():,f}元"


def fmt_wan(d: Decimal | None) -> str:
    """Exact 万元 without trailing zeros: 500000 → '50万元', 123456.7 → '12.34567万元'."""
    if d is None:
        return "—"
    return plain(d / WAN) + "万元"


def fmt_pct(value: Fraction | Decimal | None, places: int = 2) -> str:
    """A ratio as a percentage, half-up: Fraction(1, 3) → '33.33%'."""
    if value is None:
        return "—"
    return f"{round_fraction(Fraction(value) * 100, places)}%"


def full_years(start: dt.date, end: dt.date) -> int:
    """Whole years from start to end (an enterprise founded 2020-06-01 is 4 on 2025-05-31 and 5 on 2025-06-01)."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return max(years, 0)
