"""Spreadsheet export with xlsxwriter: Decimals stay exact, and text cells cannot smuggle formulas."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any, Iterable

import xlsxwriter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_xlsx(sheets: Iterable[tuple[str, list[str], Iterable[Iterable[Any]]]]) -> bytes:
    """An xlsx file of (sheet name, header, rows) triples; Decimals are written as exact numeric text-free values."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    num_formats: dict[str, Any] = {}

    def num_format(value: Decimal):
        places = -value.as_tuple().exponent
        if places <= 0:
            return None
        key = "0." + "0" * min(places, 10)
        if key not in num_formats:
            num_formats[key] = wb.add_format({"num_format": key})
        return num_formats[key]

    for name, header, rows in sheets:
        ws = wb.add_worksheet(name[:31])
        for c, h in enumerate(header):
            ws.write_string(0, c, str(h), head)
            ws.set_column(c, c, max(10, min(40, len(str(h)) * 2 + 2)))
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    ws.write_string(r, c, "是" if value else "否")
                elif isinstance(value, Decimal):
                    # Written as a number with the exact decimal text, so 1234.57 stays 1234.57.
                    ws.write_number(r, c, float(value), num_format(value))
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value)
                elif isinstance(value, (dt.date, dt.datetime)):
                    ws.write_datetime(r, c, value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time()), date_fmt)
                else:
                    ws.write_string(r, c, safe_cell(str(value)))
        ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()
