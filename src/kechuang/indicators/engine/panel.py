"""The indicator panel (指标面板): value, growth, share, rank, target and pace for one region and period.

Pure functions over plain values. The caller passes

* ``values`` — any mapping ``(region_code, indicator_code, Period) -> Decimal`` (only ``.get`` is
  used). Flow values are cumulative from January; stock values are month-end levels. A missing key
  (or a ``None`` value) means "no data". The panel for region R at period P reads, at most: R, R's
  parent, R's siblings and — for roll-ups — their descendants, at P, P a year earlier, and December
  of the two previous years (for stock projections and ``CODE(previous December)`` formulas).
  :func:`periods_needed` lists those periods so the caller can fetch them in one query.
* ``tree`` — a :class:`RegionTree` (or anything with ``parent(code)`` and ``children(code)``).

Definitions (all exact Decimal; round only for display):

* ``yoy_pct`` (flow, stock) = (value − previous) / |previous| × 100, previous = same period a year
  earlier (for flows Jan–Nov against Jan–Nov). None when either is missing or previous is 0. The
  absolute value keeps the sign meaning "up/down" when the base is negative (e.g. a net decrease).
* ``yoy_pp`` (ratio) = value − previous, in percentage points; ``yoy_pct`` is None for ratios.
* ``share_pct`` = value / parent total × 100, parent total = the parent's own value where present,
  else the sum of its children's values; None for ratios, without a parent, or a parent total of 0.
* ``rank`` among the parent's children with a value, 1 = largest, ties share the rank and the next
  rank is skipped (competition ranking 1, 1, 3); ``rank_of`` = number of ranked siblings.
* ``target``: the absolute target, or, for a target given as a growth rate g (in %), the previous
  December's value × (1 + g / 100). ``target_growth_pct`` is the given rate or the rate implied by an
  absolute target against the previous December's value.
* ``completion_pct`` = value / target × 100 (every kind).
* ``time_progress_pct`` = month / 12 × 100 for flows and stocks: the data are month-end figures, so
  at the end of November 11/12 of the year has elapsed. None for ratios (a ratio has no pace).
* ``behind_schedule``: flows — completion_pct < time_progress_pct (for a positive target; exactly
  on schedule is not behind). Stocks — comparing a level with
  the calendar would call a stock that starts the year at 95 % of its target "ahead" without any
  growth, so a stock is behind when the *increment* since last December covers less than the
  elapsed share of the planned increment: (value − Dec) / (target − Dec) < month / 12 (reported as
  ``increment_completion_pct``); when the target equals last December's level, behind means
  value < target. None when there is no target, no value, for ratios, and for stocks without last
  December's value. Both rules are "the year-end projection misses the target".
* ``projection`` (year end at the current pace): flows — value × 12 / month; stocks — linear
  extrapolation of the change since last December: Dec + (value − Dec) × 12 / month; None for
  ratios and for stocks without last December's value.

Ratio (and other derived) indicators without a stored value are computed from their formula at the
same region and period (previous-year values likewise). With ``rollup=True`` (default) a flow or
stock without a stored or derived value at a region is the sum of its children's values (children
without data are skipped, recursively).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from .catalog import FLOW, RATIO, STOCK, Catalog, IndicatorDef
from .decimals import CTX, HUNDRED, plain, quantize_half_up, to_decimal
from .periods import Period

__all__ = [
    "Evaluator",
    "PANEL_KEYS",
    "RegionTree",
    "RegionTreeLike",
    "Target",
    "build_store",
    "compute_panel",
    "competition_rank",
    "periods_needed",
    "time_progress_pct",
    "to_json",
    "to_jsonable",
]

ValueStore = Mapping[tuple[str, str, Period], Decimal]

#: Keys of every panel row, in order.
PANEL_KEYS = (
    "code", "name", "name_en", "unit", "kind", "value", "previous_value", "yoy_pct", "yoy_pp",
    "share_pct", "rank", "rank_of", "target", "target_growth_pct", "completion_pct",
    "increment_completion_pct", "time_progress_pct", "behind_schedule", "projection",
)

_TWELVE = Decimal(12)
_MISSING = object()


class RegionTreeLike(Protocol):
    """What the panel needs from a region hierarchy."""

    def parent(self, code: str) -> str | None: ...

    def children(self, code: str) -> Sequence[str]: ...


class RegionTree:
    """An in-memory region hierarchy built from ``{code: parent_code or None}``."""

    __slots__ = ("_parent", "_children")

    def __init__(self, parent_of: Mapping[str, str | None] | Iterable[tuple[str, str | None]]) -> None:
        pairs = parent_of.items() if isinstance(parent_of, Mapping) else parent_of
        self._parent: dict[str, str | None] = {}
        self._children: dict[str, list[str]] = {}
        for code, parent in pairs:
            self._parent[code] = parent or None
            self._children.setdefault(code, [])
            if parent:
                self._children.setdefault(parent, []).append(code)
                self._parent.setdefault(parent, None)
        self._check_acyclic()

    @classmethod
    def from_children(cls, children_of: Mapping[str, Iterable[str]]) -> RegionTree:
        """Build from ``{code: [child codes]}``; codes that are nobody's child are roots."""
        parent_of: dict[str, str | None] = {}
        for parent, kids in children_of.items():
            parent_of.setdefault(parent, None)
            for kid in kids:
                if parent_of.get(kid) not in (None, parent):
                    raise ValueError(f"region {kid} has two parents: {parent_of[kid]} and {parent}")
                parent_of[kid] = parent
        return cls(parent_of)

    def _check_acyclic(self) -> None:
        for start in self._parent:
            seen = {start}
            node = self._parent[start]
            while node is not None:
                if node in seen:
                    raise ValueError(f"region hierarchy has a cycle through {node}")
                seen.add(node)
                node = self._parent.get(node)

    def parent(self, code: str) -> str | None:
        """The parent region's code, or None for a root (or an unknown code)."""
        return self._parent.get(code)

    def children(self, code: str) -> Sequence[str]:
        """The child regions' codes in insertion order (empty for a leaf or an unknown code)."""
        return self._children.get(code, ())

    def __contains__(self, code: object) -> bool:
        return code in self._parent


