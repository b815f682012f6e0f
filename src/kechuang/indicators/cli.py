"""`kechuang indicators …`: the indicator panel (DESIGN §5/§7) and the platform indicators' refresh.

    kechuang indicators panel --region CODE --period YYYY-MM [--json]
    kechuang indicators refresh --period YYYY-MM [--from YYYY-MM] [--region CODE]

Bad input prints a message naming the argument and exits 2.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from decimal import Decimal

from .engine import Period, PeriodError, display


class UsageError(Exception):
    """A bad command line; the message names the argument."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit; the caller decides the exit code
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="kechuang indicators", description="指标面板与平台指标刷新 / indicator panel and refresh")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    s = sub.add_parser("panel", help="一个区域一个期间的指标面板 / the panel of one region and period")
    s.add_argument("--region", required=True, help="区划代码，如 330212")
    s.add_argument("--period", required=True, help="统计期 YYYY-MM，如 2025-11")
    s.add_argument("--json", action="store_true", help="输出 JSON（DESIGN §7）")
    s = sub.add_parser("refresh", help="按平台记录重新计算平台指标 / recount the platform indicators")
    s.add_argument("--period", required=True, help="统计期 YYYY-MM（区间的最后一个月）")
    s.add_argument("--from", dest="start", help="起始统计期 YYYY-MM（含），默认与 --period 相同")
    s.add_argument("--region", help="只刷新该区域及其下级（默认：本市全部区县和镇街）")
    return p


def _period(text: str, arg: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError:
        raise UsageError(f"argument {arg}: 统计期格式应为 YYYY-MM（如 2025-11），实为“{text}”") from None


def _region(code: str, arg: str = "--region"):
    from kechuang.regions.models import Region

    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        raise UsageError(f"argument {arg}: 未知的行政区划代码“{code}”")
    return region


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        if args.command == "panel":
            return _panel(args)
        return _refresh(args)
    except UsageError as exc:
        print(f"kechuang indicators: error: {exc}", file=sys.stderr)
        return 2


def _panel(args) -> int:
    period = _period(args.period, "--period")
    region = _region(args.region)
    from .selectors import panel

    rows = panel(region.code, period)
    if args.json:
        from .serialize import jsonable

        print(json.dumps(jsonable(rows), ensure_ascii=False, indent=2))
    else:
        print(render_table(rows, region.full_name or region.name, period))
    return 0


def _refresh(args) -> int:
    end = _period(args.period, "--period")
    start = _period(args.start, "--from") if args.start else end
    if start > end:
        raise UsageError(f"argument --from: 起始统计期 {start} 晚于 --period {end}")
    regions = None
    if args.region:
        from kechuang.regions.choices import RegionLevel
        from kechuang.regions.models import Region

        root = _region(args.region)
        regions = list(Region.objects.filter(code__startswith=root.code).exclude(level=RegionLevel.PROVINCE)
                       .values_list("code", flat=True))
    from .services import indicators_refresh_range

    def progress(p, result):
        print(f"{p}  新增 {result['created']}  更新 {result['updated']}  未变 {result['unchanged']}", flush=True)

    total = indicators_refresh_range(start, end, regions, progress=progress)
    print(f"完成：{total['months']} 个月，新增 {total['created']}，更新 {total['updated']} / "
          f"done: {total['months']} months, {total['created']} created, {total['updated']} updated")
    for code, message in total["failed"].items():
        print(f"指标 {code} 计算失败 / metric failed: {message}", file=sys.stderr)
    return 1 if total["failed"] else 0


# -- the readable table ----------------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _signed(value: Decimal | None, suffix: str) -> str:
    if value is None:
        return "—"
    shown = display(value, 2)
    return (shown if shown.startswith("-") or shown == "0.00" else "+" + shown) + suffix


def render_table(rows: list[dict], region_name: str, period: Period) -> str:
    """The panel as a Chinese text table (values rounded half-up for display; JSON keeps them exact)."""
    head = ["指标", "单位", "本期值", "同比", "占上级比重", "排名", "目标", "完成率", "时间进度", "进度"]
    body = []
    counts = ("家", "件", "个", "人", "项")
    for r in rows:
        places = 0 if r["unit"] in counts and r["value"] is not None and r["value"] == r["value"].to_integral_value() \
            else 2
        yoy = _signed(r["yoy_pp"], "个百分点") if r["kind"] == "ratio" else _signed(r["yoy_pct"], "%")
        rank = f"{r['rank']}/{r['rank_of']}" if r["rank"] is not None else "—"
        flag = "—" if r["behind_schedule"] is None else ("滞后" if r["behind_schedule"] else "正常")
        body.append([
            r["name"], r["unit"], display(r["value"], places, thousands=True), yoy,
            display(r["share_pct"], 2) + ("%" if r["share_pct"] is not None else ""), rank,
            display(r["target"], 2, thousands=True),
            display(r["completion_pct"], 2) + ("%" if r["completion_pct"] is not None else ""),
            display(r["time_progress_pct"], 2) + ("%" if r["time_progress_pct"] is not None else ""), flag,
        ])
    widths = [max(_width(str(x)) for x in col) for col in zip(head, *body)]
    numeric = {2, 3, 4, 5, 6, 7, 8}
    lines = [f"{region_name} {period.year}年{period.month}月 指标面板（流量指标为1–{period.month}月累计，"
             f"存量指标为月末值；显示值四舍五入）"]
    lines.append("  ".join(_pad(h, w, i in numeric) for i, (h, w) in enumerate(zip(head, widths))))
    lines.append("  ".join("-" * w for w in widths))
    for row in body:
        lines.append("  ".join(_pad(str(x), w, i in numeric) for i, (x, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)
