"""Shared helpers of the finance management commands: the acting user, dates, refusals as clear errors."""
from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from kechuang.core.audit import acting_as
from kechuang.core.errors import ValidationFailed

from ...flows import RoleRefused
from ...selectors import jsonable


def user_arg(parser, required=False, help_text=None):
    parser.add_argument("--user", required=required,
                        help=help_text or "act as this user (role and scope apply); default: the system actor")


def date_arg(parser, name="--on", help_text="business date YYYY-MM-DD (default: today)"):
    parser.add_argument(name, default=None, help=help_text)


def get_user(username):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"user: 用户不存在：{username}")
    return user


def get_date(text):
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"on: 日期格式应为 YYYY-MM-DD（实为“{text}”）") from None


@contextlib.contextmanager
def refusals_as_errors(user):
    """Run as the user (the change log names them); refusals become CommandError with every reason."""
    try:
        with acting_as(user, f"cli:{getpass.getuser()}"):
            yield
    except ValidationFailed as exc:
        raise CommandError("；".join(f"{e['field']}: {e['message']}" for e in exc.errors)) from None
    except RoleRefused as exc:
        raise CommandError(f"role: {exc.message}") from None
    except Exception as exc:  # Http404 from scope: the object does not exist for this user
        from django.http import Http404

        if isinstance(exc, Http404):
            raise CommandError("not found: 对象不存在或不在该用户的范围内") from None
        raise


def dumps(value) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False, indent=2)
