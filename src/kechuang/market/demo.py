"""Demo marketplace: 600 real abstracts (CSL, Apache-2.0; see data/SOURCES.md) as published achievements of the
demo universities and institutes, synthetic problems, experts, brokers, visits, answers, deals and registered
contracts in the current and the previous year across the home district's towns.

Bulk rows (achievements) are written with simple-history's bulk helpers; every workflow step goes through the
same services as the pages, so each carries its event rows."""
from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from kechuang.core.audit import acting_as
from kechuang.core.choices import PublicationStatus, Role
from kechuang.enterprises.models import Enterprise, Institution, ServiceAgency
from kechuang.regions.models import HitechDomain

from . import search, services
from .choices import Cooperation, IPType, Maturity
from .models import Achievement, Broker, CommissionRule, Expert, MarketEvent

P = PublicationStatus
CORPUS = Path(__file__).parent / "data" / "corpus.jsonl"
N_ACHIEVEMENTS = 600

# first matching rule gives the achievement's first-level high-tech domain (《国家重点支持的高新技术领域》)
DOMAIN_RULES = [
    ("30", r"飞行器|航空|航天|卫星|飞机|导弹|火箭"),
    ("20", r"药|医|患者|临床|细胞|基因|蛋白|病|中医|血|肿瘤|治疗|疫苗|菌"),
    ("60", r"电池|光伏|风电|节能|储能|燃料|能源|发电"),
    ("70", r"环境|污染|废水|水质|土壤|生态|排放|大气|污水|地质|矿|水资源"),
    ("40", r"材料|合金|涂层|复合|纳米|聚合|陶瓷|薄膜|晶体|高分子|纤维"),
    ("10", r"网络|算法|软件|数据|图像|通信|信号|计算机|电路|芯片|识别|神经网络|信息"),
    ("80", r"控制|机械|制造|加工|机器人|设备|结构|振动|传感|检测|模具|发动机"),
]
INSTITUTION_BY_DOMAIN = {"40": "中国科学院宁波材料技术与工程研究所", "80": "宁波工程学院", "10": "宁波大学",
                         "20": "宁波大学", "70": "浙江万里学院", "60": "甬江实验室"}

