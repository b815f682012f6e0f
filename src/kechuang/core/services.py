"""Helpers every app's services use: parse input with the shared parsers, stamp the acting user for the audit."""
from __future__ import annotations

from typing import Any, Callable

from .errors import FieldErrors
from .fields import is_blank


def parse_input(data: dict, parsers: dict[str, Callable[[Any], Any]], ctx, *, required: tuple[str, ...] = (),
                partial: bool = False) -> dict:
    """Parse the given fields with the same parsers the importer uses; unknown keys are ignored."""
    values: dict[str, Any] = {}
    for name, parse in parsers.items():
        if name not in data:
            if name in required and not partial:
                ctx.error(name, "此项为必填项", "required")
            continue
        raw = data[name]
        if is_blank(raw):
            if name in required:
                ctx.error(name, "此项为必填项", "required")
            values[name] = None
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            ctx.error(name, str(exc), "invalid")
    return values


def acting_user(user):
    """The user a change-log record should name: None for the command line or an anonymous caller."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def stamp(obj, user, reason: str | None = None):
    """Name the acting user (and a reason) on the change-log record the next save writes."""
    if user is not None and getattr(user, "is_authenticated", False):
        obj._history_user = user
    if reason:
        obj._change_reason = reason
    return obj


def new_errors() -> FieldErrors:
    return FieldErrors()
