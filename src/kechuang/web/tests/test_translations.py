"""The English catalog (locale/en/LC_MESSAGES/django.po): complete, not fuzzy, placeholders intact, compiled.

Source strings are Chinese; English is the second language. These tests fail when an entry of the English
catalog is untranslated or fuzzy (Django ignores fuzzy entries), when a translation loses, adds or renames a
placeholder (%(name)s, %s, {name}) or an HTML tag, when a python-format translation has a stray "%", when the
committed django.mo does not match django.po, and (where GNU gettext is installed) when the sources hold a
translatable string that the catalog lacks: run makemessages, translate, compilemessages.

The .po parser is a small one of our own; the project does not depend on polib.
"""
from __future__ import annotations

import ast
import gettext as gnu_gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[2]          # src/kechuang
LC_MESSAGES = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# The same invocation as the translators use (see the catalog's history): the pure engines' Chinese messages
# are data, not UI, and tests are not translated.
MAKEMESSAGES_IGNORE = ["*/tests/*", "*/engine/*", "*/matching/*"]

# Named (%(name)s) and positional (%s) printf conversions, as Python's % operator reads them.
PRINTF = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conv>[diouxXeEfFgGcrsa%])")
BRACE = re.compile(r"(?<!\{)\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)?(?:[!:][^{}]*)?\}(?!\})")
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\b[^<>]*>")
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)   # index -> text; a singular entry uses index 0
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False
    line: int = 0

    @property
    def where(self) -> str:
        refs = " ".join(self.references[:2]) or f"django.po:{self.line}"
        return f"{self.msgid!r} ({refs})"


def _unquote(token: str, path: Path, lineno: int) -> str:
    token = token.strip()
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise ValueError(f"{path}:{lineno}: expected a quoted string, got {token!r}")
    # PO strings use C escapes, which Python's string literal syntax covers for everything gettext writes.
    return ast.literal_eval(token)


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, the header (msgid "") included as the first one."""
    entries: list[Entry] = []
    cur = Entry()
    target: tuple[str, int] | None = None   # which string continuation lines extend
    started = False

    def finish():
        nonlocal cur, started, target
        if started:
            entries.append(cur)
        cur, started, target = Entry(), False, None

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if not line or line.startswith("#"):
                continue
        elif line.startswith("#"):
            if started and target is not None:      # a comment after strings starts a new entry
                finish()
            if line.startswith("#,"):
                cur.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            elif line.startswith("#:"):
                cur.references.extend(line[2:].split())
            continue
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{lineno}: string continuation without a keyword")
            text = _unquote(line, path, lineno)
            kind, idx = target
            if kind == "msgstr":
                cur.msgstr[idx] += text
            else:
                setattr(cur, kind, (getattr(cur, kind) or "") + text)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and started and target is not None and target[0] == "msgstr":
            finish()                                    # no blank line between two entries
        if not started:
            cur.line = lineno
        started = True
        cur.obsolete = cur.obsolete or obsolete
        text = _unquote(rest, path, lineno)
        m = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(cur, keyword, text)
            target = (keyword, 0)
        elif keyword == "msgstr" or m:
            idx = int(m.group(1)) if m else 0
            cur.msgstr[idx] = text
            target = ("msgstr", idx)
        else:
            raise ValueError(f"{path}:{lineno}: unknown keyword {keyword!r}")
    finish()
    return entries


def _split(entries: list[Entry]) -> tuple[Entry, list[Entry]]:
    live = [e for e in entries if not e.obsolete]
    headers = [e for e in live if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, "the catalog must have exactly one header entry"
    return headers[0], [e for e in live if e is not headers[0]]


def _header_fields(header: Entry) -> dict[str, str]:
    out = {}
    for line in header.msgstr.get(0, "").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def placeholders(text: str, flags: set[str]) -> dict[str, Counter]:
    """What must survive translation: printf conversions, brace fields and HTML tags."""
    out: dict[str, Counter] = {"printf": Counter(), "brace": Counter(), "tags": Counter()}
    if "python-format" in flags or "c-format" in flags:
        for m in PRINTF.finditer(text):
            if m.group("conv") == "%":
                continue
            # A named field may be used any number of times; positional ones must match one for one.
            name = m.group("name")
            if name is not None:
                out["printf"][f"%({name}){m.group('conv')}"] = 1
            else:
                out["printf"][f"%{m.group('conv')}"] += 1
    if "python-brace-format" in flags:
        for m in BRACE.finditer(text):
            if m.group("name"):
                out["brace"][m.group(0)] = 1
            else:
                out["brace"][m.group(0)] += 1
    out["tags"].update(re.sub(r"\s+", " ", t) for t in TAG.findall(text))
    return out


def stray_percent(text: str) -> bool:
    """True if a python-format string holds a '%' that is not a complete conversion (or a '%%')."""
    return "%" in PRINTF.sub("", text)


@pytest.fixture(scope="module")
def catalog() -> list[Entry]:
    assert PO_PATH.is_file(), f"missing English catalog {PO_PATH}"
    _, entries = _split(parse_po(PO_PATH))
    assert entries, "the English catalog is empty"
    return entries


def test_header_is_english_utf8_and_not_fuzzy():
    header, _ = _split(parse_po(PO_PATH))
    assert "fuzzy" not in header.flags, "the catalog header is marked fuzzy"
    fields = _header_fields(header)
    assert fields.get("Language") == "en"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms", "").startswith("nplurals=2;")


def test_no_fuzzy_entries(catalog):
    fuzzy = [e.where for e in catalog if "fuzzy" in e.flags]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries (Django ignores them); fix and drop the flag:\n" + "\n".join(fuzzy)


def test_every_entry_is_translated(catalog):
    missing = []
    for e in catalog:
        forms = [0, 1] if e.msgid_plural is not None else [0]
        if any(not e.msgstr.get(i, "").strip() for i in forms):
            missing.append(e.where)
    assert not missing, f"{len(missing)} untranslated entries:\n" + "\n".join(missing)


def test_translations_are_not_left_in_chinese(catalog):
    chinese = [f"{e.where} -> {s!r}" for e in catalog for s in e.msgstr.values() if CHINESE.search(s)]
    assert not chinese, "translations that still contain Chinese:\n" + "\n".join(chinese)


def test_placeholders_and_tags_are_kept(catalog):
    bad = []
    for e in catalog:
        for idx, text in e.msgstr.items():
            source = e.msgid if idx == 0 or e.msgid_plural is None else e.msgid_plural
            want, got = placeholders(source, e.flags), placeholders(text, e.flags)
            if want != got:
                bad.append(f"{e.where} [{idx}]: {dict(want)} != {dict(got)} in {text!r}")
            elif "python-format" in e.flags and stray_percent(text):
                bad.append(f"{e.where} [{idx}]: stray '%' (write '%%') in {text!r}")
    assert not bad, "placeholders or HTML tags differ from the source:\n" + "\n".join(bad)


def test_python_format_translations_format(catalog):
    """Every python-format translation formats with the source's own fields (a crash here is a page crash)."""
    bad = []
    for e in catalog:
        if "python-format" not in e.flags:
            continue
        names = {m.group("name") for m in PRINTF.finditer(e.msgid) if m.group("name")}
        for text in e.msgstr.values():
            try:
                if names:
                    text % {n: 1 for n in names}
                else:
                    positional = sum(1 for m in PRINTF.finditer(text) if m.group("conv") != "%")
                    text % tuple([1] * positional)
            except (KeyError, ValueError, TypeError) as exc:
                bad.append(f"{e.where}: {text!r}: {exc}")
    assert not bad, "\n".join(bad)


