"""The monthly statistical period (统计期) as a small value type.

A period is a calendar month. A *flow* indicator's value for period 2025-11 is the cumulative
value January–November 2025; a *stock* indicator's value is the level on 30 November 2025.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections.abc import Iterator
from operator import itemgetter as _itemgetter

__all__ = ["Period", "PeriodError"]

_PERIOD_RE = re.compile(r"(\d{4})-(\d{2})")


class PeriodError(ValueError):
    """A period string or component that is not a valid calendar month."""


class Period(tuple):
    """A calendar month (year, month); immutable, hashable, totally ordered.

    A Period is a ``(year, month)`` tuple underneath, so hashing, equality and ordering run at C
    speed (the panel performs thousands of keyed look-ups); ``Period(2025, 11) == (2025, 11)``.
    """

    __slots__ = ()

    def __new__(cls, year: int, month: int) -> Period:
        if isinstance(year, bool) or not isinstance(year, int):
            raise PeriodError(f"period year must be an integer, got {year!r}")
        if isinstance(month, bool) or not isinstance(month, int):
            raise PeriodError(f"period month must be an integer, got {month!r}")
        if not 1 <= year <= 9999:
            raise PeriodError(f"period year {year} is outside 1–9999")
        if not 1 <= month <= 12:
            raise PeriodError(f"period month {month} is outside 1–12")
        return tuple.__new__(cls, (year, month))

    year = property(_itemgetter(0), doc="The year (1–9999).")
    month = property(_itemgetter(1), doc="The month (1–12).")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse exactly ``YYYY-MM`` (e.g. ``2025-11``); anything else raises :class:`PeriodError`."""
        if isinstance(text, Period):
            return text
        if not isinstance(text, str):
            raise PeriodError(f"period must be a 'YYYY-MM' string, got {type(text).__name__}")
        m = _PERIOD_RE.fullmatch(text.strip())
        if m is None:
            raise PeriodError(f"invalid period {text!r}: expected YYYY-MM, e.g. 2025-11 (统计期格式应为 YYYY-MM)")
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"invalid period {text!r}: expected YYYY-MM with month 01–12 (月份应为 01–12)")
        if year < 1:
            raise PeriodError(f"invalid period {text!r}: expected YYYY-MM with year 0001–9999")
        return cls(year, month)

    @classmethod
    def from_date(cls, day: _dt.date) -> Period:
        """The period containing ``day``."""
        return cls(day.year, day.month)

    @classmethod
    def from_ordinal(cls, ordinal: int) -> Period:
        """Inverse of :attr:`ordinal` (months since year 0)."""
        year, month0 = divmod(ordinal, 12)
        return cls(year, month0 + 1)

    @classmethod
    def range(cls, start: Period, end: Period) -> Iterator[Period]:
        """Every period from ``start`` to ``end``, both inclusive (empty when end < start)."""
        for ordinal in range(start.ordinal, end.ordinal + 1):
            yield cls.from_ordinal(ordinal)

    # -- derived periods ----------------------------------------------------------------------

    @property
    def ordinal(self) -> int:
        """Months since January of year 0; consecutive periods differ by 1."""
        return self[0] * 12 + self[1] - 1

    def previous_year(self) -> Period:
        """The same month one year earlier (同期): 2025-11 → 2024-11."""
        return Period(self.year - 1, self.month)

    def previous_december(self) -> Period:
        """December of the previous year (上年末): 2025-11 → 2024-12."""
        return Period(self.year - 1, 12)

    def year_start(self) -> Period:
        """January of the same year."""
        return Period(self.year, 1)

    def next(self) -> Period:
        """The following month."""
        return Period.from_ordinal(self.ordinal + 1)

    def previous(self) -> Period:
        """The preceding month (2025-01 → 2024-12)."""
        return Period.from_ordinal(self.ordinal - 1)

    def first_day(self) -> _dt.date:
        """The first day of the month."""
        return _dt.date(self.year, self.month, 1)

    def last_day(self) -> _dt.date:
        """The last day of the month (a stock indicator's reference date)."""
        return _dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def quarter(self) -> int:
        """The quarter (1–4) the month belongs to."""
        return (self.month - 1) // 3 + 1

    @property
    def is_quarter_end(self) -> bool:
        """True for March, June, September and December."""
        return self.month % 3 == 0

    def __add__(self, months: int) -> Period:
        if isinstance(months, bool) or not isinstance(months, int):
            return NotImplemented
        return Period.from_ordinal(self.ordinal + months)

    def __sub__(self, other: Period | int) -> Period | int:
        """``period - n`` is a period; ``period - period`` is the number of months between them."""
        if isinstance(other, Period):
            return self.ordinal - other.ordinal
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        return Period.from_ordinal(self.ordinal - other)

    # -- value semantics (hash, ==, < come from tuple) --------------------------------------------

    def __mul__(self, other: object):
        return NotImplemented

    __rmul__ = __mul__

    def __getnewargs__(self) -> tuple[int, int]:
        return (self[0], self[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"Period({self.year}, {self.month})"
