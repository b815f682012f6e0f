"""Balances and reconciliation derived from ledger movements (kind, amount); nothing is stored but the movements.

Voucher movements and what they do (amounts are always positive):

    BUDGET   the programme receives budget                      budget      +a
    GRANT    budget is granted to a holder (a voucher)          granted     +a   (available −a)
    RESERVE  an order reserves part of a grant                  reserved    +a   (grant free −a)
    RELEASE  a reservation is released (cancelled, reduced)     reserved    −a   (grant free +a)
    PAY      a settlement is paid out of its reservation        reserved    −a,  settled +a
    EXPIRE   the unused rest of a grant lapses to the budget    expired     +a   (available +a)
    CANCEL   a cancelled grant's rest returns to the budget     cancelled   +a   (available +a)

Identities (all hold by construction and are checked by the reconciliation report):

    budget          = granted_net + available           granted_net = granted − expired − cancelled
    granted         = settled + outstanding + expired + cancelled
    outstanding     = reserved + free                    (what holders may still spend or are spending)

Loan movements: DISBURSE (+balance), REPAY (−balance), LOSS (−balance, one entry per sharing party on default).
    disbursed = repaid + loss + balance
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

BUDGET, GRANT, RESERVE, RELEASE, PAY, EXPIRE, CANCEL = "budget", "grant", "reserve", "release", "pay", "expire", "cancel"
DISBURSE, REPAY, LOSS = "disburse", "repay", "loss"
SUBSIDY = "subsidy"
VOUCHER_KINDS = (BUDGET, GRANT, RESERVE, RELEASE, PAY, EXPIRE, CANCEL)
LOAN_KINDS = (DISBURSE, REPAY, LOSS)
ZERO = Decimal("0.00")


def _sums(entries: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for kind, amount in entries:
        if amount <= 0:
            raise ValueError(f"ledger amounts are positive (got {amount} for {kind})")
        out[kind] = out.get(kind, ZERO) + amount
    return out


@dataclass(frozen=True)
class VoucherBalances:
    """Voucher balances of a programme, a grant or an order, all derived from its movements."""

    budget: Decimal = ZERO
    granted: Decimal = ZERO
    reserved_in: Decimal = ZERO
    released: Decimal = ZERO
    settled: Decimal = ZERO
    expired: Decimal = ZERO
    cancelled: Decimal = ZERO

    @classmethod
    def of(cls, entries: Iterable[tuple[str, Decimal]]) -> "VoucherBalances":
        s = _sums(entries)
        return cls(budget=s.get(BUDGET, ZERO), granted=s.get(GRANT, ZERO), reserved_in=s.get(RESERVE, ZERO),
                   released=s.get(RELEASE, ZERO), settled=s.get(PAY, ZERO), expired=s.get(EXPIRE, ZERO),
                   cancelled=s.get(CANCEL, ZERO))

    @classmethod
    def from_sums(cls, sums: dict[str, Decimal]) -> "VoucherBalances":
        g = lambda k: sums.get(k) or ZERO  # noqa: E731
        return cls(budget=g(BUDGET), granted=g(GRANT), reserved_in=g(RESERVE), released=g(RELEASE), settled=g(PAY),
                   expired=g(EXPIRE), cancelled=g(CANCEL))

    @property
    def returned(self) -> Decimal:
        """What went back to the budget (expired and cancelled grants)."""
        return self.expired + self.cancelled

    @property
    def granted_net(self) -> Decimal:
        return self.granted - self.returned

    @property
    def available(self) -> Decimal:
        """Budget not granted (returned grants are available again)."""
        return self.budget - self.granted_net

    @property
    def outstanding(self) -> Decimal:
        """Granted, not yet paid, expired or cancelled: what holders may still spend or are spending."""
        return self.granted - self.settled - self.expired - self.cancelled

    @property
    def reserved(self) -> Decimal:
        """Held by orders in progress."""
        return self.reserved_in - self.released - self.settled

    @property
    def free(self) -> Decimal:
        """Granted and not reserved: what a holder may still order against."""
        return self.outstanding - self.reserved

    def as_dict(self) -> dict[str, Decimal]:
        return {"budget": self.budget, "granted": self.granted, "granted_net": self.granted_net,
                "available": self.available, "settled": self.settled, "outstanding": self.outstanding,
                "reserved": self.reserved, "free": self.free, "expired": self.expired, "cancelled": self.cancelled,
                "returned": self.returned}


@dataclass(frozen=True)
class Check:
    """One reconciliation identity: its name, both sides and whether they agree."""

    name: str
    formula: str
    left: Decimal
    right: Decimal

    @property
    def ok(self) -> bool:
        return self.left == self.right

    def as_dict(self) -> dict:
        return {"name": self.name, "formula": self.formula, "left": self.left, "right": self.right, "ok": self.ok}


def voucher_checks(b: VoucherBalances, *, declared_budget: Decimal | None = None,
                   grants_sum: Decimal | None = None) -> list[Check]:
    """The identities of the reconciliation report, from the ledger sums and (optionally) the recorded rows.

    `declared_budget` is the programme's recorded budget; `grants_sum` the sum of the grant rows' amounts; both must
    agree with the ledger. Non-negativity checks catch an overspent budget or an over-redeemed grant.
    """
    checks = [
        Check("budget", "预算 = 已下达净额 + 可用余额（budget = granted − returned + available）",
              b.budget, b.granted_net + b.available),
        Check("granted", "已下达 = 已兑付 + 在途 + 已过期 + 已取消（granted = settled + outstanding + expired + cancelled）",
              b.granted, b.settled + b.outstanding + b.expired + b.cancelled),
        Check("outstanding", "在途 = 订单占用 + 未使用（outstanding = reserved + free）", b.outstanding, b.reserved + b.free),
        Check("not_overspent", "可用余额 ≥ 0（预算未超支）", min(b.available, ZERO), ZERO),
        Check("not_over_redeemed", "未使用额 ≥ 0 且订单占用 ≥ 0（未超额兑付）", min(b.free, b.reserved, ZERO), ZERO),
    ]
    if declared_budget is not None:
        checks.append(Check("declared_budget", "方案预算 = 台账预算", declared_budget, b.budget))
    if grants_sum is not None:
        checks.append(Check("grant_rows", "创新券金额合计 = 台账发放额", grants_sum, b.granted))
    return checks


@dataclass(frozen=True)
class LoanBalances:
    disbursed: Decimal = ZERO
    repaid: Decimal = ZERO
    loss: Decimal = ZERO

    @classmethod
    def from_sums(cls, sums: dict[str, Decimal]) -> "LoanBalances":
        g = lambda k: sums.get(k) or ZERO  # noqa: E731
        return cls(disbursed=g(DISBURSE), repaid=g(REPAY), loss=g(LOSS))

    @property
    def balance(self) -> Decimal:
        return self.disbursed - self.repaid - self.loss


def loan_checks(b: LoanBalances) -> list[Check]:
    return [
        Check("loan_balance", "已放款 = 已还本 + 损失分担 + 余额（disbursed = repaid + loss + balance）",
              b.disbursed, b.repaid + b.loss + b.balance),
        Check("loan_not_negative", "贷款余额 ≥ 0", min(b.balance, ZERO), ZERO),
    ]
