"""The authorisation matrix: every page and API operation, called as every role, with the expected answer.

Each app lists its routes in `<app>/authz.py` as `ROUTES = [Route(...)]`. A route names its URL (a URL pattern name
such as "enterprises:detail", or an API operation "GET /api/enterprises/enterprises/{enterprise_id}"), how to
build its parameters from the shared test world (objects that belong to town A / enterprise A), and the status
each role must get. Roles not listed must get `default`. The matrix test (web/tests/test_authz_matrix.py) fails
when a URL pattern or an API operation has no route here, so a new endpoint cannot ship without a rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

ROLES = ("anonymous", "bureau", "other_bureau", "town_a", "town_b", "enterprise_a", "enterprise_b", "expert",
         "agency", "bank")

# Shorthands for the usual expectations.
LOGIN = 302       # a page that needs login redirects anonymous users to the login page
UNAUTH = 401      # an API operation without a session
HIDDEN = 404      # outside scope, or a role that has no business there


@dataclass
class Route:
    key: str                                   # URL name, or "METHOD /api/path/{param}"
    expect: dict[str, int]                     # role -> expected status
    params: Callable[[Any], dict] = lambda w: {}
    data: Callable[[Any], Any] | None = None   # body for POST/PATCH (dict → form or JSON)
    default: int = HIDDEN
    json: bool = True                          # API bodies as JSON
    note: str = ""

    def status_for(self, role: str) -> int:
        return self.expect.get(role, self.default)


@dataclass
class Exempt:
    key: str
    why: str


def everyone(status: int, **overrides) -> dict[str, int]:
    out = {r: status for r in ROLES}
    out.update(overrides)
    return out


def staff_only(status: int = 200, *, anonymous: int = LOGIN, town: bool = True) -> dict[str, int]:
    """Bureau (and, if town, the town assistant of town A) may; everyone else 404, anonymous to the login."""
    out = {"anonymous": anonymous, "bureau": status}
    if town:
        out["town_a"] = status
    return out
