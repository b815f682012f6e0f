"""The self-assessment page: every condition with value, threshold, comparator and clause, gaps in numbers."""
import re

import pytest

from .conftest import DAY

pytestmark = pytest.mark.django_db


def page(c, ent, kind="hte", date=DAY, lang=None):
    if lang:
        c.cookies["django_language"] = lang
    return c.get(f"/evaluation/enterprises/{ent.pk}/{kind}/?date={date}")


def row(html: str, code: str) -> str:
    m = re.search(rf'<tr id="cond-{code}">(.*?)</tr>', html, re.S)
    assert m, code
    return re.sub(r"\s+", " ", m.group(1))


def test_each_condition_shows_value_threshold_comparator_and_clause(client_as, clerk_a, ent_a, make_hte):
    from .conftest import add_annual, add_ip

    for y in (2023, 2024, 2025):
        add_annual(ent_a, y, staff_tech=9)  # 9% technology staff: C4 fails
    add_ip(ent_a)
    html = page(client_as(clerk_a), ent_a).content.decode()
    c4 = row(html, "C4")
    assert "9.00%" in c4 and "≥" in c4 and "10%" in c4 and "不满足" in c4
    assert "《高新技术企业认定管理办法》第十一条（四）" in c4
    assert "科技人员 9 人 / 职工总数 100 人" in c4
    c1 = row(html, "C1")
    assert "365天" in c1 and "满足" in c1 and "第十一条（一）" in c1
    c5a = row(html, "C5a")
    assert "6.00%" in c5a and "5%" in c5a and "2023、2024、2025" in c5a
    c7 = row(html, "C7")
    assert "&gt;" in c7 and "70分" in c7
    for code in ("C2", "C3", "C5b", "C6", "C8"):
        assert "第十一条" in row(html, code)


def test_gap_analysis_in_numbers_and_the_score_range(client_as, clerk_a, ent_a):
    from .conftest import add_annual, add_ip

    for y in (2023, 2024, 2025):
        add_annual(ent_a, y, staff_tech=9)
    add_ip(ent_a)
    html = page(client_as(clerk_a), ent_a).content.decode()
    assert "差距分析" in html
    # (9 + k) / (100 + k) ≥ 10% → k = 2 (new hires count in both).
    assert "需再增加 2 名科技人员" in html
    assert "保守" in html and "乐观" in html and "一、知识产权（≤30）" in html
    assert "不符合条件" in html
    assert "transformations_unknown" in html or "未填报科技成果转化数" in html


def test_borderline_enterprise_and_rule_set_shown(client_as, bureau, good):
    html = page(client_as(bureau), good).content.decode()
    assert "临界（待专家评分）" in html
    assert "hte-2016" in html and "国科发火〔2016〕32号" in html
    assert "培育库候选" in html  # office roles see the pool candidacy


def test_english_labels_through_the_language_switch(client_as, clerk_a, ent_a):
    from .conftest import add_annual

    add_annual(ent_a, 2025)
    html = page(client_as(clerk_a), ent_a, lang="en").content.decode()
    assert "Share of technology staff in total staff" in row(html, "C4")


def test_enterprise_without_data_gets_an_explanation(client_as, clerk_a, ent_a):
    r = page(client_as(clerk_a), ent_a)
    assert r.status_code == 200 and "无法评价" in r.content.decode()


def test_enterprise_saves_transformations_and_the_range_narrows(client_as, clerk_a, ent_a):
    from .conftest import add_annual, add_ip

    for y in (2023, 2024, 2025):
        add_annual(ent_a, y)
    add_ip(ent_a)
    c = client_as(clerk_a)
    r = c.post(f"/evaluation/enterprises/{ent_a.pk}/hte/?date={DAY}", {"transformations": "15"})
    assert r.status_code == 302
    assert ent_a.assessment_input.transformations == 15
    html = page(c, ent_a).content.decode()
    assert "近3年 15 项" in html
    # An enterprise cannot smuggle expert points through the form.
    r = c.post(f"/evaluation/enterprises/{ent_a.pk}/hte/?date={DAY}",
               {"transformations": "15", "expert_advancement": "8"})
    ent_a.assessment_input.refresh_from_db()
    assert ent_a.assessment_input.expert == {}


def test_tsme_self_assessment_page(client_as, clerk_a, ent_a):
    from .conftest import add_annual, add_ip

    add_annual(ent_a, 2025)
    add_ip(ent_a)
    html = page(client_as(clerk_a), ent_a, kind="tsme").content.decode()
    assert "《科技型中小企业评价办法》第六条（二）" in html and "500人" in html
    assert "符合条件" in html


def test_enterprise_page_offers_the_self_assessment_button(client_as, clerk_a, ent_a):
    html = client_as(clerk_a).get(f"/enterprises/{ent_a.pk}/").content.decode()
    assert f"/evaluation/enterprises/{ent_a.pk}/hte/" in html and "高企自评" in html


def test_menu_items_by_role(client_as, clerk_a, bureau):
    from kechuang.evaluation.nav import items

    assert [str(i["label"]) for i in items(bureau)] == ["企业评价", "培育库", "资质有效期"]
    assert [str(i["label"]) for i in items(clerk_a)] == ["高企自评"]


@pytest.mark.parametrize("kind", ["hte", "tsme"])
def test_self_assessment_outside_scope_answers_404(client_as, clerk_a, assistant_a, other_bureau, good,
                                                   town_b_good, kind):
    assert page(client_as(clerk_a), good, kind).status_code == 404
    assert page(client_as(assistant_a), town_b_good, kind).status_code == 404
    assert page(client_as(other_bureau), good, kind).status_code == 404
    r = client_as(assistant_a).post(f"/evaluation/enterprises/{town_b_good.pk}/hte/", {"transformations": "3"})
    assert r.status_code == 404
