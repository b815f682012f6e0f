"""Unified social credit code (统一社会信用代码, GB 32100-2015) validation and generation."""
from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check digit
_VALUE = {c: i for i, c in enumerate(CHARSET)}
_ORG_VALUE = {c: i for i, c in enumerate(ORG_CHARSET)}


def check_char(first17: str) -> str:
    """The 18th character for the first 17 (GB 32100-2015 §5)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def org_check_char(first8: str) -> str:
    """The 9th character of the embedded organisation code (GB 11714)."""
    total = sum(_ORG_VALUE[c] * w for c, w in zip(first8, ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def uscc_error(code: str) -> str | None:
    """Why a code is not a valid USCC (Chinese message), or None when it is valid."""
    if not isinstance(code, str) or not code:
        return "统一社会信用代码不能为空"
    code = code.strip().upper()
    if len(code) != 18:
        return f"统一社会信用代码应为18位，实为{len(code)}位"
    bad = [c for c in code if c not in CHARSET]
    if bad:
        return f"统一社会信用代码含非法字符“{bad[0]}”"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3–8位应为行政区划码"
    org = code[8:17]
    if all(c in ORG_CHARSET for c in org[:8]) and org[8] in "0123456789X" and org_check_char(org[:8]) != org[8]:
        return "统一社会信用代码中组织机构代码校验位错误"
    if check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误"
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_error(code) is None


def make_uscc(region_code: str, serial: int, *, authority: str = "9", kind: str = "1") -> str:
    """A valid USCC for synthetic data: authority 9 (市场监管), kind 1 (企业), a region and a serial number."""
    body = f"{serial:08d}"[-8:]
    org = body + org_check_char(body)
    first17 = f"{authority}{kind}{region_code[:6]}{org}"
    return first17 + check_char(first17)
