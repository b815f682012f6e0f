"""Award formulas as data, computed with exact Decimals and rounded half-up to the yuan or the fen.

Kinds:
  fixed     {"type": "fixed", "amount": "200000"}
  share     {"type": "share", "base": "rd_growth", "rate": "0.10", "cap": "500000"}
            rate × base (a negative base gives 0), rounded, then capped
  tiered    {"type": "tiered", "base": "rd_expense", "mode": "bracket", "tiers": [{"min": "0", "amount": "50000"},
            {"min": "5000000", "rate": "0.02"}]}
            bracket: the tier with the largest min ≤ base applies to the whole base (an amount, or rate × base);
            progressive: each tier's rate applies to the part of the base from its min up to the next min.
            A base below the first min gives 0.
Every kind takes "rounding": "yuan" (default) or "fen", and share/tiered an optional "cap".
Order of work (stated on every result): raw amount → round half-up → cap → never below 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from .errors import Collector
from .facts import FACTS, MONEY_FACTS
from .values import (
    ROUNDING_LABELS,
    ROUNDING_UNITS,
    fmt_yuan,
    plain,
    round_money,
    to_dec,
)

KINDS = {"fixed": "固定金额", "share": "按比例（可封顶）", "tiered": "分档"}
MODES = {"bracket": "按所在档次", "progressive": "超额累进"}
MAX_TIERS = 20
ZERO = Decimal(0)


@dataclass(frozen=True)
class Tier:
    min: Decimal
    amount: Decimal | None = None
    rate: Decimal | None = None

    def to_json(self) -> dict:
        out = {"min": plain(self.min)}
        if self.amount is not None:
            out["amount"] = plain(self.amount)
        if self.rate is not None:
            out["rate"] = plain(self.rate)
        return out


@dataclass(frozen=True)
class Formula:
    """A validated award formula."""

    type: str
    rounding: str = "yuan"
    amount: Decimal | None = None
    base: str | None = None
    rate: Decimal | None = None
    cap: Decimal | None = None
    mode: str | None = None
    tiers: tuple[Tier, ...] = ()

    def to_json(self) -> dict:
        out: dict[str, Any] = {"type": self.type, "rounding": self.rounding}
        if self.type == "fixed":
            out["amount"] = plain(self.amount)
            return out
        out["base"] = self.base
        if self.type == "share":
            out["rate"] = plain(self.rate)
        else:
            out["mode"] = self.mode
            out["tiers"] = [t.to_json() for t in self.tiers]
        if self.cap is not None:
            out["cap"] = plain(self.cap)
        return out

    def describe(self, year: int | None) -> str:
        """The formula in words, e.g. '2024年研发费用较2023年增长额 × 10%，最高 500,000元，按元四舍五入'."""
        unit = f"按{ROUNDING_LABELS[self.rounding]}四舍五入"
        if self.type == "fixed":
            return f"定额 {fmt_yuan(self.amount)}"
        base = FACTS[self.base].label_for(year)
        cap = f"，最高 {fmt_yuan(self.cap)}" if self.cap is not None else ""
        if self.type == "share":
            return f"{base} × {plain(self.rate * 100)}%{cap}，{unit}"
        parts = []
        for t in self.tiers:
            what = fmt_yuan(t.amount) if t.amount is not None else f"{plain(t.rate * 100)}%"
            parts.append(f"≥{fmt_yuan(t.min)}：{what}")
        return f"{base} {MODES[self.mode]}（{'；'.join(parts)}）{cap}，{unit}"

    @property
    def base_fact(self) -> str | None:
        return self.base


@dataclass
class AwardResult:
    """The computed amount with every step in words (yuan, exact), or `missing` when the base has no data."""

    amount: Decimal | None
    steps: list[str] = field(default_factory=list)
    missing: bool = False


def _money(raw, what: str, rounding: str, *, positive: bool = True) -> Decimal:
    d = to_dec(raw)
    if positive and d <= 0:
        raise ValueError(f"{what}应大于0（实为{raw}）")
    if d < 0:
        raise ValueError(f"{what}不能为负（实为{raw}）")
    unit = ROUNDING_UNITS[rounding]
    if d != d.quantize(unit):
        raise ValueError(f"{what}应精确到{ROUNDING_LABELS[rounding]}（实为{raw}）")
    if d >= Decimal("1E14"):
        raise ValueError(f"{what}过大（{raw}）")
    return d.quantize(unit)


def _rate(raw, what: str) -> Decimal:
    if isinstance(raw, str) and raw.strip().endswith("%"):
        d = to_dec(raw.strip()[:-1]) / 100
    else:
        d = to_dec(raw)
    if not 0 < d <= 1:
        raise ValueError(f"{what}应大于0且不超过1（100%），实为{raw}")
    return d


def parse_formula(raw, errors: Collector | None = None, *, prefix: str = "formula") -> Formula | None:
    """Validate a formula; every problem goes to `errors` (raised at once when none is given)."""
    own = errors is None
    errors = errors or Collector()
    result = _parse(raw, errors, prefix)
    if own:
        errors.raise_if_any()
    return result


def _parse(raw, errors: Collector, p: str) -> Formula | None:
    if not isinstance(raw, dict):
        errors.error(p, "奖励公式应为对象，如 {\"type\": \"fixed\", \"amount\": \"200000\"}", "not_an_object")
        return None
    kind = raw.get("type")
    if kind not in KINDS:
        errors.error(f"{p}.type", f"奖励方式应为以下之一：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}；实为“{kind}”",
                     "bad_type")
        return None
    rounding = raw.get("rounding") or "yuan"
    if rounding not in ROUNDING_UNITS:
        errors.error(f"{p}.rounding", f"取整方式应为 yuan（元）或 fen（分），实为“{rounding}”", "bad_rounding")
        return None
    n = len(errors.errors)

    def get(name, parse, *args, required=True):
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                errors.error(f"{p}.{name}", f"奖励公式缺少“{name}”", "required")
            return None
        try:
            return parse(value, *args)
        except ValueError as exc:
            errors.error(f"{p}.{name}", f"奖励公式：{exc}", "bad_value")
            return None

    if kind == "fixed":
        amount = get("amount", _money, "定额", rounding)
        return Formula(type=kind, rounding=rounding, amount=amount) if len(errors.errors) == n else None

    base = raw.get("base")
    if base not in MONEY_FACTS:
        names = "、".join(f"{k}（{FACTS[k].label_for(None)}）" for k in MONEY_FACTS)
        errors.error(f"{p}.base", f"计算基数应为金额类数据项之一：{names}；实为“{base}”", "bad_base")
    cap = get("cap", _money, "封顶金额", rounding, required=False)
    if kind == "share":
        rate = get("rate", _rate, "比例")
        if len(errors.errors) != n:
            return None
        return Formula(type=kind, rounding=rounding, base=base, rate=rate, cap=cap)

    mode = raw.get("mode") or "bracket"
    if mode not in MODES:
        errors.error(f"{p}.mode", f"分档方式应为 bracket（按所在档次）或 progressive（超额累进），实为“{mode}”", "bad_mode")
    tiers_raw = raw.get("tiers")
    tiers: list[Tier] = []
    if not isinstance(tiers_raw, list) or not tiers_raw:
        errors.error(f"{p}.tiers", "分档公式至少需要一档", "required")
    elif len(tiers_raw) > MAX_TIERS:
        errors.error(f"{p}.tiers", f"档次不能超过{MAX_TIERS}个", "too_many")
    else:
        for i, t in enumerate(tiers_raw):
            at, name = f"{p}.tiers[{i}]", f"第{i + 1}档"
            if not isinstance(t, dict):
                errors.error(at, f"{name}应为对象 {{min, amount 或 rate}}", "not_an_object")
                continue
            try:
                lo = to_dec(t.get("min", ""))
                if lo < 0:
                    raise ValueError("下限不能为负")
                if lo != lo.quantize(Decimal("0.01")):
                    raise ValueError("下限最多精确到分")
            except ValueError as exc:
                errors.error(f"{at}.min", f"{name}：{exc}", "bad_value")
                continue
            has_amount, has_rate = t.get("amount") not in (None, ""), t.get("rate") not in (None, "")
            if has_amount == has_rate:
                errors.error(at, f"{name}：应给出金额（amount）或比例（rate）之一", "amount_or_rate")
                continue
            if mode == "progressive" and has_amount:
                errors.error(f"{at}.amount", f"{name}：超额累进只能按比例（rate）", "progressive_needs_rate")
                continue
            try:
                tier = (Tier(min=lo, amount=_money(t["amount"], "金额", rounding, positive=False)) if has_amount
                        else Tier(min=lo, rate=_rate(t["rate"], "比例")))
            except ValueError as exc:
                errors.error(f"{at}.{'amount' if has_amount else 'rate'}", f"{name}：{exc}", "bad_value")
                continue
            if tiers and tier.min <= tiers[-1].min:
                errors.error(f"{at}.min", f"{name}：下限应大于上一档的下限（{plain(tiers[-1].min)}）", "not_increasing")
                continue
            tiers.append(tier)
    if len(errors.errors) != n:
        return None
    return Formula(type=kind, rounding=rounding, base=base, cap=cap, mode=mode, tiers=tuple(tiers))


def compute(formula: Formula, facts: dict[str, Any]) -> AwardResult:
    """The award for one enterprise's facts: raw amount, rounded half-up, capped, never below 0."""
    steps: list[str] = []
    if formula.type == "fixed":
        return AwardResult(amount=formula.amount, steps=[f"定额 {fmt_yuan(formula.amount)}"])
    base = facts.get(formula.base)
    if base is None:
        return AwardResult(amount=None, steps=["计算基数无数据"], missing=True)
    base = Decimal(base)
    steps.append(f"计算基数 {fmt_yuan(base)}")
    with localcontext() as ctx:
        ctx.prec = 60  # products of 2-place amounts and short rates are exact at this precision
        if base <= 0:
            raw = ZERO
            steps.append("基数不大于0，按0计")
        elif formula.type == "share":
            raw = base * formula.rate
            steps.append(f"{fmt_yuan(base)} × {plain(formula.rate * 100)}% = {fmt_yuan(raw)}")
        elif formula.mode == "bracket":
            tier = next((t for t in reversed(formula.tiers) if base >= t.min), None)
            if tier is None:
                raw = ZERO
                steps.append(f"基数低于最低档 {fmt_yuan(formula.tiers[0].min)}，按0计")
            elif tier.amount is not None:
                raw = tier.amount
                steps.append(f"基数 ≥ {fmt_yuan(tier.min)}，适用档次定额 {fmt_yuan(tier.amount)}")
            else:
                raw = base * tier.rate
                steps.append(f"基数 ≥ {fmt_yuan(tier.min)}，{fmt_yuan(base)} × {plain(tier.rate * 100)}% = {fmt_yuan(raw)}")
        else:
            raw = ZERO
            bounds = [t.min for t in formula.tiers[1:]] + [None]
            for tier, upper in zip(formula.tiers, bounds):
                if base <= tier.min:
                    break
                part = (min(base, upper) if upper is not None else base) - tier.min
                piece = part * tier.rate
                raw += piece
                steps.append(f"{fmt_yuan(tier.min)}以上部分 {fmt_yuan(part)} × {plain(tier.rate * 100)}% = {fmt_yuan(piece)}")
            steps.append(f"合计 {fmt_yuan(raw)}")
    amount = round_money(raw, formula.rounding)
    if amount != raw:
        steps.append(f"按{ROUNDING_LABELS[formula.rounding]}四舍五入 = {fmt_yuan(amount)}")
    if formula.cap is not None and amount > formula.cap:
        amount = formula.cap
        steps.append(f"超过封顶，按封顶金额 {fmt_yuan(formula.cap)}")
    return AwardResult(amount=max(amount, ZERO), steps=steps)
