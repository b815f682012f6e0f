"""The risk-pool loss split: each party's share of the loss, to the fen, summing exactly to the loss."""
from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

FEN = Decimal("0.01")


def split_loss(loss: Decimal, shares: dict[str, Decimal], remainder_to: str) -> dict[str, Decimal]:
    """Split `loss` (yuan, fen-exact) by `shares` (weights such as city 4 : district 4 : bank 2).

    Each party gets loss × share / Σshares rounded *down* to the fen; the few fen left over (fewer than the number of
    parties) go to `remainder_to`, so the parts always sum to the loss exactly. Parties with share 0 get 0.
    """
    if loss < 0 or loss != loss.quantize(FEN):
        raise ValueError(f"损失金额应为非负且精确到分（实为{loss}）")
    if remainder_to not in shares:
        raise ValueError(f"尾差承担方 {remainder_to} 不在分担方中")
    if any(s < 0 for s in shares.values()):
        raise ValueError("分担比例不能为负")
    total = sum(shares.values(), Decimal(0))
    if total <= 0:
        raise ValueError("分担比例之和应大于0")
    parts = {party: (loss * share / total).quantize(FEN, rounding=ROUND_DOWN) for party, share in shares.items()}
    parts[remainder_to] += loss - sum(parts.values(), Decimal(0))
    return parts
