"""Imports of the four libraries: Chinese headers, every row's errors at once, nothing written on any error."""
import datetime as dt

import pytest

from kechuang.core.importing import run_import
from kechuang.enterprises.models import ServiceAgency
from kechuang.market.models import Achievement, Demand, Expert, MarketEvent

from .market_fixtures import *  # noqa: F401,F403
from .market_fixtures import P


def csv(*rows) -> bytes:
    return ("\n".join(",".join(r) for r in rows) + "\n").encode("utf-8")


ACH_HEADER = ("成果名称", "成果简介", "权属院校/院所", "权属企业统一社会信用代码", "高新技术领域代码", "成熟度", "合作方式",
              "价格（万元）", "国际合作", "关键词", "发布状态")


def test_achievements_import_with_row_errors_writes_nothing(bureau, institution, ent_a):
    data = csv(ACH_HEADER,
               ("好成果", "简介", "宁波大学", "", "40101", "中试", "转让", "面议", "否", "材料", ""),
               ("", "缺名称", "宁波大学", "", "", "", "", "", "", "", ""),
               ("坏成熟度", "x", "宁波大学", "", "99999", "量产了", "送人", "abc", "也许", "", ""),
               ("无主成果", "x", "", "", "", "", "", "", "", "", ""),
               ("好成果", "重复行", "宁波大学", "", "", "", "", "", "", "", ""),
               ("未知院校成果", "x", "火星大学", "", "", "", "", "", "", "", ""))
    result = run_import("achievements", data, "a.csv", user=bureau)
    errs = {(e.row, e.column) for e in result.errors}
    assert (3, "成果名称") in errs
    assert {(4, "高新技术领域代码"), (4, "成熟度"), (4, "合作方式"), (4, "价格（万元）"), (4, "国际合作")} <= errs
    assert (5, "权属院校/院所") in errs
    assert (6, "成果名称") in errs  # same owner and title as row 2
    assert (7, "权属院校/院所") in errs
    assert Achievement.objects.count() == 0


def test_achievements_import_creates_then_updates_by_owner_and_title(bureau, institution, ent_a):
    data = csv(ACH_HEADER,
               ("好成果", "简介", "宁波大学", "", "40101", "中试", "转让", "面议", "否", "材料，改性", ""),
               ("企业成果", "简介", "", ent_a.uscc, "", "可量产", "许可", "12.5", "是", "", "待审核"))
    result = run_import("achievements", data, "a.csv", user=bureau)
    assert result.ok and (result.created, result.updated) == (2, 0), result.errors
    a = Achievement.objects.get(title="好成果")
    assert a.status == P.PUBLISHED and a.price_negotiable and a.price is None and a.owner_institution == institution
    b = Achievement.objects.get(title="企业成果")
    assert b.status == P.REVIEW and str(b.price) == "125000.00" and b.region_id == ent_a.town_id and b.international
    assert MarketEvent.objects.filter(workflow="pub:achievement", action="import").count() == 2
    data = csv(ACH_HEADER, ("好成果", "新简介", "宁波大学", "", "", "实验室", "", "", "", "", ""))
    result = run_import("achievements", data, "a.csv", user=bureau)
    assert (result.created, result.updated) == (0, 1)
    a.refresh_from_db()
    assert a.description == "新简介" and a.maturity == "lab"


def test_town_assistant_imports_only_own_town_and_not_as_published(assistant_a, ent_a, ent_b, institution):
    data = csv(ACH_HEADER,
               ("甲成果", "x", "", ent_a.uscc, "", "", "", "", "", "", ""),
               ("乙成果", "x", "", ent_b.uscc, "", "", "", "", "", "", ""),
               ("院校成果", "x", "宁波大学", "", "", "", "", "", "", "", ""),
               ("甲成果二", "x", "", ent_a.uscc, "", "", "", "", "", "", "已发布"))
    result = run_import("achievements", data, "a.csv", user=assistant_a)
    errs = {(e.row, e.column, e.code) for e in result.errors}
    assert errs == {(3, "权属企业统一社会信用代码", "out_of_scope"), (4, "权属院校/院所", "out_of_scope"),
                    (5, "发布状态", "forbidden")}
    data = csv(ACH_HEADER, ("甲成果", "x", "", ent_a.uscc, "", "", "", "", "", "", ""))
    result = run_import("achievements", data, "a.csv", user=assistant_a)
    assert result.ok and Achievement.objects.get().status == P.REVIEW


DEM_HEADER = ("企业统一社会信用代码", "难题名称", "难题描述", "预算（万元）", "期望解决日期", "高新技术领域代码", "期望合作方式",
              "关键词", "发布状态")


