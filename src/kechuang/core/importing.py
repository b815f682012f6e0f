"""Bulk import: read xlsx/csv, validate every row, report every error, write all or nothing.

Each importable kind registers an `ImportSpec` (columns with Chinese headers, parsers, the natural key, and how
to apply the cleaned rows). The web page, the API and `kechuang import` all call `run_import`, so they can never
disagree. Errors carry the spreadsheet row (the header is row 1), the column header, a code and a message.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable

from django.conf import settings
from django.db import IntegrityError, transaction

from .fields import is_blank

REGISTRY: dict[str, type["ImportSpec"]] = {}


class ImportFileError(Exception):
    """The file as a whole cannot be read (not a spreadsheet, truncated, missing columns, too large)."""


@dataclass
class Column:
    """One importable column: English field name, Chinese header, parser and whether it is required."""

    name: str
    header: str
    parse: Callable[[Any], Any] | None = None
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""
    example: Any = ""

    def headers(self) -> set[str]:
        return {normalise_header(h) for h in (self.name, self.header, *self.aliases)}


@dataclass
class RowError:
    row: int
    column: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}

    def __str__(self) -> str:
        return f"第{self.row}行 [{self.column}] {self.message}"


@dataclass
class ImportResult:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "ok": self.ok, "dry_run": self.dry_run, "total": self.total,
            "created": self.created, "updated": self.updated, "errors": [e.as_dict() for e in self.errors],
        }


class RowContext:
    """Collects the errors of one row while it is validated."""

    def __init__(self, row: int, errors: list[RowError], labels: dict[str, str] | None = None):
        self.row = row
        self._errors = errors
        self._labels = labels or {}
        self.failed = False

    def error(self, column: str, message: str, code: str = "invalid") -> None:
        """Record an error; a field name is shown as its column header."""
        self.failed = True
        self._errors.append(RowError(self.row, self._labels.get(column, column), code, message))


def normalise_header(text: Any) -> str:
    """Header cells compare without spaces, case, a trailing '*' (required mark) or a unit in brackets."""
    s = str(text or "").strip().replace("\u3000", "").replace(" ", "").lower().rstrip("*＊")
    for open_, close in (("(", ")"), ("（", "）")):
        if s.endswith(close) and open_ in s:
            s = s[: s.rindex(open_)]
    return s


class ImportSpec:
    """Base for one importable kind; subclasses declare columns and implement clean_row and apply."""

    kind: str = ""
    label: str = ""
    columns: list[Column] = []
    key: str | None = None  # natural key column: duplicates in one file are errors; re-import updates by it

    def __init__(self, user):
        self.user = user

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.kind:
            REGISTRY[cls.kind] = cls

    def prepare(self, rows: list[dict]) -> None:
        """Preload the lookups every row needs (towns, industries, existing keys) in a few queries."""

    def clean_row(self, values: dict, ctx: RowContext) -> dict | None:
        """Cross-field and database checks for one parsed row; report with ctx.error; return the cleaned row."""
        return values

    def apply(self, rows: list[dict]) -> tuple[int, int]:
        """Write the cleaned rows (inside the caller's transaction); return (created, updated)."""
        raise NotImplementedError

    # -- shared machinery -------------------------------------------------------------------------------------

    def header_map(self, headers: list[Any]) -> tuple[dict[int, Column], list[RowError]]:
        lookup: dict[str, Column] = {}
        for col in self.columns:
            for h in col.headers():
                lookup[h] = col
        mapping: dict[int, Column] = {}
        seen: dict[str, int] = {}
        errors: list[RowError] = []
        for i, h in enumerate(headers):
            col = lookup.get(normalise_header(h))
            if col is None:
                continue
            if col.name in seen:
                errors.append(RowError(1, str(h), "duplicate_column", f"列“{h}”重复出现"))
                continue
            seen[col.name] = i
            mapping[i] = col
        for col in self.columns:
            if col.required and col.name not in seen:
                errors.append(RowError(1, col.header, "missing_column", f"缺少必填列“{col.header}”"))
        return mapping, errors

    def parse_rows(self, raw_rows: Iterable[list[Any]], mapping: dict[int, Column], errors: list[RowError]):
        """Parse every non-blank row; each failing cell adds an error and marks its row '__failed__'.

        Works column by column: a column's parser sees each distinct cell value once (towns, codes, dates and
        yes/no cells repeat across thousands of rows), and the rows' dicts are zipped together at the end.
        """
        rows: list[tuple[int, list[Any]]] = []
        for offset, raw in enumerate(raw_rows):
            for v in raw:
                if not is_blank(v):
                    rows.append((offset + 2, raw))
                    break
        failed: set[int] = set()
        columns: list[list[Any]] = []
        for i, col in mapping.items():
            columns.append(self._parse_column(col, [raw[i] if i < len(raw) else None for _, raw in rows],
                                              rows, failed, errors))
        names = [col.name for col in mapping.values()]
        parsed: list[tuple[int, dict]] = []
        for j, values in enumerate(zip(*columns) if columns else ((),) * len(rows)):
            row = dict(zip(names, values))
            if j in failed:
                row = {k: v for k, v in row.items() if v is not _SKIP}
                row["__failed__"] = True
            parsed.append((rows[j][0], row))
        return parsed

    @staticmethod
    def _parse_column(col: Column, cells: list[Any], rows, failed: set[int], errors: list[RowError]) -> list[Any]:
        """The parsed values of one column (_SKIP where the cell failed), recording each failure as an error."""
        out: list[Any] = []
        cache: dict[tuple, Any] = {}
        caching = True
        for j, cell in enumerate(cells):
            if caching:
                try:
                    key = (cell.__class__, cell)
                    hit = cache.get(key, _MISS)
                except TypeError:  # an unhashable cell: parse it every time
                    key, hit = None, _MISS
                if hit is _MISS:
                    hit = _parse_cell(col, cell)
                    if key is not None and (hit.__class__ is _CellError or hit.__class__ in _IMMUTABLE):
                        cache[key] = hit
                if j == 2000 and len(cache) > 1000:
                    caching = False  # mostly distinct values (names, codes): the cache would not pay
            else:
                hit = _parse_cell(col, cell)
            if hit.__class__ is _CellError:
                errors.append(RowError(rows[j][0], col.header, hit.code, hit.message))
                failed.add(j)
                out.append(hit.value)
            else:
                out.append(hit)
        return out

    def column_header(self, name: str) -> str:
        for col in self.columns:
            if col.name == name:
                return col.header
        return name


_MISS = object()
_SKIP = object()  # a cell that failed to parse: its key is left out of the row
_IMMUTABLE = {str, int, float, bool, Decimal, dt.date, dt.datetime, dt.time, type(None)}  # safe to share


class _CellError:
    __slots__ = ("code", "message", "value")

    def __init__(self, code: str, message: str, value: Any = _SKIP):
        self.code, self.message, self.value = code, message, value


def _parse_cell(col: Column, cell: Any) -> Any:
    """One cell's parsed value, or a _CellError saying why it cannot be used."""
    if isinstance(cell, str) and len(cell) > 10000:
        return _CellError("too_long", f"内容过长（{len(cell)}个字符）")
    if is_blank(cell):
        return _CellError("required", f"“{col.header}”不能为空", None) if col.required else None
    if isinstance(cell, str) and cell.lstrip()[:1] == "=":
        return _CellError("formula", "单元格不能是公式，请粘贴为数值")
    try:
        return col.parse(cell) if col.parse else cell
    except ValueError as exc:
        return _CellError("invalid", str(exc))


def get_spec(kind: str) -> type[ImportSpec]:
    _load_specs()
    try:
        return REGISTRY[kind]
    except KeyError:
        raise ImportFileError(f"未知的导入类型“{kind}”，可选：{', '.join(sorted(REGISTRY))}") from None


def _load_specs() -> None:
    """Import every app's `imports` module so their specs register themselves."""
    from importlib import import_module

    from django.apps import apps

    for app in apps.get_app_configs():
        if app.name.startswith("kechuang."):
            try:
                import_module(f"{app.name}.imports")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.imports":
                    raise


def read_table(data: bytes, filename: str) -> tuple[list[Any], list[list[Any]]]:
    """Header and rows of the first sheet of an xlsx/xls/ods file or of a CSV (UTF-8, UTF-8 with BOM, or GBK)."""
    ext = os.path.splitext(filename.lower())[1]
    max_rows = settings.KECHUANG_IMPORT_MAX_ROWS
    if ext in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
            if not wb.sheet_names:
                raise ImportFileError("工作簿中没有工作表")
            sheet = wb.get_sheet_by_index(0)
            if sheet.total_height > max_rows + 1:
                raise ImportFileError(f"行数过多：{sheet.total_height - 1}行，单次最多导入{max_rows}行")
            rows = sheet.to_python(skip_empty_area=False)
        except ImportFileError:
            raise
        except (CalamineError, Exception) as exc:  # calamine raises several error types for broken files
            raise ImportFileError(f"无法读取电子表格（文件损坏或不是 Excel 文件）：{type(exc).__name__}") from None
    elif ext in (".csv", ".txt"):
        text = _decode_csv(data)
        csv.field_size_limit(max(131072, settings.KECHUANG_UPLOAD_MAX_BYTES))
        reader = csv.reader(io.StringIO(text))
        rows = []
        try:
            for row in reader:
                rows.append(row)
                if len(rows) > max_rows + 1:
                    raise ImportFileError(f"行数过多：单次最多导入{max_rows}行")
        except csv.Error as exc:
            raise ImportFileError(f"CSV 格式错误（第{reader.line_num}行）：{exc}") from None
    else:
        raise ImportFileError(f"不支持的文件类型“{ext or filename}”：请上传 .xlsx 或 .csv 文件")
    if not rows or all(is_blank(v) for v in rows[0]):
        raise ImportFileError("文件为空或第一行不是表头")
    return list(rows[0]), [list(r) for r in rows[1:]]


def _decode_csv(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise ImportFileError("不是文本格式的 CSV 文件")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")  # GBK files saved by Excel on Chinese Windows
        except UnicodeDecodeError:
            raise ImportFileError("无法识别 CSV 文件编码（支持 UTF-8 和 GBK）") from None


def run_import(kind: str, data: bytes, filename: str, *, user, dry_run: bool = False,
               progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Validate every row of a file and, if none fails and not dry_run, write them all in one transaction."""
    spec_cls = get_spec(kind)
    spec = spec_cls(user)
    result = ImportResult(kind=kind, dry_run=dry_run)
    if len(data) > settings.KECHUANG_UPLOAD_MAX_BYTES:
        raise ImportFileError(f"文件过大：{len(data) // 1024 // 1024} MB，上限 {settings.KECHUANG_UPLOAD_MAX_BYTES // 1024 // 1024} MB")
    headers, raw_rows = read_table(data, filename)
    mapping, header_errors = spec.header_map(headers)
    if header_errors:
        result.errors = header_errors
        return result
    errors: list[RowError] = []
    parsed = spec.parse_rows(raw_rows, mapping, errors)
    result.total = len(parsed)
    if progress:
        progress(0, result.total)
    spec.prepare([v for _, v in parsed])
    cleaned: list[dict] = []
    first_seen: dict[Any, int] = {}
    labels = {c.name: c.header for c in spec.columns}
    # Progress counts validated rows; it reaches the total only once the rows are written (one transaction).
    step = max(500, result.total // 20)
    for index, (row_no, values) in enumerate(parsed, 1):
        ctx = RowContext(row_no, errors, labels)
        if values.pop("__failed__", False):
            ctx.failed = True
        if spec.key and values.get(spec.key) is not None:
            key = values[spec.key]
            if key in first_seen:
                ctx.error(spec.key, f"与第{first_seen[key]}行重复：{key}", "duplicate")
            else:
                first_seen[key] = row_no
        if ctx.failed:
            # Still run the row checks so that every problem of the row is reported at once.
            spec.clean_row({k: v for k, v in values.items()}, ctx)
            continue
        row = spec.clean_row(values, ctx)
        if not ctx.failed and row is not None:
            row["__row__"] = row_no
            cleaned.append(row)
        if progress and index % step == 0:
            progress(min(index, result.total - 1), result.total)
    errors.sort(key=lambda e: (e.row, e.column))
    result.errors = errors
    if errors or dry_run:
        return result
    if progress and result.total:
        progress(result.total - 1, result.total)
    try:
        with transaction.atomic():
            result.created, result.updated = spec.apply(cleaned)
        if progress:
            progress(result.total, result.total)
    except IntegrityError as exc:
        result.errors = [RowError(0, "", "conflict", f"数据冲突，未导入任何数据：{exc}")]
    return result


def template_xlsx(kind: str) -> bytes:
    """A downloadable template: Chinese headers (required ones starred), an example row and a notes sheet."""
    from .exporting import write_xlsx

    spec_cls = get_spec(kind)
    headers = [c.header + ("*" if c.required else "") for c in spec_cls.columns]
    example = [c.example for c in spec_cls.columns]
    notes = [[c.header, c.name, "是" if c.required else "否", c.help] for c in spec_cls.columns]
    return write_xlsx([
        (spec_cls.label or kind, headers, [example]),
        ("填写说明", ["列名", "英文字段名", "必填", "说明"], notes),
    ])


def errors_xlsx(result: ImportResult) -> bytes:
    """The error sheet users download to fix their file: one line per error."""
    from .exporting import write_xlsx

    rows = [[e.row, e.column, e.code, e.message] for e in result.errors]
    return write_xlsx([("错误清单", ["行号", "列", "错误代码", "说明"], rows)])


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
