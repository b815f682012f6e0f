"""Cached reads of the statistics: every write bumps one version token, so a cached panel is never stale.

The token lives in the database (`core.Setting`), so every app server sees a change at once; the computed
panels, trends and rankings live in Django's cache (per process by default, Redis in production) under keys
that include the token. A request costs one primary-key read of the token when its answer is cached.
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

VERSION_KEY = "indicators_version"
TIMEOUT = 3600
T = TypeVar("T")


def data_version() -> str:
    """The current token (changes whenever a value, a target, a report's acceptance or the catalog changes)."""
    from kechuang.core.models import Setting

    return Setting.get(VERSION_KEY, "0") or "0"


def data_changed() -> str:
    """Invalidate every cached statistic; call inside the writing transaction (a rollback keeps the old token)."""
    from kechuang.core.models import Setting

    token = uuid.uuid4().hex
    Setting.put(VERSION_KEY, token)
    return token


def cached(kind: str, parts: tuple, compute: Callable[[], T], *, version: str | None = None) -> T:
    """``compute()`` once per (kind, parts, data version); ``parts`` must identify the answer completely."""
    version = version if version is not None else data_version()
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()
    key = f"kc:ind:{version}:{kind}:{digest}"
    hit: Any = cache.get(key)
    if hit is not None:
        return hit
    value = compute()
    cache.set(key, value, TIMEOUT)
    return value