def test_demands_import(bureau, ent_a, ent_b, make_enterprise):
    far = make_enterprise(town_id="330203001", name="海曙某公司")
    future = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    data = csv(DEM_HEADER,
               (ent_a.uscc, "难题一", "描述", "50", future, "40101", "合作开发", "注塑", ""),
               (ent_b.uscc, "难题二", "描述", "-3", "2001-01-01", "", "", "", ""),
               (far.uscc, "难题三", "描述", "", "", "", "", "", ""),
               ("91330212MA2AXXXXX1", "难题四", "描述", "", "", "", "", "", ""))
    result = run_import("demands", data, "d.csv", user=bureau)
    errs = {(e.row, e.column) for e in result.errors}
    assert {(3, "预算（万元）"), (3, "期望解决日期"), (4, "企业统一社会信用代码"), (5, "企业统一社会信用代码")} <= errs
    assert Demand.objects.count() == 0
    result = run_import("demands", csv(DEM_HEADER, (ent_a.uscc, "难题一", "描述", "50", future, "40101", "合作开发",
                                                    "注塑", "")), "d.csv", user=bureau)
    assert result.ok
    d = Demand.objects.get()
    assert d.status == P.PUBLISHED and str(d.budget) == "500000.00" and d.keywords == "注塑"


def test_experts_import_is_for_the_bureau(bureau, assistant_a, institution):
    header = ("姓名", "所属院校/院所", "所属企业统一社会信用代码", "职称", "研究领域", "关键词", "高新技术领域代码", "联系电话",
              "电子邮箱", "简介", "发布状态")
    data = csv(header, ("张三", "宁波大学", "", "教授", "高分子材料", "注塑", "40101", "13800000000", "zs@nbu.edu.cn", "", ""),
               ("李四", "宁波大学", "", "", "材料", "", "", "abc", "not-an-email", "", ""))
    result = run_import("experts", data, "e.csv", user=bureau)
    assert {(e.row, e.column) for e in result.errors} == {(3, "联系电话"), (3, "电子邮箱")}
    result = run_import("experts", data, "e.csv", user=assistant_a)
    assert {e.code for e in result.errors} >= {"forbidden"}
    result = run_import("experts", csv(header, ("张三", "宁波大学", "", "教授", "高分子材料", "注塑", "", "", "", "", "")),
                        "e.csv", user=bureau)
    assert result.ok and Expert.objects.get().status == P.PUBLISHED


def test_agencies_import_writes_the_foundations_service_agency(bureau):
    header = ("机构名称", "统一社会信用代码", "所在地区划代码", "行业代码", "服务内容", "资质", "联系人", "联系电话", "创新券服务机构",
              "发布状态")
    data = csv(header, ("宁波测试检测公司", "", "330212", "7452", "检验检测", "CMA", "王", "0574-88888888", "是", ""),
               ("坏机构", "123", "999999", "74", "", "", "", "", "", ""))
    result = run_import("agencies", data, "g.csv", user=bureau)
    errs = {(e.row, e.column) for e in result.errors}
    assert {(3, "统一社会信用代码"), (3, "所在地区划代码"), (3, "行业代码"), (3, "服务内容")} <= errs
    assert not ServiceAgency.objects.filter(name="宁波测试检测公司").exists()
    result = run_import("agencies", data.split(b"\n", 2)[0] + b"\n" + data.split(b"\n")[1] + b"\n", "g.csv",
                        user=bureau)
    assert result.ok, result.errors
    a = ServiceAgency.objects.get(name="宁波测试检测公司")
    assert a.voucher_listed and a.industry_id == "7452" and a.status == P.PUBLISHED
    assert a.history.count() == 1  # written through simple-history's bulk helpers


def test_import_through_the_api_reports_every_row_error(client, bureau, institution):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(bureau)
    data = csv(ACH_HEADER, ("a", "", "宁波大学", "", "", "", "", "", "", "", ""), ("b", "", "宁波大学", "", "", "", "", "", "",
                                                                               "", ""))
    r = client.post("/api/imports/achievements", {"file": SimpleUploadedFile("a.csv", data)})
    assert r.status_code == 200
    body = r.json()
    assert not body["ok"] and [e["row"] for e in body["errors"]] == [2, 3]


@pytest.mark.parametrize("kind", ["achievements", "demands", "experts", "agencies"])
def test_templates_have_chinese_headers(kind, client, bureau):
    client.force_login(bureau)
    r = client.get(f"/api/imports/{kind}/template.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
