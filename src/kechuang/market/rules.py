"""Plain-value marketplace rules (no Django): the broker commission and the contract amounts."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


@dataclass(frozen=True)
class Commission:
    """A commission rule: `rate` of the registered technology amount, capped at `cap` yuan (None: no cap)."""

    rate: Decimal
    cap: Decimal | None

    def amount(self, tech_amount: Decimal) -> Decimal:
        return commission(tech_amount, self.rate, self.cap)


# Used when the bureau has configured no CommissionRule: 1% of the technology amount, at most 10万元.
DEFAULT_COMMISSION = Commission(rate=Decimal("0.01"), cap=Decimal("100000.00"))


def commission(tech_amount: Decimal, rate: Decimal, cap: Decimal | None) -> Decimal:
    """rate × amount rounded half-up to the fen, then capped; exact Decimal arithmetic throughout."""
    if tech_amount < 0 or rate < 0:
        raise ValueError("金额和比例不能为负")
    value = (Decimal(tech_amount) * Decimal(rate)).quantize(FEN, rounding=ROUND_HALF_UP)
    if cap is not None and value > cap:
        return Decimal(cap).quantize(FEN)
    return value


def contract_amount_errors(contract_total: Decimal | None, tech_amount: Decimal | None) -> list[tuple[str, str]]:
    """RULES §3.2: the technology amount is what is left of the contract total after non-technical costs."""
    out = []
    if contract_total is not None and contract_total <= 0:
        out.append(("contract_total", "合同成交总额应大于0"))
    if tech_amount is not None and tech_amount < 0:
        out.append(("tech_amount", "技术交易额不能为负"))
    if contract_total is not None and tech_amount is not None and tech_amount > contract_total:
        out.append(("tech_amount", f"技术交易额（{tech_amount}元）不能大于合同成交总额（{contract_total}元）"))
    return out
