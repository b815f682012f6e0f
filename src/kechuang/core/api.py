"""The one NinjaAPI: every app's `api.router` is mounted under /api/<app>/; errors share one shape."""

import logging
from importlib import import_module
from typing import Annotated

from django.apps import apps
from django.db import DataError
from django.db.models import ProtectedError
from django.http import Http404, HttpResponse, JsonResponse
from ninja import Field, File, NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination
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
# Error answers every operation declares (the fuzz test, web/tests/test_api_fuzz.py, holds the API to them):
# 401 without a session, 404 outside scope (or a URL no operation matches), 422 for a request whose parameters or
# body do not validate ([{field, code, message}], ninja's own checks included), 400 for a body that is not JSON.
QUERY_RESPONSES = {422: ValidationErrorOut}  # a public operation with query parameters
AUTH_RESPONSES = {401: ErrorOut, 422: ValidationErrorOut}  # needs a session, names no object
COMMON_RESPONSES = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_RESPONSES = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


@api.exception_handler(ValidationFailed)
def _validation_failed(request, exc: ValidationFailed):
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(NinjaValidationError)
def _request_invalid(request, exc: NinjaValidationError):
    """Ninja's own checks of a request (types, required fields) answer in the same shape as the services' field
    errors: 422 with [{field, code, message}], the field named without its source (body/query/path)."""
    errors = []
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", ())]
        rest = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
        errors.append({"field": ".".join(rest) or "__all__", "code": str(e.get("type", "invalid")),
                       "message": str(e.get("msg", ""))})
    return api.create_response(request, {"detail": errors}, status=422)


@api.exception_handler(OverflowError)
def _out_of_range(request, exc):
    """A number too large for the database (SQLite raises OverflowError while binding it): the client's error."""
    return api.create_response(request, {"detail": [{"field": "__all__", "code": "out_of_range",
                                                     "message": "数值超出允许范围"}]}, status=422)


@api.exception_handler(DataError)
def _value_not_storable(request, exc):
    """A value the database refuses to store (PostgreSQL: an integer or a number out of its column's range, a text
    too long) that no check before it caught: the client's error, 422, never a 500. The services write inside
    transaction.atomic, so the failed write is rolled back; the message is logged, because a missing check belongs
    in the service."""
    logging.getLogger("kechuang.api").warning("database refused a value on %s %s: %s", request.method,
                                              request.path, str(exc).splitlines()[0] if str(exc) else exc)
    return api.create_response(request, {"detail": [{"field": "__all__", "code": "out_of_range",
                                                     "message": "数值超出允许范围或内容过长"}]}, status=422)


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


# Query parameters that reach a database filter: bounded, so an absurd value is a 422 naming the parameter rather
# than an integer the database cannot hold (OverflowError on SQLite, an aborted transaction on PostgreSQL).
ObjectId = Annotated[int, Field(ge=1, le=2_147_483_647)]
Year = Annotated[int, Field(ge=1900, le=2100)]


class Pagination(PageNumberPagination):
    """Ninja's page-number pagination with bounds: a page number or size beyond them is a 422 naming the parameter,
    never an OFFSET the database cannot hold (a 500 on SQLite)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=1000)


def not_found(request, exception=None):
    """The project's handler404: under /api/ a URL no operation matches (e.g. a negative id where the path takes
    digits) answers in the API's JSON shape; pages get the site's 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not Found"}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


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
    from .jobs import job_check_worker
    from .models import Job
    from .scope import get_in_scope

    return job_check_worker(get_in_scope(Job, request.user, "view", pk=job_id))


@jobs_router.post("/{int:job_id}/retry", response={200: JobOut, 409: ErrorOut, **COMMON_RESPONSES})
def retry_job(request, job_id: int):
    """Start a failed job again."""
    from .jobs import job_check_worker, job_retry
    from .models import Job
    from .scope import get_in_scope

    job = job_check_worker(get_in_scope(Job, request.user, "view", pk=job_id))
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

__all__ = ["api", "xlsx_response", "errors_xlsx", "AUTH_RESPONSES", "COMMON_RESPONSES", "QUERY_RESPONSES", "ObjectId", "Pagination", "Year", "WRITE_RESPONSES", "ErrorOut"]
