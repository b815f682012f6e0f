"""How figures read in an official text: half-up rounding, 增长/下降 by sign, 居全市第N位, 占全市总量的…%.

Plain Python over plain values (no Django), so that every wording rule is tested on its own. A figure without
data reads 暂无数据; nothing here ever returns "None", "nan" or an empty placeholder.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal

NO_DATA = "暂无数据"

#: Units whose values are whole counts (shown without decimals).
COUNT_UNITS = frozenset({"家", "件", "个", "项", "人", "次", "场", "份", "笔", "名", "位", "户", "期", "批", "条", "人次",
                         "家次", "张", "所"})
#: Decimals shown for growth rates and shares (in %), for percentage points, and for other values.
PCT_PLACES = 1
PP_PLACES = 2
VALUE_PLACES = 2

_DIGITS = "零一二三四五六七八九"


def to_dec(value) -> Decimal | None:
    """A Decimal from an int, a Decimal or a decimal string; None (and NaN/∞) stay None. Floats go by their repr."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, float):
        d = Decimal(repr(value))
    else:
        d = Decimal(str(value))
    return d if d.is_finite() else None


def round_half_up(value, places: int) -> Decimal | None:
    """Round to ``places`` decimals, halves away from zero (四舍五入); -0 becomes 0."""
    d = to_dec(value)
    if d is None:
        return None
    out = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP,
                     context=Context(prec=max(34, d.adjusted() + places + 2)))
    return abs(out) if out.is_zero() else out


def places_for(unit: str) -> int:
    """Decimals shown for a value in ``unit``: none for counts, two otherwise."""
    return 0 if unit in COUNT_UNITS else VALUE_PLACES


def num(value, places: int) -> str:
    """The value rounded half-up to ``places`` decimals as plain digits (no exponent, no thousands separator)."""
    d = round_half_up(value, places)
    return NO_DATA if d is None else f"{d:f}"


def amount(value, unit: str, places: int | None = None) -> str:
    """'843.05亿元', '241家', or 暂无数据."""
    d = to_dec(value)
    if d is None:
        return NO_DATA
    return f"{num(d, places_for(unit) if places is None else places)}{unit}"


def cn_number(n: int) -> str:
    """A whole number in Chinese numerals as used for ranks: 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五."""
    if n < 0:
        raise ValueError(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        tens, ones = divmod(n, 10)
        return _DIGITS[tens] + "十" + (_DIGITS[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        if rest == 0:
            tail = ""
        elif rest < 10:
            tail = "零" + _DIGITS[rest]
        elif rest < 20:
            tail = "一" + cn_number(rest)
        else:
            tail = cn_number(rest)
        return _DIGITS[hundreds] + "百" + tail
    return str(n)


def cn_count(n: int) -> str:
    """A count before a measure word: 2 reads 两 (两个镇), otherwise as cn_number."""
    return "两" if n == 2 else cn_number(n)


def growth(yoy_pct, *, prefix: str = "同比") -> str:
    """'同比增长9.7%', '同比下降3.2%', '与上年同期持平' (when it rounds to zero), or '' when unknown."""
    d = round_half_up(yoy_pct, PCT_PLACES)
    if d is None:
        return ""
    if d > 0:
        return f"{prefix}增长{d:f}%"
    if d < 0:
        return f"{prefix}下降{abs(d):f}%"
    return "与上年同期持平"


def growth_pp(yoy_pp, *, prefix: str = "同比") -> str:
    """For a ratio: '同比提高0.27个百分点', '同比下降0.27个百分点', '与上年同期持平', or ''."""
    d = round_half_up(yoy_pp, PP_PLACES)
    if d is None:
        return ""
    if d > 0:
        return f"{prefix}提高{d:f}个百分点"
    if d < 0:
        return f"{prefix}下降{abs(d):f}个百分点"
    return "与上年同期持平"


def share(share_pct, area: str) -> str:
    """'占全市总量的16.3%', or '' when unknown."""
    d = round_half_up(share_pct, PCT_PLACES)
    return "" if d is None else f"占{area}总量的{d:f}%"


def rank(rank_value, area: str) -> str:
    """'居全市第一位' only for rank 1, '居全市第三位' otherwise; '' when unknown."""
    if rank_value is None:
        return ""
    n = int(rank_value)
    if n < 1:
        return ""
    return f"居{area}第{cn_number(n)}位"


def area_word(parent_level: str | None) -> str:
    """What the parent region is called in the text: 全市 for a district's city, 全区 for a town's district."""
    return {"province": "全省", "city": "全市", "district": "全区", "town": "全镇"}.get(parent_level or "", "上级")


def clause(*parts: str) -> str:
    """Join the non-empty parts of one clause with Chinese commas."""
    return "，".join(p for p in parts if p)


def sentence(clauses: list[str], *, sep: str = "；", end: str = "。") -> str:
    """Join clauses into one sentence; an empty list gives ''."""
    items = [c for c in clauses if c]
    return sep.join(items) + end if items else ""


def period_lead(month: int, *, flow: bool) -> str:
    """How a period reads: flows '全年' / '1—10月', stocks '年末' / '10月末'."""
    if flow:
        return "全年" if month == 12 else f"1—{month}月"
    return "年末" if month == 12 else f"{month}月末"


def wan_from_yuan(yuan) -> Decimal | None:
    """Yuan → 万元 (exact)."""
    d = to_dec(yuan)
    return None if d is None else d / Decimal(10000)


def yi_from_yuan(yuan) -> Decimal | None:
    """Yuan → 亿元 (exact)."""
    d = to_dec(yuan)
    return None if d is None else d / Decimal(100000000)


#: What must never appear in a generated text: template braces, empty values printed by Python or a spreadsheet,
#: "xx" left for a human to fill in. Words are matched as whole words ("finance" is not "nan").
PLACEHOLDER_MARKS = ("{", "}", "%%", "Decimal(", "＿＿")
PLACEHOLDER_WORDS = ("None", "nan", "NaN", "null", "undefined", "N/A", "n/a", "TODO", "inf", "Infinity")
_WORDS = re.compile(r"(?<![A-Za-z])(" + "|".join(re.escape(w) for w in PLACEHOLDER_WORDS) + r"|[xX]{2,})(?![A-Za-z])")


def placeholders_in(text: str) -> list[str]:
    """The placeholder markers found in ``text`` (empty when clean)."""
    found = [m for m in PLACEHOLDER_MARKS if m in text]
    found += sorted({m.group(1) for m in _WORDS.finditer(text)})
    return found