@dataclass(frozen=True, slots=True)
class Target:
    """A year's target for one indicator at one region: an absolute ``value`` and/or a ``growth_pct``
    (growth over the previous December's value, in %). An absolute value takes precedence."""

    value: Decimal | None = None
    growth_pct: Decimal | None = None

    def __post_init__(self) -> None:
        if self.value is not None:
            object.__setattr__(self, "value", to_decimal(self.value, field="target value"))
        if self.growth_pct is not None:
            object.__setattr__(self, "growth_pct", to_decimal(self.growth_pct, field="target growth_pct"))


def build_store(rows: Iterable[tuple[str, str, Period | str, object]]) -> dict[tuple[str, str, Period], Decimal]:
    """Build a value store from ``(region_code, indicator_code, period, value)`` rows.

    ``period`` is a :class:`Period` or ``"YYYY-MM"``; ``value`` an int, Decimal or decimal string
    (never a float). Rows with a ``None`` value are skipped. A repeated key raises ValueError.
    """
    store: dict[tuple[str, str, Period], Decimal] = {}
    for region, code, period, value in rows:
        if value is None:
            continue
        key = (region, code, Period.parse(period) if isinstance(period, str) else period)
        if key in store:
            raise ValueError(f"duplicate value for region {region}, indicator {code}, period {key[2]}")
        store[key] = to_decimal(value, field=f"{region}/{code}/{key[2]}")
    return store


def periods_needed(period: Period) -> list[Period]:
    """Every period the panel at ``period`` may read: P, P−1y, last December, December before that."""
    prev = period.previous_year()
    return sorted({period, prev, period.previous_december(), prev.previous_december()})


def time_progress_pct(period: Period) -> Decimal:
    """Elapsed share of the year at the end of ``period``: month / 12 × 100 (Nov → 91.66…, Dec → 100)."""
    return CTX.divide(CTX.multiply(Decimal(period.month), HUNDRED), _TWELVE)


def competition_rank(value: Decimal | None, values: Iterable[Decimal | None]) -> tuple[int | None, int]:
    """``(rank, n)``: rank of ``value`` among ``values`` (1 = largest, ties share, 1,1,3), n ranked.

    ``values`` should include ``value`` itself; None entries are not ranked.
    """
    ranked = [v for v in values if v is not None]
    if value is None:
        return None, len(ranked)
    return 1 + sum(1 for v in ranked if v > value), len(ranked)


