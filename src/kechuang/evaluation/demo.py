"""Demo: the home district's batch evaluation and a current-year cultivation-pool batch with decisions."""
from __future__ import annotations

from kechuang.core.audit import acting_as

from .choices import EntryStatus
from .models import PoolEntry
from .services import evaluation_run, pool_batch_create, pool_batch_propose, pool_entry_transition

REJECT_REASONS = [
    "研发费用占比与标准差距较大，建议加大研发投入后下一批次申报",
    "企业未按期提交入库申请材料",
    "高新技术产品（服务）收入归集依据不足，需补充说明",
    "科技人员认定依据不足（缺少劳动合同或社保缴纳证明）",
]


def load(ctx) -> None:
    officer = ctx.users.get("bureau") or ctx.users.get("admin")
    with acting_as(officer, "demo"):
        run = evaluation_run(user=officer, region=ctx.home, on=ctx.today)
        ctx.log(f"全区高企评价：{run.total} 家，符合 {run.qualified}，临界 {run.borderline}，培育库候选 {run.candidates}")
        year = ctx.today.year
        batch = pool_batch_create(user=officer, data={"year": year, "name": f"{year}年第一批"})
        pool_batch_propose(user=officer, batch=batch, run=run)
        entries = list(PoolEntry.objects.filter(batch=batch).order_by("-score_max", "-score_min", "pk"))
        # The strongest two thirds are approved, a few rejected with reasons, the rest left for the officer to try.
        approve = entries[: max(1, len(entries) * 2 // 3)]
        pending = entries[len(approve):]
        reject = pending[:-5] if len(pending) > 5 else pending[: len(pending) // 2]
        for entry in approve:
            pool_entry_transition(user=officer, entry=entry, action="approve")
        for entry in reject:
            pool_entry_transition(user=officer, entry=entry, action="reject",
                                  reason=REJECT_REASONS[ctx.rng.randrange(len(REJECT_REASONS))])
        left = PoolEntry.objects.filter(batch=batch, status=EntryStatus.PROPOSED).count()
        ctx.log(f"培育库 {batch.name}：提出 {len(entries)}，同意 {len(approve)}，不予入库 {len(reject)}，待审 {left}")
