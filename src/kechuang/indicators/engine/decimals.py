"""Exact decimal helpers: input coercion (never from float), the arithmetic context, display rounding."""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

__all__ = ["CTX", "HUNDRED", "ZERO", "display", "to_decimal", "quantize_half_up", "pct", "plain"]

#: The one arithmetic context of the engine. 34 significant digits (IEEE decimal128) keeps every
#: sum of stored values exact and leaves quotients (ratios, growth rates) far beyond any displayed
#: precision; it is independent of the caller's thread-local context.
CTX = Context(prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def to_decimal(value: object, *, field: str | None = None) -> Decimal:
    """Coerce an int, a Decimal or a decimal string to a finite Decimal.

    Floats are refused (their binary value is not the decimal the user typed); so are bools,
    NaN and infinities. ``field`` only names the value in the error message.
    """
    where = f" for {field}" if field else ""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise TypeError(f"a boolean is not a number{where}: {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a decimal number{where}: {value!r}") from None
    elif isinstance(value, float):
        raise TypeError(f"floats are not accepted{where} (pass a Decimal or a decimal string): {value!r}")
    else:
        raise TypeError(f"not a number{where}: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number{where}: {value!r}")
    return result


def quantize_half_up(value: Decimal, places: int) -> Decimal:
    """Round to ``places`` decimals, halves away from zero (四舍五入): 2.345 → 2.35, −2.345 → −2.35."""
    exp = Decimal(1).scaleb(-places)
    return value.quantize(exp, rounding=ROUND_HALF_UP, context=Context(prec=max(34, value.adjusted() + places + 2)))


def display(value: Decimal | int | str | None, places: int = 2, *, none: str = "—", thousands: bool = False) -> str:
    """Format an exact value for display, rounded half-up to ``places`` decimals.

    ``None`` (not applicable) displays as ``none``. Never uses exponent notation; ``-0.00``
    becomes ``0.00``.
    """
    if value is None:
        return none
    d = quantize_half_up(to_decimal(value), places)
    if d.is_zero():
        d = abs(d)
    return f"{d:,f}" if thousands else f"{d:f}"


def plain(value: Decimal) -> str:
    """The exact value as a plain decimal string (no exponent): Decimal('1E+2') → '100'."""
    if value.is_zero():
        value = abs(value)
    return f"{value:f}"


def pct(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """``numerator / denominator × 100``, or None when the denominator is zero."""
    if denominator.is_zero():
        return None
    # multiply first: the product is exact, so the only rounding is the division's
    return CTX.divide(CTX.multiply(numerator, HUNDRED), denominator)
