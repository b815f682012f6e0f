"""Exact money arithmetic: yuan as Decimal, rounded to the fen half-up once, and the tiered voucher subsidy."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
ONE = Decimal(1)


def to_fen(value: Decimal) -> Decimal:
    """Round to the fen, half-up (the only rounding applied to amounts of money)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def floor_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_DOWN)


def is_fen_exact(value: Decimal) -> bool:
    return value == value.quantize(FEN)


def dec(value) -> Decimal:
    """A Decimal from a Decimal, int or decimal string (never a float: binary fractions are not money)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("amounts must be Decimal, int or str, not float/bool")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"不是有效数值：{value!r}") from None


@dataclass(frozen=True)
class Tier:
    """The subsidy ratio applied to the part of the fee up to `upto` yuan (None = no upper bound)."""

    upto: Decimal | None
    ratio: Decimal


def parse_tiers(raw: list) -> list[Tier]:
    """Tiers from data: [{"upto": "50000", "ratio": "1"}, {"upto": null, "ratio": "0.5"}]; ascending bounds."""
    if not raw:
        raise ValueError("至少需要一档补助比例")
    tiers: list[Tier] = []
    last = ZERO
    for i, item in enumerate(raw):
        upto = item.get("upto")
        ratio = dec(item.get("ratio"))
        if not (ZERO <= ratio <= ONE):
            raise ValueError(f"第{i + 1}档补助比例应在0到1之间（实为{ratio}）")
        if upto is None or upto == "":
            if i != len(raw) - 1:
                raise ValueError("只有最后一档可以不设上限")
            tiers.append(Tier(None, ratio))
            continue
        bound = dec(upto)
        if bound <= last:
            raise ValueError(f"第{i + 1}档上限应大于上一档（{bound} ≤ {last}）")
        tiers.append(Tier(bound, ratio))
        last = bound
    return tiers


def tiers_to_data(tiers: list[Tier]) -> list[dict]:
    return [{"upto": None if t.upto is None else str(t.upto), "ratio": str(t.ratio)} for t in tiers]


def tiered_subsidy(fee: Decimal, tiers: list[Tier]) -> Decimal:
    """The voucher subsidy for a service fee: each band of the fee times its ratio; rounded to the fen once.

    With 100% up to 50,000 and 50% above, a fee of 80,000.01 gives 50,000 + 30,000.01 × 0.5 = 65,000.005 → 65,000.01.
    A fee beyond the last bounded tier with no open tier gets nothing for the excess.
    """
    if fee < 0:
        raise ValueError("服务金额不能为负")
    total = Decimal(0)
    lower = ZERO
    for t in tiers:
        if fee <= lower:
            break
        upper = fee if t.upto is None else min(fee, t.upto)
        total += (upper - lower) * t.ratio
        if t.upto is None:
            break
        lower = t.upto
    return to_fen(total)


def describe_tiers(tiers: list[Tier]) -> str:
    """e.g. '5万元（含）以内100%；超出部分50%'."""
    parts = []
    lower = ZERO
    for t in tiers:
        pct = (t.ratio * 100).normalize()
        pct_text = f"{pct:f}%"
        if t.upto is None:
            parts.append(f"超出{_wan(lower)}部分{pct_text}" if lower else f"全额{pct_text}")
        else:
            parts.append(f"{_wan(lower)}至{_wan(t.upto)}（含）{pct_text}" if lower else f"{_wan(t.upto)}（含）以内{pct_text}")
            lower = t.upto
    return "；".join(parts)


def _wan(yuan: Decimal) -> str:
    return f"{(yuan / 10000).normalize():f}万元"
