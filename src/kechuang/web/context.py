"""Template context: the role-aware navigation collected from every app's `nav.items(user)`."""
from importlib import import_module

from django.apps import apps
from django.conf import settings


def _nav_items(user):
    items = []
    for app in apps.get_app_configs():
        if not app.name.startswith("kechuang."):
            continue
        try:
            module = import_module(f"{app.name}.nav")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app.name}.nav":
                raise
            continue
        items.extend(module.items(user))
    from kechuang.core.roles import nav_visible

    return sorted((i for i in items if nav_visible(user, i)), key=lambda i: i.get("order", 100))


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "nav_items": _nav_items(user) if user is not None else [],
        "kechuang_demo": settings.KECHUANG_DEMO,
    }
