"""The quarterly analysis of the tech-service industry (科技服务业运行分析) per town, from the monthly reports.

The figures are the cumulative January – quarter-end totals of accepted monthly reports, per town of the district,
with growth against a year earlier, share of the district, rank and contribution to the district's growth (the
indicators engine's `analyse_towns`). A district's analysis tables every town; a town's analysis (what a town
assistant sees) gives its own figures, its standing among the district's towns and its enterprises.
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
    clause,
    cn_count,
    growth,
    num,
    rank,
    round_half_up,
    share,
)

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
_MONTHLY_SOURCE = ("indicators.models.MonthlyReport（status=accepted，{year}年及上年{month}月，1月起累计），"
                   "indicators.engine.analyse_towns 汇总")


def _pct(value) -> str:
    d = round_half_up(value, 1)
    return NO_DATA if d is None else f"{d:f}%"


def _signed_pct(value) -> str:
    d = round_half_up(value, 1)
    if d is None:
        return NO_DATA
    return f"{'+' if d > 0 else ''}{d:f}%"


def build_quarterly(region: str, year: int, quarter: int, *, today: dt.date | None = None,
                    progress: Callable[[int, int], None] | None = None) -> Doc:
    """The quarterly analysis of ``region`` (a district, or a town within its district) for a quarter."""
    today = today or dt.date.today()
    month = quarter * 3
    ctx = src.region_context(region, year, month)
    town = ctx.level == "town"
    qn = QUARTER_NAMES[quarter]
    doc = Doc(title=f"{ctx.name}{year}年第{qn}季度科技服务业运行分析", period=f"{year}-{month:02d}")
    doc.add(Title(doc.title))
    doc.add(Subtitle(f"（{year}年1—{month}月，依据科技服务业月报）"))
    try:
        results = {f: src.quarterly(ctx, quarter, f) for f, _, _ in src.ANALYSIS_FIELDS}
        reason = ""
    except src.MISSING_ERRORS as exc:
        results, reason = {}, src._why(exc)
    if progress:
        progress(1, 3)
    w = _QWriter(doc, ctx, results, reason)
    w.overview()
    if town:
        w.town_enterprises(quarter)
    else:
        w.towns_table()
        w.fields_table()
    if progress:
        progress(2, 3)
    bureau = ctx.full_name[:-len(ctx.name)] if town and ctx.full_name.endswith(ctx.name) else ctx.full_name
    doc.add(Signature([f"{bureau}科学技术局",
                       f"{today.year}年{today.month}月{today.day}日"]))
    doc.add(PageBreak())
    doc.add(AttachmentMark("附件"))
    doc.add(Title("数据来源与统计口径"))
    doc.add(Para(f"本分析的数据均由科创平台根据科技服务业月报自动生成：{year}年{month}月及上年同月经审核通过（已审核）的"
                 f"月报，金额为1月起累计数（元折算为万元），从业人员为期末数。同比为与上年同期比较；占比、排名和增长贡献率"
                 f"为在{ctx.parent_name if town else ctx.name}所辖各镇（街道）中的占比、位次和对全区增量的贡献。"
                 f"各项数据的来源和口径如下。"))
    doc.add(appendix_table(doc))
    return doc


class _QWriter:
    def __init__(self, doc: Doc, ctx: ReportContext, results: dict, reason: str):
        self.doc, self.ctx, self.results, self.reason = doc, ctx, results, reason
        self.month = ctx.month
        self.town = ctx.level == "town"
        self.district_name = ctx.parent_name if self.town else ctx.name

    def _fig(self, key: str, label: str, unit: str, value, query: str, row: dict | None = None) -> Figure:
        fig = Figure(key=key, label=label, value=value, unit=unit,
                     source=_MONTHLY_SOURCE.format(year=self.ctx.year, month=self.month), query=query,
                     row=row, reason="" if value is not None else (self.reason or "该期间没有已审核的月报"))
        return self.doc.use(fig)

    def _row(self, field_name: str) -> dict | None:
        res = self.results.get(field_name)
        if not res:
            return None
        for row in res["towns"]:
            if row["town"] == self.ctx.region:
                return row
        return None

    def overview(self) -> None:
        ctx = self.ctx
        self.doc.add(Heading(1, "一、总体情况"))
        where = ctx.name if self.town else "全区"
        clauses = []
        for field_name, label, unit in src.ANALYSIS_FIELDS:
            res = self.results.get(field_name)
            if self.town:
                row = self._row(field_name) or {}
                value, g, n = row.get("total"), row.get("growth_pct"), row.get("enterprises")
            else:
                d = (res or {}).get("district", {})
                value, g, n = d.get("total"), d.get("growth_pct"), d.get("enterprises")
            what = "期末" if field_name == "staff" else f"1—{self.month}月累计"
            fig = self._fig(f"q.{field_name}", f"{where}科技服务业{label}", unit, value,
                            f"{where}已审核月报的{label}（{what}）", row={"yoy_pct": g})
            if field_name == "operating_revenue":
                ents = self._fig("q.enterprises", f"{where}报送月报企业", "家", n,
                                 f"{ctx.year}年{self.month}月有已审核月报的企业数")
                clauses.append(f"{where}{ents.value if ents.known else NO_DATA}{'家' if ents.known else ''}"
                               f"规上科技服务业企业报送月报")
            verb = {"operating_revenue": "实现营业收入", "value_added": "实现增加值", "rd_expense": "研发费用",
                    "staff": "期末从业人员"}[field_name]
            if not fig.known:
                clauses.append(f"{label}{NO_DATA}")
                continue
            parts = [f"{verb}{amount(value, unit)}", growth(g)]
            if self.town and field_name == "operating_revenue":
                row = self._row(field_name) or {}
                parts += [share(row.get("share_pct"), "全区"), rank(row.get("rank"), "全区")]
                c = round_half_up(row.get("contribution_pct"), 1)
                if c is not None:
                    parts.append(f"对全区增长的贡献率为{c:f}%")
            clauses.append(clause(*parts))
        lead, rest = (clauses[0], clauses[1:]) if clauses and "报送月报" in clauses[0] else ("", clauses)
        self.doc.add(Para(f"{ctx.year}年1—{self.month}月，" + (f"{lead}，" if lead else "") + "；".join(rest) + "。"))

    def towns_table(self) -> None:
        self.doc.add(Heading(1, "二、分镇（街道）情况"))
        res = self.results.get("operating_revenue")
        if not res or not any(r["total"] is not None for r in res["towns"]):
            self.doc.add(Para(f"各镇（街道）营业收入{NO_DATA}（{self.reason or '该期间没有已审核的月报'}）。"))
            return
        ranked = [r for r in res["towns"] if r["total"] is not None]
        top = "、".join(r["name"] for r in ranked[:3])
        fastest = max((r for r in ranked if r["growth_pct"] is not None), key=lambda r: r["growth_pct"], default=None)
        down = [r for r in ranked if r["growth_pct"] is not None and round_half_up(r["growth_pct"], 1) < 0]
        text = [f"营业收入居前{cn_count(min(3, len(ranked)))}位的是{top}"]
        if fastest is not None:
            text.append(f"同比增速最高的是{fastest['name']}（{growth(fastest['growth_pct'])}）")
        text.append(f"{cn_count(len(down))}个镇（街道）营业收入同比下降" if down else "各镇（街道）营业收入同比均未下降")
        self.doc.add(Para("；".join(text) + "。"))
        rows = []
        for i, r in enumerate(res["towns"], 1):
            fig = self._fig(f"q.town.{r['town']}", f"{r['name']}营业收入", "万元", r["total"],
                            f"{r['name']}已审核月报的营业收入（1—{self.month}月累计）", row={"yoy_pct": r["growth_pct"]})
            rows.append([str(i), r["name"], str(r["enterprises"]),
                         num(fig.value, 2) if fig.known else NO_DATA, _signed_pct(r["growth_pct"]),
                         _pct(r["share_pct"]), str(r["rank"]) if r["rank"] is not None else NO_DATA,
                         _pct(r["contribution_pct"])])
        d = res["district"]
        rows.append(["", "合计", str(d["enterprises"]), num(d["total"], 2) if d["total"] is not None else NO_DATA,
                     _signed_pct(d["growth_pct"]), "100.0%" if d["total"] is not None else NO_DATA, "", "100.0%"
                     if d["increment"] and not d["increment"].is_zero() else NO_DATA])
        self.doc.add(Table(headers=["序号", "镇（街道）", "企业数", "营业收入（万元）", "同比", "占比", "排名", "增长贡献率"],
                           rows=rows, widths=[0.7, 2.4, 0.9, 1.8, 1.1, 1.0, 0.8, 1.3],
                           caption=f"表1  各镇（街道）科技服务业营业收入（1—{self.month}月）", small=True))

    def fields_table(self) -> None:
        self.doc.add(Heading(1, "三、分项指标"))
        fields = [f for f in src.ANALYSIS_FIELDS if f[0] != "operating_revenue"]
        by_town: dict[str, dict] = {}
        for field_name, _, _ in fields:
            for r in (self.results.get(field_name) or {}).get("towns", []):
                by_town.setdefault(r["town"], {"name": r["name"]})[field_name] = r
        if not by_town:
            self.doc.add(Para(f"增加值、研发费用和从业人员{NO_DATA}。"))
            return
        self.doc.add(Para("各镇（街道）科技服务业增加值、研发费用和从业人员情况见表2。"))
        rows = []
        order = [r["town"] for r in (self.results.get("operating_revenue") or {}).get("towns", [])] or sorted(by_town)
        for i, code in enumerate(order, 1):
            t = by_town.get(code, {"name": code})
            row = [str(i), t["name"]]
            for field_name, _, unit in fields:
                r = t.get(field_name) or {}
                row += [num(r.get("total"), 0 if unit == "人" else 2) if r.get("total") is not None else NO_DATA,
                        _signed_pct(r.get("growth_pct"))]
            rows.append(row)
        self.doc.add(Table(headers=["序号", "镇（街道）", "增加值（万元）", "同比", "研发费用（万元）", "同比", "从业人员（人）", "同比"],
                           rows=rows, widths=[0.7, 2.3, 1.6, 1.0, 1.6, 1.0, 1.4, 1.0],
                           caption=f"表2  各镇（街道）科技服务业分项指标（1—{self.month}月）", small=True))

    def town_enterprises(self, quarter: int) -> None:
        self.doc.add(Heading(1, "二、重点企业情况"))
        try:
            rows = src.quarterly_enterprises(self.ctx, quarter)
        except src.MISSING_ERRORS as exc:
            self.doc.add(Para(f"企业明细{NO_DATA}（{src._why(exc)}）。"))
            return
        if not rows:
            self.doc.add(Para(f"本镇（街道）{self.ctx.year}年{self.month}月没有已审核的月报，企业明细{NO_DATA}。"))
            return
        self.doc.add(Para(f"本镇（街道）营业收入居前{cn_count(len(rows))}位的企业见下表。"))
        table = []
        for i, r in enumerate(rows, 1):
            fig = self._fig(f"q.ent.{r['enterprise']}", f"{r['name']}营业收入", "万元", r["total"],
                            f"该企业{self.ctx.year}年{self.month}月已审核月报的营业收入（1月起累计）")
            table.append([str(i), r["name"], num(fig.value, 2), _signed_pct(r["growth_pct"])])
        self.doc.add(Table(headers=["序号", "企业", "营业收入（万元）", "同比"], rows=table, widths=[0.7, 5.0, 2.0, 1.3],
                           caption=f"表1  重点企业营业收入（1—{self.month}月）", small=True))
