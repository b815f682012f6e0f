"""Journey of a public visitor: search the achievements library without logging in and open a result."""
from __future__ import annotations

import re

from .support import check_page, shot

KEYWORD = re.compile(r"^(关键词|Keyword|Keywords)$")


def test_journey_public(page, site, variant):
    # The public home page offers the marketplace without logging in.
    check_page(page, variant)
    assert page.locator("form[action$='/accounts/logout/']").count() == 0
    page.get_by_role("link", name=re.compile(r"^(科技大市场|Technology Market(place)?)$")).first.click()
    check_page(page, variant)

    # The achievements library (成果库).
    page.locator("a[href$='/market/achievements/']").first.click()
    check_page(page, variant)
    rows = page.locator("table tbody tr a[href*='/market/achievements/']")
    assert rows.count() > 0, "the library lists published achievements to anonymous visitors"

    # Search it with the keyboard: type a keyword in the labelled field and press Enter.
    field = page.get_by_label(KEYWORD)
    field.focus()
    page.keyboard.type("材料")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=" in page.url
    check_page(page, variant)
    results = page.locator("table tbody tr a[href*='/market/achievements/']")
    assert results.count() > 0, "a common keyword finds achievements"
    titles = results.all_inner_texts()
    first_title = titles[0].strip()

    # Open the first result.
    with page.expect_navigation():
        results.first.click()
    assert re.search(r"/market/achievements/\d+/$", page.url), page.url
    check_page(page, variant)
    assert page.locator("h1").first.inner_text().strip().startswith(first_title)
    assert page.locator("form[action$='/accounts/logout/']").count() == 0, "still anonymous"
    shot(page, f"journey_public_{variant}")
