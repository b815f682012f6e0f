"""Eligibility conditions as data: a list of {field, op, value[, note]} over the fact catalogue.

`parse_conditions` validates a whole list at once and names every bad condition ("第2条条件（2024年研发费用）：…");
the stored form is the normalised JSON it returns. `check` evaluates one condition for one enterprise's facts and
explains the outcome with the enterprise's own value. A fact without data never satisfies a comparison.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from .errors import Collector
from .facts import FACTS, QUALIFICATION_KINDS
from .industry import SECTIONS
from .values import fmt_wan, plain, round_fraction, to_bool, to_dec, to_int

OPS = {
    "eq": "等于", "ne": "不等于", "gt": "大于", "gte": "大于等于", "lt": "小于", "lte": "小于等于",
    "between": "介于（含两端）", "in": "属于", "not_in": "不属于", "prefix": "以…开头", "not_prefix": "不以…开头",
    "includes": "包含", "excludes": "不包含", "not_null": "有数据", "is_null": "无数据",
}
SYMBOLS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}
_NUMERIC = ("eq", "ne", "gt", "gte", "lt", "lte", "between", "not_null", "is_null")
TYPE_OPS = {
    "money": _NUMERIC,
    "int": _NUMERIC,
    "ratio": _NUMERIC,
    "year": _NUMERIC + ("in", "not_in"),
    "bool": ("eq",),
    "code": ("eq", "ne", "in", "not_in", "prefix", "not_prefix", "not_null", "is_null"),
    "codes": ("includes", "excludes"),
}
NO_VALUE = ("not_null", "is_null")
LIST_OPS = ("in", "not_in")
MAX_CONDITIONS = 30


@dataclass(frozen=True)
class Condition:
    """One validated condition; `value` is a Decimal, int, bool, str, tuple or None according to the fact type."""

    index: int
    field: str
    op: str
    value: Any
    note: str = ""

    def to_json(self) -> dict:
        out: dict[str, Any] = {"field": self.field, "op": self.op}
        if self.op not in NO_VALUE:
            out["value"] = _jsonable(self.value)
        if self.note:
            out["note"] = self.note
        return out

    def describe(self, year: int | None) -> str:
        """The condition in words, e.g. '2024年研发费用较2023年增长额 大于 0万元'."""
        spec = FACTS[self.field]
        label = spec.label_for(year)
        if self.op in NO_VALUE:
            return f"{label} {OPS[self.op]}"
        return f"{label} {OPS[self.op]} {_show_expected(spec.type, self.op, self.value)}"


@dataclass(frozen=True)
class ConditionResult:
    """The outcome of one condition for one enterprise, with the enterprise's value in words (made on demand:
    a 免申即享 list of thousands of enterprises needs only pass/fail and the amount)."""

    index: int
    field: str
    label: str
    text: str
    actual: Any
    passed: bool
    reason: str
    note: str = ""
    threshold: Any = None

    @property
    def actual_text(self) -> str:
        return show_actual(FACTS[self.field].type, self.actual, self.threshold)

    def to_json(self) -> dict:
        return {"index": self.index, "field": self.field, "label": self.label, "text": self.text,
                "actual": _jsonable(self.actual), "actual_text": self.actual_text, "passed": self.passed,
                "reason": self.reason, "note": self.note}


def _jsonable(value):
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, Fraction):
        return plain(round_fraction(value, 10))
    if isinstance(value, (tuple, list, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    return value


def _where(i: int, field: str | None) -> str:
    spec = FACTS.get(field or "")
    return f"第{i + 1}条条件" + (f"（{spec.label_for(None)}）" if spec else "")


def _split(raw) -> list:
    if isinstance(raw, (list, tuple)):
        return list(raw)
    if isinstance(raw, str):
        return [p.strip() for p in raw.replace("，", ",").replace("、", ",").split(",") if p.strip()]
    return [raw]


def _scalar(ftype: str, field: str, raw):
    """One value of the fact's type; raises ValueError with a Chinese message."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValueError("缺少比较值")
    if ftype == "money":
        d = to_dec(raw)
        if d != d.quantize(Decimal("0.01")):
            raise ValueError(f"金额（元）最多精确到分，实为“{raw}”")
        return d
    if ftype == "ratio":
        if isinstance(raw, str) and raw.strip().endswith("%"):
            return to_dec(raw.strip()[:-1]) / 100
        return to_dec(raw)
    if ftype == "int":
        return to_int(raw)
    if ftype == "year":
        y = to_int(raw)
        if not 1949 <= y <= 2100:
            raise ValueError(f"年度应在1949–2100之间，实为{y}")
        return y
    if ftype == "bool":
        return to_bool(raw)
    if ftype == "code":
        text = str(raw).strip().upper() if field == "industry_section" else str(raw).strip()
        if not text.isalnum() or len(text) > 12:
            raise ValueError(f"代码应为不超过12位的字母或数字，实为“{raw}”")
        if field == "industry_section" and text not in {s[0] for s in SECTIONS}:
            raise ValueError(f"行业门类应为A–T之一，实为“{raw}”")
        return text
    if ftype == "codes":
        text = str(raw).strip()
        if text not in QUALIFICATION_KINDS:
            kinds = "、".join(f"{k}（{v}）" for k, v in QUALIFICATION_KINDS.items())
            raise ValueError(f"资质类型应为以下之一：{kinds}；实为“{raw}”")
        return text
    raise ValueError(f"未知的类型 {ftype}")  # pragma: no cover - the catalogue only has the types above


