"""Hostile files get a clear error, never a crash, and nothing is imported."""
import io

import pytest
import xlsxwriter

from kechuang.core.importing import ImportFileError, run_import
from kechuang.core.uscc import make_uscc
from kechuang.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db
HEADER = "统一社会信用代码,企业名称,所属镇街代码,行业代码,成立日期,职工人数\n"


def row(i=1):
    return f"{make_uscc('330212', 500 + i)},宁波恶意文件{i}有限公司,330212001,6513,2019-01-01,5\n"


def test_bom_csv_is_read(bureau):
    res = run_import("enterprises", ("\ufeff" + HEADER + row()).encode("utf-8"), "e.csv", user=bureau)
    assert res.ok and res.created == 1


def test_gbk_csv_is_read(bureau):
    res = run_import("enterprises", (HEADER + row()).encode("gbk"), "e.csv", user=bureau)
    assert res.ok and Enterprise.objects.get().name == "宁波恶意文件1有限公司"


def test_million_rows_are_refused_before_validation(bureau, settings):
    settings.KECHUANG_UPLOAD_MAX_BYTES = 200 * 1024 * 1024  # let the row limit, not the size limit, answer
    data = (HEADER + row() * 1_000_000).encode("utf-8")
    with pytest.raises(ImportFileError, match="行数过多"):
        run_import("enterprises", data, "e.csv", user=bureau)
    assert not Enterprise.objects.exists()


def test_ten_megabyte_cell_is_a_row_error(bureau):
    data = (HEADER + row().replace("宁波恶意文件1有限公司", "长" * 10_000_000)).encode("utf-8")
    res = run_import("enterprises", data, "e.csv", user=bureau)
    assert [e.code for e in res.errors] == ["too_long"] and not Enterprise.objects.exists()


def test_oversized_upload_is_refused(bureau, settings):
    settings.KECHUANG_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ImportFileError, match="文件过大"):
        run_import("enterprises", (HEADER + row() * 100).encode(), "e.csv", user=bureau)


def _xlsx(build) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    build(wb)
    wb.close()
    return buf.getvalue()


def test_merged_header_cells_give_missing_columns(bureau):
    def build(wb):
        ws = wb.add_worksheet()
        ws.merge_range(0, 0, 0, 5, "企业信息")
        ws.write_row(1, 0, ["x", "y", "z"])
    res = run_import("enterprises", _xlsx(build), "e.xlsx", user=bureau)
    assert res.errors and {e.code for e in res.errors} == {"missing_column"}


def test_empty_first_sheet_is_a_clear_error(bureau):
    def build(wb):
        wb.add_worksheet("空表")
        wb.add_worksheet("数据").write_row(0, 0, ["统一社会信用代码"])
    with pytest.raises(ImportFileError, match="为空"):
        run_import("enterprises", _xlsx(build), "e.xlsx", user=bureau)


def test_formula_cell_in_xlsx_is_refused(bureau):
    def build(wb):
        ws = wb.add_worksheet()
        ws.write_row(0, 0, HEADER.strip().split(","))
        ws.write_row(1, 0, row().strip().split(","))
        ws.write_formula(1, 5, "=1+4", None, 5)
    res = run_import("enterprises", _xlsx(build), "e.xlsx", user=bureau)
    # calamine reads the cached value, so a formula yields its value: never executed, never a crash.
    assert res.ok or {e.code for e in res.errors} <= {"formula", "invalid"}


@pytest.mark.parametrize("data,name", [(b"PK\x03\x04" + b"\x00" * 100, "x.xlsx"), (b"%PDF-1.4 garbage", "x.xlsx"),
                                       (b"\x00\x01\x02binary", "x.csv"), (b"\xff\xfe\xfd\xfc", "x.csv")])
def test_not_a_spreadsheet(bureau, data, name):
    with pytest.raises(ImportFileError):
        run_import("enterprises", data, name, user=bureau)
