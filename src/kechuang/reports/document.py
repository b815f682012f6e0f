"""A report as plain blocks (title, headings, paragraphs, tables), written by `annual`/`quarterly` and rendered to
DOCX by `render`. Keeping the content apart from the layout lets the tests read the wording without python-docx,
and the appendix lists every figure the text used, in the order it was used."""
from __future__ import annotations

from dataclasses import dataclass, field

from .sources import Figure
from .wording import NO_DATA, amount, growth, growth_pp, num, places_for, round_half_up


@dataclass
class Title:
    text: str
    lines: list[str] | None = None  # where a long title breaks (an official title breaks at a word, not anywhere)


@dataclass
class Subtitle:
    text: str


@dataclass
class Heading:
    level: int  # 1: 一、(黑体)  2: （一）(楷体)
    text: str


@dataclass
class Para:
    text: str


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None  # relative column widths
    caption: str = ""
    small: bool = False  # 五号 instead of 四号 (long tables such as the appendix)


@dataclass
class PageBreak:
    pass


@dataclass
class Signature:
    lines: list[str]


@dataclass
class AttachmentMark:
    text: str  # 附件


@dataclass
class Doc:
    """The blocks of one report and the figures its text used."""

    title: str
    period: str = ""  # the data period, YYYY-MM
    blocks: list = field(default_factory=list)
    figures: list[tuple[str, Figure]] = field(default_factory=list)  # (section, figure) in order of use
    section: str = ""

    def add(self, block) -> None:
        self.blocks.append(block)
        if isinstance(block, Heading):
            self.section = block.text

    def use(self, fig: Figure) -> Figure:
        """Record that the text used ``fig`` (once), under the current section."""
        if all(f.key != fig.key for _, f in self.figures):
            self.figures.append((self.section, fig))
        return fig

    def text(self) -> str:
        """Every string of the document (for checks: figures, placeholders)."""
        out = [self.title]
        for b in self.blocks:
            if isinstance(b, Table):
                out.append(b.caption)
                out.extend(b.headers)
                out.extend(c for row in b.rows for c in row)
            elif isinstance(b, Signature):
                out.extend(b.lines)
            elif hasattr(b, "text"):
                out.append(b.text)
        return "\n".join(out)


def shown(fig: Figure) -> str:
    """How a figure reads in the appendix's "value in the report" column."""
    if not fig.known:
        return NO_DATA
    text = amount(fig.value, fig.unit)
    row = fig.row or {}
    extra = []
    if row.get("kind") == "ratio":
        g = growth_pp(row.get("yoy_pp"))
    else:
        g = growth(row.get("yoy_pct"))
    if g:
        extra.append(g)
    s = round_half_up(row.get("share_pct"), 1)
    if s is not None:
        extra.append(f"占比{s:f}%")
    if row.get("rank") is not None and row.get("rank_of"):
        extra.append(f"排名{row['rank']}/{row['rank_of']}")
    if fig.parts:
        extra.append("其中" + "、".join(f"{label}{num(v, places_for(fig.unit))}{fig.unit}" for label, v in fig.parts))
    return "；".join([text, *extra])


def appendix_table(doc: Doc) -> Table:
    """One row per figure the text used, grouped by the part of the text that used it: what it is, the value as
    the text shows it, its indicator code or query, and what it counted (or why it has no data)."""
    rows: list[list[str]] = []
    section = None
    for i, (part, fig) in enumerate(doc.figures, 1):
        if part != section:
            section = part
            rows.append([part])  # a group row across the table
        what = fig.query if fig.known else f"{fig.query}。{NO_DATA}：{fig.reason}"
        rows.append([str(i), fig.label, shown(fig), fig.source, what])
    return Table(headers=["序号", "数据项", "报告中的数值", "指标代码或查询", "统计口径"],
                 rows=rows, widths=[0.7, 1.7, 1.9, 2.6, 3.2], small=True)
