"""Large imports take the bulk path (COPY on PostgreSQL): values, change-log rows and their user stay exact."""
import datetime as dt

import pytest

from kechuang.conftest import TOWN_A, TOWN_B
from kechuang.core.bulk import COPY_MIN_ROWS, bulk_insert_audited, bulk_update_audited
from kechuang.core.importing import run_import
from kechuang.core.uscc import make_uscc
from kechuang.enterprises.models import Enterprise

from .test_import import HEADER, to_xlsx

pytestmark = pytest.mark.django_db

N = COPY_MIN_ROWS * 2 + 7  # beyond the threshold where the bulk path switches to COPY
AWKWARD = ["宁波\t制表符有限公司", "宁波\\反斜杠\\N有限公司", "宁波换行\n有限公司", "宁波回车\r有限公司", "\\N"]


def rows(n: int, *, name: str = "宁波批量{i}有限公司") -> list[list]:
    return [[make_uscc("330212", 5000 + i), name.format(i=i), TOWN_A if i % 3 else TOWN_B, "6513",
             "2017-03-0" + str(1 + i % 9), i % 40] for i in range(n)]


def test_bulk_import_stores_awkward_text_exactly_and_logs_each_row_with_its_user(bureau):
    data = rows(N)
    for i, text in enumerate(AWKWARD):
        data[i][1] = text
    res = run_import("enterprises", to_xlsx(HEADER, data), "e.xlsx", user=bureau)
    assert res.ok and (res.created, res.updated) == (N, 0)
    stored = dict(Enterprise.objects.values_list("uscc", "name"))
    assert [stored[r[0]] for r in data] == [r[1] for r in data]
    ent = Enterprise.objects.get(uscc=data[40][0])
    assert (ent.town_id, ent.industry_id, ent.founded_on, ent.staff, ent.above_size, ent.legal_rep) == (
        data[40][2], "6513", dt.date(2017, 3, 5), 0, False, "")
    log = Enterprise.history.filter(history_type="+")
    assert log.count() == N and set(log.values_list("history_user", flat=True)) == {bureau.pk}
    assert set(log.values_list("history_change_reason", flat=True)) == {"import:enterprises"}
    assert {h.uscc: h.name for h in log} == stored
    first = log.get(uscc=data[0][0])
    assert first.id == Enterprise.objects.get(uscc=data[0][0]).pk and first.created_at == first.updated_at


def test_bulk_reimport_updates_every_row_and_logs_the_stored_row(bureau):
    data = rows(N)
    run_import("enterprises", to_xlsx(HEADER, data), "e.xlsx", user=bureau)
    before = {e.uscc: e for e in Enterprise.objects.all()}
    for i, r in enumerate(data):
        r[1] = f"宁波更名{i}\t有限公司"
        r[5] = 1000 + i
    res = run_import("enterprises", to_xlsx(HEADER, data), "e.xlsx", user=bureau)
    assert res.ok and (res.created, res.updated) == (0, N)
    for r in data:
        e = Enterprise.objects.get(uscc=r[0])
        assert (e.name, e.staff, e.pk, e.created_at) == (r[1], r[5], before[r[0]].pk, before[r[0]].created_at)
        assert e.updated_at > before[r[0]].updated_at
        latest = e.history.order_by("-history_id").first()
        assert (latest.history_type, latest.history_user, latest.name, latest.staff) == ("~", bureau, r[1], r[5])
        assert latest.updated_at == e.updated_at and latest.prev_record.name == before[r[0]].name
    assert Enterprise.history.filter(history_type="~").count() == N


def test_columns_absent_from_the_file_keep_their_values_on_update(bureau):
    header = HEADER + ["高新技术领域代码"]
    data = [r + ["10101"] for r in rows(N)]
    run_import("enterprises", to_xlsx(header, data), "e.xlsx", user=bureau)
    res = run_import("enterprises", to_xlsx(HEADER, rows(N)), "e.xlsx", user=bureau)  # no domain column
    assert res.ok and res.updated == N
    assert set(Enterprise.objects.values_list("domain_id", flat=True)) == {"10101"}
    assert set(Enterprise.history.filter(history_type="~").values_list("domain_id", flat=True)) == {"10101"}


def test_repeated_bad_cells_are_each_reported_on_their_own_row(bureau):
    data = rows(N)
    for i in (3, 50, 90):
        data[i][2] = "33021299"  # eight digits: the same bad town code on three rows
    data[60][4] = "2017-02-30"
    res = run_import("enterprises", to_xlsx(HEADER, data), "e.xlsx", user=bureau)
    assert [(e.row, e.column, e.code) for e in res.errors] == [
        (5, "所属镇街代码", "invalid"), (52, "所属镇街代码", "invalid"), (62, "成立日期", "invalid"),
        (92, "所属镇街代码", "invalid")]
    assert Enterprise.objects.count() == 0 and Enterprise.history.count() == 0


def test_bulk_helpers_write_defaults_and_full_change_log_rows_without_a_user():
    new = [{"uscc": make_uscc("330212", 7000 + i), "name": f"宁波助手{i}有限公司", "town_id": TOWN_A,
            "founded_on": dt.date(2020, 1, 1)} for i in range(N)]
    ids = bulk_insert_audited(Enterprise, new, user=None, reason="test")
    assert len(ids) == N and sorted(ids) == sorted(Enterprise.objects.values_list("pk", flat=True))
    e = Enterprise.objects.get(pk=ids[5])
    assert (e.uscc, e.staff, e.description, e.contact_phone, e.industry_id) == (new[5]["uscc"], 0, "", "", None)
    bulk_update_audited(Enterprise, [{"id": pk, "staff": 9} for pk in ids], ["staff"], user=None, reason="test")
    assert set(Enterprise.objects.values_list("staff", flat=True)) == {9}
    upd = Enterprise.history.filter(history_type="~")
    assert upd.count() == N and set(upd.values_list("history_user", flat=True)) == {None}
    h = upd.get(id=ids[5])
    assert (h.uscc, h.name, h.staff, h.town_id) == (e.uscc, e.name, 9, TOWN_A)
