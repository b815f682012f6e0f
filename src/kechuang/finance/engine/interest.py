"""Loan-interest subsidy (贴息): principal × annual rate × days / day-count basis × subsidy ratio, per period line.

Conventions (see docs/finance.md):
- Interest accrues from the disbursement day up to, not including, the repayment day ("算头不算尾"); a line
  covers the days in [start, end) on which the principal was constant.
- Days are actual calendar days; the basis (360 or 365) is the policy's day-count convention.
- Each line is rounded to the fen, half-up, **once**, at the end of its own computation; the enterprise total is the
  sum of its rounded lines, then capped by the per-enterprise annual cap.
- The rate used is the loan's annual rate, or the policy's rate cap when that is lower.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


@dataclass(frozen=True)
class Segment:
    """Days [start, end) with a constant principal."""

    start: dt.date
    end: dt.date
    principal: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True)
class Line:
    start: dt.date
    end: dt.date  # exclusive
    days: int
    principal: Decimal
    rate: Decimal
    basis: int
    ratio: Decimal
    amount: Decimal

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def line_amount(principal: Decimal, rate: Decimal, days: int, basis: int, ratio: Decimal) -> Decimal:
    """principal × rate × days / basis × ratio, rounded to the fen half-up once (no intermediate rounding)."""
    if basis not in (360, 365):
        raise ValueError("计息基础应为360或365天")
    exact = principal * rate * Decimal(days) * ratio / Decimal(basis)
    return exact.quantize(FEN, rounding=ROUND_HALF_UP)


def segments(*, disbursed_on: dt.date, amount: Decimal, repayments: list[tuple[dt.date, Decimal]],
             period_start: dt.date, period_end: dt.date, stop: dt.date | None = None) -> list[Segment]:
    """Constant-principal segments of one loan inside [period_start, period_end) (end exclusive).

    `repayments` are (value date, principal repaid); `stop` ends accrual early (overdue, default, maturity).
    """
    start = max(disbursed_on, period_start)
    end = period_end if stop is None else min(period_end, stop)
    if start >= end:
        return []
    events = sorted(repayments)
    principal = amount - sum((a for d, a in events if d <= start), Decimal(0))
    out: list[Segment] = []
    cursor = start
    for day, paid in events:
        if day <= start:
            continue
        if day >= end:
            break
        if principal > 0 and day > cursor:
            out.append(Segment(cursor, day, principal))
        cursor = max(cursor, day)
        principal -= paid
    if principal > 0 and end > cursor:
        out.append(Segment(cursor, end, principal))
    return out


def subsidy_lines(*, segs: list[Segment], rate: Decimal, basis: int, ratio: Decimal,
                  rate_cap: Decimal | None = None) -> list[Line]:
    used = rate if rate_cap is None else min(rate, rate_cap)
    return [Line(s.start, s.end, s.days, s.principal, used, basis, ratio,
                 line_amount(s.principal, used, s.days, basis, ratio)) for s in segs if s.days > 0]


def capped(total: Decimal, cap: Decimal | None) -> Decimal:
    """The enterprise's award: the sum of its lines, at most the cap."""
    return total if cap is None else min(total, cap)