def parse_conditions(raw, errors: Collector | None = None, *, prefix: str = "conditions") -> list[Condition]:
    """Validate a list of conditions; every problem goes to `errors` (raised at once when none is given)."""
    own = errors is None
    errors = errors or Collector()
    out: list[Condition] = []
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        errors.error(prefix, "条件应为列表", "not_a_list")
        raw = []
    if len(raw) > MAX_CONDITIONS:
        errors.error(prefix, f"条件不能超过{MAX_CONDITIONS}条（实为{len(raw)}条）", "too_many")
    for i, item in enumerate(raw):
        at = f"{prefix}[{i}]"
        if not isinstance(item, dict):
            errors.error(at, f"第{i + 1}条条件应为对象 {{field, op, value}}", "not_an_object")
            continue
        field = item.get("field")
        op = item.get("op")
        where = _where(i, field)
        spec = FACTS.get(field or "")
        if spec is None:
            errors.error(f"{at}.field", f"{where}：未知的数据项“{field}”", "unknown_field")
            continue
        if op not in TYPE_OPS[spec.type]:
            allowed = "、".join(f"{o}（{OPS[o]}）" for o in TYPE_OPS[spec.type])
            errors.error(f"{at}.op", f"{where}：比较方式“{op}”不适用于该数据项，可用：{allowed}", "bad_op")
            continue
        note = str(item.get("note") or "").strip()[:200]
        raw_value = item.get("value")
        try:
            value = _value(spec.type, field, op, raw_value)
        except ValueError as exc:
            errors.error(f"{at}.value", f"{where}：{exc}", "bad_value")
            continue
        out.append(Condition(index=i, field=field, op=op, value=value, note=note))
    if own:
        errors.raise_if_any()
    return out


def _value(ftype: str, field: str, op: str, raw):
    if op in NO_VALUE:
        if raw not in (None, "", []):
            raise ValueError("“有数据/无数据”不需要比较值")
        return None
    if op == "between":
        parts = _split(raw)
        if len(parts) != 2:
            raise ValueError("“介于”需要两个值：下限和上限")
        lo, hi = (_scalar(ftype, field, p) for p in parts)
        if lo > hi:
            raise ValueError(f"下限不能大于上限（{parts[0]} > {parts[1]}）")
        return (lo, hi)
    if op in LIST_OPS or op in ("prefix", "not_prefix") or (ftype == "codes"):
        parts = _split(raw)
        if not parts:
            raise ValueError("缺少比较值")
        values = tuple(_scalar(ftype, field, p) for p in parts)
        if len(set(values)) != len(values):
            raise ValueError("比较值有重复")
        return values
    if isinstance(raw, (list, tuple)):
        raise ValueError("该比较方式只接受一个值")
    return _scalar(ftype, field, raw)


# ----- display -------------------------------------------------------------------------------------------------

def _show_one(ftype: str, v) -> str:
    if ftype == "money":
        return fmt_wan(v)
    if ftype == "ratio":
        return plain(Decimal(v) * 100) + "%"
    if ftype == "year":
        return f"{v}年"
    if ftype == "bool":
        return "是" if v else "否"
    if ftype == "codes":
        return QUALIFICATION_KINDS.get(v, v)
    return str(v)


