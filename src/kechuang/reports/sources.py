"""The one door from the reports to the other modules: every figure of a report is a small function here.

A figure function takes the `ReportContext` (region, year, data period) and returns a value (or a `Result` with
parts, a panel row or a reason). `figure(ctx, key)` runs it and wraps the answer in a `Figure` that carries its
unit, where it came from (an indicator code or a query) and what it counted, so that the report's appendix can
trace every number. A module (or a function of it) that is not there yet — ImportError, AttributeError, a changed
signature — gives a Figure without a value and with the reason; the text then says 暂无数据.

The region has been scope-checked by the caller (the page or the job); figures count everything under it.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldError
from django.db.models import Count, Q, Sum

from .wording import wan_from_yuan, yi_from_yuan

# -- figures ----------------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One number of a report with its provenance."""

    key: str
    label: str
    value: Decimal | int | None
    unit: str
    source: str  # the indicator code or the query (model and filter)
    query: str  # what it counted
    row: dict | None = None  # the indicator panel's row (value, yoy_pct, yoy_pp, share_pct, rank …)
    parts: tuple[tuple[str, Any], ...] = ()  # a breakdown (label, value), e.g. carriers by type
    reason: str = ""  # why there is no value

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass
class Result:
    """What a figure function may return instead of a bare value."""

    value: Decimal | int | None
    parts: tuple[tuple[str, Any], ...] = ()
    row: dict | None = None
    reason: str = ""


Text = str | Callable[["ReportContext"], str]


@dataclass(frozen=True)
class Spec:
    key: str
    label: str
    unit: str
    source: Text
    query: Text
    fn: Callable[[ReportContext], Any]


SPECS: dict[str, Spec] = {}
#: Errors that mean "the module or function is not there (yet)", not a bug in the data.
MISSING_ERRORS = (ImportError, AttributeError, LookupError, TypeError, FieldError)


def register(key: str, label: str, unit: str, *, source: Text, query: Text):
    """Decorator registering a figure function under ``key``."""
    def deco(fn):
        SPECS[key] = Spec(key, label, unit, source, query, fn)
        return fn
    return deco


def _text(t: Text, ctx: ReportContext) -> str:
    return t(ctx) if callable(t) else t.format(**ctx.words())


def _why(exc: Exception) -> str:
    """Why a figure has no value, in words (never the raw message: it may print None, braces …)."""
    name = type(exc).__name__
    if isinstance(exc, ImportError):
        return f"模块 {exc.name or '（未知）'} 尚未提供（{name}）"
    if isinstance(exc, AttributeError):
        return f"接口 {getattr(exc, 'name', None) or '（未知）'} 尚未提供（{name}）"
    if isinstance(exc, FieldError):
        return f"数据字段尚未提供（{name}）"
    if isinstance(exc, TypeError):
        return f"数据接口不匹配（{name}）"
    return f"数据接口不可用（{name}）"


def figure(ctx: ReportContext, key: str) -> Figure:
    """Evaluate one registered figure (memoised per context)."""
    hit = ctx.figures.get(key)
    if hit is not None:
        return hit
    spec = SPECS.get(key)
    if spec is None and key.startswith("panel."):
        spec = panel_spec(key[6:])
    if spec is None:
        raise KeyError(key)
    try:
        out = spec.fn(ctx)
        res = out if isinstance(out, Result) else Result(out)
    except MISSING_ERRORS as exc:
        res = Result(None, reason=_why(exc))
    if res.value is None and not res.reason:
        res.reason = "该期间无记录或指标无数值"
    fig = Figure(key=key, label=spec.label if not callable(spec.label) else spec.label(ctx), value=res.value,
                 unit=spec.unit, source=_text(spec.source, ctx), query=_text(spec.query, ctx), row=res.row,
                 parts=tuple(res.parts), reason=res.reason)
    ctx.figures[key] = fig
    return fig


