"""Demo data of the policies app: four policies (one with awards through approval and payment), a maker contest
with regional and overseas divisions over three rounds, trainings, an achievement auction and fair, and the
year's twelve work tasks with progress. Everything goes through the services, so the demo is audited too."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kechuang.enterprises.choices import QualificationKind
from kechuang.enterprises.models import Enterprise, Qualification, valid_on_q
from kechuang.indicators.models import Indicator
from kechuang.regions.models import Region

from . import services
from .models import PolicyAward

JUDGES = ["王教授", "李研究员", "陈总工", "张投资人", "刘博士"]
OVERSEAS = [("新加坡国立大学创客团队", "新加坡"), ("伦敦帝国理工学院团队", "英国"), ("慕尼黑工业大学团队", "德国"),
            ("硅谷华人工程师团队", "美国"), ("多伦多大学团队", "加拿大"), ("东京大学研究室团队", "日本"),
            ("墨尔本大学团队", "澳大利亚"), ("以色列理工学院团队", "以色列"), ("苏黎世联邦理工团队", "瑞士"),
            ("首尔大学团队", "韩国")]
PROJECTS = ["柔性可穿戴传感器", "工业视觉缺陷检测平台", "固态电池电解质", "医用可降解支架", "农业无人机植保系统",
            "智能仓储调度算法", "微型光谱仪", "氢燃料电池双极板", "海洋生物医用材料", "低功耗物联网芯片",
            "数字孪生工厂", "手术机器人末端执行器", "废旧锂电回收工艺", "高精度伺服电机", "碳化硅功率器件",
            "城市内涝预警系统", "脑机接口康复设备", "纳米涂层防腐技术", "智能网联汽车域控制器", "光伏清洁机器人"]
TASKS = [  # (code, title, line, owner unit, month of deadline, indicator, target, town?)
    ("01", "新增国家高新技术企业120家", "subjects", "高新科", 11, "HTE_NET_NEW", "120", False),
    ("02", "科技型中小企业入库600家", "subjects", "高新科", 9, "TSME_REG", "600", False),
    ("03", "街道科技型中小企业走访全覆盖", "subjects", "下应街道", 6, None, None, True),
    ("04", "新增市级以上企业研发机构15家", "platforms", "创新平台科", 12, "RD_INST_CITY_UP", "15", False),
    ("05", "新认定省级以上孵化器、众创空间2家", "platforms", "创新平台科", 10, "CARRIERS", "2", False),
    ("06", "技术交易额突破80亿元", "transfer", "成果转化科", 12, "TECH_TRADE", "80", False),
    ("07", "举办科技成果拍卖会1场", "transfer", "成果转化科", 9, None, None, False),
    ("08", "创新券兑现5000万元", "finance", "科技金融科", 12, "VOUCHER_USED", "5000", False),
    ("09", "风险池基金贷款余额达到10亿元", "finance", "科技金融科", 12, "RISK_POOL_BALANCE", "10", False),
    ("10", "引进海外高层次人才项目30个", "talent", "人才科", 11, "", "30", False),
    ("11", "R&D经费支出占GDP比重达到3.2%", "statistics", "办公室", 12, "RD_GDP_RATIO", "3.2", False),
    ("12", "完成科技统计年报及数据质量核查", "statistics", "办公室", 4, None, None, False),
]


def load(ctx) -> None:
    bureau = ctx.users.get("bureau") or ctx.users.get("admin")
    year, last = ctx.today.year, ctx.today.year - 1
    _policies(ctx, bureau, year, last)
    _competition(ctx, bureau, year)
    _trainings(ctx, bureau, year)
    _auction(ctx, bureau, year)
    _tasks(ctx, bureau, year)


def _policies(ctx, bureau, year, last) -> None:
    home = ctx.home
    common = {"year": year, "data_year": last, "reference_date": f"{year}-06-30", "valid_from": f"{year}-01-01",
              "valid_to": f"{year}-12-31", "status": "published"}
    rd = services.policy_save(user=bureau, data={
        **common, "title": "研发投入增量补助", "doc_number": f"鄞科〔{year}〕8号", "budget_wan": "3000",
        "description": "对前一年度研发费用100万元以上、上年度研发费用较前一年度增长的企业，按增长额的10%给予补助，单家最高50万元。",
        "conditions": [{"field": "district", "op": "eq", "value": home},
                       {"field": "rd_expense_prev", "op": "gte", "value": "1000000", "note": "上年研发投入100万元以上"},
                       {"field": "rd_growth", "op": "gt", "value": "0", "note": "研发投入较上年增长"}],
        "formula": {"type": "share", "base": "rd_growth", "rate": "0.10", "cap": "500000", "rounding": "yuan"}})
    hte = services.policy_save(user=bureau, data={
        **common, "title": "首次认定高新技术企业奖励", "doc_number": f"鄞科〔{year}〕9号",
        "description": "对上年度首次认定的国家高新技术企业给予一次性奖励20万元（重新认定不重复奖励）。",
        "conditions": [{"field": "district", "op": "eq", "value": home},
                       {"field": "hte_first_year", "op": "eq", "value": last, "note": "首次认定"},
                       {"field": "qualifications", "op": "includes", "value": "hte"}],
        "formula": {"type": "fixed", "amount": "200000"}})
    services.policy_save(user=bureau, data={
        **common, "title": "科技型中小企业入库奖励", "doc_number": f"鄞科〔{year}〕10号",
        "description": "对上年度首次评价入库的科技型中小企业给予1万元奖励。",
        "conditions": [{"field": "district", "op": "eq", "value": home},
                       {"field": "tsme_first_year", "op": "eq", "value": last}],
        "formula": {"type": "fixed", "amount": "10000"}})
    services.policy_save(user=bureau, data={
        **common, "title": "制造业高企研发投入分档奖励", "doc_number": f"鄞科〔{year}〕11号", "status": "draft",
        "description": "制造业高新技术企业按上年度研发费用分档奖励（征求意见稿）。",
        "conditions": [{"field": "district", "op": "eq", "value": home},
                       {"field": "industry_section", "op": "eq", "value": "C"},
                       {"field": "qualifications", "op": "includes", "value": "hte"}],
        "formula": {"type": "tiered", "base": "rd_expense", "mode": "bracket", "rounding": "fen", "cap": "300000",
                    "tiers": [{"min": "5000000", "amount": "50000"}, {"min": "10000000", "amount": "100000"},
                              {"min": "20000000", "rate": "0.005"}]}})
    # 免申即享 for the first-HTE reward: proposed, then most approved, half of those paid.
    services.awards_propose(user=bureau, policy=hte)
    awards = list(PolicyAward.objects.filter(policy=hte).select_related("enterprise").order_by("pk"))
    for i, a in enumerate(awards[:40]):  # the rest stay proposed, for the officer to approve in the demo
        if i % 5 == 4:
            continue
        services.award_transition(user=bureau, award=a, action="approve", note="局务会审议通过")
        if i % 2 == 0:
            services.award_transition(user=bureau, award=a, action="pay", payment_ref=f"GK{year}-{i + 1:04d}",
                                      paid_on=min(ctx.today, dt.date(year, 7, 15)).isoformat())
    services.awards_propose(user=bureau, policy=rd)
    ctx.log(f"4 项政策，{len(awards)} 家首次认定高企奖励进入审批")


def _competition(ctx, bureau, year) -> None:
    rng = ctx.rng
    comp = services.competition_save(user=bureau, data={
        "title": f"{year}年“创客鄞州”创新创业大赛", "year": year, "organiser": "鄞州区科学技术局",
        "aggregation": "trimmed_mean", "min_judges": 5, "status": "published",
        "description": "设区域赛和海外赛两个赛区，经初赛、复赛、决赛三轮评审，评分去掉一个最高分和一个最低分后取平均。"})
    services.division_save(user=bureau, competition=comp, data={"code": "regional", "name": "区域赛"})
    overseas = services.division_save(user=bureau, competition=comp, data={"code": "overseas", "name": "海外赛"})
    r1 = services.round_save(user=bureau, competition=comp, data={"number": 1, "name": "初赛", "date": f"{year}-05-20",
                                                                  "rule": "top_n", "top_n": 8})
    services.division_rule_save(user=bureau, round=r1, division=overseas, data={"rule": "threshold", "threshold": "80"})
    r2 = services.round_save(user=bureau, competition=comp, data={"number": 2, "name": "复赛", "date": f"{year}-06-25",
                                                                  "rule": "top_n", "top_n": 4})
    services.division_rule_save(user=bureau, round=r2, division=overseas, data={"rule": "top_n", "top_n": 3})
    r3 = services.round_save(user=bureau, competition=comp, data={"number": 3, "name": "决赛", "date": f"{year}-07-30",
                                                                  "rule": "top_n", "top_n": 3})
    ents = list(Enterprise.objects.filter(town__code__startswith=ctx.home, above_size=False).order_by("pk")[:400])
    picked = rng.sample(ents, 16)
    projects = PROJECTS[:]
    rng.shuffle(projects)
    for i, e in enumerate(picked):
        services.entry_save(user=bureau, competition=comp, data={"division": "regional", "enterprise": e.pk,
                                                                 "project": projects[i % len(projects)]})
    for i, (team, origin) in enumerate(OVERSEAS):
        services.entry_save(user=bureau, competition=comp, data={
            "division": "overseas", "team": team, "project": projects[(i + 7) % len(projects)], "origin": origin})
    from .selectors import round_participants

    quality = {}
    for rnd in (r1, r2, r3):
        sheet = []
        for entry in round_participants(rnd):
            q = quality.setdefault(entry.pk, rng.uniform(68, 92))
            for judge in JUDGES:
                score = min(100, max(0, q + rng.gauss(0, 4)))
                sheet.append((entry, judge, str(Decimal(str(score)).quantize(Decimal("0.1")))))
        services.round_scores_save(user=bureau, round=rnd, scores=sheet)
        services.round_close(user=bureau, round=rnd)
    prizes = {1: ("一等奖", "20"), 2: ("二等奖", "10"), 3: ("三等奖", "5")}
    for result in r3.results.select_related("entry"):
        prize = prizes.get(result.rank)
        if prize:
            services.competition_award_save(user=bureau, competition=comp, entry=result.entry, prize=prize[0],
                                            amount_wan=prize[1])
    services.competition_save(user=bureau, competition=comp, data={"status": "finished"})
    ctx.log(f"创客大赛：{len(picked) + len(OVERSEAS)} 个项目，三轮评审")


def _trainings(ctx, bureau, year) -> None:
    rng = ctx.rng
    day = ctx.today
    plans = [
        ("高新技术企业申报实务培训", "高企培育库在库企业", QualificationKind.POOL,
         [("03-15", "高企认定政策解读"), ("04-12", "研发费用归集与专项审计"), ("05-10", "知识产权布局与申报材料")]),
        ("科技型中小企业评价入库培训", "上年度入库的科技型中小企业", QualificationKind.TSME,
         [("03-05", "评价指标与入库流程"), ("03-26", "系统填报实操")]),
        ("研发费用加计扣除政策宣讲", "规上企业", None, [("06-18", "加计扣除新政与案例")]),
    ]
    home_ents = Enterprise.objects.filter(town__code__startswith=ctx.home)
    for title, note, kind, sessions in plans:
        t = services.training_save(user=bureau, data={"title": f"{year}年{title}", "year": year,
                                                      "organiser": "鄞州区科学技术局", "target_note": note,
                                                      "status": "published"})
        if kind is not None:
            targets = list(home_ents.filter(pk__in=Qualification.objects.filter(valid_on_q(day), kind=kind)
                                            .values("enterprise_id")).values_list("pk", flat=True)[:150])
        else:
            targets = list(home_ents.filter(above_size=True).values_list("pk", flat=True)[:150])
        services.training_targets_add(user=bureau, training=t, enterprises=targets)
        for md, topic in sessions:
            s = services.session_save(user=bureau, training=t, data={
                "date": f"{year}-{md}", "topic": topic, "place": "鄞州区科技信息大楼报告厅",
                "speaker": rng.choice(["宁波大学 王教授", "税务师事务所 李所长", "市科技局 张处长"])})
            services.attendance_add_many(user=bureau, session=s, rows=[{
                "enterprise": eid, "attendee": rng.choice("张王李赵陈刘杨黄周吴") + rng.choice(["经理", "主管", "总监"]),
                "position": rng.choice(["研发主管", "财务经理", "总经理助理"])}
                for eid in rng.sample(targets, k=min(len(targets), int(len(targets) * rng.uniform(0.25, 0.45))))])
    ctx.log("3 个培训项目")


def _auction(ctx, bureau, year) -> None:
    rng = ctx.rng
    auction = services.fair_save(user=bureau, data={
        "title": f"{year}年宁波（鄞州）科技成果拍卖会", "kind": "auction", "date": f"{year}-09-20",
        "place": "鄞州区科技大市场", "organiser": "鄞州区科学技术局、宁波市技术转移中心", "status": "published"})
    sellers = ["宁波大学", "中国科学院宁波材料技术与工程研究所", "宁波工程学院", "浙江万里学院", "宁波诺丁汉大学"]
    buyers = list(Enterprise.objects.filter(town__code__startswith=ctx.home, above_size=True).order_by("pk")[:60])
    for i, title in enumerate(PROJECTS[:10], start=1):
        start = Decimal(rng.choice([10, 15, 20, 30, 50, 80]))
        lot = services.lot_save(user=bureau, fair=auction, data={"number": f"{i:03d}", "title": f"{title}技术",
                                                                 "seller": rng.choice(sellers), "starting_price_wan": start})
        if i in (4, 9):
            services.lot_result(user=bureau, lot=lot, data={"status": "unsold"})
        else:
            hammer = (start * Decimal(str(round(rng.uniform(1.0, 1.8), 2)))).quantize(Decimal("0.01"))
            buyer = rng.choice(buyers)
            services.lot_result(user=bureau, lot=lot, data={"status": "sold", "hammer_price_wan": hammer,
                                                            "buyer_enterprise": buyer.pk})
    fair = services.fair_save(user=bureau, data={
        "title": f"{year}年高校院所成果发布会", "kind": "fair", "date": f"{year}-04-22", "place": "鄞州区科技大市场",
        "status": "finished"})
    for i, title in enumerate(PROJECTS[10:14], start=1):
        lot = services.lot_save(user=bureau, fair=fair, data={"number": f"F{i:02d}", "title": title,
                                                              "seller": rng.choice(sellers), "starting_price_wan": "20"})
        services.lot_result(user=bureau, lot=lot, data={"status": "sold", "hammer_price_wan": "20",
                                                        "buyer_enterprise": rng.choice(buyers).pk})
    ctx.log("1 场成果拍卖会，1 场成果发布会")


def _tasks(ctx, bureau, year) -> None:
    rng = ctx.rng
    today = ctx.today
    indicators = set(Indicator.objects.values_list("code", flat=True))
    town = Region.objects.filter(level="town", code__startswith=ctx.home).order_by("code").first()
    town_user = ctx.users.get("town")
    for code, title, line, unit, month, indicator, target, in_town in TASKS:
        deadline = dt.date(year, month, 30 if month not in (2,) else 28)
        task = services.task_save(user=bureau, data={
            "year": year, "code": f"{year}-{code}", "title": title, "line": line,
            "owner_unit": town.name if in_town else unit, "owner_person": rng.choice(["王科长", "李科长", "陈主任", "张科长"]),
            "deadline": deadline.isoformat(), "region": town.code if in_town else ctx.home,
            "indicator": indicator if indicator in indicators else None, "target_value": target,
            "target_text": "" if indicator in indicators else "按年度工作要点完成"})
        # progress roughly in line with the elapsed time, some ahead, some behind (→ overdue flags)
        elapsed = max(0.0, min(1.0, (today - dt.date(year, 1, 1)).days / max(1, (deadline - dt.date(year, 1, 1)).days)))
        steps = [d for d in (dt.date(year, m, 28) for m in range(3, 13, 3)) if d <= today]
        pace = rng.uniform(0.6, 1.25)
        for n, day in enumerate(steps, start=1):
            percent = min(100, int(100 * elapsed * pace * n / len(steps)))
            reporter = town_user if in_town and town_user is not None else bureau
            services.task_progress_add(user=reporter, task=task, data={
                "percent": percent, "note": rng.choice(["按计划推进", "已召开专题推进会", "已完成阶段目标", "正在组织申报",
                                                        "已梳理企业清单并逐家对接"]),
                "reported_on": day.isoformat()})
    ctx.log(f"{len(TASKS)} 项重点工作任务")
