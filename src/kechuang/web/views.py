"""Shell pages: home, login, the generic import page, health."""
from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.api import xlsx_response
from kechuang.core.choices import Role
from kechuang.core.importing import ImportFileError, errors_xlsx, get_spec, run_import, template_xlsx, REGISTRY



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
    from kechuang.core.api import can_import

    return can_import(user)


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
        elif upload.size > BACKGROUND_IMPORT_BYTES:
            return redirect("job", pk=_background_import(request, upload, kind).pk)
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


BACKGROUND_IMPORT_BYTES = 1024 * 1024  # larger files import in the background with a progress page


def _background_import(request, upload, kind):
    import os
    import tempfile

    from django.conf import settings as dj_settings

    from kechuang.core.jobs import job_submit

    folder = dj_settings.VAR_DIR / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(dir=folder, suffix=os.path.splitext(upload.name)[1])
    with os.fdopen(fd, "wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
    return job_submit("import", {"kind": kind, "path": path, "filename": upload.name,
                                 "dry_run": bool(request.POST.get("dry_run")), "user_id": request.user.pk},
                      user=request.user)


@login_required
def job_detail(request, pk: int):
    """A background job's progress (polled by htmx while it runs) and its result."""
    from kechuang.core.models import Job
    from kechuang.core.scope import get_in_scope

    from kechuang.core.jobs import job_check_worker

    job = job_check_worker(get_in_scope(Job, request.user, "view", pk=pk))
    if request.method == "POST" and job.status == "failed" and job.created_by_id == request.user.pk:
        from kechuang.core.jobs import job_retry

        return redirect("job", pk=job_retry(job).pk)
    template = "web/job_status.html" if request.htmx else "web/job.html"
    return render(request, template, {"job": job, "kind_label": JOB_LABELS.get(job.kind, job.kind)})


#: What the job page calls each kind of background job (kinds are registered with core.jobs.job_kind).
JOB_LABELS = {"import": gettext_lazy("数据导入"), "report_annual": gettext_lazy("年度工作总结"),
              "report_quarterly": gettext_lazy("科技服务业季度分析")}


def healthz(request):
    """Liveness and readiness: answers 200 when the database answers."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception as exc:  # pragma: no cover - reported, not raised
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness: the database answers, migrations are applied, and Redis answers when configured."""
    from django.conf import settings as dj_settings
    from django.db.migrations.executor import MigrationExecutor

    checks = {}
    try:
        executor = MigrationExecutor(connection)
        checks["migrations"] = "ok" if not executor.migration_plan(executor.loader.graph.leaf_nodes()) else "pending"
    except Exception as exc:  # pragma: no cover
        checks["migrations"] = f"error: {exc}"
    if dj_settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(dj_settings.REDIS_URL, socket_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc}"
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "not ready", **checks}, status=200 if ok else 503)
