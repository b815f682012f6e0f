"""Marketplace matching engine (pure Python, no Django): see docs/matching.md.

Public API::

    from kechuang.market.matching import MatchEngine, MatchConfig, QueryError, match_documents, run_bench
"""
from .bench import run_bench
from .engine import Hit, MatchConfig, MatchEngine, MatchResult, QueryError, explain_terms, match_documents

__all__ = ["Hit", "MatchConfig", "MatchEngine", "MatchResult", "QueryError", "explain_terms", "match_documents",
           "run_bench"]
