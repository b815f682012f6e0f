"""Journey of a bureau officer (kjj): dashboard → a town → an enterprise → its HTE self-assessment → add it to a
cultivation-pool batch → generate the annual work summary and download it."""
from __future__ import annotations

import io
import re
import zipfile

from .support import check_page, login, shot

TOWN = "330212001"  # 下应街道, a town of the bureau's district
MAX_TRIES = 12      # enterprises looked at before one that can still join this year's batch


def test_journey_bureau(page, site, variant, tmp_path):
    login(page, site, "kjj")
    check_page(page, variant)

    # The dashboard (驾驶舱) from the main navigation; its charts carry a text alternative (check_page).
    page.locator("nav a[href='/indicators/']").first.click()
    page.wait_for_url(re.compile(r"/indicators/"))
    check_page(page, variant)
    assert page.locator("#kpi-cards li.kpi").count() >= 4, "the headline indicators are shown"
    assert page.locator("#towns-table tbody tr").count() > 10, "the district's towns are listed"

    # Drill down to a town, then to its enterprises.
    with page.expect_navigation():
        page.locator(f"#towns-table a[data-region='{TOWN}']").click()
    check_page(page, variant)
    assert f"region={TOWN}" in page.url
    assert page.locator("#dashboard-breadcrumb a").count() >= 1, "the breadcrumb leads back to the district"
    with page.expect_navigation():
        page.locator("#dashboard-enterprises").click()
    check_page(page, variant)
    assert f"town={TOWN}" in page.url
    links = page.locator("table tbody tr td a[href*='/enterprises/']")
    hrefs = [h for h in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
             if re.search(r"/enterprises/\d+/$", h)]
    assert hrefs, "the town has enterprises"

    # An enterprise → its HTE self-assessment → add it to the open cultivation-pool batch.
    added = None
    for href in hrefs[:MAX_TRIES]:
        page.goto(site.url + href)
        check_page(page, variant)
        name = page.locator("h1").first.inner_text().strip()
        with page.expect_navigation():
            page.locator(f"a[href$='/evaluation/enterprises/{href.strip('/').split('/')[-1]}/hte/']").first.click()
        check_page(page, variant)
        assert page.locator("#verdict-h, .error").count() >= 1, "the self-assessment shows a verdict or says why not"
        panel = page.locator("#pool-panel")
        assert panel.count() == 1, "the officer sees the enterprise's cultivation-pool status"
        if panel.locator("form").count():
            added = name
            break
    assert added, f"none of {len(hrefs[:MAX_TRIES])} enterprises could join this year's batch"
    note = panel.locator("form").first.get_by_label(re.compile(r"^(入库说明|Note.*)$"))
    note.fill("浏览器旅程测试：经实地走访，研发投入稳定增长")
    with page.expect_navigation():
        note.press("Enter")  # the form submits from the keyboard
    check_page(page, variant)
    assert re.search(r"/evaluation/pool/\d+/$", page.url), page.url
    assert page.locator(".messages li.success").count() == 1
    row = page.locator("table tbody tr", has_text=added)
    assert row.count() == 1, f"{added} is listed in the batch"
    assert row.locator(".badge.warn").count() == 1, "a new entry waits for a decision"

    # The annual work summary: ask for it, follow the job, download the DOCX.
    page.locator("nav a[href='/reports/']").first.click()
    page.wait_for_url(re.compile(r"/reports/$"))
    check_page(page, variant)
    form = page.locator("form", has=page.locator("input[name=kind][value=annual]"))
    last_year = str(int(form.locator("select[name=year] option").first.get_attribute("value")) - 1)
    form.get_by_label(re.compile(r"^(年度|Year)$")).select_option(last_year)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert re.search(r"/jobs/\d+/$", page.url), page.url
    download_link = page.locator("#job-status a.button.primary")
    download_link.wait_for(timeout=180_000)  # generation runs in the background; the page polls
    check_page(page, variant)
    assert page.locator("#job-status .error").count() == 0
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".docx"), download.suggested_filename
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data[:2] == b"PK", "a DOCX is a zip package"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    text = re.sub(r"<[^>]+>", "", xml)
    assert "鄞州区" in text and last_year in text, "the summary names the district and the year"
    assert len(text) > 2000, f"the summary has content ({len(text)} characters)"

    # Back on the reports page the new summary is listed with its download link.
    page.goto(site.url + "/reports/")
    check_page(page, variant)
    assert page.locator("table tbody tr a[href$='/docx/']").count() >= 1
    shot(page, f"journey_bureau_{variant}")
