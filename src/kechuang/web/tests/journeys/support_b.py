"""Helpers of the enterprise, agency and bank journeys (on top of support.py).

A journey plays several people at once: each extra user gets a browser context of its own (same viewport and
language as the variant), logged in through the login form. Buttons are found by the URL their form posts to
(``.../do/<action>/``), so the same code drives the Chinese and the English pages; every page is checked with
``check_page``.
"""
from __future__ import annotations

import re
import secrets

import pytest

from .support import check_page, login, set_language


def suffix() -> str:
    """A short random tag that makes a journey's titles unique (each variant run creates its own objects)."""
    return secrets.token_hex(3).upper()


class Actors:
    """One logged-in page per user name, created on first use and closed at the end of the test."""

    def __init__(self, browser, site, variant):
        self.browser, self.site, self.variant = browser, site, variant
        self._pages: dict[str, object] = {}
        self._contexts: list = []

    def __call__(self, username: str):
        if username not in self._pages:
            v = self.variant
            context = self.browser.new_context(
                viewport={"width": v.width, "height": v.height}, is_mobile=v.mobile, has_touch=v.mobile,
                device_scale_factor=1, locale="zh-CN" if v.lang == "zh" else "en-US", timezone_id="Asia/Shanghai")
            context.set_default_timeout(15_000)
            context.set_default_navigation_timeout(30_000)
            self._contexts.append(context)
            page = context.new_page()
            page.on("dialog", lambda d: d.accept())  # confirm() before money moves
            page.goto(self.site.url + "/")
            set_language(page, self.site, v.lang)
            login(page, self.site, username)
            self._pages[username] = page
        return self._pages[username]

    def close(self) -> None:
        for c in self._contexts:
            c.close()


@pytest.fixture
def actors(browser, site, variant):
    a = Actors(browser, site, variant)
    yield a
    a.close()


def accept_dialogs(page) -> None:
    page.on("dialog", lambda d: d.accept())


def visit(page, site, path: str, variant) -> None:
    """Open a path and check the page."""
    response = page.goto(site.url + path)
    assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
    check_page(page, variant)


def follow(page, locator, variant) -> None:
    """Click a link (or a submit button) that loads a new page, then check that page."""
    with page.expect_navigation() as nav:
        locator.click()
    response = nav.value
    assert response is not None and response.status < 400, f"HTTP {response and response.status} on {page.url}"
    assert_no_error(page)
    check_page(page, variant)


def step(page, variant, url_end: str, fields: dict | None = None) -> None:
    """Take a workflow step: fill the inputs of the form posting to ``...<url_end>`` and press its button."""
    form = page.locator(f"form[action$='{url_end}']")
    assert form.count() == 1, f"no single step form posting to …{url_end} on {page.url} ({form.count()})"
    for name, value in (fields or {}).items():
        form.locator(f"[name='{name}']").fill(str(value))
    follow(page, form.locator("button[type=submit]"), variant)


def assert_no_error(page) -> None:
    """No error message after a step (messages, field errors and form errors all use class 'error')."""
    errors = page.locator("ul.messages li.error, .field-error, p.error, ul.error li").all_inner_texts()
    assert not errors, f"the step was refused on {page.url}: {errors}"


def pk_from(url: str, kind: str) -> int:
    m = re.search(rf"/{kind}/(\d+)/", url)
    assert m, f"no /{kind}/<id>/ in {url}"
    return int(m.group(1))


def issue_voucher(qiye, kjj, site, variant, *, amount: str, purpose: str) -> str:
    """The enterprise applies for an innovation voucher and the bureau approves it; returns the grant's path."""
    visit(qiye, site, "/finance/", variant)
    follow(qiye, qiye.locator("nav.subnav a[href$='/finance/applications/']"), variant)
    qiye.locator("#id_amount").fill(amount)
    qiye.locator("input[name=categories][value=testing]").check()
    qiye.locator("#id_purpose").fill(purpose)
    follow(qiye, qiye.locator("form:has(#id_amount) button[type=submit]"), variant)
    app = pk_from(qiye.url, "applications")

    # The bureau finds the application in its queue and approves it (a grant is issued from the budget).
    visit(kjj, site, "/finance/applications/?status=submitted", variant)
    follow(kjj, kjj.locator(f"a[href$='/finance/applications/{app}/']").first, variant)
    step(kjj, variant, f"/do/application/{app}/approve/")
    grant_link = kjj.locator("dl.facts a[href*='/finance/grants/']")
    path = grant_link.get_attribute("href")
    assert path and re.search(r"/finance/grants/\d+/$", path), path

    # The enterprise sees its new voucher on the application page.
    qiye.reload()
    check_page(qiye, variant)
    follow(qiye, qiye.locator(f"main a[href$='{path}']").first, variant)
    return path


def place_order(qiye, variant, *, agency: str, service: str, fee: str) -> int:
    """On its voucher's page the enterprise orders a service from the agency; returns the order id."""
    qiye.locator("#id_agency").select_option(label=agency)
    qiye.locator("#id_category").select_option("testing")
    qiye.locator("#id_service").fill(service)
    qiye.locator("#id_fee").fill(fee)
    follow(qiye, qiye.locator("form:has(#id_fee) button[type=submit]"), variant)
    return pk_from(qiye.url, "orders")
