"""URL configuration: the web pages of every app, the admin, and the API under /api/."""
from importlib import import_module

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from kechuang.core.api import api

handler404 = "kechuang.core.api.not_found"  # the API answers JSON even where no operation matches the URL

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("kechuang.web.urls")),
]

for _app in apps.get_app_configs():
    if _app.name.startswith("kechuang.") and _app.label != "web":
        try:
            import_module(f"{_app.name}.urls")
        except ModuleNotFoundError as exc:
            if exc.name != f"{_app.name}.urls":
                raise
            continue
        urlpatterns.append(path(f"{_app.label}/", include(f"{_app.name}.urls")))
