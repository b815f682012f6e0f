"""Journey of a partner bank (yinhang): approve a risk-pool loan (风险池贷款), disburse it and record a
repayment.

The loan is applied for in the same run through the pages: the bureau (kjj) applies for a startup of its district
(the risk pool is for 创新型初创企业) to this bank and passes the first check; the bank then assesses, approves
(limit, rate, term), disburses and records the first repayment.
"""
from __future__ import annotations

import re

from .support import check_page, login, shot
from .support_b import actors, follow, pk_from, step, visit  # noqa: F401


def test_journey_bank(page, site, variant, actors):  # noqa: F811
    yinhang = page
    yinhang.on("dialog", lambda d: d.accept())
    login(yinhang, site, "yinhang")
    visit(yinhang, site, "/finance/", variant)
    bank = yinhang.locator("#bank-name").inner_text().strip()
    assert bank

    # The bureau applies on behalf of a startup (the risk pool's holders) found in the enterprise directory:
    # the directory filtered by 创新型初创企业备案, the enterprise's page, its "apply for a risk-pool loan" button.
    # A candidate that is refused (too old, or a loan already in review) shows its reasons; the bureau tries the next.
    kjj = actors("kjj")
    visit(kjj, site, "/enterprises/?qualification=startup", variant)
    candidates = kjj.locator("table tbody a[href*='/enterprises/']").evaluate_all("els => els.map(e => e.pathname)")
    assert candidates, "the demo has startups"
    loan, refusals = None, []
    for path in candidates[:15]:
        visit(kjj, site, path, variant)
        follow(kjj, kjj.locator("main a[href*='/finance/loans/?enterprise=']"), variant)
        assert kjj.locator("#id_enterprise").input_value() == path.strip("/").split("/")[-1], "pre-filled"
        kjj.locator("#id_bank").select_option(label=bank)
        kjj.locator("#id_amount").fill("800000")
        kjj.locator("#id_term_months").fill("12")
        kjj.locator("#id_purpose").fill("研发设备购置与流动资金")
        with kjj.expect_navigation():
            kjj.locator("form:has(#id_amount) button[type=submit]").click()
        check_page(kjj, variant)
        if re.search(r"/finance/loans/\d+/$", kjj.url):
            loan = pk_from(kjj.url, "loans")
            break
        reasons = kjj.locator("form:has(#id_amount) .error").all_inner_texts()
        assert reasons, f"a refused application says why ({kjj.url})"
        refusals.append(reasons)
    assert loan is not None, f"no startup could apply: {refusals}"

    # The bureau's first check, from its queue.
    visit(kjj, site, "/finance/loans/?status=submitted", variant)
    follow(kjj, kjj.locator(f"a[href$='/finance/loans/{loan}/']"), variant)
    step(kjj, variant, f"/do/loan/{loan}/check/")

    # 1. The bank finds the loan on its desk, assesses and approves it.
    yinhang.reload()
    check_page(yinhang, variant)
    follow(yinhang, yinhang.locator(f"table a[href$='/finance/loans/{loan}/']"), variant)
    step(yinhang, variant, f"/do/loan/{loan}/assess/")
    step(yinhang, variant, f"/do/loan/{loan}/approve/", {"limit": "800000", "rate": "3.65%", "term_months": "12"})
    assert yinhang.locator("dl.facts", has_text=re.compile(r"800,000\.00")).count() == 1
    assert yinhang.locator("dl.facts", has_text="3.65%").count() == 1

    # 2. Disbursement (the approved limit) and the first repayment of principal.
    step(yinhang, variant, f"/do/loan/{loan}/disburse/")
    step(yinhang, variant, f"/do/loan/{loan}/repay/", {"amount": "100000"})
    facts = yinhang.locator("dl.facts").inner_text()
    assert "700,000.00" in facts, f"balance after the repayment: {facts}"
    assert yinhang.locator("form[action$='/repay/']").count() == 1, "further repayments can be recorded"
    shot(yinhang, f"journey_bank_{variant}")
