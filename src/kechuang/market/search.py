"""Where the marketplace meets the matching engine (`market.matching`): documents from the four libraries, one
index per process kept in step with the database, and scoped, explained results for pages and the API.

* `documents()` yields one record ``{id, title, text, kind, domain, keywords}`` per *published* listing; the id is
  ``"<kind>:<pk>"``. The engine, the command line and the benchmark all build their index from it.
* The index is built lazily on first use. Services call `refresh(obj)` after a write: on commit the record is
  upserted (published) or removed (anything else). Other processes catch up on their next query by reading the
  rows whose ``updated_at`` moved since their last look (`_sync`), so app servers keep no state that matters.
* When the engine cannot be imported (or fails), a plain ``icontains`` search answers instead, with the same
  result shape; results are always re-read from the database through ``restrict(user, "view")``.
"""
from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kechuang.core.choices import Action, PublicationStatus

from .choices import ListingKind

log = logging.getLogger(__name__)

KINDS = tuple(k.value for k in ListingKind)
MAX_QUERY_CHARS = 2000
SYNC_EVERY_SECONDS = 1.0
SYNC_SLACK = dt.timedelta(seconds=60)  # re-read rows whose transaction committed after our last look


# -- documents -------------------------------------------------------------------------------------------------

def _models():
    from kechuang.enterprises.models import ServiceAgency

    from .models import Achievement, Demand, Expert

    return {ListingKind.ACHIEVEMENT: Achievement, ListingKind.DEMAND: Demand, ListingKind.EXPERT: Expert,
            ListingKind.AGENCY: ServiceAgency}


def model_for(kind: str):
    return _models()[kind]


def kind_of(obj) -> str | None:
    for kind, model in _models().items():
        if isinstance(obj, model):
            return str(kind)
    return None


def doc_id(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


def split_doc_id(value: str) -> tuple[str, int] | None:
    kind, _, pk = str(value).partition(":")
    if kind in KINDS and pk.isdigit():
        return kind, int(pk)
    return None


def _domain1(code: str | None) -> str | None:
    """The first-level high-tech domain (e.g. 10 电子信息) so that related sub-domains count as the same."""
    return code[:2] if code else None


def document(obj) -> dict[str, Any] | None:
    """The engine record of a listing, or None when it must not be found (not published)."""
    kind = kind_of(obj)
    if kind is None or obj.status != PublicationStatus.PUBLISHED:
        return None
    if kind == ListingKind.ACHIEVEMENT:
        return {"id": doc_id(kind, obj.pk), "title": obj.title, "text": obj.description, "kind": kind,
                "domain": _domain1(obj.domain_id), "keywords": obj.keywords}
    if kind == ListingKind.DEMAND:
        return {"id": doc_id(kind, obj.pk), "title": obj.title, "text": obj.description, "kind": kind,
                "domain": _domain1(obj.domain_id), "keywords": obj.keywords}
    if kind == ListingKind.EXPERT:
        return {"id": doc_id(kind, obj.pk), "title": obj.fields or obj.name,
                "text": "\n".join(x for x in (obj.keywords, obj.bio) if x), "kind": kind,
                "domain": _domain1(obj.domain_id), "keywords": obj.keywords}
    return {"id": doc_id(kind, obj.pk), "title": obj.name,
            "text": "\n".join(x for x in (obj.services, obj.qualifications) if x), "kind": kind,
            "domain": None, "keywords": obj.services[:300]}


def _queryset(kind: str):
    model = model_for(kind)
    qs = model.objects.all()
    if kind == ListingKind.ACHIEVEMENT or kind == ListingKind.DEMAND:
        qs = qs.only("pk", "title", "description", "domain_id", "keywords", "status", "updated_at")
    return qs


def documents(kinds: Iterable[str] | None = None, *, since: dt.datetime | None = None,
              chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """Every published listing of the given kinds as an engine record (streamed in chunks)."""
    for kind in (kinds or KINDS):
        qs = _queryset(kind).filter(status=PublicationStatus.PUBLISHED)
        if since is not None:
            qs = qs.filter(updated_at__gte=since)
        for obj in qs.order_by("pk").iterator(chunk_size=chunk):
            doc = document(obj)
            if doc is not None:
                yield doc


# -- the index ------------------------------------------------------------------------------------------------

def _engine_class():
    try:
        from .matching.engine import MatchEngine
    except Exception as exc:  # the engine or one of its packages is missing: fall back
        log.warning("matching engine unavailable, using the plain search: %s", exc)
        return None
    return MatchEngine


def semantic_enabled() -> bool:
    """Sentence-embedding re-ranking is opt-in for the web (KECHUANG_MARKET_SEMANTIC=1); vectors are cached."""
    return os.environ.get("KECHUANG_MARKET_SEMANTIC", "0") == "1"


class _Index:
    def __init__(self):
        self.lock = threading.RLock()
        self.engine = None
        self.synced_at: dt.datetime | None = None
        self.checked = 0.0
        self.failed = False

    def reset(self) -> None:
        with self.lock:
            self.engine = None
            self.synced_at = None
            self.checked = 0.0
            self.failed = False

    def get(self):
        """The engine, built on first use and synced with the database at most once a second."""
        cls = _engine_class()
        if cls is None or self.failed:
            return None
        with self.lock:
            now = timezone.now()
            if self.engine is None:
                try:
                    started = now
                    self.engine = cls(documents(), use_embeddings=semantic_enabled())
                    self.synced_at = started
                    self.checked = time.monotonic()
                except Exception:  # never let the index break a page: plain search instead
                    log.exception("building the marketplace index failed")
                    self.failed = True
                    return None
            elif time.monotonic() - self.checked > SYNC_EVERY_SECONDS:
                self._sync(now)
            return self.engine

    def _sync(self, now: dt.datetime) -> None:
        since = (self.synced_at or now) - SYNC_SLACK
        for kind in KINDS:
            for obj in _queryset(kind).filter(updated_at__gte=since).iterator():
                self.apply(obj)
        self.synced_at = now
        self.checked = time.monotonic()

    def apply(self, obj) -> None:
        if self.engine is None:
            return
        doc = document(obj)
        kind = kind_of(obj)
        with self.lock:
            if doc is not None:
                self.engine.upsert(doc)
            elif kind is not None:
                self.engine.remove(doc_id(kind, obj.pk))


_INDEX = _Index()


def reset_index() -> None:
    """Forget the process's index (tests; after a bulk load it is rebuilt on the next query)."""
    _INDEX.reset()


def refresh(obj) -> None:
    """Call after writing a listing: once the transaction commits, the index sees the change."""
    transaction.on_commit(lambda: _INDEX.apply(obj))


def refresh_all() -> None:
    """After a bulk write (import): rebuild lazily on the next query."""
    transaction.on_commit(_INDEX.reset)


# -- results ---------------------------------------------------------------------------------------------------

@dataclass
class SearchHit:
    kind: str
    obj: Any
    score: float
    matched_terms: list[str]
    title_html: str
    snippet_html: str
    rank: int = 0

    @property
    def kind_label(self) -> str:
        return str(ListingKind(self.kind).label)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.obj.pk, "rank": self.rank, "score": round(float(self.score), 4),
                "title": _title(self.obj), "matched_terms": self.matched_terms, "title_html": self.title_html,
                "snippet_html": self.snippet_html}


@dataclass
class SearchResult:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    engine: str = "bm25"
    took_ms: float = 0.0

    def by_kind(self, kind: str) -> list[SearchHit]:
        return [h for h in self.hits if h.kind == kind]

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "engine": self.engine, "error": self.error, "warnings": self.warnings,
                "took_ms": round(self.took_ms, 1), "hits": [h.as_dict() for h in self.hits]}


