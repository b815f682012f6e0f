"""``kechuang market …`` sub-commands (argv without the leading "market").

* ``match --text "…" [--top N] [--json] [--corpus F] [--domain D] [--kind K] [--no-embeddings]``
* ``bench --corpus F --queries F --qrels F [--json] [--run FILE] [--no-embeddings] [--no-embed-missing]``
* ``embed --corpus F`` — fill the embedding cache for a corpus (blocking, with progress)

Every command takes ``--cache-dir D`` (default: ``$KECHUANG_CACHE_DIR`` or ``~/.cache/kechuang``).
This module imports no Django: the Django layer passes ``documents_provider`` (a callable returning records) to
``main`` for ``match`` without ``--corpus``.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
from typing import Any, TextIO
from collections.abc import Callable, Iterable, Mapping

from .matching.bench import read_corpus, run_bench
from .matching.engine import QueryError, match_documents

DocumentsProvider = Callable[[], Iterable[Mapping[str, Any]]]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kechuang market", description="科技大市场匹配 / marketplace matching")
    sub = p.add_subparsers(dest="command", required=True)

    m = sub.add_parser("match", help="ranked matches for a text / 按文本匹配")
    m.add_argument("--text", required=True, help="keywords, a title or a problem description")
    m.add_argument("--top", type=int, default=10)
    m.add_argument("--json", action="store_true")
    m.add_argument("--corpus", help="JSONL file of records (doc_id|id, title, text); default: the marketplace")
    m.add_argument("--domain", help="boost records of this domain")
    m.add_argument("--kind", action="append", help="only records of this kind (repeatable)")
    m.add_argument("--no-embeddings", action="store_true", help="BM25 only")
    m.add_argument("--cache-dir")

    b = sub.add_parser("bench", help="matching quality and latency (DESIGN §8)")
    b.add_argument("--corpus", required=True)
    b.add_argument("--queries", required=True)
    b.add_argument("--qrels", required=True)
    b.add_argument("--json", action="store_true")
    b.add_argument("--run", help="write Kechuang's top 20 per query as TSV qid, doc_id, rank, score")
    b.add_argument("--no-embeddings", action="store_true", help="BM25 (+ feedback) only")
    b.add_argument("--no-embed-missing", action="store_true",
                   help="do not embed uncached passages first; they are then ranked by BM25 only")
    b.add_argument("--cache-dir")

    e = sub.add_parser("embed", help="fill the embedding cache for a corpus")
    e.add_argument("--corpus", required=True)
    e.add_argument("--cache-dir")
    return p


def _plain_snippet(s: str) -> str:
    return html.unescape(re.sub(r"</?mark>", lambda m: "【" if m.group(0) == "<mark>" else "】", s))


def main(argv: list[str], *, documents_provider: DocumentsProvider | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage
        return int(exc.code or 0) if exc.code in (0, None) else 2

    if args.command == "bench":
        try:
            run_bench(args.corpus, args.queries, args.qrels, run_path=args.run, as_json=args.json,
                      use_embeddings=not args.no_embeddings, cache_dir=args.cache_dir,
                      embed_missing=not args.no_embed_missing, out=out, progress=err)
        except (OSError, ValueError) as exc:
            print(f"错误 / error: {exc}", file=err)
            return 2
        return 0

    if args.command == "embed":
        from .matching.engine import MatchEngine

        try:
            docs = read_corpus(args.corpus)
        except (OSError, ValueError) as exc:
            print(f"错误 / error: {exc}", file=err)
            return 2
        engine = MatchEngine(docs, cache_dir=args.cache_dir)

        def progress(done: int, total: int) -> None:
            if done % 50 == 0 or done == total:
                print(f"embedding {done}/{total}", file=err, flush=True)

        n = engine.embed_missing(progress=progress)
        print(json.dumps({"embedded": n, "documents": len(docs), "cache": str(engine.embedding_cache.root)},
                         ensure_ascii=False), file=out)
        return 0

    # match
    if args.corpus:
        corpus = args.corpus

        def provider() -> Iterable[Mapping[str, Any]]:
            return read_corpus(corpus)
    elif documents_provider is not None:
        provider = documents_provider
    else:
        print("错误：没有可匹配的数据，请用 --corpus 指定文件 / error: no documents to match; pass --corpus FILE",
              file=err)
        return 2
    try:
        result = match_documents(args.text, provider, args.top, domain=args.domain, kinds=args.kind,
                                 use_embeddings=not args.no_embeddings, cache_dir=args.cache_dir)
    except QueryError as exc:
        print(f"错误 / error: {exc}", file=err)
        return 2
    except OSError as exc:
        print(f"错误 / error: {exc}", file=err)
        return 2
    if args.json:
        out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        return 0
    for w in result.warnings:
        print(f"注意 / warning: {w}", file=err)
    if not result.hits:
        print("没有匹配结果 / no matches", file=out)
        return 0
    mode = "BM25 + 语义 / semantic" if result.semantic_used else "BM25"
    print(f"{len(result.hits)} 条匹配 / matches ({mode}, {result.took_ms:.1f} ms)", file=out)
    for h in result.hits:
        print(f"{h.rank:>3}. [{h.score:.3f}] {h.id}  {h.title}", file=out)
        if h.matched_terms:
            print(f"     命中 / matched: {'、'.join(h.matched_terms)}", file=out)
        if h.snippet_html:
            print(f"     {_plain_snippet(h.snippet_html)}", file=out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
