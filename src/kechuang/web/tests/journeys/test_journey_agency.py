"""Journey of a service agency (jigou): confirm an innovation-voucher order, deliver it and submit the
settlement claim (兑付申请) with its four documents.

The order it confirms is created in the same run through the pages: the enterprise (qiye) applies for a voucher,
the bureau (kjj) approves it and the enterprise orders a service from the agency with it.
"""
from __future__ import annotations

from .support import check_page, login, shot
from .support_b import actors, follow, issue_voucher, place_order, step, suffix, visit  # noqa: F401


def test_journey_agency(page, site, variant, actors):  # noqa: F811
    tag = suffix()
    jigou = page
    jigou.on("dialog", lambda d: d.accept())
    login(jigou, site, "jigou")
    visit(jigou, site, "/finance/", variant)
    agency = jigou.locator("#agency-name").inner_text().strip()
    assert agency

    # The order to confirm: a fresh voucher of the enterprise, spent on a testing service of this agency.
    qiye, kjj = actors("qiye"), actors("kjj")
    issue_voucher(qiye, kjj, site, variant, amount="10000", purpose=f"委托检测-{tag}")
    order = place_order(qiye, variant, agency=agency, service=f"材料性能检测-{tag}", fee="6000")

    # 1. The agency finds the new order on its desk and confirms it.
    jigou.reload()
    check_page(jigou, variant)
    row = jigou.locator("table tbody tr", has_text=f"材料性能检测-{tag}")
    assert row.count() == 1, "the new order is on the agency's desk"
    follow(jigou, row.locator(f"a[href$='/finance/orders/{order}/']"), variant)
    step(jigou, variant, f"/do/order/{order}/confirm/")
    assert jigou.locator("form[action$='/confirm/']").count() == 0

    # 2. The service is done.
    step(jigou, variant, f"/do/order/{order}/deliver/")

    # 3. The settlement claim: the actual fee and the four documents (here by reference number).
    claim = jigou.locator("form:has(#id_invoice_amount)")
    assert claim.count() == 1, "a delivered order offers the settlement claim"
    claim.locator("#id_invoice_amount").fill("6000")
    claim.locator("#id_contract_ref").fill(f"HT-{tag}")
    claim.locator("#id_invoice_ref").fill(f"FP-3302-{tag}")
    claim.locator("#id_payment_ref").fill(f"ZF-{tag}")
    claim.locator("#id_report_ref").fill(f"BG-{tag}")
    follow(jigou, claim.locator("button[type=submit]"), variant)
    assert jigou.url.endswith(f"/finance/orders/{order}/")
    claims = jigou.locator("section.card", has_text=f"FP-3302-{tag}")
    assert claims.count() == 1, "the claim and its documents are listed on the order"
    assert jigou.locator("form:has(#id_invoice_amount)").count() == 0, "a claimed order cannot be claimed again"
    shot(jigou, f"journey_agency_{variant}")
