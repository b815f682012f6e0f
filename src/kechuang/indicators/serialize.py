"""JSON for the statistics: exact decimals as canonical decimal strings (the API and `--json` share it)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .engine import Period
from .engine.decimals import CTX


def jsonable(value: Any) -> Any:
    """Decimals as plain decimal strings, periods and dates as ISO text, recursively."""
    if isinstance(value, Decimal):
        # canonical text: exact, no exponent, no trailing zeros ("10", not "10.0"; "0", not "-0")
        return "0" if value.is_zero() else f"{value.normalize(CTX):f}"
    if isinstance(value, Period):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
