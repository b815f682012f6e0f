"""Cell and field parsers shared by forms, the API and imports: each raises ValueError with a Chinese message."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from .units import to_decimal

MAX_TEXT = 2000
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value, *, max_length: int = 200) -> str:
    """A trimmed string of at most max_length characters (numbers from Excel lose their '.0')."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > max_length:
        raise ValueError(f"长度不能超过{max_length}个字符（实为{len(text)}）")
    return text


def parse_int(value, *, min_value: int | None = 0, max_value: int | None = None) -> int:
    """A whole number; '12', 12 and 12.0 are accepted, '12.5' and 'abc' are not."""
    if isinstance(value, bool):
        raise ValueError("应为整数")
    try:
        d = to_decimal(value)
    except (InvalidOperation, ValueError):
        raise ValueError(f"应为整数，实为“{value}”") from None
    if not d.is_finite() or d != d.to_integral_value():
        raise ValueError(f"应为整数，实为“{value}”")
    n = int(d)
    if min_value is not None and n < min_value:
        raise ValueError(f"不能小于{min_value}（实为{n}）")
    if max_value is not None and n > max_value:
        raise ValueError(f"不能大于{max_value}（实为{n}）")
    return n


def parse_decimal(value, *, min_value: Decimal | int | None = 0, places: int | None = None,
                  max_digits: int = 18) -> Decimal:
    """An exact decimal number (never through binary floating point)."""
    if isinstance(value, bool):
        raise ValueError("应为数值")
    try:
        d = to_decimal(value)
    except (InvalidOperation, ValueError):
        raise ValueError(f"应为数值，实为“{value}”") from None
    if not d.is_finite():
        raise ValueError(f"应为数值，实为“{value}”")
    if min_value is not None and d < min_value:
        raise ValueError(f"不能小于{min_value}（实为{d}）")
    if places is not None and d != d.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"最多保留{places}位小数（实为{d}）")
    if d.adjusted() >= max_digits - (places or 0):
        raise ValueError(f"数值过大（{d}）")
    return d


def parse_date(value, *, not_future: bool = False, today: dt.date | None = None) -> dt.date:
    """A calendar date from a date cell or text such as 2020-01-05, 2020/1/5, 2020年1月5日 or 20200105."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = parse_text(value, max_length=20)
        if text.endswith(" 00:00:00"):
            text = text[:-9]
        for pattern in _DATE_PATTERNS:
            m = pattern.match(text)
            if m:
                try:
                    day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    raise ValueError(f"不是有效日期：“{text}”") from None
                break
        else:
            raise ValueError(f"日期格式应为 YYYY-MM-DD，实为“{text}”")
    if not_future and day > (today or dt.date.today()):
        raise ValueError(f"日期不能晚于今天（实为{day.isoformat()}）")
    return day


TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "√", "对"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "无", "×", ""}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"应为“是”或“否”，实为“{value}”")


def parse_choice(value, choices) -> str:
    """A value of a Django TextChoices, given either as its code or as its (Chinese or English) label."""
    text = parse_text(value, max_length=100)
    for code, label in choices.choices:
        if text == code or text == str(label):
            return code
    labels = "、".join(str(label) for _, label in choices.choices)
    raise ValueError(f"应为以下之一：{labels}（实为“{text}”）")
