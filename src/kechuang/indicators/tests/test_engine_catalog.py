"""Loading and validating the indicator catalog."""

from pathlib import Path

import pytest

from kechuang.indicators.engine import CatalogError, IndicatorDef, load_catalog

HERE = Path(__file__).resolve()
# The catalog ships as package data of the regions app (copied from ../shared/data/indicators.csv).
SHARED_CSV = HERE.parents[2] / "regions" / "data" / "indicators.csv"


def row(code, kind="flow", source="statistics", formula="", name_zh="名称"):
    return {"code": code, "name_zh": name_zh, "name_en": code.lower(), "unit": "亿元", "kind": kind,
            "source": source, "formula": formula}


def test_loads_the_shared_catalog():
    cat = load_catalog(SHARED_CSV)
    assert len(cat) == 35
    assert cat.codes[0] == "GDP"
    share = cat["HT_IND_VA_SHARE"]
    assert share.kind == "ratio" and share.compiled.codes == {"HT_IND_VA", "IND_VA"}
    net = cat["HTE_NET_NEW"]
    assert net.kind == "flow" and net.source == "derived"
    assert cat["RD_GDP_RATIO"].compiled.codes == {"RD_EXP", "GDP"}
    assert cat["GDP"].formula is None and cat["GDP"].compiled is None
    assert cat["TECH_TRADE"].notes.startswith("sum of")
    assert {d.kind for d in cat} == {"flow", "stock", "ratio"}


def test_loads_rows_in_order():
    cat = load_catalog([row("B"), row("A"), row("R", "ratio", "derived", "B / A * 100")])
    assert cat.codes == ["B", "A", "R"]
    assert [d.code for d in cat] == ["B", "A", "R"]
    assert "R" in cat and "X" not in cat and cat.get("X") is None


def test_loads_indicator_defs():
    d = IndicatorDef("A", "甲", "a", "家", "stock", "platform")
    cat = load_catalog([d, IndicatorDef("N", "净增", "n", "家", "flow", "derived", "A - A(previous December)")])
    assert cat["N"].compiled is not None


def test_unknown_code_in_formula_is_detected_at_load():
    with pytest.raises(CatalogError) as exc:
        load_catalog([row("GDP"), row("RATIO", "ratio", "derived", "RD_EXP / GDP * 100")])
    assert exc.value.errors == ["RATIO: formula 'RD_EXP / GDP * 100' refers to unknown indicator(s) RD_EXP"]


def test_every_problem_is_reported_at_once():
    rows = [
        row("GDP"),
        row("GDP"),  # duplicate
        row("X", kind="level"),  # unknown kind
        row("Y", source="guess"),  # unknown source
        row("Z", kind="ratio", source="derived"),  # derived without formula
        row("W", kind="ratio", source="derived", formula="GDP /"),  # does not parse
        row("bad code"),
        row("", name_zh=""),
    ]
    with pytest.raises(CatalogError) as exc:
        load_catalog(rows)
    text = "\n".join(exc.value.errors)
    assert len(exc.value.errors) == 8
    for fragment in ("duplicate code GDP", "kind 'level'", "source 'guess'", "needs a formula",
                     "unexpected end of formula", "'bad code'", "code is empty", "name_zh is empty"):
        assert fragment in text


def test_formula_cycles_are_refused():
    with pytest.raises(CatalogError) as exc:
        load_catalog([row("A", formula="B + 1", source="derived"), row("B", formula="A(previous December)", source="derived")])
    assert any("cycle" in e for e in exc.value.errors)
    with pytest.raises(CatalogError):
        load_catalog([row("S", formula="S(previous December) + 1", source="derived")])


def test_csv_file_with_bom(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("code,name_zh,name_en,unit,kind,source,formula,notes\nA,甲,a,家,stock,platform,,\n", encoding="utf-8-sig")
    assert load_catalog(p).codes == ["A"]
    assert load_catalog(str(p)).codes == ["A"]
