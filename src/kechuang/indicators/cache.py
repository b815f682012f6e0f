"""Cached reads of the statistics: every write bumps one version token, so a cached panel is never stale.

The token lives in the database (`core.Setting`), so every app server sees a change at once; the computed
panels, trends and rankings live in Django's cache (per process by default, Redis in production) under keys
that include the token. A request costs one primary-key read of the token when its answer is cached.

Services and imports call `data_changed()` themselves (bulk writes send no signals); any other save or delete
of a value, a target or an indicator (the admin, a shell) bumps the token through the signals connected by
`connect_signals()` (called from the app's `ready()`).
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
    """The current token (changes whenever a value, a target, a report's acceptance or the catalog changes).

    One primary-key read in plain SQL: it runs on every dashboard API call, where the ORM's query building
    would cost more than the read itself."""
    from django.db import connections, router

    from kechuang.core.models import Setting

    alias = router.db_for_read(Setting)
    conn = connections[alias]
    qn = conn.ops.quote_name
    with conn.cursor() as cur:
        cur.execute(f"SELECT {qn('value')} FROM {qn(Setting._meta.db_table)} WHERE {qn('key')} = %s", [VERSION_KEY])
        row = cur.fetchone()
    return (row[0] if row else "") or "0"


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


def _changed_by_signal(sender, **kwargs) -> None:
    data_changed()


def connect_signals() -> None:
    """Bump the token on every single-object save or delete of a value, a target or an indicator."""
    from django.db.models.signals import post_delete, post_save

    from .models import Indicator, IndicatorValue, Target

    for model in (IndicatorValue, Target, Indicator):
        post_save.connect(_changed_by_signal, sender=model, dispatch_uid=f"indicators-cache-{model.__name__}-save")
        post_delete.connect(_changed_by_signal, sender=model, dispatch_uid=f"indicators-cache-{model.__name__}-del")
