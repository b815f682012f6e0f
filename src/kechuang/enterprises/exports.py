"""Spreadsheet exports of enterprises (the caller passes an already restricted queryset)."""
from kechuang.core.crypto import mask
from kechuang.core.exporting import write_xlsx
from kechuang.core.units import WAN

from .selectors import current_rung
from .choices import QualificationKind


def enterprises_xlsx(qs) -> bytes:
    rows = []
    ents = list(qs.select_related("town", "industry")[:200000])
    rungs = current_rung([e.pk for e in ents])
    for e in ents:
        rung = rungs.get(e.pk)
        rows.append([e.uscc, e.name, e.town_id, e.town.name, e.industry_id or "", e.domain_id or "",
                     e.founded_on, e.staff, e.above_size, QualificationKind(rung).label if rung else "",
                     mask(e.contact_phone)])
    header = ["统一社会信用代码", "企业名称", "所属镇街代码", "所属镇街", "行业代码", "高新技术领域代码", "成立日期",
              "职工人数", "规上企业", "当前梯度", "联系电话（脱敏）"]
    return write_xlsx([("企业名录", header, rows)])