def _show_expected(ftype: str, op: str, value) -> str:
    if op == "between":
        return f"{_show_one(ftype, value[0])} 至 {_show_one(ftype, value[1])}"
    if isinstance(value, tuple):
        joiner = "、" if op in ("includes",) else " 或 "
        return joiner.join(_show_one(ftype, v) for v in value)
    return _show_one(ftype, value)


def _clear_display(value: Fraction, thresholds: tuple, places: int = 2) -> Decimal:
    """`value` rounded half-up to `places`, with more digits while rounding would hide its side of a threshold."""
    while True:
        shown = round_fraction(value, places)
        if places >= 12 or all((Fraction(shown) >= t) == (value >= t) and (Fraction(shown) == t) == (value == t)
                               for t in thresholds):
            return shown
        places += 1


def show_actual(ftype: str, value, threshold=None) -> str:
    """The enterprise's value in words: money in 万元 and ratios in % to 2 decimals, with more digits when
    rounding would put the value on the wrong side of (or onto) the condition's threshold."""
    if value is None:
        return "无数据"
    bounds = () if threshold is None else threshold if isinstance(threshold, tuple) else (threshold,)
    if ftype == "ratio":
        return f"{_clear_display(Fraction(value) * 100, tuple(Fraction(t) * 100 for t in bounds))}%"
    if ftype == "money":
        return f"{_clear_display(Fraction(value) / 10000, tuple(Fraction(t) / 10000 for t in bounds)):,}万元"
    if ftype == "codes":
        return "、".join(QUALIFICATION_KINDS.get(k, k) for k in sorted(value)) or "无"
    return _show_one(ftype, value)


# ----- evaluation ----------------------------------------------------------------------------------------------

def _num(v) -> Fraction:
    return Fraction(v)


def _compare(op: str, actual, expected) -> bool:
    # Decimals and ints compare exactly among themselves; a ratio (Fraction) needs both sides as fractions.
    a, e = (_num(actual), _num(expected)) if isinstance(actual, Fraction) else (actual, expected)
    return {"eq": a == e, "ne": a != e, "gt": a > e, "gte": a >= e, "lt": a < e, "lte": a <= e}[op]


@lru_cache(maxsize=1024)
def _label(field: str, year: int | None) -> str:
    return FACTS[field].label_for(year)


@lru_cache(maxsize=1024)
def _describe(cond: Condition, year: int | None) -> str:
    return cond.describe(year)


def check(cond: Condition, facts: dict[str, Any], year: int | None) -> ConditionResult:
    """Evaluate one condition; a missing fact fails every comparison (and satisfies only 'is_null')."""
    spec = FACTS[cond.field]
    actual = facts.get(cond.field)
    threshold = None
    if spec.type in ("ratio", "money") and cond.value is not None:
        threshold = cond.value
    text = _describe(cond, year)
    passed: bool
    reason = ""
    if cond.op == "is_null":
        passed = actual is None
    elif cond.op == "not_null":
        passed = actual is not None
    elif actual is None:
        passed, reason = False, "缺少数据"
    elif spec.type == "codes":
        have = set(actual)
        passed = set(cond.value) <= have if cond.op == "includes" else not (set(cond.value) & have)
    elif spec.type == "bool":
        passed = bool(actual) == cond.value
    elif spec.type == "code":
        a = str(actual)
        if cond.op == "eq":
            passed = a == cond.value
        elif cond.op == "ne":
            passed = a != cond.value
        elif cond.op == "in":
            passed = a in cond.value
        elif cond.op == "not_in":
            passed = a not in cond.value
        elif cond.op == "prefix":
            passed = any(a.startswith(p) for p in cond.value)
        else:  # not_prefix
            passed = not any(a.startswith(p) for p in cond.value)
    elif cond.op == "between":
        passed = _num(cond.value[0]) <= _num(actual) <= _num(cond.value[1])
    elif cond.op in LIST_OPS:
        hit = any(_num(actual) == _num(v) for v in cond.value)
        passed = hit if cond.op == "in" else not hit
    else:
        passed = _compare(cond.op, actual, cond.value)
    if not reason:
        reason = "满足" if passed else "不满足"
    return ConditionResult(index=cond.index, field=cond.field, label=_label(cond.field, year), text=text,
                           actual=actual, passed=passed, reason=reason, note=cond.note, threshold=threshold)
