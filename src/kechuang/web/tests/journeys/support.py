"""Page helpers for the browser journeys: log in, switch language, check a page, take a screenshot.

Every journey calls ``check_page(page, variant)`` on each page it visits and ``shot(page, name)`` on its last one.

User data in English pages (enterprise, town and person names, titles entered by users) may stay Chinese; the
templates mark it with ``lang="zh-CN"`` or ``translate="no"`` where it appears inside chrome (headings, labels,
buttons, navigation), and ``check_page`` skips text so marked.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "kechuang-demo"
LANG_CODES = {"zh": "zh-hans", "zh-hans": "zh-hans", "en": "en"}
HTML_LANG = {"zh-hans": "zh-CN", "en": "en"}
# Chinese characters (ideographs); full-width punctuation left in English by a template is tolerated.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
RAW = re.compile(r"\{\{|\{%|%\}|\}\}|\[object Object\]|\bundefined\b|\bNaN\b")
# Python's None on a Chinese page is a leaked repr; on an English page "None" may be the translation of 无.
RAW_ZH = re.compile(RAW.pattern + r"|\bNone\b")

# One pass in the page: everything check_page asserts, gathered as plain data.
_INSPECT = r"""
() => {
  const visible = el => {
    if (!el.getClientRects().length) return false;
    const st = getComputedStyle(el);
    return st.visibility !== 'hidden' && st.display !== 'none';
  };
  const userData = el => !!el.closest('[lang^="zh"]:not(html), [translate="no"]');
  const ownText = el => {
    // the element's text without the parts marked as user data
    let out = '';
    const walk = node => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) out += child.textContent;
        else if (child.nodeType === Node.ELEMENT_NODE) {
          if (child.matches('[lang^="zh"], [translate="no"], script, style, select, option, .sr-data')) continue;
          walk(child);
        }
      }
    };
    walk(el);
    return out.replace(/\s+/g, ' ').trim();
  };
  const described = el => {
    for (let n = el; n && n !== document.body; n = n.parentElement) {
      if (n.getAttribute('aria-hidden') === 'true') return 'hidden';
      const label = (n.getAttribute('aria-label') || '').trim();
      if (label || n.getAttribute('aria-labelledby')) return label || 'labelledby';
    }
    return '';
  };
  const nameOf = el => {
    const aria = (el.getAttribute('aria-label') || '').trim();
    if (aria) return aria;
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      const t = by.split(/\s+/).map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
      if (t) return t;
    }
    const labels = Array.from(el.labels || []).map(l => l.textContent.trim()).join(' ').trim();
    if (labels) return labels;
    return (el.getAttribute('title') || '').trim();
  };
  const fields = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type) || !visible(el)) continue;
    if (!nameOf(el)) fields.push(el.outerHTML.slice(0, 160));
  }
  const chrome = [];
  const sel = 'nav a, nav button, h1, h2, h3, h4, h5, h6, button, label, legend, summary, thead th, caption, ' +
              '.button, .errorlist li, [role=alert], input[type=submit], input[type=button]';
  for (const el of document.querySelectorAll(sel)) {
    if (!visible(el) || userData(el)) continue;
    const text = el.matches('input') ? (el.value || '') : ownText(el);
    if (text) chrome.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder]')) {
    if (visible(el) && !userData(el)) chrome.push(el.getAttribute('placeholder'));
  }
  const charts = [];
  for (const el of document.querySelectorAll('canvas, svg, [_echarts_instance_]')) {
    if (el.closest('[_echarts_instance_]') && !el.matches('[_echarts_instance_]')) continue;
    if (el.matches('svg') && (el.getAttribute('aria-hidden') === 'true' || el.closest('button, a'))) continue;
    if (!visible(el)) continue;
    if (!described(el)) charts.push(el.outerHTML.slice(0, 160));
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    text: document.body.innerText,
    fields, chrome, charts,
    lang: document.documentElement.lang,
    title: document.title,
  };
}
"""


def check_page(page, variant) -> dict:
    """Assert what every journey page must satisfy; return the gathered facts (for extra assertions)."""
    page.wait_for_load_state("load")
    facts = page.evaluate(_INSPECT)
    where = f"{page.url} [{variant}]"
    assert facts["scrollWidth"] <= facts["innerWidth"] + 1, (
        f"horizontal scrolling on {where}: scrollWidth {facts['scrollWidth']} > {facts['innerWidth']}; "
        f"widest: {_widest(page)}")
    pattern = RAW_ZH if variant.lang == "zh" else RAW
    raw = pattern.findall(facts["text"])
    assert not raw, f"raw template syntax or reprs {raw} on {where}: {_around(facts['text'], pattern)}"
    assert not facts["fields"], f"form fields without a label on {where}: {facts['fields']}"
    assert not facts["charts"], f"charts without a text alternative on {where}: {facts['charts']}"
    expected = HTML_LANG[LANG_CODES[variant.lang]]
    assert facts["lang"] == expected, f"page language {facts['lang']!r}, expected {expected!r} on {where}"
    if variant.lang == "en":
        chinese = [t for t in facts["chrome"] if CJK.search(t)]
        assert not chinese, f"untranslated chrome on {where}: {chinese[:12]}"
        title = CJK.sub("", facts["title"])
        assert title.strip(" ·-"), f"untranslated title {facts['title']!r} on {where}"
    return facts


def _around(text: str, pattern: re.Pattern, width: int = 60) -> str:
    m = pattern.search(text)
    return text[max(0, m.start() - width): m.end() + width].replace("\n", " ⏎ ") if m else ""


def _widest(page) -> list[str]:
    """The elements that stick out to the right (for the failure message)."""
    return page.evaluate("""() => {
      const w = window.innerWidth, out = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > w + 1 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > w + 1))
          out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} right=${Math.round(r.right)}`);
        if (out.length > 8) break;
      }
      return out;
    }""")


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("KECHUANG_SCREENSHOTS") or Path(tempfile.gettempdir()) / "kechuang-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shot(page, name: str) -> Path:
    """Save a full-page PNG of the current page as <KECHUANG_SCREENSHOTS>/<name>.png and return its path."""
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def set_language(page, site, lang: str) -> None:
    """Choose the language with the site's own switch (the header's select); Chinese is the default."""
    code = LANG_CODES[lang]
    if not page.url.startswith(site.url):
        page.goto(site.url + "/")
    current = page.evaluate("document.documentElement.lang")
    if current == HTML_LANG[code]:
        return
    with page.expect_navigation():
        page.select_option("#lang-select", code)
    assert page.evaluate("document.documentElement.lang") == HTML_LANG[code], f"language switch to {lang} failed"


def login(page, site, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form with the keyboard; assert the user is signed in."""
    page.goto(site.url + "/accounts/login/")
    page.get_by_label(re.compile(r"^(用户名|Username)$")).fill(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url, f"login of {username} failed: {page.url}"
    assert page.locator("form[action$='/accounts/logout/'] button").count() == 1, f"{username} is not signed in"


def logout(page) -> None:
    with page.expect_navigation():
        page.locator("form[action$='/accounts/logout/'] button").click()


def goto(page, site, path: str, variant=None):
    """Open a path of the site; check the page when a variant is given; return the response."""
    response = page.goto(site.url + path)
    if variant is not None:
        check_page(page, variant)
    return response
