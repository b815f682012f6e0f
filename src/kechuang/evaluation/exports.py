"""Spreadsheets: a run's result (candidate) list and a pool batch's publication list (公示名单)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from kechuang.core.exporting import write_xlsx

from .choices import CandidateReason, EntryStatus, Verdict

HUNDRED = Decimal(100)


def _pct(ratio: Decimal | None) -> Decimal | None:
    """A stored ratio as a percentage with 2 decimals, rounded half-up (display only)."""
    if ratio is None:
        return None
    return (ratio * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _wan(yuan: Decimal | None) -> Decimal | None:
    return None if yuan is None else yuan.scaleb(-4).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _sheet(name: str) -> str:
    """A worksheet name Excel accepts (no []:*?/\\, at most 31 characters)."""
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "Sheet1"


def _codes(text: str) -> str:
    return "、".join(c for c in text.split(",") if c)


def _near(items) -> str:
    return "、".join(i.get("code", "") for i in items or [])


def results_xlsx(run, results) -> bytes:
    header = [_("企业名称"), _("统一社会信用代码"), _("镇街"), _("评价结论"), _("保守得分"), _("乐观得分"),
              _("未满足条件"), _("培育库候选"), _("候选原因"), _("小幅未达标项"), _("科技人员占比（%）"),
              _("研发费用占比（%）"), _("研发费用占比标准（%）"), _("境内研发占比（%）"), _("高新收入占比（%）"),
              _("最近一年销售收入（万元）"), _("Ⅰ类知识产权"), _("Ⅱ类知识产权（可计入）"), _("有效高企"), _("有效科小"),
              _("已在培育库"), _("数据问题")]

    def rows():
        for r in results.iterator(chunk_size=2000):
            yield [r.enterprise.name, r.enterprise.uscc, r.town.name, Verdict(r.verdict).label, r.score_min,
                   r.score_max, _codes(r.failed_codes), r.candidate,
                   CandidateReason(r.candidate_reason).label if r.candidate_reason else "", _near(r.near_misses),
                   _pct(r.tech_ratio), _pct(r.rd_ratio), _pct(r.rd_threshold), _pct(r.domestic_ratio),
                   _pct(r.hitech_ratio), _wan(r.latest_sales), r.ip_class_i, r.ip_class_ii, r.holds_hte, r.is_tsme,
                   r.in_pool, r.error]

    title = _("评价结果 %(d)s") % {"d": run.on_date.isoformat()}
    return write_xlsx([(_sheet(title), header, rows())])


def publication_xlsx(batch, entries) -> bytes:
    """The publication list: approved entries in order, with the batch, date and each enterprise's basics."""
    header = [_("序号"), _("企业名称"), _("统一社会信用代码"), _("所属镇街"), _("高新技术领域"), _("入库批次"),
              _("入库日期"), _("评价得分区间")]
    rows = []
    for i, e in enumerate(entries.filter(status=EntryStatus.APPROVED), start=1):
        q = e.qualification
        score = f"{e.score_min}–{e.score_max}" if e.score_min is not None else ""
        rows.append([i, e.enterprise.name, e.enterprise.uscc, e.enterprise.town.name,
                     e.enterprise.domain.name if e.enterprise.domain_id else "", batch.name,
                     q.issue_date if q else batch.issue_date, score])
    return write_xlsx([(_sheet(_("%(name)s 公示名单") % {"name": batch.name}), header, rows)])


def entries_xlsx(batch, entries) -> bytes:
    """Every entry with its decision and reason (the working list, not for publication)."""
    header = [_("企业名称"), _("统一社会信用代码"), _("所属镇街"), _("状态"), _("评价结论"), _("保守得分"), _("乐观得分"),
              _("候选原因"), _("未满足条件"), _("审核意见"), _("审核人"), _("审核时间")]
    rows = [[e.enterprise.name, e.enterprise.uscc, e.enterprise.town.name, EntryStatus(e.status).label,
             Verdict(e.verdict).label if e.verdict else "", e.score_min, e.score_max,
             CandidateReason(e.candidate_reason).label if e.candidate_reason else "", _codes(e.failed_codes),
             e.reason, (e.decided_by.get_full_name() or e.decided_by.username) if e.decided_by else "",
             e.decided_at.replace(tzinfo=None) if e.decided_at else None]
            for e in entries]
    return write_xlsx([(_sheet(batch.name), header, rows)])
