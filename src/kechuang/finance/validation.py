"""Input parsers shared by forms, the API and the command line (each raises ValueError with a Chinese message)."""
from __future__ import annotations

import re
from decimal import Decimal

from django.utils import timezone

from kechuang.core.fields import is_blank, parse_date, parse_decimal, parse_int, parse_text

from .choices import HolderKind, ServiceCategory
from .engine.money import Tier, parse_tiers, tiers_to_data

KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def parse_money(value, *, allow_zero: bool = False) -> Decimal:
    """Yuan with at most 2 decimal places; strictly positive unless allow_zero."""
    d = parse_decimal(value, min_value=0, places=2, max_digits=16)
    if d == 0 and not allow_zero:
        raise ValueError("金额应大于0")
    return d.quantize(Decimal("0.01"))


def parse_rate(value) -> Decimal:
    """An annual rate as a fraction (0.0365) or a percentage ('3.65%')."""
    text = str(value).strip()
    pct = text.endswith("%")
    d = parse_decimal(text.rstrip("%"), min_value=0, places=8 if not pct else 6)
    if pct:
        d = d / 100
    if not (Decimal(0) < d <= Decimal("0.24")):
        raise ValueError(f"年利率应大于0且不超过24%（实为{value}）")
    return d


def parse_ratio(value) -> Decimal:
    text = str(value).strip()
    pct = text.endswith("%")
    d = parse_decimal(text.rstrip("%"), min_value=0, places=6)
    if pct:
        d = d / 100
    if not (Decimal(0) < d <= Decimal(1)):
        raise ValueError(f"比例应在0到1之间（实为{value}）")
    return d


def parse_share(value) -> Decimal:
    return parse_decimal(value, min_value=0, places=4, max_digits=9)


def parse_key(value) -> str:
    text = parse_text(value, max_length=64)
    if not KEY_RE.match(text):
        raise ValueError("幂等键应为8–64位字母、数字或 _ . : -")
    return text


def parse_list(value, choices) -> list[str]:
    """A list of choice codes from a list, or from text separated by commas/、/spaces; labels are accepted too."""
    if is_blank(value):
        return []
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,，、;；\s]+", str(value).strip())
    out: list[str] = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        for code, label in choices.choices:
            if item == code or item == str(label):
                if code not in out:
                    out.append(code)
                break
        else:
            labels = "、".join(f"{code}（{label}）" for code, label in choices.choices)
            raise ValueError(f"“{item}”不是有效选项，应为：{labels}")
    return out


def parse_holder_kinds(value) -> list[str]:
    return parse_list(value, HolderKind)


def parse_categories(value) -> list[str]:
    return parse_list(value, ServiceCategory)


def parse_tiers_input(value) -> list[dict]:
    """Tiers from a list of {"upto", "ratio"} or text lines 'upto:ratio' (blank upto = no limit), e.g. '50000:1\\n:0.5'."""
    if isinstance(value, (list, tuple)):
        raw = [{"upto": None if is_blank(t.get("upto")) else str(t.get("upto")), "ratio": str(t.get("ratio"))}
               for t in value]
    else:
        raw = []
        for line in re.split(r"[\n;；]+", str(value).strip()):
            line = line.strip()
            if not line:
                continue
            if ":" not in line and "：" not in line:
                raise ValueError(f"每档应写作“上限:比例”，如 50000:1（实为“{line}”）")
            upto, ratio = re.split(r"[:：]", line, maxsplit=1)
            raw.append({"upto": upto.strip() or None, "ratio": ratio.strip().rstrip("%")
                        if not ratio.strip().endswith("%") else str(Decimal(ratio.strip()[:-1]) / 100)})
    try:
        return tiers_to_data(parse_tiers(raw))
    except (ValueError, ArithmeticError) as exc:
        raise ValueError(str(exc)) from None


def tiers_as_text(tiers: list[dict]) -> str:
    return "\n".join(f"{t['upto'] or ''}:{t['ratio']}" for t in tiers)


def parse_day(value):
    return parse_date(value)


def today():
    return timezone.localdate()


__all__ = ["parse_money", "parse_rate", "parse_ratio", "parse_share", "parse_key", "parse_list", "parse_holder_kinds",
           "parse_categories", "parse_tiers_input", "tiers_as_text", "parse_day", "parse_int", "parse_text", "today",
           "Tier"]
