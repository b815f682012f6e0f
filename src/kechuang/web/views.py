"""Shell pages: home, login, the generic import page, health."""
from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kechuang.core.api import xlsx_response
from kechuang.core.choices import Role
from kechuang.core.importing import ImportFileError, errors_xlsx, get_spec, run_import, template_xlsx, REGISTRY

IMPORT_ROLES = (Role.BUREAU, Role.TOWN)


class LoginView(auth_views.LoginView):
    """Login with lockout after repeated failures (等保: 登录失败处理)."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        from kechuang.core.security import client_ip, login_failed, login_locked, login_succeeded

        username = request.POST.get("username", "")[:150]
        ip = client_ip(request)
        if login_locked(username, ip):
            form = self.get_form()
            return self.render_to_response(self.get_context_data(form=form, locked=True), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            login_succeeded(username, ip)
        else:
            login_failed(username, ip)
        return response


def home(request):
    """Public visitors see the marketplace entrance; signed-in users land on their role's first page."""
    if not request.user.is_authenticated:
        return render(request, "web/public_home.html")
    return render(request, "web/home.html")


def _can_import(user) -> bool:
    return user.is_superuser or user.role in IMPORT_ROLES


@login_required
def imports(request):
    """Upload a file of one kind; show every row error or the count imported."""
    if not _can_import(request.user):
        raise Http404
    get_spec("enterprises")  # loads every app's specs
    kinds = sorted(((k, spec.label or k) for k, spec in REGISTRY.items()), key=lambda x: x[0])
    result, error = None, None
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "")
        if upload is None:
            error = _("请选择要导入的文件")
        else:
            try:
                result = run_import(kind, upload.read(), upload.name, user=request.user,
                                    dry_run=bool(request.POST.get("dry_run")))
            except ImportFileError as exc:
                error = str(exc)
            if result is not None and result.errors and request.POST.get("format") == "xlsx":
                return xlsx_response(errors_xlsx(result), f"{kind}-errors.xlsx")
    return render(request, "web/imports.html", {"kinds": kinds, "result": result, "error": error})


@login_required
def import_template(request, kind):
    if not _can_import(request.user):
        raise Http404
    try:
        return xlsx_response(template_xlsx(kind), f"{kind}-template.xlsx")
    except ImportFileError:
        raise Http404


def healthz(request):
    """Liveness and readiness: answers 200 when the database answers."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception as exc:  # pragma: no cover - reported, not raised
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})