def _title(obj) -> str:
    return getattr(obj, "title", None) if kind_of(obj) in (ListingKind.ACHIEVEMENT, ListingKind.DEMAND) \
        else obj.name


def _visible(kind: str, ids: list[int], user) -> dict[int, Any]:
    """The listed objects the user may view and that are published (search never shows drafts)."""
    model = model_for(kind)
    qs = model.objects.restrict(user, Action.VIEW).filter(pk__in=ids, status=PublicationStatus.PUBLISHED)
    if kind == ListingKind.ACHIEVEMENT:
        qs = qs.select_related("owner_institution", "owner_enterprise", "domain")
    elif kind == ListingKind.DEMAND:
        qs = qs.select_related("enterprise", "domain")
    elif kind == ListingKind.EXPERT:
        qs = qs.select_related("institution", "enterprise")
    return {o.pk: o for o in qs}


def search(text: Any, *, user=None, kinds: Iterable[str] | None = None, top: int = 10,
           domain: str | None = None, exclude: Iterable[str] = ()) -> SearchResult:
    """Ranked, explained matches among published listings the user may see."""
    t0 = time.perf_counter()
    kinds = [k for k in (kinds or KINDS) if k in KINDS]
    top = max(1, min(int(top or 10), 100))
    query, warnings, error = _validate(text)
    if error:
        return SearchResult(query="", error=error, engine="none")
    engine = _INDEX.get()
    raw: list[dict] = []
    engine_name = "bm25"
    if engine is not None:
        try:
            res = engine.search(query, top=top + len(list(exclude)) + 10, domain=_domain1(domain), kinds=kinds)
            warnings += [w for w in res.warnings if w not in warnings]
            engine_name = "bm25+semantic" if res.semantic_used else "bm25"
            raw = [{"id": h.id, "score": h.score, "matched_terms": list(h.matched_terms), "title_html": h.title_html,
                    "snippet_html": h.snippet_html} for h in res.hits]
        except Exception as exc:
            if type(exc).__name__ == "QueryError":
                return SearchResult(query=query, error=getattr(exc, "message_zh", str(exc)), engine="none")
            log.exception("matching engine failed; using the plain search")
            engine = None
    if engine is None:
        engine_name = "plain"
        raw = _plain(query, kinds, top + 10)
    hits = _resolve(raw, user, set(exclude), top)
    return SearchResult(query=query, hits=hits, warnings=warnings, engine=engine_name,
                        took_ms=(time.perf_counter() - t0) * 1000)


