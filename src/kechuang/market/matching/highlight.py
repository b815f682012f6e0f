"""Explainability helpers: find matched terms in the original text and build an HTML-escaped snippet with
``<mark>`` around them. Everything from a record is escaped; only the ``<mark>`` tags are markup."""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable


# Characters whose NFKC form and lower-case form are exactly one character each (ASCII, CJK ideographs, CJK
# punctuation, full-width ASCII forms, common quotes and dashes). Text made only of them needs no per-character
# mapping; anything else (ligatures, ㎡, "…", combining accents, half-width kana) takes the slow, exact path.
_ONE_TO_ONE_CHARS = ("\x00-\x7f\u3400-\u4dbf\u4e00-\u9fff\u3000-\u3003\u3008-\u3011\u3014-\u301f"
                     "\uff01-\uff5e\u2014\u2018\u2019\u201c\u201d\u00b7")
_ONE_TO_ONE = re.compile(f"[{_ONE_TO_ONE_CHARS}]*")
_OTHER = re.compile(f"[^{_ONE_TO_ONE_CHARS}]")


def _normalized_with_map(text: str) -> tuple[str, list[int]]:
    """NFKC+lower-case ``text`` one character at a time, remembering each output char's source index."""
    if _ONE_TO_ONE.fullmatch(text):  # the usual Chinese text: NFKC + lower-case map char to char
        return unicodedata.normalize("NFKC", text).lower(), list(range(len(text)))
    # runs of one-to-one characters in one go, the other characters one at a time (same result, far fewer calls)
    out: list[str] = []
    origin: list[int] = []
    pos = 0
    for m in _OTHER.finditer(text):
        i = m.start()
        if i > pos:
            out.append(unicodedata.normalize("NFKC", text[pos:i]).lower())
            origin.extend(range(pos, i))
        n = unicodedata.normalize("NFKC", text[i]).lower()
        out.append(n)
        origin.extend([i] * len(n))
        pos = i + 1
    if pos < len(text):
        out.append(unicodedata.normalize("NFKC", text[pos:]).lower())
        origin.extend(range(pos, len(text)))
    return "".join(out), origin


def find_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans in ``text`` where any of the (normalised) ``terms`` occurs;
    longer terms win, then earlier terms (deterministic). ASCII terms only match on word boundaries."""
    norm, origin = _normalized_with_map(text)
    spans: list[tuple[int, int]] = []
    taken = [False] * len(norm)
    for term in sorted(dict.fromkeys(t for t in terms if t), key=len, reverse=True):  # ties: the terms' order
        start = 0
        ascii_term = term.isascii()
        while True:
            j = norm.find(term, start)
            if j < 0:
                break
            k = j + len(term)
            start = j + 1
            if ascii_term and ((j > 0 and norm[j - 1].isascii() and norm[j - 1].isalnum())
                               or (k < len(norm) and norm[k].isascii() and norm[k].isalnum())):
                continue
            if any(taken[j:k]):
                continue
            for x in range(j, k):
                taken[x] = True
            spans.append((origin[j], origin[k - 1] + 1))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:  # adjacent matches (水运|工程) become one mark
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """HTML-escape ``text[start:end]`` and wrap ``spans`` in ``<mark>``."""
    end = len(text) if end is None else end
    parts: list[str] = []
    pos = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        if a < pos:
            continue
        parts.append(html.escape(text[pos:a]))
        parts.append("<mark>" + html.escape(text[a:b]) + "</mark>")
        pos = b
    parts.append(html.escape(text[pos:end]))
    return "".join(parts)


def snippet(text: str, terms: Iterable[str], width: int = 120) -> str:
    """The ``width``-character window of ``text`` with the most matched characters, escaped and marked;
    an ellipsis shows where the window cuts the text."""
    text = text or ""
    spans = find_spans(text, terms)
    if len(text) <= width:
        return mark(text, spans)
    best_start, best_cover = 0, -1
    for a, _ in spans:  # candidate windows start a little before each match
        s = max(0, min(a - width // 6, len(text) - width))
        cover = sum(min(b, s + width) - max(x, s) for x, b in spans if b > s and x < s + width)
        if cover > best_cover:
            best_start, best_cover = s, cover
    start, end = best_start, best_start + width
    out = mark(text, spans, start, end)
    return ("…" if start > 0 else "") + out + ("…" if end < len(text) else "")
