"""Money, ratios and periods as exact values: Decimal in yuan for storage, 万元/亿元 for display."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

WAN = Decimal(10000)
YI = Decimal(100000000)
FEN = Decimal("0.01")


def to_decimal(value) -> Decimal:
    """Exact Decimal from int, str or Decimal; floats go through their shortest repr, never binary expansion."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise InvalidOperation("boolean is not a number")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip().replace(",", ""))


def round_half_up(value: Decimal | None, places: int = 2) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def yuan_to_wan(yuan: Decimal | None) -> Decimal | None:
    return None if yuan is None else yuan / WAN


def wan_to_yuan(wan: Decimal) -> Decimal:
    """万元 → 元, refusing more precision than a fen."""
    yuan = wan * WAN
    if yuan != yuan.quantize(FEN):
        raise InvalidOperation("金额精度超过1分")
    return yuan.quantize(FEN)


def fmt_wan(yuan: Decimal | None, places: int = 2) -> str:
    """Display yuan as 万元 rounded half-up (e.g. '1,234.57')."""
    if yuan is None:
        return "—"
    return f"{round_half_up(yuan / WAN, places):,}"


@dataclass(frozen=True, order=True)
class YearMonth:
    """A reporting period (year, month)."""

    year: int
    month: int

    _RE = re.compile(r"^(\d{4})-(\d{2})$")

    @classmethod
    def parse(cls, text: str) -> "YearMonth":
        m = cls._RE.match(str(text).strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"期间格式应为 YYYY-MM，实为“{text}”")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def prev_year(self) -> "YearMonth":
        return YearMonth(self.year - 1, self.month)

    def add_months(self, n: int) -> "YearMonth":
        i = self.year * 12 + self.month - 1 + n
        return YearMonth(i // 12, i % 12 + 1)


def add_years(day: dt.date, years: int) -> dt.date:
    """Same calendar day `years` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