def _validate(text: Any) -> tuple[str, list[str], str | None]:
    if not isinstance(text, str):
        return "", [], "查询内容必须是文本"
    text = text.strip()
    if not text:
        return "", [], "查询内容为空，请输入关键词或难题描述"
    warnings = []
    if len(text) > MAX_QUERY_CHARS:
        warnings.append(f"查询过长（{len(text)} 字），已截取前 {MAX_QUERY_CHARS} 字")
        text = text[:MAX_QUERY_CHARS]
    return text, warnings, None


def _resolve(raw: list[dict], user, exclude: set[str], top: int) -> list[SearchHit]:
    wanted: dict[str, list[int]] = {}
    for r in raw:
        parsed = split_doc_id(r["id"])
        if parsed and r["id"] not in exclude:
            wanted.setdefault(parsed[0], []).append(parsed[1])
    objects = {kind: _visible(kind, ids, user) for kind, ids in wanted.items()}
    hits: list[SearchHit] = []
    for r in raw:
        parsed = split_doc_id(r["id"])
        if not parsed or r["id"] in exclude:
            continue
        obj = objects.get(parsed[0], {}).get(parsed[1])
        if obj is None:
            continue
        hits.append(SearchHit(parsed[0], obj, r["score"], r["matched_terms"], r["title_html"], r["snippet_html"],
                              rank=len(hits) + 1))
        if len(hits) >= top:
            break
    return hits


# -- the plain fallback ----------------------------------------------------------------------------------------

_SPLIT = re.compile(r"[\s,，;；、。:：!！?？()（）\"'“”]+")


def _terms(query: str) -> list[str]:
    terms = [t for t in _SPLIT.split(query) if t]
    return sorted(set(terms), key=lambda t: (-len(t), t))[:20]


def _text_fields(kind: str) -> tuple[str, ...]:
    return {ListingKind.ACHIEVEMENT: ("title", "description", "keywords"),
            ListingKind.DEMAND: ("title", "description", "keywords"),
            ListingKind.EXPERT: ("name", "fields", "keywords", "bio"),
            ListingKind.AGENCY: ("name", "services", "qualifications")}[kind]


def _plain(query: str, kinds: list[str], limit: int) -> list[dict]:
    terms = _terms(query)
    scored: list[tuple[float, str, dict]] = []
    for kind in kinds:
        fields = _text_fields(kind)
        cond = Q()
        for t in terms:
            for f in fields:
                cond |= Q(**{f"{f}__icontains": t})
        qs = model_for(kind).objects.filter(cond, status=PublicationStatus.PUBLISHED)[:500]
        for obj in qs:
            title = getattr(obj, fields[0])
            body = " ".join(str(getattr(obj, f) or "") for f in fields[1:])
            matched = [t for t in terms if t.lower() in title.lower() or t.lower() in body.lower()]
            score = sum(2.0 if t.lower() in title.lower() else 1.0 for t in matched)
            scored.append((score, doc_id(kind, obj.pk), {
                "id": doc_id(kind, obj.pk), "score": score, "matched_terms": matched,
                "title_html": highlight(title, matched), "snippet_html": snippet(body, matched)}))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [d for _, _, d in scored[:limit]]


def highlight(text: str, terms: Iterable[str]) -> str:
    """HTML-escaped text with <mark> around each term (case-insensitive); only the marks are markup."""
    terms = [t for t in terms if t]
    if not terms:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def snippet(text: str, terms: Iterable[str], width: int = 120) -> str:
    terms = [t for t in terms if t]
    start = 0
    low = text.lower()
    for t in terms:
        i = low.find(t.lower())
        if i >= 0:
            start = max(0, i - width // 3)
            break
    piece = text[start:start + width]
    return ("…" if start else "") + highlight(piece, terms) + ("…" if start + width < len(text) else "")


# -- proposals for a problem -----------------------------------------------------------------------------------

def demand_query(demand) -> str:
    """The text a problem is matched with: its title, keywords and description."""
    return "\n".join(x for x in (demand.title, demand.keywords, demand.description) if x)


def proposals(demand, *, user=None, top: int = 5) -> dict[str, SearchResult]:
    """What the engine proposes for a problem: achievements, experts and agencies, each ranked and explained."""
    query = demand_query(demand)
    return {kind: search(query, user=user, kinds=[kind], top=top, domain=demand.domain_id)
            for kind in (ListingKind.ACHIEVEMENT, ListingKind.EXPERT, ListingKind.AGENCY)}
