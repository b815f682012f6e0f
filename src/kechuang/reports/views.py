"""Pages of the reports app: ask for a report (a background job with progress), list and download generated
reports. The bureau asks for annual summaries and quarterly analyses of regions inside its own; a town assistant
for its town's quarterly analysis only; everyone else finds nothing here (404)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kechuang.core.choices import Action
from kechuang.core.errors import ValidationFailed
from kechuang.core.scope import get_in_scope

from . import selectors, services
from .choices import ReportKind
from .models import Report

CONTENT_TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "pdf": "application/pdf"}


def _page(request, *, errors: dict | None = None, data: dict | None = None, status: int = 200):
    user = request.user
    kinds = selectors.kinds_for(user)
    forms = [{"kind": k, "label": ReportKind(k).label, "regions": list(selectors.regions_for(user, k))} for k in kinds]
    page = Paginator(selectors.report_list(user), 30).get_page(request.GET.get("page"))
    return render(request, "reports/index.html", {
        "forms": forms, "years": selectors.years(), "quarters": [1, 2, 3, 4], "page": page,
        "errors": errors or {}, "data": data or {},
    }, status=status)


@login_required
def index(request):
    if not selectors.may_use(request.user):
        raise Http404
    return _page(request)


@login_required
@require_POST
def create(request):
    user = request.user
    if not selectors.may_use(user):
        raise Http404
    kind = request.POST.get("kind", "")
    if kind not in selectors.kinds_for(user):
        raise Http404  # e.g. a town assistant asking for an annual summary: not offered, does not exist
    data = {k: request.POST.get(k, "") for k in ("kind", "region", "year", "quarter")}
    try:
        report = services.report_request(user=user, kind=kind, region=data["region"], year=data["year"],
                                         quarter=data["quarter"] or None)
    except ValidationFailed as exc:
        return _page(request, errors=exc.by_field(), data=data, status=400)
    return redirect("job", pk=report.job_id)


@login_required
def download(request, pk: int, fmt: str):
    if fmt not in CONTENT_TYPES:
        raise Http404
    report = get_in_scope(Report, request.user, Action.VIEW, pk=pk)
    path = services.report_file(report, fmt)
    if path is None:
        raise Http404
    filename = f"{report.title or report.pk}.{fmt}"
    return FileResponse(open(path, "rb"), as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])