# -- the context ------------------------------------------------------------------------------------------------


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class ReportContext:
    """The region, year and data period of one report, and the memo of what was already fetched."""

    region: str
    name: str  # 鄞州区
    full_name: str  # 宁波市鄞州区
    level: str  # district, city, town
    parent: str | None
    parent_name: str
    parent_level: str | None
    year: int
    month: int  # the data period's month (12 for a whole year)
    figures: dict[str, Figure] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        return _last_day(self.year, self.month)

    @property
    def period_text(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def span_short(self) -> str:
        return "全年" if self.month == 12 else f"1—{self.month}月"

    @property
    def span_text(self) -> str:
        return f"{self.year}年全年" if self.month == 12 else f"{self.year}年1—{self.month}月"

    def words(self) -> dict[str, Any]:
        return {"region": self.region, "name": self.full_name, "year": self.year, "month": self.month,
                "start": f"{self.start:%Y-%m-%d}", "end": f"{self.end:%Y-%m-%d}", "period": f"{self.year}-{self.month:02d}",
                "span": self.span_text}

    def under(self, path: str) -> Q:
        """Records whose region (a Region FK path) lies under the report's region."""
        return Q(**{f"{path}__code__startswith": self.region})


def region_context(code: str, year: int, month: int) -> ReportContext:
    """The context of a report on region ``code`` for ``year``, data up to ``month``."""
    from kechuang.regions.models import Region

    region = Region.objects.select_related("parent").get(code=code)
    parent = region.parent
    return ReportContext(region=region.code, name=region.name, full_name=region.full_name or region.name,
                         level=region.level, parent=parent.code if parent else None,
                         parent_name=parent.name if parent else "", parent_level=parent.level if parent else None,
                         year=year, month=month)


def report_month(code: str, year: int, today: dt.date | None = None) -> int:
    """The data period of a year's report: December, or the latest month of that year with indicator values
    (a year still running ends with the last complete month)."""
    today = today or dt.date.today()
    cap = 12 if year < today.year else max(today.month - 1, 1)
    try:
        from kechuang.indicators.selectors import latest_period

        latest = latest_period(code)
    except MISSING_ERRORS:
        latest = None
    if latest is not None and latest.year == year:
        return min(latest.month, cap)
    return cap


# -- the indicator panel ------------------------------------------------------------------------------------------

#: Names of the indicators the reports use, for the text when the catalog cannot be read.
PANEL_LABELS = {
    "HT_IND_VA": "高新技术产业增加值", "HT_IND_VA_SHARE": "高新技术产业增加值占规上工业增加值比重",
    "HT_IND_OUTPUT": "高新技术产业产值", "HT_IND_INVEST": "高新技术产业投资", "IND_RD_EXP": "规上工业企业研发费用",
    "RD_EXP": "R&D经费支出", "RD_GDP_RATIO": "R&D经费支出占地区生产总值比重", "PAT_APPLY": "专利申请量",
    "PAT_GRANT": "专利授权量", "INV_PAT_APPLY": "发明专利申请量", "INV_PAT_GRANT": "发明专利授权量",
    "TECH_TRADE": "技术交易额", "HTE_VALID": "有效高新技术企业数", "HTE_NET_NEW": "净增高新技术企业数",
    "HTE_APPLIED": "高新技术企业申报数", "STARTUP_NEW": "新增创新型初创企业备案数",
    "STARTUP_TOTAL": "创新型初创企业备案总数", "TSME_REG": "科技型中小企业入库数", "HTE_POOL": "高企培育库在库企业数",
    "RD_INST_CITY_UP": "市级以上企业研发机构数", "ACADEMICIAN_WS": "院士工作站数", "CARRIERS": "双创平台载体数",
    "INCUBATION_AREA": "孵化总面积", "TSI_VA": "规上科技服务业增加值", "TSI_REVENUE": "规上科技服务业营业收入",
    "VOUCHER_USED": "创新券实际使用额", "RISK_POOL_APPROVED_ENT": "风险池基金贷款审批通过企业数",
    "RISK_POOL_APPROVED_AMOUNT": "风险池基金贷款审批额度", "RISK_POOL_CLIENTS": "风险池基金贷款在贷客户数",
    "RISK_POOL_BALANCE": "风险池基金贷款余额", "IP_ADV_ENT": "国家级知识产权优势企业数",
    "IP_MGMT_CERT": "知识产权管理规范认证企业数", "GDP": "地区生产总值", "IND_VA": "规上工业增加值",
}
PANEL_UNITS = {"HT_IND_VA_SHARE": "%", "RD_GDP_RATIO": "%", "PAT_APPLY": "件", "PAT_GRANT": "件", "INV_PAT_APPLY": "件",
               "INV_PAT_GRANT": "件", "INCUBATION_AREA": "万平方米", "VOUCHER_USED": "万元"}
_COUNT_CODES = ("HTE_", "STARTUP_", "TSME_", "RD_INST", "ACADEMICIAN", "CARRIERS", "IP_", "RISK_POOL_APPROVED_ENT",
                "RISK_POOL_CLIENTS")


def _default_unit(code: str) -> str:
    if code in PANEL_UNITS:
        return PANEL_UNITS[code]
    return "家" if code.startswith(_COUNT_CODES) else "亿元"


def panel_rows(ctx: ReportContext) -> dict[str, dict]:
    """The indicator panel (DESIGN §7) of the report's region and period, by indicator code (fetched once)."""
    if "panel" not in ctx.cache:
        from kechuang.indicators.engine import Period
        from kechuang.indicators.selectors import panel

        ctx.cache["panel"] = {r["code"]: r for r in panel(ctx.region, Period(ctx.year, ctx.month))}
    return ctx.cache["panel"]


def catalog(ctx: ReportContext) -> dict[str, dict]:
    """The indicator catalog (formula, source, notes) by code."""
    if "catalog" not in ctx.cache:
        try:
            from kechuang.indicators.models import Indicator

            ctx.cache["catalog"] = {i["code"]: i for i in Indicator.objects.values(
                "code", "name_zh", "unit", "kind", "source", "formula", "notes")}
        except MISSING_ERRORS:
            ctx.cache["catalog"] = {}
    return ctx.cache["catalog"]


_KIND_TEXT = {"flow": "流量指标，1月起累计", "stock": "存量指标，期末值", "ratio": "比率指标"}
_SOURCE_TEXT = {"statistics": "统计部门数据（导入）", "platform": "平台记录统计", "derived": "由其他指标计算"}


def _panel_query(code: str) -> Callable[[ReportContext], str]:
    def text(ctx: ReportContext) -> str:
        c = catalog(ctx).get(code, {})
        parts = [_KIND_TEXT.get(c.get("kind", ""), ""), _SOURCE_TEXT.get(c.get("source", ""), "")]
        if c.get("formula"):
            parts.append(f"公式 {c['formula']}")
        notes = str(c.get("notes") or "")
        if any("\u4e00" <= ch <= "\u9fff" for ch in notes):  # the catalog's Chinese notes only
            parts.append(notes)
        return "；".join(p for p in parts if p)
    return text


_PANEL_SPECS: dict[str, Spec] = {}


def panel_spec(code: str) -> Spec:
    """The figure spec of indicator ``code`` read from the panel (key ``panel.CODE``)."""
    spec = _PANEL_SPECS.get(code)
    if spec is None:
        def fn(ctx: ReportContext, code=code):
            row = panel_rows(ctx).get(code)
            if row is None:
                return Result(None, reason=f"指标目录中没有 {code}")
            if row.get("value") is None:
                return Result(None, row=row, reason="指标面板在该期无数值（尚未导入或平台尚未统计）")
            return Result(row["value"], row=row)

        def label(ctx: ReportContext, code=code) -> str:
            return catalog(ctx).get(code, {}).get("name_zh") or PANEL_LABELS.get(code, code)

        spec = Spec(key=f"panel.{code}", label=label, unit=_default_unit(code),
                    source=f"指标 {code}（指标面板）",
                    query=_panel_query(code), fn=fn)
        _PANEL_SPECS[code] = spec
    return spec


def panel_figure(ctx: ReportContext, code: str) -> Figure:
    fig = figure(ctx, f"panel.{code}")
    if fig.row is not None and fig.row.get("unit"):
        fig.unit = fig.row["unit"]
    return fig


def panel_unit(ctx: ReportContext, code: str) -> str:
    return catalog(ctx).get(code, {}).get("unit") or _default_unit(code)


# -- (一) 科技管理: work tasks, policies (policies module), statistics (indicators module) --------------------------


def events(ctx: ReportContext) -> dict:
    """The policies module's counts for the annual report (fetched once)."""
    if "events" not in ctx.cache:
        from kechuang.policies.selectors import event_counts

        ctx.cache["events"] = event_counts(region=ctx.region, year=ctx.year)
    return ctx.cache["events"]


def _event(key: str, convert=None):
    def fn(ctx: ReportContext):
        v = events(ctx)[key]
        return convert(v) if convert and v is not None else v
    return fn


_EVENTS_SOURCE = "policies.selectors.event_counts(region={region}, year={year})"
for _key, _label, _unit, _what, _conv in (
    ("tasks", "重点工作任务", "项", "本年度工作任务（WorkTask，责任辖区在本区域内）", None),
    ("tasks_done", "已完成重点工作任务", "项", "本年度工作任务中已完成（含逾期完成）的", None),
    ("tasks_overdue", "逾期未完成重点工作任务", "项", "本年度工作任务中已逾期未完成的", None),
    ("policies_published", "出台科技政策", "项", "本年度已发布的政策（Policy，发布单位辖区在本区域内）", None),
    ("awards_paid", "政策奖励兑现", "家次", "本年度已拨付的政策奖励（PolicyAward，按拨付日期、企业所在镇街）", None),
    ("awards_paid_amount", "政策奖励兑现金额", "万元", "本年度已拨付的政策奖励金额（元折算为万元）", wan_from_yuan),
    ("competitions", "创新创业大赛", "项", "本年度已发布或已结束的赛事（Competition）", None),
    ("competition_entries", "参赛项目", "个", "上述赛事的参赛项目（Entry）", None),
    ("competition_awards", "获奖项目", "个", "上述赛事的获奖项目（CompetitionAward）", None),
    ("trainings", "科技培训", "期", "本年度已发布或已结束的培训（Training）", None),
    ("training_sessions", "培训场次", "场", "上述培训的场次（TrainingSession）", None),
    ("training_attendances", "参训人员", "人次", "上述培训的参训记录（Attendance）", None),
    ("training_enterprises", "参训企业", "家", "上述培训的参训企业（去重）", None),
    ("fairs", "成果发布对接会", "场", "本年度举办的成果发布/对接会（AchievementFair，类型 fair）", None),
    ("auctions", "成果拍卖会", "场", "本年度举办的成果拍卖会（AchievementFair，类型 auction）", None),
    ("lots_sold", "拍卖成交成果", "项", "上述活动中已成交的拍品（Lot，状态 sold）", None),
    ("lots_hammer_amount", "拍卖成交金额", "万元", "上述成交拍品的成交价合计（元折算为万元）", wan_from_yuan),
):
    register(f"events.{_key}", _label, _unit, source=_EVENTS_SOURCE + f"[\"{_key}\"]", query=_what)(_event(_key, _conv))


@register("monthly.accepted", "科技服务业月报（已审核）", "份",
          source="indicators.models.MonthlyReport（status=accepted，year={year}，month≤{month}）",
          query="本区域企业{span}报送并经审核通过的科技服务业月报份数")
def monthly_accepted(ctx):
    from kechuang.indicators.models import MonthlyReport

    return MonthlyReport.objects.filter(ctx.under("enterprise__town"), status="accepted", year=ctx.year,
                                        month__lte=ctx.month).count()


@register("monthly.enterprises", "月报企业", "家",
          source="indicators.models.MonthlyReport（year={year}，month≤{month}，按企业去重）",
          query="本区域{span}有已审核月报的企业数（去重）")
def monthly_enterprises(ctx):
    from kechuang.indicators.models import MonthlyReport

    return MonthlyReport.objects.filter(ctx.under("enterprise__town"), status="accepted", year=ctx.year,
                                        month__lte=ctx.month).values("enterprise_id").distinct().count()


# -- (二) 创新主体培育: qualifications and R&D institutions (foundation), pool batches (evaluation) -----------------


@register("hte.certified", "认定（含重新认定）高新技术企业", "家",
          source="enterprises.Qualification（kind=hte，issue_date {start}至{end}，未撤销）",
          query="证书发证日期在{span}内的高新技术企业（按企业去重）")
def hte_certified(ctx):
    from kechuang.enterprises.models import Qualification

    return (Qualification.objects.filter(ctx.under("enterprise__town"), kind="hte", issue_date__gte=ctx.start,
                                         issue_date__lte=ctx.end).exclude(status="revoked")
            .values("enterprise_id").distinct().count())


@register("pool.batches", "高企培育库入库批次", "批",
          source="evaluation.models.PoolBatch（year={year}，辖区在本区域内）",
          query="本年度建立的高企培育库入库批次数")
def pool_batches(ctx):
    from kechuang.evaluation.models import PoolBatch

    return PoolBatch.objects.filter(ctx.under("region"), year=ctx.year).count()


@register("pool.approved", "经批次审核入库企业", "家",
          source="evaluation.models.PoolEntry（status=approved，批次年度 {year}）",
          query="本年度入库批次中审核同意入库的企业数（企业在本区域内）")
def pool_approved(ctx):
    from kechuang.evaluation.models import PoolEntry

    return PoolEntry.objects.filter(ctx.under("enterprise__town"), batch__year=ctx.year, status="approved").count()


_LEVELS = (("national", "国家级"), ("provincial", "省级"), ("municipal", "市级"), ("district", "区级"))


def _level_parts(rows: dict) -> tuple[tuple[str, int], ...]:
    return tuple((label, rows.get(code, 0)) for code, label in _LEVELS if rows.get(code))


@register("rd.total", "企业研发机构", "家",
          source="enterprises.RDInstitution（status=filed，approved_on≤{end}），按级别分组",
          query="截至{end}已备案（认定）的企业研发机构，分国家级、省级、市级、区级")
def rd_total(ctx):
    from kechuang.enterprises.models import RDInstitution

    rows = dict(RDInstitution.objects.filter(ctx.under("enterprise__town"), status="filed", approved_on__lte=ctx.end)
                .values_list("level").annotate(n=Count("pk")).order_by())
    return Result(sum(rows.values()), parts=_level_parts(rows))


@register("rd.new", "新增企业研发机构", "家",
          source="enterprises.RDInstitution（status=filed，approved_on {start}至{end}），按级别分组",
          query="{span}新认定（备案）的企业研发机构，分级别")
def rd_new(ctx):
    from kechuang.enterprises.models import RDInstitution

    rows = dict(RDInstitution.objects.filter(ctx.under("enterprise__town"), status="filed",
                                             approved_on__gte=ctx.start, approved_on__lte=ctx.end)
                .values_list("level").annotate(n=Count("pk")).order_by())
    return Result(sum(rows.values()), parts=_level_parts(rows))


# -- (三) 创新平台建设: carriers (foundation) -------------------------------------------------------------------------

_KINDS = (("maker_space", "众创空间"), ("incubator", "孵化器"), ("accelerator", "加速器"), ("star_space", "星创天地"))
_GRADES = (("A", "优秀（A）"), ("B", "良好（B）"), ("C", "合格（C）"), ("D", "不合格（D）"))


def _carriers(ctx):
    from kechuang.carriers.models import Carrier

    return Carrier.objects.filter(ctx.under("town"), recognised_on__lte=ctx.end)


@register("carriers.by_kind", "双创平台载体", "家",
          source="carriers.Carrier（recognised_on≤{end}），按类型分组",
          query="截至{end}已认定的众创空间、孵化器、加速器、星创天地")
def carriers_by_kind(ctx):
    rows = dict(_carriers(ctx).values_list("kind").annotate(n=Count("pk")).order_by())
    return Result(sum(rows.values()), parts=tuple((label, rows[k]) for k, label in _KINDS if rows.get(k)))


@register("carriers.by_level", "双创平台载体（按级别）", "家",
          source="carriers.Carrier（recognised_on≤{end}），按级别分组",
          query="截至{end}已认定的双创平台载体，分国家级、省级、市级、区级")
def carriers_by_level(ctx):
    rows = dict(_carriers(ctx).values_list("level").annotate(n=Count("pk")).order_by())
    return Result(sum(rows.values()), parts=_level_parts(rows))


@register("carriers.new", "新认定双创平台载体", "家",
          source="carriers.Carrier（recognised_on {start}至{end}）", query="{span}新认定的双创平台载体")
def carriers_new(ctx):
    return _carriers(ctx).filter(recognised_on__gte=ctx.start).count()


@register("carriers.tenants", "在孵企业（团队）", "家",
          source="carriers.Carrier.tenants 合计（recognised_on≤{end}）", query="已认定载体登记的在孵企业（团队）数之和")
def carriers_tenants(ctx):
    return _carriers(ctx).aggregate(n=Sum("tenants"))["n"]


@register("carriers.grades", "参加年度评价的载体", "家",
          source="carriers.CarrierEvaluation（year={year}），按等级分组",
          query="{year}年度评价的载体数及优秀、良好、合格、不合格等级分布")
def carriers_grades(ctx):
    from kechuang.carriers.models import CarrierEvaluation

    rows = dict(CarrierEvaluation.objects.filter(ctx.under("carrier__town"), year=ctx.year)
                .values_list("grade").annotate(n=Count("pk")).order_by())
    if not rows:
        return Result(None, reason=f"{ctx.year}年度尚无载体评价记录")
    return Result(sum(rows.values()), parts=tuple((label, rows[g]) for g, label in _GRADES if rows.get(g)))


# -- (四) 科技合作: the technology marketplace (market module) --------------------------------------------------------


def _in_span(path: str, ctx) -> dict:
    return {f"{path}__gte": ctx.start, f"{path}__lte": ctx.end}


@register("market.achievements", "技术库在库成果", "项",
          source="market.Achievement（status=published，登记区域在本区域内）", query="已发布的技术成果（现状）")
def market_achievements(ctx):
    from kechuang.market.models import Achievement

    return Achievement.objects.filter(ctx.under("region"), status="published").count()


@register("market.achievements_new", "新入库成果", "项",
          source="market.Achievement（status=published，created_at {start}至{end}）", query="{span}新发布的技术成果")
def market_achievements_new(ctx):
    from kechuang.market.models import Achievement

    return Achievement.objects.filter(ctx.under("region"), status="published",
                                      **_in_span("created_at__date", ctx)).count()


@register("market.demands_new", "征集企业技术难题", "项",
          source="market.Demand（created_at {start}至{end}，企业在本区域内，不含草稿）",
          query="{span}企业发布（含经问诊形成）的技术难题")
def market_demands_new(ctx):
    from kechuang.market.models import Demand

    return Demand.objects.filter(ctx.under("enterprise__town"), **_in_span("created_at__date", ctx)) \
        .exclude(status="draft").count()


@register("market.demands_answered", "获得专家答复的难题", "项",
          source="market.Demand + Answer（同上，至少一条答复）", query="上述难题中已有院校专家提交解决方案的")
def market_demands_answered(ctx):
    from kechuang.market.models import Demand

    return (Demand.objects.filter(ctx.under("enterprise__town"), **_in_span("created_at__date", ctx))
            .exclude(status="draft").filter(answers__isnull=False).distinct().count())


@register("market.experts", "人才库专家", "名", source="market.Expert（status=published）",
          query="人才库中已发布的专家（不分地区）")
def market_experts(ctx):
    from kechuang.market.models import Expert

    return Expert.objects.filter(status="published").count()


@register("market.agencies", "服务库科技服务机构", "家",
          source="enterprises.ServiceAgency（status=published，所在地在本区域内）", query="服务库中已发布的科技服务机构")
def market_agencies(ctx):
    from kechuang.enterprises.models import ServiceAgency

    return ServiceAgency.objects.filter(ctx.under("region"), status="published").count()


@register("market.visits", "专家技术问诊", "次",
          source="market.ExpertVisit（visit_date {start}至{end}，企业在本区域内）", query="{span}专家上门技术问诊次数")
def market_visits(ctx):
    from kechuang.market.models import ExpertVisit

    return ExpertVisit.objects.filter(ctx.under("enterprise__town"), **_in_span("visit_date", ctx)).count()


@register("market.deals", "促成技术成交项目", "项",
          source="market.Deal（created_at {start}至{end}，买方企业在本区域内，不含已终止）",
          query="{span}技术经纪人促成的成交项目（洽谈中、已签约、已成交）")
def market_deals(ctx):
    from kechuang.market.models import Deal

    return Deal.objects.filter(ctx.under("buyer_enterprise__town"), **_in_span("created_at__date", ctx)) \
        .exclude(status="cancelled").count()


@register("market.contracts", "认定登记技术合同", "项",
          source="market.TechContract（status=registered，registration_date {start}至{end}，卖方企业在本区域内）",
          query="{span}认定登记的技术合同（输出方在本区域）")
def market_contracts(ctx):
    from kechuang.market.models import TechContract

    return TechContract.objects.filter(ctx.under("seller_enterprise__town"), status="registered",
                                       **_in_span("registration_date", ctx)).count()


@register("market.contracts_amount", "登记技术合同技术交易额", "亿元",
          source="market.TechContract.tech_amount 合计（同上）", query="上述合同核定的技术交易额之和（元折算为亿元）")
def market_contracts_amount(ctx):
    from kechuang.market.models import TechContract

    total = TechContract.objects.filter(ctx.under("seller_enterprise__town"), status="registered",
                                        **_in_span("registration_date", ctx)).aggregate(s=Sum("tech_amount"))["s"]
    return yi_from_yuan(total if total is not None else Decimal(0))


# -- (五) 创新创业环境: IP (foundation), vouchers and loans (finance module) --------------------------------------------


@register("ip.invention_granted", "企业新授权发明专利", "件",
          source="enterprises.IPRecord（kind=invention，granted_on {start}至{end}，企业在本区域内）",
          query="平台登记的本区域企业{span}获授权的发明专利")
def ip_invention_granted(ctx):
    from kechuang.enterprises.models import IPRecord

    return IPRecord.objects.filter(ctx.under("enterprise__town"), kind="invention",
                                   **_in_span("granted_on", ctx)).count()


@register("vouchers.granted", "发放创新券", "张",
          source="finance.VoucherGrant（granted_on {start}至{end}，持券企业在本区域内，不含已取消）",
          query="{span}发放的创新券张数")
def vouchers_granted(ctx):
    from kechuang.finance.models import VoucherGrant

    return VoucherGrant.objects.filter(ctx.under("enterprise__town"), **_in_span("granted_on", ctx)) \
        .exclude(status="cancelled").count()


@register("vouchers.granted_amount", "发放创新券额度", "万元",
          source="finance.VoucherGrant.amount 合计（同上）", query="上述创新券的发放额度之和（元折算为万元）")
def vouchers_granted_amount(ctx):
    from kechuang.finance.models import VoucherGrant

    total = VoucherGrant.objects.filter(ctx.under("enterprise__town"), **_in_span("granted_on", ctx)) \
        .exclude(status="cancelled").aggregate(s=Sum("amount"))["s"]
    return wan_from_yuan(total if total is not None else Decimal(0))


@register("vouchers.paid_orders", "创新券兑付服务订单", "笔",
          source="finance.VoucherOrder（status=paid，paid_on {start}至{end}，企业在本区域内）",
          query="{span}完成兑付的创新券服务订单")
def vouchers_paid_orders(ctx):
    from kechuang.finance.models import VoucherOrder

    return VoucherOrder.objects.filter(ctx.under("enterprise__town"), status="paid", **_in_span("paid_on", ctx)).count()


@register("loans.approved", "风险池贷款审批通过", "笔",
          source="finance.Loan（approved_on {start}至{end}，approved_limit 非空，企业在本区域内）",
          query="{span}银行审批通过的风险池基金贷款笔数")
def loans_approved(ctx):
    from kechuang.finance.models import Loan

    return Loan.objects.filter(ctx.under("enterprise__town"), approved_limit__isnull=False,
                               **_in_span("approved_on", ctx)).count()


@register("loans.approved_amount", "风险池贷款审批金额", "万元",
          source="finance.Loan.approved_limit 合计（同上）", query="上述贷款的审批额度之和（元折算为万元）")
def loans_approved_amount(ctx):
    from kechuang.finance.models import Loan

    total = Loan.objects.filter(ctx.under("enterprise__town"), approved_limit__isnull=False,
                                **_in_span("approved_on", ctx)).aggregate(s=Sum("approved_limit"))["s"]
    return wan_from_yuan(total if total is not None else Decimal(0))


# -- targets (indicators module) --------------------------------------------------------------------------------


def targets(ctx: ReportContext, year: int) -> tuple[list[Figure], str]:
    """Next year's targets of the region as figures (value = the target value, row = the panel row with
    ``target``, ``target_growth_pct``), in catalog order; and the reason when there are none."""
    try:
        from kechuang.indicators.engine import Period
        from kechuang.indicators.models import Target
        from kechuang.indicators.selectors import panel

        codes = list(Target.objects.filter(region_id=ctx.region, year=year).values_list("indicator_id", flat=True))
        if not codes:
            return [], f"{year}年度目标尚未在平台设定"
        rows = panel(ctx.region, Period(year, 1), codes=codes)
    except MISSING_ERRORS as exc:
        return [], _why(exc)
    out = []
    for row in rows:
        code = row["code"]
        fig = Figure(key=f"target.{code}", label=row.get("name") or PANEL_LABELS.get(code, code),
                     value=row.get("target"), unit=row.get("unit") or _default_unit(code),
                     source=f"indicators.models.Target（{code}，{year}年，{ctx.full_name}）",
                     query=("目标值；以增速下达的目标按上年12月数值×(1+增速)折算（indicators.selectors.panel 的 target、"
                            "target_growth_pct）"), row=row,
                     reason="" if row.get("target") is not None else "仅下达增速，缺少上年12月基数")
        out.append(fig)
    return out, ""


# -- quarterly analysis of the tech-service industry (indicators module's monthly reports) -----------------------

ANALYSIS_FIELDS = (("operating_revenue", "营业收入", "万元"), ("value_added", "增加值", "万元"),
                   ("rd_expense", "研发费用", "万元"), ("staff", "从业人员", "人"))


def quarterly(ctx: ReportContext, quarter: int, field_name: str) -> dict:
    """Per town of the district (the region itself, or a town's district): the cumulative total from January to
    the quarter's end of accepted monthly reports, growth, share, rank and contribution (indicators engine's
    analyse_towns). Money in 万元. Raises what the missing module raises (the caller words it)."""
    from kechuang.indicators.engine import analyse_towns
    from kechuang.indicators.models import MonthlyReport
    from kechuang.regions.models import Region

    district = ctx.parent if ctx.level == "town" else ctx.region
    month = quarter * 3
    key = ("quarterly", district, quarter, field_name)
    if key in ctx.cache:
        return ctx.cache[key]
    qs = MonthlyReport.objects.filter(status="accepted", month=month, year__in=[ctx.year, ctx.year - 1],
                                      enterprise__town__code__startswith=district,
                                      **{f"{field_name}__isnull": False})
    current, previous = [], []
    for ent, town, year, v in qs.values_list("enterprise_id", "enterprise__town_id", "year", field_name):
        v = Decimal(v) if field_name == "staff" else v / Decimal(10000)
        (current if year == ctx.year else previous).append((ent, town, v))
    towns = list(Region.objects.filter(level="town", code__startswith=district).order_by("code")
                 .values_list("code", "name"))
    result = analyse_towns(current, previous, towns=[c for c, _ in towns])
    names = dict(towns)
    for row in result["towns"]:
        row["name"] = names.get(row["town"], row["town"])
    result["district_code"] = district
    ctx.cache[key] = result
    return result


def quarterly_enterprises(ctx: ReportContext, quarter: int, limit: int = 20) -> list[dict]:
    """A town's enterprises with their accepted cumulative revenue at the quarter's end and a year earlier (万元),
    largest first (for a town's own analysis)."""
    from kechuang.indicators.models import MonthlyReport

    month = quarter * 3
    rows = MonthlyReport.objects.filter(status="accepted", month=month, year__in=[ctx.year, ctx.year - 1],
                                        enterprise__town__code=ctx.region, operating_revenue__isnull=False) \
        .values_list("enterprise_id", "enterprise__name", "year", "operating_revenue")
    now: dict[int, tuple[str, Decimal]] = {}
    then: dict[int, Decimal] = {}
    for ent, name, year, v in rows:
        if year == ctx.year:
            now[ent] = (name, v / Decimal(10000))
        else:
            then[ent] = v / Decimal(10000)
    out = []
    for ent, (name, v) in now.items():
        prev = then.get(ent)
        g = None if prev is None or prev.is_zero() else (v - prev) * 100 / abs(prev)
        out.append({"enterprise": ent, "name": name, "total": v, "previous_total": prev, "growth_pct": g})
    out.sort(key=lambda r: (-r["total"], r["enterprise"]))
    return out[:limit]


def quarter_available(region: str, year: int, quarter: int) -> bool:
    """Whether any accepted monthly report exists for the quarter's last month under the region."""
    try:
        from kechuang.indicators.models import MonthlyReport

        return MonthlyReport.objects.filter(status="accepted", year=year, month=quarter * 3,
                                            enterprise__town__code__startswith=region).exists()
    except MISSING_ERRORS:
        return False