class Evaluator:
    """Resolves indicator values at any region and period: stored value → formula → roll-up.

    Memoised, so one evaluator can serve several panels of the same request. Not thread-safe.
    """

    __slots__ = ("catalog", "values", "tree", "rollup", "_memo", "_get")

    def __init__(self, catalog: Catalog, values: ValueStore, tree: RegionTreeLike, *, rollup: bool = True) -> None:
        self.catalog = catalog
        self.values = values
        self.tree = tree
        self.rollup = rollup
        self._memo: dict[tuple[str, str, Period], Decimal | None] = {}
        self._get = values.get

    def value(self, region: str, code: str, period: Period) -> Decimal | None:
        """The value of ``code`` at ``region`` and ``period``, or None when it cannot be known."""
        key = (region, code, period)
        v = self._get(key)
        if v is not None:
            return v
        v = self._memo.get(key, _MISSING)
        if v is not _MISSING:
            return v
        v = None
        d = self.catalog.get(code)
        if d is not None:
            if d.compiled is not None:
                v = d.compiled.evaluate(lambda c, p: self.value(region, c, p), period)
            if v is None and self.rollup and d.kind != RATIO:
                v = self._children_sum(region, code, period)
        self._memo[key] = v
        return v

    def _children_sum(self, region: str, code: str, period: Period) -> Decimal | None:
        get, value, add = self._get, self.value, CTX.add
        total: Decimal | None = None
        for child in self.tree.children(region):
            cv = get((child, code, period))  # the common case, without a method call
            if cv is None:
                cv = value(child, code, period)
                if cv is None:
                    continue
            total = cv if total is None else add(total, cv)
        return total

    def total(self, region: str, code: str, period: Period) -> Decimal | None:
        """The region's own (stored or derived) value, else the sum of its children's values."""
        v = self.value(region, code, period)
        if v is None and not self.rollup:
            v = self._children_sum(region, code, period)
        return v


def _growth_pct(value: Decimal | None, base: Decimal | None) -> Decimal | None:
    if value is None or base is None or base.is_zero():
        return None
    return CTX.divide(CTX.multiply(CTX.subtract(value, base), HUNDRED), abs(base))


def _pct(num: Decimal | None, den: Decimal | None) -> Decimal | None:
    if num is None or den is None or den.is_zero():
        return None
    return CTX.divide(CTX.multiply(num, HUNDRED), den)


