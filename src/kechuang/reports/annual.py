"""The annual work summary (工作总结): its anatomy, written from the figures of `sources`.

一、主要工作和成效 — the headline indicators paragraph (value, 同比, share of the city, rank), then (一) 科技管理 …
(五) 创新创业环境; 二、下一年度工作思路 with the targets table; an appendix tracing every figure. Wording follows
the data (`wording`); a figure without data says 暂无数据.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from . import sources as src
from .document import (
    AttachmentMark,
    Doc,
    Heading,
    PageBreak,
    Para,
    Signature,
    Subtitle,
    Table,
    Title,
    appendix_table,
)
from .sources import Figure, ReportContext
from .wording import (
    NO_DATA,
    amount,
    area_word,
    clause,
    growth,
    growth_pp,
    num,
    period_lead,
    places_for,
    rank,
    round_half_up,
    share,
    to_dec,
)

#: The headline indicators in the order the paragraph reads them: code, verb before the name, name as the text
#: writes it, linking word before the value.
HEADLINE: tuple[tuple[str, str, str, str], ...] = (
    ("HT_IND_VA", "实现", "高新技术产业增加值", ""),
    ("HT_IND_VA_SHARE", "", "高新技术产业增加值占规上工业增加值比重", "达"),
    ("RD_EXP", "", "R&D经费支出", ""),
    ("RD_GDP_RATIO", "", "R&D经费支出占地区生产总值比重", "达"),
    ("IND_RD_EXP", "", "规上工业企业研发费用", ""),
    ("HT_IND_INVEST", "完成", "高新技术产业投资", ""),
    ("HT_IND_OUTPUT", "实现", "高新技术产业产值", ""),
    ("HTE_NET_NEW", "", "净增高新技术企业", ""),
    ("HTE_VALID", "", "有效高新技术企业总数", "达"),
    ("PAT_GRANT", "", "专利授权量", ""),
    ("INV_PAT_GRANT", "", "发明专利授权量", ""),
    ("TECH_TRADE", "实现", "技术交易额", ""),
)
STOCK_CODES = frozenset({"HTE_VALID", "HTE_POOL", "STARTUP_TOTAL", "RD_INST_CITY_UP", "ACADEMICIAN_WS", "CARRIERS",
                         "INCUBATION_AREA", "RISK_POOL_CLIENTS", "RISK_POOL_BALANCE", "IP_ADV_ENT", "IP_MGMT_CERT"})


class Writer:
    """Writes sentences about figures into a Doc, recording each figure it uses."""

    def __init__(self, doc: Doc, ctx: ReportContext):
        self.doc, self.ctx = doc, ctx
        self.area = area_word(ctx.parent_level)

    # figures
    def fig(self, key: str) -> Figure:
        return self.doc.use(src.figure(self.ctx, key))

    def panel(self, code: str) -> Figure:
        return self.doc.use(src.panel_figure(self.ctx, code))

    # phrases
    def value(self, fig: Figure) -> str:
        return amount(fig.value, fig.unit)

    def say(self, fig: Figure, before: str, after: str = "", *, missing: str | None = None) -> str:
        """'{before}{value}{after}', or '{label}暂无数据' when the figure has no value."""
        if not fig.known:
            return missing if missing is not None else f"{fig.label}{NO_DATA}"
        return f"{before}{self.value(fig)}{after}"

    def parts(self, fig: Figure, lead: str = "其中") -> str:
        if not fig.known or not fig.parts:
            return ""
        places = places_for(fig.unit)
        return lead + "、".join(f"{label}{num(v, places)}{fig.unit}" for label, v in fig.parts)

    def trend(self, fig: Figure) -> str:
        """同比 growth (or percentage points for a ratio) of a panel figure, '' when unknown."""
        row = fig.row or {}
        if not fig.known:
            return ""
        return growth_pp(row.get("yoy_pp")) if row.get("kind") == "ratio" else growth(row.get("yoy_pct"))

    def standing(self, fig: Figure) -> list[str]:
        """占全市总量的…% and 居全市第N位, where known and meaningful (not for a zero value)."""
        row = fig.row or {}
        v = to_dec(fig.value)
        if v is None or v.is_zero():
            return []
        return [share(row.get("share_pct"), self.area), rank(row.get("rank"), self.area)]

    def indicator(self, code: str, verb: str, name: str, link: str = "", *, standing: bool = True,
                  lead: str = "") -> str:
        """One indicator clause: '实现高新技术产业增加值843.05亿元，同比增长9.7%，占全市总量的16.3%，居全市第一位'."""
        fig = self.panel(code)
        if not fig.known:
            return f"{lead}{name}{NO_DATA}"
        v = to_dec(fig.value)
        if code == "HTE_NET_NEW" and v < 0:
            head = f"{lead}高新技术企业净减少{amount(-v, fig.unit)}"
        else:
            head = f"{lead}{verb}{name}{link}{self.value(fig)}"
        return clause(head, self.trend(fig), *(self.standing(fig) if standing else []))


def build_annual(region: str, year: int, *, month: int | None = None, today: dt.date | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Doc:
    """The annual work summary of ``region`` for ``year`` (data up to ``month``, default: December or the
    latest month of that year with data)."""
    today = today or dt.date.today()
    month = month or src.report_month(region, year, today)
    ctx = src.region_context(region, year, month)
    short = ctx.name if ctx.level != "town" else ctx.full_name
    doc = Doc(title=f"{short}科技局{year}年工作总结和{year + 1}年工作思路", period=f"{year}-{month:02d}")
    w = Writer(doc, ctx)
    steps = [_headline, _management, _subjects, _platforms, _cooperation, _environment, _next_year]
    doc.add(Title(doc.title, lines=[f"{short}科技局{year}年工作总结", f"和{year + 1}年工作思路"]))
    if month != 12:
        doc.add(Subtitle(f"（数据截至{year}年{month}月）"))
    for i, step in enumerate(steps):
        step(w)
        if progress:
            progress(i + 1, len(steps) + 1)
    doc.add(Signature([f"{ctx.full_name}科学技术局", f"{today.year}年{today.month}月{today.day}日"]))
    _appendix(w)
    return doc


# -- 一、主要工作和成效 -------------------------------------------------------------------------------------------


def _headline(w: Writer) -> None:
    ctx = w.ctx
    w.doc.add(Heading(1, "一、主要工作和成效"))
    flows = period_lead(ctx.month, flow=True)
    stocks = period_lead(ctx.month, flow=False)
    clauses = []
    for code, verb, name, link in HEADLINE:
        lead = stocks if code in STOCK_CODES else ""
        clauses.append(w.indicator(code, verb, name, link, lead=lead))
    who = "全" + {"city": "市", "district": "区", "town": "镇（街道）", "province": "省"}.get(ctx.level, "区")
    w.doc.add(Para(f"{ctx.year}年，{who}科技工作围绕创新驱动发展战略，主要科技指标运行情况如下。"
                   f"{flows}，" + "；".join(clauses) + "。"))


def _management(w: Writer) -> None:
    w.doc.add(Heading(2, "（一）科技管理"))
    tasks, done, overdue = w.fig("events.tasks"), w.fig("events.tasks_done"), w.fig("events.tasks_overdue")
    s1 = clause(w.say(tasks, "全年部署重点工作任务"), w.say(done, "已完成", missing="") if tasks.known else "",
                w.say(overdue, "逾期未完成") if tasks.known and overdue.known and overdue.value else "")
    pol, paid, amount_ = w.fig("events.policies_published"), w.fig("events.awards_paid"), w.fig("events.awards_paid_amount")
    s2 = clause(w.say(pol, "出台科技政策"),
                w.say(paid, "兑现政策奖励") + (w.say(amount_, "、", missing="") if paid.known else ""))
    acc, ents = w.fig("monthly.accepted"), w.fig("monthly.enterprises")
    s3 = clause(w.say(acc, "组织科技服务业月报统计，审核通过月报"), w.say(ents, "覆盖企业") if acc.known else "")
    w.doc.add(Para("。".join(s for s in (s1, s2, s3) if s) + "。"))


def _subjects(w: Writer) -> None:
    ctx = w.ctx
    w.doc.add(Heading(2, "（二）创新主体培育"))
    stocks = period_lead(ctx.month, flow=False)
    parts = []
    for code, before, lead in (("STARTUP_NEW", "新增创新型初创企业备案", ""),
                               ("STARTUP_TOTAL", "创新型初创企业备案总数", stocks),
                               ("TSME_REG", "科技型中小企业入库", ""),
                               ("HTE_POOL", "高企培育库在库企业", stocks),
                               ("HTE_APPLIED", "申报高新技术企业", "")):
        fig = w.panel(code)
        parts.append(clause(w.say(fig, f"{lead}{before}", missing=f"{lead}{before}{NO_DATA}"), w.trend(fig)))
    batches, approved = w.fig("pool.batches"), w.fig("pool.approved")
    parts.append(clause(w.say(batches, "建立高企培育库入库批次"), w.say(approved, "审核同意入库") if batches.known else ""))
    parts.append(w.say(w.fig("hte.certified"), "认定（含重新认定）高新技术企业"))
    rd, new = w.fig("rd.total"), w.fig("rd.new")
    new_parts = w.parts(new, "")
    rd_text = clause(w.say(rd, f"{stocks}共有企业研发机构"), w.parts(rd),
                     w.say(new, f"{ctx.span_short}新增") + (f"（{new_parts}）" if new_parts else ""))
    city_up, ws = w.panel("RD_INST_CITY_UP"), w.panel("ACADEMICIAN_WS")
    rd_text2 = clause(w.say(city_up, "市级以上企业研发机构"), w.say(ws, "院士工作站"))
    w.doc.add(Para("梯度培育创新主体。" + "；".join(p for p in parts if p) + "。" + rd_text + "；" + rd_text2 + "。"))


def _platforms(w: Writer) -> None:
    ctx = w.ctx
    w.doc.add(Heading(2, "（三）创新平台建设"))
    stocks = period_lead(ctx.month, flow=False)
    kinds, levels, new = w.fig("carriers.by_kind"), w.fig("carriers.by_level"), w.fig("carriers.new")
    carriers = w.panel("CARRIERS")
    s1 = clause(w.say(kinds, f"{stocks}共有双创平台载体"), *(w.standing(carriers) if kinds.known else []),
                w.parts(kinds), w.parts(levels, "按级别分，") if levels.known else "",
                w.say(new, f"{ctx.span_short}新认定") if kinds.known else "")
    area, tenants = w.panel("INCUBATION_AREA"), w.fig("carriers.tenants")
    s2 = clause(w.say(area, "孵化总面积"), w.trend(area), w.say(tenants, "在孵企业（团队）"))
    grades = w.fig("carriers.grades")
    s3 = clause(w.say(grades, f"{ctx.year}年度评价中参评载体", missing=f"{ctx.year}年度载体评价结果{NO_DATA}"),
                w.parts(grades))
    w.doc.add(Para("。".join(s for s in (s1, s2, s3) if s) + "。"))


def _cooperation(w: Writer) -> None:
    ctx = w.ctx
    span = ctx.span_short
    w.doc.add(Heading(2, "（四）科技合作"))
    ach, ach_new = w.fig("market.achievements"), w.fig("market.achievements_new")
    experts, agencies = w.fig("market.experts"), w.fig("market.agencies")
    s1 = "建设科技大市场“四库”，" + clause(
        w.say(ach, "技术库在库成果") + (w.say(ach_new, f"（{span}新入库", "）", missing="") if ach.known else ""),
        w.say(experts, "人才库专家"), w.say(agencies, "服务库科技服务机构"))
    dem, ans = w.fig("market.demands_new"), w.fig("market.demands_answered")
    visits, deals = w.fig("market.visits"), w.fig("market.deals")
    s2 = clause(w.say(dem, f"{span}征集企业技术难题") + (w.say(ans, "，其中获得专家答复", missing="") if dem.known else ""),
                w.say(visits, "开展专家技术问诊"), w.say(deals, "促成技术成交项目"))
    # the amount is the headline's 技术交易额 (the panel's TECH_TRADE), so that one document never shows two
    con, amt = w.fig("market.contracts"), w.panel("TECH_TRADE")
    s3 = clause(w.say(con, "认定登记技术合同"), w.say(amt, "技术交易额") if con.known else "")
    fairs, auctions = w.fig("events.fairs"), w.fig("events.auctions")
    sold, hammer = w.fig("events.lots_sold"), w.fig("events.lots_hammer_amount")
    s4 = clause(w.say(fairs, "举办成果发布对接会"), w.say(auctions, "成果拍卖会"),
                w.say(sold, "成交成果") + (w.say(hammer, "、成交金额", missing="") if sold.known else ""))
    w.doc.add(Para("；".join(s for s in (s1, s2, s3, s4) if s) + "。"))


def _environment(w: Writer) -> None:
    ctx = w.ctx
    stocks = period_lead(ctx.month, flow=False)
    span = ctx.span_short
    w.doc.add(Heading(2, "（五）创新创业环境"))
    va, rev = w.panel("TSI_VA"), w.panel("TSI_REVENUE")
    s1 = "科技服务业方面，" + "；".join([clause(w.say(va, "规上科技服务业增加值"), w.trend(va)),
                                          clause(w.say(rev, "规上科技服务业营业收入"), w.trend(rev))])
    adv, cert, inv = w.panel("IP_ADV_ENT"), w.panel("IP_MGMT_CERT"), w.fig("ip.invention_granted")
    s2 = "知识产权方面，" + clause(w.say(adv, "国家级知识产权优势企业"), w.say(cert, "知识产权管理规范认证企业"),
                                  w.say(inv, f"{span}企业新授权发明专利"))
    g, ga, used, po = (w.fig("vouchers.granted"), w.fig("vouchers.granted_amount"), w.panel("VOUCHER_USED"),
                       w.fig("vouchers.paid_orders"))
    la, lam, bal = w.fig("loans.approved"), w.fig("loans.approved_amount"), w.panel("RISK_POOL_BALANCE")
    s3 = "科技金融方面，" + clause(
        w.say(g, "发放创新券") + (w.say(ga, "、额度", missing="") if g.known else ""),
        clause(w.say(used, "创新券实际使用额"), w.trend(used)), w.say(po, "兑付服务订单"),
        w.say(la, "风险池基金贷款审批通过") + (w.say(lam, "、", missing="") if la.known else ""),
        w.say(bal, f"{stocks}风险池基金贷款余额"))
    comp, entries, awards = w.fig("events.competitions"), w.fig("events.competition_entries"), w.fig("events.competition_awards")
    tr, ses, att, te = (w.fig("events.trainings"), w.fig("events.training_sessions"),
                        w.fig("events.training_attendances"), w.fig("events.training_enterprises"))
    s4 = "双创活动方面，" + clause(
        w.say(comp, "举办创新创业大赛"), w.say(entries, "参赛项目") if comp.known else "",
        w.say(awards, "获奖项目") if comp.known else "",
        w.say(tr, "开展科技培训") + (w.say(ses, "、", missing="") if tr.known else ""),
        w.say(att, "参训") if tr.known else "",
        w.say(te, "覆盖企业") if tr.known else "")
    w.doc.add(Para("。".join((s1, s2, s3, s4)) + "。"))


# -- 二、下一年度工作思路 -----------------------------------------------------------------------------------------


def _next_year(w: Writer) -> None:
    ctx = w.ctx
    nxt = ctx.year + 1
    w.doc.add(Heading(1, f"二、{nxt}年工作思路"))
    figs, reason = src.targets(ctx, nxt)
    if not figs:
        w.doc.add(Para(f"{nxt}年度主要指标目标{NO_DATA}（{reason}），待目标下达后重新生成本报告。"))
        return
    w.doc.add(Para(f"{nxt}年，围绕以下主要指标目标，统筹推进创新主体培育、创新平台建设、科技合作和创新创业环境建设等"
                   f"各项工作（目标值以{ctx.year}年12月数值为基数）。"))
    rows = []
    current = src.panel_rows(ctx) if _panel_ok(ctx) else {}
    for i, fig in enumerate(figs, 1):
        w.doc.use(fig)
        row = fig.row or {}
        now = current.get(row.get("code"), {}).get("value")
        rows.append([str(i), fig.label, fig.unit, num(now, places_for(fig.unit)) if now is not None else NO_DATA,
                     num(fig.value, places_for(fig.unit)) if fig.known else NO_DATA, _target_growth(row)])
    w.doc.add(Table(headers=["序号", "指标", "单位", f"{ctx.year}年{'' if ctx.month == 12 else f'1—{ctx.month}月'}完成",
                             f"{nxt}年目标", "目标增速"],
                    rows=rows, widths=[0.9, 4.0, 1.2, 1.6, 1.6, 1.8], caption=f"{nxt}年主要指标目标"))


def _peers(ctx: ReportContext) -> str:
    return {"district": "各区（县、市）", "town": "各镇（街道）", "city": "各市"}.get(ctx.level, "各区域")


def _target_growth(row: dict) -> str:
    """A target's growth: in % for amounts and counts; in percentage points for a ratio (target − base)."""
    g = to_dec(row.get("target_growth_pct"))
    if g is None:
        return NO_DATA
    if row.get("kind") == "ratio":
        target = to_dec(row.get("target"))
        if target is None or g == -100:
            return NO_DATA
        base = target * 100 / (100 + g)
        pp = round_half_up(target - base, 2)
        return f"提高{pp:f}个百分点" if pp >= 0 else f"下降{abs(pp):f}个百分点"
    return f"{round_half_up(g, 1):f}%"


def _panel_ok(ctx: ReportContext) -> bool:
    try:
        src.panel_rows(ctx)
        return True
    except src.MISSING_ERRORS:
        return False


def _appendix(w: Writer) -> None:
    ctx = w.ctx
    w.doc.add(PageBreak())
    w.doc.add(AttachmentMark("附件"))
    w.doc.add(Title("数据来源与统计口径"))
    w.doc.add(Para(f"本报告的数据均由科创平台根据数据库记录自动生成。统计区域为{ctx.full_name}（区划代码{ctx.region}），"
                   f"统计期为{ctx.span_text}，存量数据为{ctx.year}年{ctx.month}月末数。“指标”指平台指标面板"
                   f"（indicators.selectors.panel）中该区域该统计期的数值，流量指标为1月起累计数，同比为与上年同期比较，"
                   f"占比和排名为在{ctx.parent_name or '上级区域'}所辖{_peers(ctx)}中的占比和位次；其余数据为对平台业务记录的查询。"
                   f"金额、比率按四舍五入显示。各项数据的来源和口径如下。"))
    w.doc.add(appendix_table(w.doc))
