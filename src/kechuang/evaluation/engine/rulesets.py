"""Versioned rule sets: JSON files under `rulesets/`, each valid over a date range; pick the one valid on a date."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import RuleSetNotFound

RULESET_DIR = Path(__file__).with_name("rulesets")
KINDS = ("hte", "tsme", "startup", "pool")


@dataclass(frozen=True)
class RuleSet:
    """One versioned rule set; `data` is the parsed JSON (numbers with a fraction part are Decimals)."""

    id: str
    kind: str
    title: str
    valid_from: date
    valid_to: date | None
    source: str
    data: dict[str, Any] = field(repr=False)
    # Compiled thresholds per evaluator, built once per rule set (see hte._rules / tsme._rules).
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RuleSet:
        """Build a rule set from its JSON form (also how the Django layer may pass a rule set kept elsewhere)."""
        for key in ("id", "kind", "valid_from", "source"):
            if not raw.get(key):
                raise ValueError(f"rule set lacks {key!r}")
        if raw["kind"] not in KINDS:
            raise ValueError(f"rule set {raw['id']}: unknown kind {raw['kind']!r}")
        valid_to = date.fromisoformat(raw["valid_to"]) if raw.get("valid_to") else None
        valid_from = date.fromisoformat(raw["valid_from"])
        if valid_to is not None and valid_to < valid_from:
            raise ValueError(f"rule set {raw['id']}: valid_to before valid_from")
        return cls(
            id=raw["id"],
            kind=raw["kind"],
            title=raw.get("title", raw["id"]),
            valid_from=valid_from,
            valid_to=valid_to,
            source=raw["source"],
            data=raw,
        )

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def describe(self) -> dict[str, Any]:
        """The rule set's identity for a result: id, validity and source."""
        return {
            "id": self.id,
            "title": self.title,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "source": self.source,
        }


def load_file(path: Path) -> RuleSet:
    """Read one rule-set file; its id must match the file name."""
    raw = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    ruleset = RuleSet.from_dict(raw)
    if ruleset.id != path.stem:
        raise ValueError(f"{path.name}: id {ruleset.id!r} does not match the file name")
    return ruleset


@lru_cache(maxsize=1)
def all_rulesets() -> tuple[RuleSet, ...]:
    """Every bundled rule set, sorted by kind and start date."""
    sets = [load_file(p) for p in sorted(RULESET_DIR.glob("*.json"))]
    return tuple(sorted(sets, key=lambda r: (r.kind, r.valid_from)))


def get_ruleset(ruleset_id: str) -> RuleSet:
    for ruleset in all_rulesets():
        if ruleset.id == ruleset_id:
            return ruleset
    raise KeyError(ruleset_id)


def ruleset_for(kind: str, day: date, *, field_name: str = "date") -> RuleSet:
    """The rule set of `kind` valid on `day` (the latest-starting one if several overlap)."""
    valid = [r for r in all_rulesets() if r.kind == kind and r.valid_on(day)]
    if not valid:
        raise RuleSetNotFound(field_name, f"no {kind} rule set is valid on {day.isoformat()}")
    return max(valid, key=lambda r: r.valid_from)
