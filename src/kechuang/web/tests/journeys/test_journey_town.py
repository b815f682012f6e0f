"""Journey of a town assistant (zhuli, 下应街道): fill in a tech-service monthly report (科技服务业月报) for an
enterprise of the town, submit it with a mistake, read the message, correct it and submit; the assistant sees only
their own town (another town's enterprise is not listed and its pages answer 404)."""
from __future__ import annotations

import re
from decimal import Decimal

from .support import check_page, login, shot

OTHER_TOWN = "330212002"  # 钟公庙街道, another town of the same district
MONEY = ("operating_revenue", "value_added", "rd_expense")


def _other_town_enterprise(browser, site) -> tuple[str, str]:
    """What the bureau sees: an enterprise of another town (its name and page path)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        login(page, site, "kjj")
        page.goto(f"{site.url}/enterprises/?town={OTHER_TOWN}")
        link = page.locator("table tbody tr td a[href*='/enterprises/']").first
        return link.inner_text().strip(), link.get_attribute("href")
    finally:
        context.close()


def _number(text: str) -> Decimal | None:
    text = text.replace(",", "").strip()
    return Decimal(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else None


def test_journey_town(page, site, browser, variant):
    other_name, other_path = _other_town_enterprise(browser, site)
    clerk_enterprise = site.logins.get("qiye", {}).get("note")  # left for the enterprise's own journey

    login(page, site, "zhuli")
    check_page(page, variant)

    # Only their own town: the other town's enterprise is neither listed nor reachable.
    page.locator("nav a[href='/enterprises/']").first.click()
    page.wait_for_url(re.compile(r"/enterprises/"))
    check_page(page, variant)
    listed = page.locator("table tbody tr td a[href*='/enterprises/']").all_inner_texts()
    assert listed, "the town's enterprises are listed"
    assert other_name not in listed
    response = page.goto(site.url + other_path)
    assert response.status == 404, f"another town's enterprise answers {response.status}"
    check_page(page, variant)

    # The monthly reports: the newest task's progress in the town.
    page.goto(site.url + "/")
    page.locator("nav a[href='/indicators/reports/']").first.click()
    page.wait_for_url(re.compile(r"/indicators/reports/$"))
    check_page(page, variant)
    task_links = page.locator("#tasks-table a[href*='/indicators/reports/tasks/']")
    assert task_links.count() > 0
    chosen = None
    for href in task_links.evaluate_all("els => els.map(e => e.getAttribute('href'))")[:4]:
        page.goto(site.url + href)
        check_page(page, variant)
        rows = page.locator("#task-enterprises tbody tr")
        towns = set(page.locator("#task-enterprises tbody tr td:nth-child(2)").all_inner_texts())
        assert len(towns) == 1, f"only the assistant's town is listed: {towns}"
        assert other_name not in page.locator("#task-enterprises").inner_text()
        for i in range(rows.count()):
            row = rows.nth(i)
            name = row.locator("td").first.inner_text().strip()
            fill = row.locator("a[href*='/enterprises/']")
            nothing_yet = row.locator("td:nth-child(4)").inner_text().strip() == "—"
            if name != clerk_enterprise and fill.count() and nothing_yet:
                chosen = (href, name, fill.get_attribute("href"))
                break
        if chosen:
            break
    assert chosen, "a task of the town still waits for a report"
    task_href, name, form_href = chosen

    # The same form path for the other town's enterprise answers 404.
    other_pk = re.search(r"/enterprises/(\d+)/", other_path).group(1)
    response = page.goto(site.url + re.sub(r"/enterprises/\d+/$", f"/enterprises/{other_pk}/", form_href))
    assert response.status == 404
    check_page(page, variant)

    # Fill in the report with a mistake: a negative R&D expense.
    page.goto(site.url + form_href)
    check_page(page, variant)
    compare = {}
    for row, field in zip(page.locator("#report-compare tbody tr").all(), MONEY[:2] + ("staff", "rd_expense")):
        cells = row.locator("td").all_inner_texts()
        compare[field] = [v for v in (_number(cells[1]), _number(cells[2])) if v is not None]
    values = {}
    for field in MONEY:
        base = max(compare[field], default=Decimal(800 if field == "operating_revenue" else 60))
        values[field] = str((base * Decimal("1.12")).quantize(Decimal("0.01")))
    values["staff"] = str(int(max(compare["staff"], default=Decimal(120))))
    for field, value in values.items():
        page.locator(f"#f-{field}").fill(value)
    page.locator("#f-rd_expense").fill("-" + values["rd_expense"])
    page.locator("#f-explanation").fill("本月新签技术服务合同增加，营业收入增长较快。")
    with page.expect_navigation():
        page.locator("#report-form button[value=submit]").click()
    check_page(page, variant)
    issues = page.locator("#report-issues")
    assert issues.count() == 1, "the checks are shown"
    message = issues.inner_text()
    assert re.search(r"研发费用|R&D", message), message
    assert re.search(r"负数|negative", message, re.I), message
    field = page.locator("#f-rd_expense")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "e-rd_expense"
    assert page.locator("#e-rd_expense").inner_text().strip()
    assert page.locator("#f-operating_revenue").input_value() == values["operating_revenue"], "input is kept"

    # Correct it and submit with the keyboard.
    field.fill(values["rd_expense"])
    page.locator("#report-form button[value=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, variant)
    assert page.locator("#report-issues .error").count() == 0
    assert page.locator(".messages li.success").count() == 1
    assert page.locator("#report-status").inner_text().strip() in ("已报送", "Submitted")

    # Back on the task: the enterprise now counts as reported.
    page.goto(site.url + task_href)
    check_page(page, variant)
    row = page.locator("#task-enterprises tbody tr", has_text=name)
    assert _number(row.locator("td:nth-child(4)").inner_text()) is not None
    shot(page, f"journey_town_{variant}")
