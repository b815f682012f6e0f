"""Small pure figures of events and tasks: auction premium, training reach, task state."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

DUE_SOON_DAYS = 14


def premium_rate(start: Decimal, hammer: Decimal | None) -> Fraction | None:
    """(hammer − start) / start, exact; None when unsold or without a starting price."""
    if hammer is None or not start:
        return None
    return (Fraction(hammer) - Fraction(start)) / Fraction(start)


def share(part: int, whole: int) -> Fraction | None:
    """part / whole, exact; None when whole is 0 (e.g. a training without target enterprises)."""
    return Fraction(part, whole) if whole else None


def task_state(deadline: dt.date, percent: int, today: dt.date, completed_on: dt.date | None = None) -> str:
    """done (100%), overdue (past the deadline and not done), due_soon (within 14 days) or on_track."""
    if percent >= 100:
        return "done_late" if completed_on is not None and completed_on > deadline else "done"
    if today > deadline:
        return "overdue"
    if (deadline - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return "on_track"


def time_progress(year: int, today: dt.date) -> Fraction:
    """Elapsed share of the calendar year (0 before it, 1 after it)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if today < start:
        return Fraction(0)
    if today >= end:
        return Fraction(1)
    return Fraction((today - start).days + 1, (end - start).days + 1)