def _row(
    ev: Evaluator,
    d: IndicatorDef,
    region: str,
    period: Period,
    parent: str | None,
    siblings: Sequence[str],
    target: Target | None,
    progress: Decimal,
) -> dict[str, Any]:
    code, kind, month = d.code, d.kind, period.month
    value = ev.value(region, code, period)
    previous = ev.value(region, code, period.previous_year())

    yoy_pct = yoy_pp = None
    if kind == RATIO:
        if value is not None and previous is not None:
            yoy_pp = CTX.subtract(value, previous)
    else:
        yoy_pct = _growth_pct(value, previous)

    share_pct = None
    rank = rank_of = None
    if parent is not None:
        if kind != RATIO and value is not None:
            share_pct = _pct(value, ev.total(parent, code, period))
        rank, rank_of = competition_rank(value, (ev.value(s, code, period) for s in siblings))

    target_value = target_growth = completion = increment_completion = behind = projection = None
    prev_dec = ev.value(region, code, period.previous_december()) if kind != RATIO or target else None
    if target is not None:
        target_value = target.value
        if target_value is None and target.growth_pct is not None and prev_dec is not None:
            target_value = CTX.multiply(prev_dec, CTX.add(1, CTX.divide(target.growth_pct, HUNDRED)))
        target_growth = target.growth_pct
        if target_growth is None and target.value is not None:
            target_growth = _growth_pct(target.value, prev_dec)
        completion = _pct(value, target_value)
        if value is not None and target_value is not None:
            # Compared by cross-multiplication, so that being exactly on schedule is never
            # turned into "behind" by the rounding of a quotient.
            if kind == FLOW:
                # value / target < month / 12  ⇔  value × 12 < target × month  (target > 0),
                # i.e. the projection value × 12 / month falls short of the target
                behind = CTX.multiply(value, _TWELVE) < CTX.multiply(target_value, month)
            elif kind == STOCK and prev_dec is not None:
                planned = CTX.subtract(target_value, prev_dec)
                achieved = CTX.subtract(value, prev_dec)
                if planned.is_zero():
                    behind = value < target_value
                else:
                    increment_completion = _pct(achieved, planned)
                    # achieved / planned < month / 12, multiplied out by 12 × planned (whose sign
                    # flips the comparison for a planned decrease)
                    lhs, rhs = CTX.multiply(achieved, _TWELVE), CTX.multiply(planned, month)
                    behind = lhs < rhs if planned > 0 else lhs > rhs

    if value is not None:
        if kind == FLOW:
            projection = CTX.divide(CTX.multiply(value, _TWELVE), Decimal(month))
        elif kind == STOCK and prev_dec is not None:
            change = CTX.subtract(value, prev_dec)
            projection = CTX.add(prev_dec, CTX.divide(CTX.multiply(change, _TWELVE), Decimal(month)))

    return {
        "code": code,
        "name": d.name_zh,
        "name_en": d.name_en,
        "unit": d.unit,
        "kind": kind,
        "value": value,
        "previous_value": previous,
        "yoy_pct": yoy_pct,
        "yoy_pp": yoy_pp,
        "share_pct": share_pct,
        "rank": rank,
        "rank_of": rank_of,
        "target": target_value,
        "target_growth_pct": target_growth,
        "completion_pct": completion,
        "increment_completion_pct": increment_completion,
        "time_progress_pct": None if kind == RATIO else progress,
        "behind_schedule": behind,
        "projection": projection,
    }


def compute_panel(
    catalog: Catalog,
    values: ValueStore | Evaluator,
    tree: RegionTreeLike | None,
    region: str,
    period: Period | str,
    *,
    targets: Mapping[str, Target | Decimal] | None = None,
    rollup: bool = True,
    codes: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The panel rows for ``region`` at ``period``, one dict per indicator in catalog order.

    ``values`` is the value store (or an :class:`Evaluator` to share memoisation between calls,
    in which case ``tree`` and ``rollup`` are taken from it). ``targets`` maps indicator codes to a
    :class:`Target` (or a bare Decimal, meaning an absolute target) for ``period``'s year.
    ``codes`` restricts the panel to those indicators (still in catalog order).
    """
    if isinstance(period, str):
        period = Period.parse(period)
    if isinstance(values, Evaluator):
        ev = values
    else:
        if tree is None:
            raise TypeError("a region tree is required")
        ev = Evaluator(catalog, values, tree, rollup=rollup)
    parent = ev.tree.parent(region)
    siblings: Sequence[str] = ()
    if parent is not None:
        siblings = ev.tree.children(parent)
        if region not in siblings:
            siblings = [*siblings, region]
    progress = time_progress_pct(period)
    wanted = None if codes is None else set(codes)
    targets = targets or {}
    rows = []
    for d in catalog:
        if wanted is not None and d.code not in wanted:
            continue
        t = targets.get(d.code)
        if t is not None and not isinstance(t, Target):
            t = Target(value=t)
        rows.append(_row(ev, d, region, period, parent, siblings, t, progress))
    return rows


def to_jsonable(rows: Iterable[Mapping[str, Any]], *, places: int | None = None) -> list[dict[str, Any]]:
    """Rows with Decimals as plain decimal strings (rounded half-up to ``places`` if given) and
    Periods as ``"YYYY-MM"``; None, bools, ints and strings unchanged."""
    out = []
    for row in rows:
        item = {}
        for key, v in row.items():
            if isinstance(v, Decimal):
                v = plain(quantize_half_up(v, places) if places is not None else v)
            elif isinstance(v, Period):
                v = str(v)
            item[key] = v
        out.append(item)
    return out


def to_json(rows: Iterable[Mapping[str, Any]], *, places: int | None = None, indent: int | None = None) -> str:
    """The rows as a JSON array: Decimals as strings, None as null (see :func:`to_jsonable`)."""
    return json.dumps(to_jsonable(rows, places=places), ensure_ascii=False, indent=indent)
