"""`kechuang demo`: a synthetic Ningbo with every module's data, built once per database.

The core data (organisations, enterprises and their records, carriers, one login per role) is made here; then
every app's `demo.load(ctx)` adds its own (marketplace, vouchers, indicators …) in INSTALLED_APPS order.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.db import transaction

DEMO_KEY = "demo_loaded"
PASSWORD = "kechuang-demo"


@dataclass
class DemoContext:
    """What app demo loaders share: a seeded RNG, the size, today's date, the home region and the logins."""

    size: str
    rng: random.Random
    today: dt.date
    home: str
    city: str
    users: dict = field(default_factory=dict)  # role key -> User
    logins: list = field(default_factory=list)
    verbose: bool = False

    def log(self, msg: str) -> None:
        if self.verbose:
            print(f"  · {msg}", flush=True)

    def password_hash(self) -> str:
        """The demo password hashed once (PBKDF2 costs about a second a user); every demo login shares it."""
        if not getattr(self, "_password_hash", None):
            from django.contrib.auth.hashers import make_password

            self._password_hash = make_password(PASSWORD)
        return self._password_hash

    def add_login(self, key: str, user, note: str) -> None:
        self.users[key] = user
        self.logins.append({"role": key, "username": user.username, "password": PASSWORD, "note": note})


def demo_load(*, size: str = "small", verbose: bool = False, seed: int = 20261126) -> list[dict]:
    """Load the demo city once (idempotent) and return the logins to print."""
    import json

    from kechuang.core.models import Setting
    from kechuang.regions.services import home_region_code

    done = Setting.get(DEMO_KEY)
    if done:
        return json.loads(done)
    home = home_region_code()
    ctx = DemoContext(size=size, rng=random.Random(seed), today=dt.date.today(), home=home, city=home[:4],
                      verbose=verbose)
    if verbose:
        print(f"正在生成演示数据（{size}）/ building demo data …", flush=True)
    modules = []
    for app in apps.get_app_configs():
        if not app.name.startswith("kechuang."):
            continue
        try:
            modules.append(import_module(f"{app.name}.demo"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{app.name}.demo":
                raise
    with transaction.atomic():
        for module in modules:
            if hasattr(module, "load"):
                module.load(ctx)
        # Second pass: figures derived from every module's records (e.g. platform indicators).
        for module in modules:
            if hasattr(module, "after"):
                module.after(ctx)
        Setting.put(DEMO_KEY, json.dumps(ctx.logins, ensure_ascii=False))
    return ctx.logins
