"""Journey of an enterprise (qiye): a technical problem becomes a registered technology contract, then the
enterprise gets an innovation voucher and orders a service with it.

Other people act in their own browser contexts, all through the pages: the bureau (kjj) publishes the problem,
a technology broker (jingjiren) routes it to the expert (zhuanjia) from the explained matches, the expert
answers, the enterprise selects the answer, the broker turns the deal into a contract and the bureau registers
it; the bureau then approves the enterprise's voucher application.
"""
from __future__ import annotations

import datetime as dt
import re

from .support import check_page, login, shot
from .support_b import actors, accept_dialogs, follow, issue_voucher, pk_from, place_order, step, suffix, visit  # noqa: F401


def test_journey_enterprise(page, site, variant, actors):  # noqa: F811
    tag = suffix()
    qiye = page
    accept_dialogs(qiye)
    login(qiye, site, "qiye")
    kjj, broker, expert = actors("kjj"), actors("jingjiren"), actors("zhuanjia")

    # The expert's published profile: its keywords make the problem one the expert is matched to.
    visit(expert, site, "/market/mine/", variant)
    follow(expert, expert.locator("main a[href*='/market/experts/']").first, variant)
    expert_pk = pk_from(expert.url, "experts")
    keywords = [k for k in re.split(r"[，,、;；\s]+", expert.locator("#expert-keywords").inner_text()) if k and k != "—"]
    assert keywords, "the demo expert has keywords"

    # 1. The enterprise posts a technical problem and submits it for review.
    visit(qiye, site, "/market/mine/", variant)
    follow(qiye, qiye.locator("main a[href$='/market/demands/new/']").first, variant)
    title = f"{keywords[0]}技术难题-{tag}"
    qiye.get_by_label(re.compile(r"^(难题名称|Challenge Title) \*$")).fill(title)
    qiye.locator("#f-description").fill(
        f"我司产品在{'、'.join(keywords)}方面遇到技术瓶颈，希望与专家合作研究{keywords[0]}的解决方案。")
    qiye.locator("#f-budget").fill("30")
    qiye.locator("#f-keywords").fill("，".join(keywords))
    follow(qiye, qiye.locator("form button[name=submit]"), variant)
    demand = pk_from(qiye.url, "demands")
    assert qiye.locator("h1 .status-review").count() == 1, "submitted for review"

    # 2. The bureau reviews it from its queue and publishes it.
    visit(kjj, site, "/market/review/", variant)
    follow(kjj, kjj.locator(f"main a[href$='/market/demands/{demand}/']"), variant)
    step(kjj, variant, f"/market/demands/{demand}/do/approve/")
    assert kjj.locator("h1 .status-published").count() == 1

    # 3. The enterprise sees the explained matches: rank, score, matched terms, highlighted snippets.
    qiye.reload()
    check_page(qiye, variant)
    follow(qiye, qiye.locator(f"main a[href$='/market/demands/{demand}/match/']"), variant)
    hits = qiye.locator("ol.hits > li")
    assert hits.count() > 0
    assert qiye.locator("ol.hits .terms .badge").count() > 0, "matched terms are shown"
    assert qiye.locator("ol.hits .score").count() > 0, "scores are shown"
    assert qiye.locator(f"ol.hits a[href$='/market/experts/{expert_pk}/']").count() == 1, "the expert is proposed"

    # 4. The broker routes the problem to the expert from the same matches.
    visit(broker, site, f"/market/demands/{demand}/match/", variant)
    broker.locator(f"input[name=experts][value='{expert_pk}']").check()
    follow(broker, broker.locator(f"form[action$='/market/demands/{demand}/route/'] button[type=submit]"), variant)

    # 5. The expert answers it from the workspace.
    visit(expert, site, "/market/mine/", variant)
    follow(expert, expert.locator("main li", has_text=title).locator("a[href*='/answer/']"), variant)
    # With the keyboard only: the labelled first field, then Tab from field to field and Enter on the button.
    expert.get_by_label(re.compile(r"^(方案摘要|Solution Summary) \*$")).focus()
    expert.keyboard.type(f"{keywords[0]}联合攻关方案-{tag}")
    for text in ("分三步：现状测试与机理分析；工艺与配方优化；中试验证与交付技术报告。", "25", "90"):
        expert.keyboard.press("Tab")
        expert.keyboard.type(text)
    expert.keyboard.press("Tab")
    assert expert.evaluate("document.activeElement.type") == "submit", "Tab reaches the submit button"
    with expert.expect_navigation():
        expert.keyboard.press("Enter")
    check_page(expert, variant)
    assert re.search(rf"/market/demands/{demand}/$", expert.url), expert.url

    # 6. The enterprise receives the answer and selects it.
    qiye.goto(f"{site.url}/market/demands/{demand}/")
    check_page(qiye, variant)
    answer = qiye.locator("section.card", has_text=f"联合攻关方案-{tag}")
    assert answer.count() == 1, "the expert's answer reached the enterprise"
    with qiye.expect_navigation():
        answer.locator("form[action$='/do/select/'] button").click()
    check_page(qiye, variant)
    assert qiye.locator("section.card .status-selected").count() == 1

    # 7. The broker opens the deal and signs the contract; the bureau accepts and registers it.
    broker.goto(f"{site.url}/market/demands/{demand}/")
    check_page(broker, variant)
    follow(broker, broker.locator("form[action$='/market/deals/new/'] button"), variant)
    follow(broker, broker.locator("main a[href$='/contract/']"), variant)
    broker.locator("#f-type").select_option("development")
    broker.locator("#f-contract_total").fill("25")
    broker.locator("#f-tech_amount").fill("22")
    broker.locator("#f-signed_on").fill(dt.date.today().isoformat())
    follow(broker, broker.locator("form button[type=submit].primary"), variant)
    contract = pk_from(broker.url, "contracts")

    visit(kjj, site, "/market/mine/", variant)
    follow(kjj, kjj.locator(f"main a[href$='/market/contracts/{contract}/']"), variant)
    step(kjj, variant, f"/market/contracts/{contract}/do/accept/")
    step(kjj, variant, f"/market/contracts/{contract}/do/register/",
         {"registration_no": f"3302120{tag}", "registration_date": dt.date.today().isoformat()})
    assert kjj.locator("h1 .status-registered").count() == 1

    # The enterprise finds the registered contract in its workspace.
    visit(qiye, site, "/market/mine/", variant)
    follow(qiye, qiye.locator(f"main a[href$='/market/contracts/{contract}/']"), variant)
    assert qiye.locator("h1 .status-registered").count() == 1

    # 8. An innovation voucher, and an order with the demo service agency.
    visit(jigou := actors("jigou"), site, "/finance/", variant)
    agency = jigou.locator("#agency-name").inner_text().strip()
    issue_voucher(qiye, kjj, site, variant, amount="10000", purpose=f"{title}的检测服务")
    order = place_order(qiye, variant, agency=agency, service=f"样品检测-{tag}", fee="8000")
    assert qiye.locator("h1").inner_text().strip(), order
    assert qiye.locator("main", has_text=f"样品检测-{tag}").count() == 1
    shot(qiye, f"journey_enterprise_{variant}")
