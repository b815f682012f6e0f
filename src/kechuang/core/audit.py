"""Naming the acting user on change-log records written outside a web request (command line, jobs)."""
from __future__ import annotations

import contextlib

from simple_history.models import HistoricalRecords


@contextlib.contextmanager
def acting_as(user, reason: str | None = None):
    """Within the block, change-log records name `user` (simple-history reads the request's user from here)."""
    class _Request:  # simple-history's middleware stores the request on a context; we store a stand-in
        pass

    fake = _Request()
    fake.user = user if user is not None else _Anonymous(reason)
    previous = getattr(HistoricalRecords.context, "request", None)
    HistoricalRecords.context.request = fake
    try:
        yield
    finally:
        if previous is None:
            try:
                del HistoricalRecords.context.request
            except AttributeError:
                pass
        else:
            HistoricalRecords.context.request = previous


class _Anonymous:
    is_authenticated = False

    def __init__(self, name):
        self.name = name
