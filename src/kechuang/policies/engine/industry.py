"""GB/T 4754-2017 sections (门类) by division (大类) number, so that a condition can say 'manufacturing (C)'."""
from __future__ import annotations

SECTIONS = [  # (section, first division, last division, name)
    ("A", 1, 5, "农、林、牧、渔业"), ("B", 6, 12, "采矿业"), ("C", 13, 43, "制造业"),
    ("D", 44, 46, "电力、热力、燃气及水生产和供应业"), ("E", 47, 50, "建筑业"), ("F", 51, 52, "批发和零售业"),
    ("G", 53, 60, "交通运输、仓储和邮政业"), ("H", 61, 62, "住宿和餐饮业"),
    ("I", 63, 65, "信息传输、软件和信息技术服务业"), ("J", 66, 69, "金融业"), ("K", 70, 70, "房地产业"),
    ("L", 71, 72, "租赁和商务服务业"), ("M", 73, 75, "科学研究和技术服务业"),
    ("N", 76, 79, "水利、环境和公共设施管理业"), ("O", 80, 82, "居民服务、修理和其他服务业"), ("P", 83, 83, "教育"),
    ("Q", 84, 85, "卫生和社会工作"), ("R", 86, 90, "文化、体育和娱乐业"), ("S", 91, 96, "公共管理、社会保障和社会组织"),
    ("T", 97, 97, "国际组织"),
]


def section_of(code: str | None) -> str | None:
    """The section letter of an industry code such as '3971' (→ 'C'); a letter code is its own section."""
    if not code:
        return None
    if code[0].isalpha():
        return code[0].upper()
    if len(code) < 2 or not code[:2].isdigit():
        return None
    division = int(code[:2])
    for letter, lo, hi, _ in SECTIONS:
        if lo <= division <= hi:
            return letter
    return None
