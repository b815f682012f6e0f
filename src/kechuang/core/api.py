"""The one NinjaAPI: every app's `api.router` is mounted under /api/<app>/; errors share one shape."""

from importlib import import_module

from django.apps import apps
from django.db.models import ProtectedError
from django.http import Http404, HttpResponse
from ninja import File, NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile
from ninja.security import django_auth

from .errors import ValidationFailed
from .importing import ImportFileError, errors_xlsx, get_spec, run_import, template_xlsx

api = NinjaAPI(
    title="Kechuang 科创 API",
    version="1.0",
    description="区科技局创新服务平台接口。Session authentication (log in at /accounts/login/).",
    urls_namespace="api",
    auth=django_auth,
)


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    field: str
    code: str
    message: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COMMON_RESPONSES = {401: ErrorOut, 404: ErrorOut}
WRITE_RESPONSES = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


@api.exception_handler(ValidationFailed)
def _validation_failed(request, exc: ValidationFailed):
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "Not Found"}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthorised(request, exc):
    return api.create_response(request, {"detail": "Unauthorized"}, status=401)


@api.exception_handler(ProtectedError)
def _protected(request, exc):
    return api.create_response(request, {"detail": "该记录仍被其他记录引用，不能删除 / still referenced by other records"},
                               status=409)


@api.exception_handler(ImportFileError)
def _bad_file(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename=\"{filename}\""
    return resp


imports_router = Router(tags=["imports"])


def can_import(user) -> bool:
    """Bulk imports are the bureau's and the town assistants' work (rows are still checked against scope)."""
    from .choices import Role

    return user.is_superuser or user.role in (Role.BUREAU, Role.TOWN)


class ImportErrorOut(Schema):
    row: int
    column: str
    code: str
    message: str


class ImportResultOut(Schema):
    kind: str
    ok: bool
    dry_run: bool
    total: int
    created: int
    updated: int
    errors: list[ImportErrorOut]


@imports_router.post("/{kind}", response={200: ImportResultOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut})
def import_file(request, kind: str, file: File[UploadedFile], dry_run: bool = False):
    """Import an xlsx/csv file of one kind: every row's errors at once, nothing written if any row fails."""
    if not can_import(request.user):
        raise Http404
    try:
        get_spec(kind)
    except ImportFileError:
        raise Http404
    result = run_import(kind, file.read(), file.name or "upload.xlsx", user=request.auth, dry_run=dry_run)
    return result.as_dict()


@imports_router.get("/{kind}/template.xlsx", response={200: None, 401: ErrorOut, 404: ErrorOut})
def import_template(request, kind: str):
    """A template with Chinese headers and an example row."""
    if not can_import(request.user):
        raise Http404
    try:
        data = template_xlsx(kind)
    except ImportFileError:
        raise Http404
    return xlsx_response(data, f"{kind}-template.xlsx")


api.add_router("/imports/", imports_router)

jobs_router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    status: str
    progress: int
    total: int
    percent: int
    message: str
    result: dict


@jobs_router.get("/{int:job_id}", response={200: JobOut, **COMMON_RESPONSES})
def get_job(request, job_id: int):
    """A background job's status and progress (owners and the bureau)."""
    from .models import Job
    from .scope import get_in_scope

    return get_in_scope(Job, request.user, "view", pk=job_id)


@jobs_router.post("/{int:job_id}/retry", response={200: JobOut, 409: ErrorOut, **COMMON_RESPONSES})
def retry_job(request, job_id: int):
    """Start a failed job again."""
    from .jobs import job_retry
    from .models import Job
    from .scope import get_in_scope

    job = get_in_scope(Job, request.user, "view", pk=job_id)
    if job.status != "failed":
        return Status(409, {"detail": "只能重试失败的任务"})
    return job_retry(job)


api.add_router("/jobs/", jobs_router)


def _mount_app_routers() -> None:
    for app in apps.get_app_configs():
        if not app.name.startswith("kechuang.") or app.label == "core":
            continue
        try:
            module = import_module(f"{app.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name == f"{app.name}.api":
                continue
            raise
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router(f"/{app.label}/", router)


_mount_app_routers()

__all__ = ["api", "xlsx_response", "errors_xlsx", "COMMON_RESPONSES", "WRITE_RESPONSES", "ErrorOut"]
