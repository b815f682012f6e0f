"""Demo data for the foundation: organisations, enterprises with three years of data, IP, ladder, R&D, users."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from kechuang.core.choices import Role
from kechuang.core.uscc import make_uscc
from kechuang.regions.models import HitechDomain, Industry, Region

from .choices import (Acquisition, InstitutionKind, IPKind, Level, QualificationKind, RDInstitutionType)
from .imports import qualification_expiry
from .models import (AnnualData, Bank, Enterprise, Institution, IPRecord, Qualification, RDInstitution,
                     ServiceAgency)

SIZES = {"tiny": (200, 100), "small": (1200, 1800), "city": (6000, 54000)}  # (home district, rest of the city)
#: tiny (browser journeys): this many above-size tech-service enterprises in the town assistant's town, so its
#: monthly-report tasks have several reporters to fill in.
TINY_TOWN_REPORTERS = 8
PREFIXES = ["甬", "鄞", "明", "海", "智", "恒", "华", "东", "创", "博", "中", "新", "科", "天", "瑞", "德", "金", "宏", "凯", "联"]
MIDDLES = ["芯", "光", "电", "数", "材", "能", "医", "智", "联", "云", "精", "微", "磁", "锐", "泰", "达", "源", "航", "澜", "拓"]
TRADES = [("智能科技", "6513", "10101"), ("电子科技", "3971", "10201"), ("新材料科技", "2651", "40101"),
          ("精密机械", "3421", "80101"), ("生物医药", "2720", "20101"), ("软件技术", "6511", "10102"),
          ("环保科技", "7721", "70101"), ("新能源科技", "3825", "60101"), ("检测技术", "7452", "50101"),
          ("汽车零部件", "3670", "80301"), ("模具制造", "3525", "80101"), ("信息技术", "6531", "10301")]
SUFFIX = "有限公司"
INSTITUTIONS = [("宁波大学", InstitutionKind.UNIVERSITY), ("宁波诺丁汉大学", InstitutionKind.UNIVERSITY),
                ("浙江大学宁波理工学院", InstitutionKind.UNIVERSITY), ("宁波工程学院", InstitutionKind.UNIVERSITY),
                ("中国科学院宁波材料技术与工程研究所", InstitutionKind.INSTITUTE),
                ("甬江实验室", InstitutionKind.NEW_RD), ("浙江万里学院", InstitutionKind.UNIVERSITY)]
AGENCIES = [("宁波某检测认证有限公司", "7452", "检验检测、计量校准"), ("鄞州某知识产权代理事务所", "7520", "专利代理、知识产权运营"),
            ("宁波某科技咨询有限公司", "7240", "高企认定辅导、项目申报咨询"), ("宁波某工业设计有限公司", "7491", "工业设计、产品设计"),
            ("宁波某技术转移中心", "7530", "技术转移、成果评价"), ("宁波某大型仪器共享平台", "7459", "大型仪器共享、测试分析"),
            ("宁波某软件评测中心", "6550", "软件测试、信息安全评估"), ("宁波某标准化服务有限公司", "7459", "标准制定咨询")]
BANKS = ["宁波银行鄞州支行", "工商银行宁波分行", "农业银行鄞州支行", "鄞州银行", "建设银行宁波分行"]


def _pick_weighted(rng, items):
    total = sum(w for _, w in items)
    x = rng.uniform(0, total)
    for item, w in items:
        x -= w
        if x <= 0:
            return item
    return items[-1][0]


def load(ctx) -> None:
    rng = ctx.rng
    now = timezone.now()
    n_home, n_rest = SIZES.get(ctx.size, SIZES["small"])
    towns_home = list(Region.objects.filter(level="town", code__startswith=ctx.home).order_by("code")
                      .values_list("code", flat=True))
    towns_rest = list(Region.objects.filter(level="town", code__startswith=ctx.city).exclude(code__startswith=ctx.home)
                      .values_list("code", flat=True))
    industries = set(Industry.objects.values_list("code", flat=True))
    domains = set(HitechDomain.objects.values_list("code", flat=True))

    for name, kind in INSTITUTIONS:
        Institution.objects.create(name=name, kind=kind, region_id=ctx.city + "00" if False else None)
    for name, ind, services in AGENCIES:
        ServiceAgency.objects.create(name=name, industry_id=ind if ind in industries else None, services=services,
                                     region_id=ctx.home, voucher_listed=True, qualifications="CMA/CNAS" if "检测" in name else "")
    for name in BANKS:
        Bank.objects.create(name=name)
    ctx.log(f"{len(INSTITUTIONS)} 院校, {len(AGENCIES)} 服务机构, {len(BANKS)} 银行")

    ents: list[Enterprise] = []
    names: set[str] = set()
    serial = 10000
    tsi_trades = [t for t in TRADES if t[1][:2] in ("65", "73", "74", "75")]
    for count, towns in ((n_home, towns_home), (n_rest, towns_rest)):
        if not towns:
            continue
        for i in range(count):
            serial += rng.randint(1, 40)
            trade, ind, dom = rng.choice(TRADES)
            reporter = ctx.size == "tiny" and towns is towns_home and i < TINY_TOWN_REPORTERS
            if reporter:
                trade, ind, dom = tsi_trades[i % len(tsi_trades)]
            while True:
                name = f"宁波{rng.choice(PREFIXES)}{rng.choice(MIDDLES)}{rng.choice(MIDDLES)}{trade}{SUFFIX}"
                if name not in names:
                    names.add(name)
                    break
                name = None
                if len(names) > 7000:
                    name = f"宁波{rng.choice(PREFIXES)}{serial}{trade}{SUFFIX}"
                    names.add(name)
                    break
            town = towns[0] if reporter else rng.choice(towns)
            founded = ctx.today - dt.timedelta(days=rng.randint(200, 20 * 365))
            staff = int(rng.lognormvariate(3.6, 0.9)) + 3 + (120 if reporter else 0)
            ents.append(Enterprise(
                uscc=make_uscc(town[:6], serial), name=name, town_id=town,
                industry_id=ind if ind in industries else None,
                domain_id=dom if dom in domains and rng.random() < 0.8 else None,
                founded_on=founded, staff=staff, above_size=reporter or (staff > 80 and rng.random() < 0.7),
                legal_rep=rng.choice("张王李赵陈刘杨黄周吴") + rng.choice(["伟", "芳", "敏", "静", "强", "磊", "洋", "勇"]),
                created_at=now, updated_at=now))
    bulk_create_with_history(ents, Enterprise, batch_size=2000, default_change_reason="demo")
    ents = list(Enterprise.objects.order_by("pk"))
    ctx.log(f"{len(ents)} 家企业")

    last = ctx.today.year - 1
    years = [last - 2, last - 1, last]
    annual, ips, quals, rds = [], [], [], []
    ip_serial = 0
    for e in ents:
        profile = rng.random()  # a latent "innovativeness" that drives every figure of this enterprise
        sales = Decimal(int(rng.lognormvariate(7.5, 1.2)) * 10000)  # yuan
        growth = Decimal(str(round(rng.uniform(-0.1, 0.45), 3)))
        net = (sales * Decimal(str(round(rng.uniform(0.2, 0.9), 2)))).quantize(Decimal("0.01"))
        for y in years:
            if dt.date(y, 12, 31) < e.founded_on:
                continue
            staff = max(3, e.staff + rng.randint(-5, 5))
            tech = min(staff, int(staff * (0.04 + 0.3 * profile) + rng.randint(0, 2)))
            rd = (sales * Decimal(str(round(0.01 + 0.07 * profile * rng.uniform(0.6, 1.2), 4)))).quantize(Decimal("0.01"))
            total_income = (sales * Decimal("1.03")).quantize(Decimal("0.01"))
            annual.append(AnnualData(
                enterprise=e, year=y, staff_total=staff, staff_tech=tech, sales=sales, total_income=total_income,
                non_taxable_income=Decimal("0.00"),
                hitech_income=(total_income * Decimal(str(round(min(0.95, 0.3 + 0.6 * profile), 2)))).quantize(Decimal("0.01")),
                rd_expense=rd, rd_domestic=(rd * Decimal("0.95")).quantize(Decimal("0.01")),
                net_assets=net, total_assets=(net * Decimal("1.8")).quantize(Decimal("0.01")),
                cost_expense_total=(sales * Decimal("0.85")).quantize(Decimal("0.01")),
                created_at=now, updated_at=now))
            sales = (sales * (1 + growth)).quantize(Decimal("0.01"))
            net = (net * (1 + growth / 2)).quantize(Decimal("0.01"))
        for _ in range(int(profile * 8 * rng.random()) + (1 if profile > 0.3 else 0)):
            ip_serial += 1
            kind = _pick_weighted(rng, [(IPKind.INVENTION, 2 + 4 * profile), (IPKind.UTILITY, 5), (IPKind.SOFTWARE, 3),
                                        (IPKind.DESIGN, 1)])
            granted = e.founded_on + dt.timedelta(days=rng.randint(100, max(101, (ctx.today - e.founded_on).days)))
            granted = min(granted, ctx.today)
            prefix = "ZL" if kind != IPKind.SOFTWARE else "2024SR"
            ips.append(IPRecord(enterprise=e, kind=kind, number=f"{prefix}{granted.year}{ip_serial:07d}",
                                title=f"一种{rng.choice(['智能', '高效', '低功耗', '精密', '环保'])}{rng.choice(['控制', '检测', '制备', '加工', '识别'])}方法",
                                acquisition=Acquisition.SELF if rng.random() < 0.9 else Acquisition.TRANSFER,
                                granted_on=granted, used_in_hte=rng.random() < 0.2, created_at=now, updated_at=now))
        age = (ctx.today - e.founded_on).days / 365
        if age <= 5 and profile > 0.35 and rng.random() < 0.5:
            y = max(e.founded_on.year, ctx.today.year - 3)
            quals.append(_q(e, QualificationKind.STARTUP, y, dt.date(y, 6, 15), None, now, f"CX{y}{e.pk:05d}"))
        if profile > 0.3:
            for y in years + [ctx.today.year]:
                if dt.date(y, 1, 1) > e.founded_on and rng.random() < 0.75:
                    issue = dt.date(y, min(ctx.today.month if y == ctx.today.year else 9, 9), 10)
                    if issue <= ctx.today:
                        quals.append(_q(e, QualificationKind.TSME, y, issue, dt.date(y + 1, 3, 31), now,
                                        f"{y}3302{12 if e.town_id.startswith(ctx.home) else 0}{e.pk:06d}"))
        if profile > 0.55 and rng.random() < 0.5:
            y = rng.choice(years)
            quals.append(_q(e, QualificationKind.POOL, y, dt.date(y, 5, 20), dt.date(y + 3, 5, 19), now, "",
                            batch=f"{y}年第一批"))
        if profile > 0.7 and age > 2:
            y = rng.choice([last - 3, last - 2, last - 1, last])
            issue = dt.date(y, 12, rng.choice([1, 8, 15]))
            if issue > e.founded_on + dt.timedelta(days=365) and issue <= ctx.today:
                quals.append(_q(e, QualificationKind.HTE, y, issue, qualification_expiry(issue), now, f"GR{y}33{e.pk:07d}"))
        if profile > 0.8 and rng.random() < 0.4:
            level = _pick_weighted(rng, [(Level.DISTRICT, 5), (Level.MUNICIPAL, 3), (Level.PROVINCIAL, 1.5), (Level.NATIONAL, 0.2)])
            rds.append(RDInstitution(
                enterprise=e, name=f"{e.name[:-4]}{rng.choice(['研究院', '技术中心', '工程技术中心'])}",
                type=rng.choice([RDInstitutionType.RESEARCH_INSTITUTE, RDInstitutionType.TECH_CENTER,
                                 RDInstitutionType.ENGINEERING_CENTER, RDInstitutionType.HTE_RD_CENTER]),
                level=level, approved_on=dt.date(rng.choice(years), 7, 1), site_area=Decimal(rng.randint(200, 3000)),
                equipment_value=Decimal(rng.randint(50, 800) * 10000), staff=rng.randint(5, 60),
                investment=Decimal(rng.randint(100, 3000) * 10000), projects=rng.randint(1, 12),
                created_at=now, updated_at=now))
    bulk_create_with_history(annual, AnnualData, batch_size=2000, default_change_reason="demo")
    bulk_create_with_history(ips, IPRecord, batch_size=2000, default_change_reason="demo")
    bulk_create_with_history(quals, Qualification, batch_size=2000, default_change_reason="demo")
    bulk_create_with_history(rds, RDInstitution, batch_size=2000, default_change_reason="demo")
    ctx.log(f"{len(annual)} 条年度数据, {len(ips)} 项知识产权, {len(quals)} 条资质, {len(rds)} 个研发机构")
    _users(ctx)


def _q(e, kind, year, issue, expiry, now, number, batch=""):
    return Qualification(enterprise=e, kind=kind, year=year, issue_date=issue, expiry_date=expiry, number=number,
                         batch=batch, created_at=now, updated_at=now)


def _users(ctx) -> None:
    from .choices import QualificationKind as QK

    User = get_user_model()

    def make(username, role, name, **kw):
        u = User(username=username, role=role, first_name=name, **kw)
        u.password = ctx.password_hash()
        u.save()
        return u

    admin = make("admin", Role.BUREAU, "系统管理员", region_id=ctx.home, is_staff=True, is_superuser=True)
    ctx.add_login("admin", admin, "superuser / 超级管理员")
    officer = make("kjj", Role.BUREAU, "科技局 王科长", region_id=ctx.home, is_staff=True)
    ctx.add_login("bureau", officer, "区科技局干部")
    town = Region.objects.filter(level="town", code__startswith=ctx.home).order_by("code").first()
    assistant = make("zhuli", Role.TOWN, f"{town.name} 科技助理", region_id=town.code)
    ctx.add_login("town", assistant, f"{town.name}科技助理")
    ent = (Enterprise.objects.filter(town=town, qualifications__kind=QK.TSME).order_by("pk").first()
           or Enterprise.objects.filter(town=town).order_by("pk").first())
    clerk = make("qiye", Role.ENTERPRISE, f"{ent.name} 经办人", enterprise=ent)
    ctx.add_login("enterprise", clerk, ent.name)
    inst = Institution.objects.get(name="宁波大学")
    expert_user = make("zhuanjia", Role.EXPERT, "宁波大学 李教授", institution=inst)
    ctx.add_login("expert", expert_user, "宁波大学专家")
    agency = ServiceAgency.objects.order_by("pk").first()
    ctx.add_login("agency", make("jigou", Role.AGENCY, f"{agency.name} 业务员", agency=agency), agency.name)
    bank = Bank.objects.order_by("pk").first()
    ctx.add_login("bank", make("yinhang", Role.BANK, f"{bank.name} 客户经理", bank=bank), bank.name)