# (title, description, keywords, domain): problems a Ningbo manufacturer would post
PROBLEMS = [
    ("汽车内饰注塑件翘曲变形控制", "我司生产的汽车内饰注塑件（PP+玻纤）冷却后翘曲变形超差，需要材料改性、模具冷却水路和工艺参数的综合优化方案。", "注塑，翘曲，玻纤增强，模流分析", "40"),
    ("电机控制器低功耗设计", "伺服电机驱动器待机功耗偏高，希望在不降低响应速度的前提下优化控制算法和电路设计，降低功耗20%以上。", "电机控制，低功耗，伺服", "80"),
    ("金属零件表面缺陷机器视觉检测", "冲压件表面划痕、凹坑依靠人工目检，漏检率高，寻求基于图像识别的在线缺陷检测方案。", "机器视觉，缺陷检测，图像识别", "10"),
    ("工业废水中重金属离子去除", "电镀车间废水含镍、铬等重金属离子，现有化学沉淀法污泥量大，寻求吸附或膜分离的高效处理技术。", "废水处理，重金属，吸附", "70"),
    ("锂电池正极材料循环寿命提升", "三元正极材料高温循环容量衰减快，需要表面包覆或掺杂改性技术，提高循环寿命。", "锂离子电池，正极材料，包覆改性", "60"),
    ("铝合金压铸件气孔缺陷", "新能源汽车铝合金壳体压铸件内部气孔导致气密性不合格，寻求工艺优化与真空压铸方案。", "铝合金，压铸，气孔", "40"),
    ("中药提取物有效成分稳定性", "中药复方提取物储存期间有效成分含量下降，需要制剂稳定性研究和工艺改进。", "中药，提取，稳定性", "20"),
    ("精密轴承振动噪声分析", "高速精密轴承运行振动和噪声超标，需要振动信号分析与结构优化方案。", "轴承，振动，噪声，信号分析", "80"),
    ("光伏组件热斑检测与功率衰减", "分布式光伏电站组件出现热斑，发电功率衰减，寻求红外图像检测和故障诊断方法。", "光伏，热斑，故障诊断", "60"),
    ("模具钢表面强化涂层", "注塑模具型腔磨损快，寿命不足，寻求PVD涂层或表面渗氮强化技术。", "模具钢，涂层，耐磨", "40"),
    ("智能仓储机器人路径规划", "仓库AGV多车调度冲突频繁，需要多机器人路径规划与调度算法。", "路径规划，机器人，调度算法", "10"),
    ("污水处理厂曝气节能控制", "污水处理曝气能耗占比高，寻求基于溶解氧模型的智能控制策略。", "污水处理，曝气，节能控制", "70"),
    ("纺织品功能性整理", "希望开发抗菌、防紫外的功能性纺织面料整理工艺，满足出口标准。", "纺织，抗菌，功能整理", "40"),
    ("家电外壳塑料阻燃改性", "家电外壳ABS材料需达到V-0阻燃等级并保持冲击强度，寻求无卤阻燃改性配方。", "阻燃，ABS，改性", "40"),
    ("数控机床热误差补偿", "数控加工中心长时间运行后主轴热变形导致加工精度下降，寻求热误差建模与补偿技术。", "数控机床，热误差，补偿", "80"),
    ("水产品冷链保鲜", "海产品冷链运输过程中品质下降快，寻求保鲜剂和温控技术方案。", "水产品，保鲜，冷链", "20"),
    ("电子元器件焊点可靠性", "汽车电子焊点在温度循环下开裂，需要焊点可靠性分析与工艺改进。", "焊点，可靠性，温度循环", "10"),
    ("风机叶片结构健康监测", "风电叶片裂纹难以及早发现，寻求基于传感器与振动信号的结构健康监测方法。", "风电，叶片，健康监测，传感器", "60"),
    ("大气VOCs排放治理", "喷涂车间挥发性有机物排放超标，寻求吸附浓缩+催化燃烧等治理技术。", "VOCs，催化燃烧，废气", "70"),
    ("生物发酵产率提升", "微生物发酵生产酶制剂产率偏低，需要菌种改良和发酵工艺优化。", "发酵，菌种，酶", "20"),
    ("企业数据中台建设", "多个业务系统数据孤岛，需要数据集成、治理和可视化分析平台建设方案。", "数据集成，数据治理，大数据", "10"),
    ("高分子材料老化寿命预测", "户外使用的高分子制品老化开裂，需要加速老化试验与寿命预测模型。", "高分子，老化，寿命预测", "40"),
    ("液压系统泄漏故障诊断", "工程机械液压系统内泄漏难以定位，寻求基于压力信号的故障诊断方法。", "液压系统，故障诊断，压力信号", "80"),
    ("无线传感网络低功耗通信", "工厂设备监测的无线传感节点电池寿命短，寻求低功耗通信协议与组网方案。", "无线传感网络，低功耗，通信协议", "10"),
    ("陶瓷材料烧结开裂", "精密陶瓷零件烧结过程开裂、变形，需要烧结工艺和坯体配方改进。", "陶瓷，烧结，开裂", "40"),
    ("土壤重金属污染修复", "厂区土壤重金属超标，寻求经济可行的原位修复技术。", "土壤修复，重金属，原位", "70"),
    ("医疗器械表面抗菌涂层", "导管类医疗器械易发生细菌感染，寻求长效抗菌涂层技术。", "医疗器械，抗菌涂层", "20"),
    ("变频空调压缩机控制算法", "变频压缩机低频运行振动大、噪声高，需要控制算法优化。", "变频，压缩机，控制算法", "60"),
    ("物流配送路径优化", "同城配送车辆路径规划依赖人工经验，寻求车辆路径优化算法与系统。", "车辆路径，优化算法，物流", "10"),
    ("复合材料轻量化结构设计", "新能源汽车电池包壳体需要轻量化，寻求碳纤维复合材料结构设计与成型工艺。", "复合材料，轻量化，碳纤维", "40"),
]

