"""Chinese/mixed-script tokenisation for the matching engine (pure Python, no Django).

Two analysers over the same normalised text:

* ``words(text)`` — rjieba word segmentation (search mode, so 姿态控制 also yields 姿态 and 控制), stopwords and
  punctuation dropped, ASCII/Latin terms lower-cased (``Lyapunov`` → ``lyapunov``, ``MRP`` → ``mrp``).
* ``bigrams(text)`` — overlapping character bigrams inside each run of CJK characters (a lone character stays a
  unigram), Latin/digit runs as whole lower-cased terms. Robust against segmentation errors and unknown words.

Normalisation is NFKC (full-width letters, digits and punctuation become their ASCII forms) and lower-casing.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import rjieba

# Function words and boiler-plate of abstracts/requirements. Deliberately short: BM25's IDF already discounts
# frequent words; this list only removes words that carry no topic at all.
STOPWORDS_ZH = frozenset(
    """
    的 了 和 与 及 或 等 在 对 是 为 中 以 于 将 被 把 从 由 并 而 且 其 之 也 就 都 又 还 这 那 该 此 各 每 本 我 我们 你 他 她 它
    有 无 不 没有 可 可以 能 能够 会 要 需要 应 应该 所 所以 因为 因此 但 但是 如果 通过 进行 采用 利用 使用 根据 按照 具有
    一个 一种 一些 这些 那些 这种 其中 以及 并且 或者 而且 同时 然后 之后 之前 以上 以下 方面 问题 情况 主要 相关 一定 较 更 最
    很 非常 已 已经 正在 上 下 内 外 后 前 时 里 个 种 些 着 过 给 向 让 使 得 地 到 至 即 则 若 如 如何 什么 哪些 怎样 怎么
    本文 文中 文章 结果 表明 结果表明 研究 提出 探讨 分析 发现 认为 目的 方法 结论 基于 为了 关于 对于 通过对 进一步 有效 显著
    我司 公司 企业 希望 寻求 求 需求 急需 拟 欲 想 合作 解决
    """.split()
)
STOPWORDS_EN = frozenset(
    """
    a an the and or of in on for to with by from at as is are was were be been this that these those it its
    we our us based using use via into than then can which not no
    """.split()
)
STOPWORDS = STOPWORDS_ZH | STOPWORDS_EN

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_LATIN_RUN = re.compile(r"[a-z0-9\u00c0-\u024f\u0370-\u03ff]+(?:[.\-+][a-z0-9\u00c0-\u024f\u0370-\u03ff]+)*")
_TOKEN_SPLIT = re.compile(f"([{_CJK}]+|[a-z0-9\u00c0-\u024f\u0370-\u03ff]+(?:[.\\-+][a-z0-9\u00c0-\u024f\u0370-\u03ff]+)*)")
_HAS_WORD_CHAR = re.compile(f"[{_CJK}a-z0-9\u00c0-\u024f\u0370-\u03ff]")
_PURE_NUMBER = re.compile(r"^[0-9.\-+]+$")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


_KEEP_SET: set[str] = set()   # memo of tokens already classified (bounded)
_DROP_SET: set[str] = set()


def _keep(tok: str) -> bool:
    if tok in _KEEP_SET:
        return True
    if tok in _DROP_SET:
        return False
    r = _keep_uncached(tok)
    if len(_KEEP_SET) + len(_DROP_SET) < 1_000_000:
        (_KEEP_SET if r else _DROP_SET).add(tok)
    return r


def _keep_uncached(tok: str) -> bool:
    if not tok or tok in STOPWORDS:
        return False
    if not _HAS_WORD_CHAR.search(tok):
        return False
    if _PURE_NUMBER.match(tok) and len(tok) < 3:  # "2", "10": noise; keep "2019", "5g" is not pure
        return False
    return True


def words(text: str, *, normalized: bool = False) -> list[str]:
    """rjieba search-mode words, stopwords removed, Latin lower-cased."""
    if not normalized:
        text = normalize(text)
    ks, keep = _KEEP_SET, _keep
    return [t for t in rjieba.cut_for_search(text) if t in ks or keep(t)]


def bigrams(text: str, *, normalized: bool = False) -> list[str]:
    """Overlapping CJK character bigrams plus whole Latin/digit terms."""
    if not normalized:
        text = normalize(text)
    out: list[str] = []
    for m in _TOKEN_SPLIT.finditer(text):
        run = m.group(0)
        if _CJK_RUN.fullmatch(run):
            if len(run) == 1:
                if run not in STOPWORDS:
                    out.append(run)
            else:
                out.extend(map("".join, zip(run, run[1:])))
        elif _keep(run):
            out.append(run)
    return out


def plain_bigrams(text: str) -> list[str]:
    """The baseline analyser (DESIGN §8): character bigrams of CJK runs, Latin terms whole, nothing removed."""
    text = normalize(text)
    out: list[str] = []
    for m in _TOKEN_SPLIT.finditer(text):
        run = m.group(0)
        if _CJK_RUN.fullmatch(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(map("".join, zip(run, run[1:])))
        else:
            out.append(run)
    return out


@lru_cache(maxsize=4096)
def _query_terms_cached(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    norm = normalize(text)
    return tuple(words(norm, normalized=True)), tuple(bigrams(norm, normalized=True))


def query_terms(text: str) -> tuple[list[str], list[str]]:
    w, b = _query_terms_cached(text)
    return list(w), list(b)


def add_user_words(terms) -> None:
    """Teach the segmenter domain words (e.g. a bureau's keyword list) so they stay whole."""
    for t in terms:
        t = normalize(t).strip()
        if t:
            rjieba.add_word(t)
