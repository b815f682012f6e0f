"""Imports report every row's errors at once and write all rows or none; re-import updates by USCC."""
import csv
import datetime as dt
import io

import pytest
import xlsxwriter

from kechuang.conftest import TOWN_A, TOWN_B
from kechuang.core.importing import ImportFileError, run_import
from kechuang.core.uscc import make_uscc
from kechuang.enterprises.models import AnnualData, Enterprise

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "企业名称", "所属镇街代码", "行业代码", "成立日期", "职工人数"]


def good_rows(n: int) -> list[list]:
    return [[make_uscc("330212", 1000 + i), f"宁波导入测试{i}有限公司", TOWN_A if i % 2 else TOWN_B, "6513",
             "2018-05-01", 10 + i % 50] for i in range(n)]


def to_xlsx(header, rows) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
    wb.close()
    return buf.getvalue()


def seven_bad(rows):
    bad = [list(r) for r in rows]
    u = bad[10][0]
    bad[10][0] = u[:17] + ("0" if u[17] != "0" else "1")          # row 12: wrong check digit
    bad[100][2] = "330212999"                                      # row 102: unknown town code
    bad[200][5] = -5                                               # row 202: negative staff
    bad[300][4] = (dt.date.today() + dt.timedelta(days=30)).isoformat()  # row 302: future date
    bad[400][0] = bad[399][0]                                      # row 402: duplicate USCC (of row 401)
    bad[500][1] = ""                                               # row 502: missing name
    bad[600][5] = "三十"                                           # row 602: text in a number column
    return bad


def test_thousand_rows_with_seven_bad_report_all_seven_and_import_nothing(bureau):
    rows = good_rows(1000)
    result = run_import("enterprises", to_xlsx(HEADER, seven_bad(rows)), "e.xlsx", user=bureau)
    got = {(e.row, e.column) for e in result.errors}
    assert got == {(12, "统一社会信用代码"), (102, "所属镇街代码"), (202, "职工人数"), (302, "成立日期"),
                   (402, "统一社会信用代码"), (502, "企业名称"), (602, "职工人数")}
    assert result.total == 1000
    assert Enterprise.objects.count() == 0
    msgs = {e.row: e.message for e in result.errors}
    assert "校验位" in msgs[12] and "未知" in msgs[102] and "第401行" in msgs[402]

    fixed = run_import("enterprises", to_xlsx(HEADER, rows), "e.xlsx", user=bureau)
    assert fixed.ok and fixed.created == 1000 and fixed.updated == 0
    assert Enterprise.objects.count() == 1000


def test_reimport_updates_by_uscc_and_records_who(bureau):
    rows = good_rows(3)
    run_import("enterprises", to_xlsx(HEADER, rows), "e.xlsx", user=bureau)
    rows[1][1] = "宁波改名后有限公司"
    res = run_import("enterprises", to_xlsx(HEADER, rows), "e.xlsx", user=bureau)
    assert (res.created, res.updated) == (0, 3)
    ent = Enterprise.objects.get(uscc=rows[1][0])
    assert ent.name == "宁波改名后有限公司"
    latest = ent.history.order_by("-history_date").first()
    assert latest.history_type == "~" and latest.history_user == bureau
    assert latest.prev_record.name == "宁波导入测试1有限公司"


def test_english_headers_and_gbk_csv_are_accepted(bureau):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["uscc", "name", "town", "industry", "founded_on", "staff"])
    w.writerow([make_uscc("330212", 42), "宁波英文表头有限公司", TOWN_A, "6513", "2019/3/1", "8"])
    res = run_import("enterprises", buf.getvalue().encode("gbk"), "e.csv", user=bureau)
    assert res.ok, res.errors
    assert Enterprise.objects.get().name == "宁波英文表头有限公司"


def test_town_assistant_import_outside_town_is_refused(assistant_a):
    rows = good_rows(2)  # one row in each town
    res = run_import("enterprises", to_xlsx(HEADER, rows), "e.xlsx", user=assistant_a)
    assert [(e.row, e.code) for e in res.errors] == [(2, "out_of_scope")]
    assert Enterprise.objects.count() == 0


def test_missing_required_column_is_one_clear_error(bureau):
    res = run_import("enterprises", to_xlsx(HEADER[:2], [["x", "y"]]), "e.xlsx", user=bureau)
    assert {e.code for e in res.errors} == {"missing_column"}
    assert any("所属镇街代码" in e.message for e in res.errors)


@pytest.mark.parametrize("data,name", [(b"PK\x03\x04truncated", "x.xlsx"), (b"hello", "x.pdf"), (b"", "x.csv")])
def test_unreadable_files_raise_clear_errors(bureau, data, name):
    with pytest.raises(ImportFileError):
        run_import("enterprises", data, name, user=bureau)


def test_formula_cells_are_refused(bureau):
    rows = good_rows(1)
    rows[0][1] = "=HYPERLINK(\"http://x\")"
    res = run_import("enterprises", to_xlsx(HEADER, rows), "e.xlsx", user=bureau)
    assert [e.code for e in res.errors] == ["formula"]


def test_annual_data_import_checks_parts_and_converts_wan(bureau, ent_a):
    header = ["统一社会信用代码", "年度", "职工总数", "科技人员数", "销售收入（万元）", "收入总额（万元）", "研发费用（万元）", "境内研发费用（万元）"]
    bad = [[ent_a.uscc, 2024, 10, 20, "100", "120", "5", "6"]]
    res = run_import("annual_data", to_xlsx(header, bad), "a.xlsx", user=bureau)
    assert {e.column for e in res.errors} == {"科技人员数", "境内研发费用（万元）"}
    good = [[ent_a.uscc, 2024, 100, 20, "1234.5678", "1300", "60", "50"]]
    res = run_import("annual_data", to_xlsx(header, good), "a.xlsx", user=bureau)
    assert res.ok, res.errors
    row = AnnualData.objects.get(enterprise=ent_a, year=2024)
    assert str(row.sales) == "12345678.00"


def test_dry_run_writes_nothing(bureau):
    res = run_import("enterprises", to_xlsx(HEADER, good_rows(5)), "e.xlsx", user=bureau, dry_run=True)
    assert res.ok and res.total == 5 and Enterprise.objects.count() == 0


def test_rd_institution_district_filing_without_five_haves_is_refused(bureau, ent_a):
    header = ["统一社会信用代码", "机构名称", "类型", "级别", "认定/备案日期", "研发场地面积（㎡）", "研发人员数", "在研项目数"]
    res = run_import("rd_institutions", to_xlsx(header, [[ent_a.uscc, "甲研究院", "企业研究院", "区级", "2024-01-01", "300", 5, 0]]),
                     "r.xlsx", user=bureau)
    assert len(res.errors) == 1
    assert "有设备" in res.errors[0].message and "有投入" in res.errors[0].message and "有项目" in res.errors[0].message


def test_import_through_web_page_and_api_share_the_path(client_as, bureau):
    c = client_as(bureau)
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = to_xlsx(HEADER, seven_bad(good_rows(700)))
    page = c.post("/imports/", {"kind": "enterprises", "file": SimpleUploadedFile("e.xlsx", data)})
    assert page.status_code == 200 and "发现 7 处错误" in page.content.decode()
    api = c.post("/api/imports/enterprises", {"file": SimpleUploadedFile("e.xlsx", data)})
    assert api.status_code == 200 and len(api.json()["errors"]) == 7
    assert Enterprise.objects.count() == 0
    tmpl = c.get("/imports/enterprises/template.xlsx")
    assert tmpl.status_code == 200 and tmpl.content[:2] == b"PK"