EXPERT_TOPICS = [
    ("高分子材料改性 注塑成型", "注塑，翘曲，高分子，改性，玻纤增强", "40"),
    ("电机控制 电力电子", "电机控制，低功耗，伺服，变频", "80"),
    ("机器视觉 图像识别", "机器视觉，缺陷检测，图像识别，深度学习", "10"),
    ("水污染控制 环境工程", "废水处理，重金属，吸附，污水处理", "70"),
    ("锂离子电池材料", "锂离子电池，正极材料，储能", "60"),
    ("金属材料成形", "铝合金，压铸，合金，热处理", "40"),
    ("中药药剂学", "中药，提取，制剂，稳定性", "20"),
    ("机械振动与噪声控制", "振动，噪声，轴承，信号分析，故障诊断", "80"),
    ("光伏发电与新能源系统", "光伏，风电，故障诊断，新能源", "60"),
    ("表面工程与涂层", "涂层，耐磨，表面强化，抗菌涂层", "40"),
    ("智能优化算法 运筹学", "路径规划，调度算法，优化算法，物流", "10"),
    ("大气污染控制", "VOCs，催化燃烧，废气治理", "70"),
    ("微生物发酵工程", "发酵，菌种，酶，生物", "20"),
    ("大数据与数据治理", "大数据，数据集成，数据治理，可视化", "10"),
    ("数控技术与精密加工", "数控机床，热误差，精密加工，补偿", "80"),
    ("无线传感网络与物联网", "无线传感网络，物联网，低功耗，通信协议", "10"),
    ("先进陶瓷材料", "陶瓷，烧结，粉体", "40"),
    ("土壤与固废处理", "土壤修复，固废，重金属", "70"),
    ("液压与流体传动", "液压系统，泄漏，故障诊断", "80"),
    ("复合材料结构", "复合材料，碳纤维，轻量化", "40"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = ["建华", "志强", "晓东", "海燕", "文博", "立新", "雪梅", "国庆", "振宇", "丽娟", "明辉", "晓峰", "春生",
         "红霞", "俊杰", "宏伟", "静怡", "宇航", "秀英", "学军"]
TITLES = ["教授", "研究员", "副教授", "副研究员", "高级工程师", "教授级高工"]


def _domain_of(text: str) -> str | None:
    for code, pattern in DOMAIN_RULES:
        if re.search(pattern, text):
            return code
    return None


def _rand_day(rng, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _user(username, role, name, **kw):
    """A demo account without a usable password (only the printed logins can sign in)."""
    User = get_user_model()
    u = User(username=username, role=role, first_name=name, **kw)
    u.set_unusable_password()
    u.save()
    return u


def load(ctx) -> None:
    import time

    t0 = time.perf_counter()
    bureau = ctx.users["bureau"]
    with acting_as(bureau, "demo"):
        _load(ctx, ctx.rng, ctx.today, bureau)
    search.reset_index()
    ctx.log(f"科技大市场演示数据用时 {time.perf_counter() - t0:.1f} 秒")


def _load(ctx, rng, today, bureau) -> None:
    now = timezone.now()
    institutions = {i.name: i for i in Institution.objects.all()}
    inst_list = list(institutions.values())
    domains = set(HitechDomain.objects.filter(level=1).values_list("code", flat=True))
    home_ents = list(Enterprise.objects.filter(town__code__startswith=ctx.home).order_by("pk"))
    if not home_ents or not inst_list:
        return

    # -- 1. achievements from the real abstracts (bulk) -------------------------------------------------------
    records = []
    with open(CORPUS, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                records.append(json.loads(line))
            if len(records) >= N_ACHIEVEMENTS:
                break
    achievements = []
    for r in records:
        title, text = r["title"][:200], r["text"]
        dom = _domain_of(title + text)
        inst = institutions.get(INSTITUTION_BY_DOMAIN.get(dom, "")) if rng.random() < 0.5 else None
        inst = inst or rng.choice(inst_list)
        negotiable = rng.random() < 0.45
        achievements.append(Achievement(
            title=title, description=text, owner_institution=inst, region_id=ctx.home,
            domain_id=dom if dom in domains else None,
            maturity=rng.choice(Maturity.values), ip_type=rng.choice([IPType.INVENTION, IPType.INVENTION,
                                                                       IPType.SOFTWARE, IPType.KNOW_HOW,
                                                                       IPType.UTILITY]),
            cooperation=rng.choice(Cooperation.values), price_negotiable=negotiable,
            price=None if negotiable else Decimal(rng.randint(5, 500) * 10000),
            international=rng.random() < 0.08, status=P.PUBLISHED, posted_by=bureau,
            created_at=now, updated_at=now))
    created = bulk_create_with_history(achievements, Achievement, batch_size=1000, default_user=bureau,
                                       default_change_reason="demo")
    if created and created[0].pk is None:
        created = list(Achievement.objects.filter(created_at=now))
    MarketEvent.objects.bulk_create([
        MarketEvent(workflow="pub:achievement", object_id=a.pk, action="import", to_state=P.PUBLISHED, actor=bureau,
                    actor_name=bureau.get_full_name(), actor_role="bureau", note="demo: CSL abstracts")
        for a in created], batch_size=1000)
    ctx.log(f"{len(created)} 项技术成果（CSL 论文摘要）")

    # -- 2. brokers and the commission rule ------------------------------------------------------------------
    User = get_user_model()
    transfer = ServiceAgency.objects.filter(name__contains="技术转移").first()
    broker_user = User(username="jingjiren", role=Role.AGENCY, first_name="技术经纪人 周经纪", agency=transfer)
    broker_user.password = ctx.password_hash()
    broker_user.save()
    ctx.add_login("broker", broker_user, "技术经纪人（技术转移中心）")
    towns = sorted({e.town_id for e in home_ents})
    brokers = [services.broker_register(user=bureau, data={"user": broker_user.pk, "name": "周经纪",
                                                           "organisation": transfer.name if transfer else "",
                                                           "certificate_no": "ZJ-JJR-2023-0101",
                                                           "region": ctx.home})]
    for i, name in enumerate(["吴经纪", "郑经纪"]):
        u = _user(f"broker{i + 2}", Role.TOWN, name, region_id=towns[i % len(towns)])
        brokers.append(services.broker_register(user=bureau, data={"user": u.pk, "name": name, "region": ctx.home,
                                                                   "certificate_no": f"ZJ-JJR-2024-01{i + 2:02d}"}))
    services.commission_rule_create(user=bureau, data={"name": "鄞州区技术经纪佣金规则", "rate": "0.015", "cap": "8",
                                                       "valid_from": f"{today.year - 1}-01-01"})

    # -- 3. experts ------------------------------------------------------------------------------------------
    expert_user = ctx.users["expert"]
    experts: list[Expert] = []
    hte_ents = list(Enterprise.objects.filter(town__code__startswith=ctx.home, qualifications__kind="hte")
                    .distinct().order_by("pk")[:40]) or home_ents[:40]
    me = services.expert_create(user=bureau, link_user=expert_user, data={
        "name": "李建华", "institution": expert_user.institution_id, "title": "教授",
        "fields": "高分子材料改性 注塑成型", "keywords": "注塑，翘曲，高分子，改性，玻纤增强", "domain": "40",
        "phone": "13805740001", "email": "lijianhua@nbu.edu.cn",
        "bio": "长期从事高分子材料改性与注塑成型研究，承担多项企业委托开发项目。"}, submit=True)
    services.listing_approve(user=bureau, obj=me)
    experts.append(me)
    used = {"李建华"}
    for i in range(44):
        fields, keywords, dom = EXPERT_TOPICS[i % len(EXPERT_TOPICS)]
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in used:
                used.add(name)
                break
        enterprise_expert = i % 4 == 3  # a quarter are experts of district high-tech firms
        data = {"name": name, "title": rng.choice(TITLES), "fields": fields, "keywords": keywords, "domain": dom,
                "phone": f"138{rng.randint(10000000, 99999999)}", "bio": f"研究方向：{fields}。"}
        if enterprise_expert:
            data["enterprise"] = hte_ents[i % len(hte_ents)].pk
        else:
            data["institution"] = rng.choice(inst_list).pk
        e = services.expert_create(user=bureau, data=data, submit=True)
        if i % 15 != 14:
            services.listing_approve(user=bureau, obj=e)
        experts.append(e)
    published_experts = [e for e in experts if e.status == P.PUBLISHED]
    ctx.log(f"{len(experts)} 位专家，{len(brokers)} 名技术经纪人")

    # -- 4. problems, routings and answers -------------------------------------------------------------------
    clerk = ctx.users["enterprise"]
    own = clerk.enterprise
    answer_users: dict[int, object] = {expert_user.pk: expert_user}

    def expert_account(e: Expert):
        if e.user_id is None:
            e.user = _user(f"expert{e.pk}", Role.EXPERT, e.name, institution=e.institution)
            e.save(update_fields=["user"])
        return e.user

    demands = []
    for i, (title, desc, kw, dom) in enumerate(PROBLEMS):
        ent = own if i < 2 else rng.choice(home_ents)
        poster = clerk if ent == own else bureau
        d = services.demand_create(user=poster, data={
            "enterprise": ent.pk, "title": title, "description": desc, "keywords": kw, "domain": dom,
            "budget": str(rng.choice([10, 20, 30, 50, 80, 100, 200])), "cooperation": rng.choice(Cooperation.values),
            "deadline": (today + dt.timedelta(days=rng.randint(60, 300))).isoformat()}, submit=i % 6 != 5)
        if i == 1 or i % 6 == 4:
            pass  # stays in review
        elif i % 6 != 5:
            services.listing_approve(user=bureau, obj=d)
        demands.append(d)
    published = [d for d in demands if d.status == P.PUBLISHED]

    def topical(d):
        ranked = sorted(published_experts, key=lambda e: -len(set(e.keywords.split("，")) & set(d.keywords.split("，"))))
        return ranked[:3]

    answered = []
    for n, d in enumerate(published):
        if n % 5 == 4:
            continue  # some problems wait for routing
        broker = brokers[n % len(brokers)]
        chosen = topical(d)
        if (d.enterprise_id == own.pk or n == 1) and me not in chosen:
            chosen = [me] + chosen[:2]
        routings = services.demand_route(user=broker.user, demand=d, experts=chosen, note="请结合企业实际给出方案")
        answers = []
        for k, r in enumerate(routings):
            if k == 2 and d.enterprise_id != own.pk:
                continue  # not every expert answers
            if r.expert_id == me.pk and d.enterprise_id != own.pk:
                continue  # leave routed problems for the demo expert to answer
            u = expert_account(r.expert)
            answer_users[u.pk] = u
            answers.append(services.answer_submit(user=u, routing=r, data={
                "summary": f"{r.expert.fields.split()[0]}技术方案",
                "proposal": f"针对“{d.title}”，建议从{r.expert.fields}角度入手：先做现场诊断与测试，再开展小试、中试验证，"
                            f"预计{rng.choice([30, 60, 90, 120])}天内给出可量产方案。",
                "quote": str(rng.choice([5, 8, 12, 20, 30])), "duration_days": rng.choice([30, 60, 90, 120])}))
        if answers:
            answered.append((d, answers, broker))
    ctx.log(f"{len(demands)} 项技术难题（{len(published)} 项已发布）")

    # the demo enterprise: answers waiting, one shortlisted
    for d, answers, _b in answered:
        if d.enterprise_id == own.pk:
            services.answer_shortlist(user=clerk, answer=answers[0])

    # -- 5. deals from selected answers (sellers: enterprise experts' firms in the district) ------------------
    last_year = today.year - 1
    reg_no = [0]

    def register(contract, day):
        services.contract_accept(user=bureau, contract=contract)
        reg_no[0] += 1
        services.contract_register(user=bureau, contract=contract, data={
            "registration_no": f"{ctx.home}{day.year}{reg_no[0]:05d}", "registration_date": day.isoformat()})

    deals = 0
    for d, answers, broker in answered:
        if d.enterprise_id == own.pk:
            continue
        # prefer an enterprise expert: their firm is the seller and the contract counts in TECH_TRADE
        pick = next((a for a in answers if a.expert.enterprise_id and a.expert.enterprise_id != d.enterprise_id),
                    None) or next((a for a in answers if a.expert.enterprise_id != d.enterprise_id), None)
        if pick is None or deals >= 6:
            continue
        ent_user = (User.objects.filter(username=f"clerk{d.enterprise_id}").first()
                    or _user(f"clerk{d.enterprise_id}", Role.ENTERPRISE, f"{d.enterprise.name} 经办人",
                             enterprise=d.enterprise))
        services.answer_select(user=ent_user, answer=pick)
        deal = services.deal_open(user=broker.user, answer=pick)
        year = last_year if deals % 2 == 0 else today.year
        signed = _rand_day(rng, dt.date(year, 1, 1), min(dt.date(year, 11, 30), today - dt.timedelta(days=3)))
        total = Decimal(rng.randint(20, 300) * 10000)
        tech = (total * Decimal(rng.choice(["0.8", "0.9", "1"]))).quantize(Decimal("0.01"))
        c = services.deal_contract(user=broker.user, deal=deal, data={
            "type": rng.choice(["development", "transfer", "license", "consulting", "service"]),
            "contract_total": str(total / 10000), "tech_amount": str(tech / 10000), "signed_on": signed.isoformat()})
        if deals != 4:
            register(c, min(signed + dt.timedelta(days=rng.randint(5, 25)), today))
        deals += 1

    # -- 6. contracts registered directly (sellers in every town of the district) ----------------------------
    n_direct = 24
    for i in range(n_direct):
        seller = rng.choice(home_ents)
        buyer = rng.choice(home_ents)
        if buyer.pk == seller.pk:
            continue
        year = last_year if i % 2 == 0 else today.year
        signed = _rand_day(rng, dt.date(year, 1, 1), min(dt.date(year, 12, 15), today - dt.timedelta(days=2)))
        total = Decimal(rng.randint(10, 800) * 10000)
        tech = (total * Decimal(rng.choice(["0.7", "0.85", "1"]))).quantize(Decimal("0.01"))
        c = services.contract_submit(user=bureau, data={
            "title": f"{seller.name[2:8]}技术{rng.choice(['开发', '服务', '咨询', '转让'])}合同",
            "type": rng.choice(["development", "transfer", "license", "consulting", "service"]),
            "contract_total": str(total / 10000), "tech_amount": str(tech / 10000), "signed_on": signed.isoformat(),
            "seller_enterprise": seller.pk, "buyer_enterprise": buyer.pk})
        if i % 8 == 7:
            services.contract_reject(user=bureau, contract=c, note="合同标的不属于技术开发范畴，未予登记")
        elif i % 8 != 6:
            register(c, min(signed + dt.timedelta(days=rng.randint(3, 28)), today))
    ctx.log(f"{deals} 个成交项目，{reg_no[0]} 份已登记技术合同")

    # -- 7. expert visits (技术问诊); some become problems ------------------------------------------------------
    assistant = ctx.users["town"]
    town_ents = [e for e in home_ents if e.town_id == assistant.region_id] or home_ents
    visit_findings = ["生产线良率偏低，注塑件尺寸稳定性差", "设备能耗高，缺少能耗监测手段", "产品检测依赖人工，效率低",
                      "废水处理成本高，排放指标接近上限", "新产品开发缺少仿真分析能力", "关键零部件依赖进口，寿命短"]
    for i in range(8):
        e = published_experts[i % len(published_experts)]
        ent = town_ents[i % len(town_ents)]
        v = services.visit_record(user=assistant, data={
            "expert": e.pk, "enterprise": ent.pk, "findings": visit_findings[i % len(visit_findings)],
            "visit_date": (today - dt.timedelta(days=rng.randint(5, 200))).isoformat()})
        if i < 3:
            services.visit_spawn_demand(user=assistant, visit=v, data={
                "title": f"{ent.name[2:8]}：{visit_findings[i % len(visit_findings)][:12]}"})
    ctx.log("8 次技术问诊")
