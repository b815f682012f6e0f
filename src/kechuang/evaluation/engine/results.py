"""Result building blocks shared by the evaluators: conditions, flags, point ranges, bands, JSON rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .numbers import Ratio, dec, strip


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition's outcome, with the clause it comes from."""

    code: str
    label: str
    label_en: str
    clause: str
    value: Any
    threshold: Any
    comparator: str
    passed: bool
    detail: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        # A ratio is shown with enough digits to stay on its true side of the threshold.
        threshold = self.threshold if isinstance(self.threshold, Decimal) else None
        out = {
            "value": jsonable(self.value, threshold),
            "threshold": jsonable(self.threshold),
            "comparator": self.comparator,
            "passed": self.passed,
            "clause": self.clause,
            "label": self.label,
            "label_en": self.label_en,
        }
        if self.detail:
            out["detail"] = jsonable(self.detail)
        return out


@dataclass(frozen=True, slots=True)
class Flag:
    """A note for the officer: `manual_review`, `renewal`, `site_check` or `note`, with the reason."""

    code: str
    reason: str
    message_zh: str
    message_en: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "reason": self.reason, "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass(frozen=True, slots=True)
class Points:
    """An indicator's score range [min, max]; equal when fixed by an expert or by an exact band."""

    min: int
    max: int
    band: str | None = None
    expert: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"min": self.min, "max": self.max}
        if self.band is not None:
            out["band"] = self.band
        if self.expert:
            out["expert"] = True
        if self.extra:
            out.update(jsonable(self.extra))
        return out


@dataclass(frozen=True, slots=True)
class Band:
    """One row of a band table: matches a ratio at or above `min` (strictly above when exclusive)."""

    band: str
    min: Decimal | None
    exclusive: bool
    lo: int
    hi: int

    @classmethod
    def from_rule(cls, raw: dict[str, Any]) -> Band:
        points = raw["points"]
        lo, hi = (points, points) if isinstance(points, int) else (int(points[0]), int(points[1]))
        return cls(raw["band"], dec(raw["min"]) if raw.get("min") is not None else None,
                   bool(raw.get("exclusive")), lo, hi)

    def matches(self, ratio: Ratio | None) -> bool:
        if self.min is None:
            return True
        if ratio is None:
            return False
        return ratio.gt(self.min) if self.exclusive else ratio.ge(self.min)


def pick_band(bands: tuple[Band, ...], ratio: Ratio | None) -> Band:
    """The first (highest) band the ratio reaches; None (not measurable) falls to the last band."""
    for band in bands:
        if band.matches(ratio):
            return band
    return bands[-1]


def jsonable(value: Any, threshold: Decimal | None = None) -> Any:
    """JSON-ready value: Decimals and ratios as decimal strings, dates as ISO strings."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return strip(value)
    if isinstance(value, Ratio):
        return strip(value.rounded(6, threshold))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"cannot render {type(value).__name__}")


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
