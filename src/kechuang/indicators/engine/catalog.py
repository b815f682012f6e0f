"""The indicator catalog (指标目录): definitions loaded from ``indicators.csv`` or rows, validated at load."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .formula import Formula, FormulaError

__all__ = ["Catalog", "CatalogError", "IndicatorDef", "KINDS", "SOURCES", "load_catalog"]

FLOW, STOCK, RATIO = "flow", "stock", "ratio"
#: flow: cumulative from January (累计值); stock: level at month end (期末值); ratio: a quotient.
KINDS = (FLOW, STOCK, RATIO)
SOURCES = ("statistics", "platform", "derived")

_COLUMNS = ("code", "name_zh", "name_en", "unit", "kind", "source", "formula", "notes")
_CODE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class CatalogError(ValueError):
    """The catalog is invalid; ``errors`` lists every problem found (not just the first)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("invalid indicator catalog:\n  " + "\n  ".join(self.errors))


@dataclass(frozen=True, slots=True)
class IndicatorDef:
    """One catalog entry. ``formula`` is the source text; ``compiled`` the parsed formula (or None)."""

    code: str
    name_zh: str
    name_en: str
    unit: str
    kind: str
    source: str
    formula: str | None = None
    notes: str = ""
    compiled: Formula | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.formula is not None and not self.formula.strip():
            object.__setattr__(self, "formula", None)
        if self.formula is not None and self.compiled is None:
            object.__setattr__(self, "compiled", Formula(self.formula))  # raises FormulaError

    @property
    def is_additive(self) -> bool:
        """Flows and stocks add up over regions; ratios do not."""
        return self.kind != RATIO

    @property
    def name(self) -> str:
        """The display name (Chinese first)."""
        return self.name_zh


class Catalog:
    """Indicator definitions in catalog order, addressable by code."""

    __slots__ = ("_defs",)

    def __init__(self, defs: Iterable[IndicatorDef]) -> None:
        self._defs: dict[str, IndicatorDef] = {d.code: d for d in defs}

    def __iter__(self) -> Iterator[IndicatorDef]:
        return iter(self._defs.values())

    def __len__(self) -> int:
        return len(self._defs)

    def __contains__(self, code: object) -> bool:
        return code in self._defs

    def __getitem__(self, code: str) -> IndicatorDef:
        return self._defs[code]

    def get(self, code: str) -> IndicatorDef | None:
        """The definition of ``code`` or None."""
        return self._defs.get(code)

    @property
    def codes(self) -> list[str]:
        """All codes in catalog order."""
        return list(self._defs)

    def __repr__(self) -> str:
        return f"Catalog({len(self._defs)} indicators)"


def _rows_from_path(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _clean(value: object) -> str:
    return "" if value is None else str(value).strip()


def load_catalog(source: str | os.PathLike[str] | Iterable[Mapping[str, object] | IndicatorDef]) -> Catalog:
    """Load and validate the catalog from a CSV path or from rows (mappings with the CSV's columns
    ``code, name_zh, name_en, unit, kind, source, formula[, notes]``, or :class:`IndicatorDef`).

    Every problem is collected and raised together as :class:`CatalogError`: missing or malformed
    code, duplicate code, unknown kind or source, a ``derived`` indicator without a formula, a
    formula that does not parse, refers to an unknown code, or refers to itself through a cycle.
    """
    rows: Iterable[Mapping[str, object] | IndicatorDef]
    rows = _rows_from_path(source) if isinstance(source, (str, os.PathLike)) else source

    errors: list[str] = []
    defs: list[IndicatorDef] = []
    seen: set[str] = set()
    for lineno, row in enumerate(rows, start=2 if isinstance(source, (str, os.PathLike)) else 1):
        where = f"row {lineno}"
        if isinstance(row, IndicatorDef):
            raw = {
                "code": row.code, "name_zh": row.name_zh, "name_en": row.name_en, "unit": row.unit,
                "kind": row.kind, "source": row.source, "formula": row.formula or "", "notes": row.notes,
            }
        else:
            raw = {k: _clean(row.get(k)) for k in _COLUMNS}
        code = str(raw["code"])
        if code:
            where = f"row {lineno} ({code})"
        row_errors: list[str] = []
        if not code:
            row_errors.append(f"{where}: code is empty")
        elif not _CODE_RE.fullmatch(code):
            row_errors.append(f"{where}: code {code!r} must be letters, digits and underscores")
        elif code in seen:
            row_errors.append(f"{where}: duplicate code {code}")
        if not raw["name_zh"]:
            row_errors.append(f"{where}: name_zh is empty")
        if raw["kind"] not in KINDS:
            row_errors.append(f"{where}: kind {raw['kind']!r} is not one of {', '.join(KINDS)}")
        if raw["source"] not in SOURCES:
            row_errors.append(f"{where}: source {raw['source']!r} is not one of {', '.join(SOURCES)}")
        if raw["source"] == "derived" and not raw["formula"]:
            row_errors.append(f"{where}: a derived indicator needs a formula")
        compiled = None
        if raw["formula"]:
            try:
                compiled = Formula(str(raw["formula"]))
            except FormulaError as exc:
                row_errors.append(f"{where}: {exc}")
        if row_errors:
            errors.extend(row_errors)
            if code:
                seen.add(code)
            continue
        seen.add(code)
        defs.append(
            IndicatorDef(
                code=code, name_zh=str(raw["name_zh"]), name_en=str(raw["name_en"]), unit=str(raw["unit"]),
                kind=str(raw["kind"]), source=str(raw["source"]), formula=str(raw["formula"]) or None,
                notes=str(raw["notes"]), compiled=compiled,
            )
        )

    by_code = {d.code: d for d in defs}
    for d in defs:
        if d.compiled is None:
            continue
        unknown = sorted(c for c in d.compiled.codes if c not in seen)
        if unknown:
            errors.append(f"{d.code}: formula {d.formula!r} refers to unknown indicator(s) {', '.join(unknown)}")
    errors.extend(_cycles(by_code))
    if errors:
        raise CatalogError(errors)
    return Catalog(defs)


def _cycles(by_code: Mapping[str, IndicatorDef]) -> list[str]:
    """Report formulas that depend on themselves (directly or through others, at any period)."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(by_code, WHITE)
    found: list[str] = []

    def visit(code: str, path: list[str]) -> None:
        colour[code] = GREY
        d = by_code[code]
        for dep in sorted(d.compiled.codes) if d.compiled else ():
            if dep not in by_code:
                continue
            if colour[dep] == GREY:
                cycle = path[path.index(dep):] + [dep]
                found.append(f"{dep}: formula cycle {' -> '.join(cycle)}")
            elif colour[dep] == WHITE:
                visit(dep, path + [dep])
        colour[code] = BLACK

    for code in by_code:
        if colour[code] == WHITE:
            visit(code, [code])
    return found