def test_compiled_catalog_matches_po(catalog):
    assert MO_PATH.is_file(), "django.mo is missing: run `django-admin compilemessages` in src/kechuang"
    with MO_PATH.open("rb") as fh:
        compiled = gnu_gettext.GNUTranslations(fh)._catalog  # the raw table is what we compare
    stale = []
    for e in catalog:
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        if e.msgid_plural is None:
            if compiled.get(key) != e.msgstr.get(0):
                stale.append(e.where)
        elif any(compiled.get((key, i)) != text for i, text in e.msgstr.items()):
            stale.append(e.where)
    assert not stale, (f"django.mo is out of date for {len(stale)} entries: run `django-admin compilemessages`\n"
                       + "\n".join(stale[:20]))


def test_english_is_served_from_the_catalog():
    from django.utils import translation

    with translation.override("en"):
        assert translation.gettext("企业名录") == "Enterprises"
        assert translation.gettext("科技局") == "Science & Technology Bureau"
        assert translation.ngettext("%(n)s 项指标滞后于时间进度：", "%(n)s 项指标滞后于时间进度：", 1) % {"n": 1} \
            == "1 indicator is behind schedule:"
    with translation.override("zh-hans"):
        assert translation.gettext("企业名录") == "企业名录"


# The names under which makemessages (xgettext with Django's keywords) finds translatable strings in Python.
EXTRACTED_NAMES = {"_", "gettext", "ngettext", "gettext_noop", "gettext_lazy", "ngettext_lazy", "pgettext",
                   "npgettext", "pgettext_lazy", "npgettext_lazy"}


def _scanned_python_files():
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = "/" + path.relative_to(PACKAGE_DIR).as_posix()
        if any(Path(rel).match(p) or f"/{p.strip('*/')}/" in rel for p in MAKEMESSAGES_IGNORE):
            continue
        yield path


def test_translation_functions_keep_names_makemessages_knows():
    """`gettext_lazy as _lazy` works at run time but hides every string from makemessages: never translated."""
    bad = []
    for path in _scanned_python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    if alias.name in EXTRACTED_NAMES - {"_"} and (alias.asname or alias.name) not in EXTRACTED_NAMES:
                        bad.append(f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}: {alias.name} as {alias.asname}")
    assert not bad, ("translation functions imported under a name that makemessages does not extract "
                     "(use `_` or the function's own name):\n" + "\n".join(bad))


@pytest.mark.skipif(not (shutil.which("xgettext") and shutil.which("msgmerge")),
                    reason="GNU gettext (xgettext, msgmerge) is not installed")
def test_catalog_covers_every_source_string(tmp_path):
    """makemessages on a copy of the sources: every string it finds must already be translated here."""
    copy = tmp_path / "kechuang"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kechuang.settings"}
    cmd = [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete"]
    for pattern in MAKEMESSAGES_IGNORE:
        cmd.append(f"--ignore={pattern}")
    # Run inside the copy: makemessages writes to the `locale` folder of the tree it scans.
    done = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    # Strings the copy's run found and that the committed catalog does not translate.
    _, committed = _split(parse_po(PO_PATH))
    have = {(e.msgctxt, e.msgid, e.msgid_plural) for e in committed}
    _, fresh = _split(parse_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    new = [e.where for e in fresh if (e.msgctxt, e.msgid, e.msgid_plural) not in have]
    assert not new, (f"{len(new)} source strings are missing from the English catalog; run makemessages "
                     f"(see this test), translate them and run compilemessages:\n" + "\n".join(new))
