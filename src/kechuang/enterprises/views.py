"""Enterprise pages: the filtered list (with export) and the detail with the qualification ladder."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from kechuang.core.api import xlsx_response
from kechuang.core.choices import Action, Role
from kechuang.core.scope import get_in_scope
from kechuang.regions.models import Region
from kechuang.regions.choices import RegionLevel

from . import selectors
from .choices import LADDER, QualificationKind
from .exports import enterprises_xlsx
from .models import AnnualData, Enterprise, IPRecord, RDInstitution


def _filters(request) -> dict:
    g = request.GET
    return {
        "town": g.get("town") or None,
        "industry": g.get("industry") or None,
        "qualification": g.get("qualification") or None,
        "q": (g.get("q") or "").strip()[:100] or None,
    }


def _towns_for(user):
    """Towns offered in the filter: those inside the user's scope."""
    qs = Region.objects.filter(level=RegionLevel.TOWN)
    if user.is_superuser:
        from kechuang.regions.services import home_region_code

        return qs.filter(code__startswith=home_region_code())
    if user.role == Role.TOWN:
        return qs.filter(code=user.region_id)
    return qs.filter(code__startswith=user.region_id or "-")


@login_required
def enterprise_list(request):
    filters = _filters(request)
    qs = selectors.enterprise_list(user=request.user, **filters).order_by("name", "pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rungs = selectors.current_rung([e.pk for e in page.object_list])
    rows = [(e, QualificationKind(rungs[e.pk]).label if e.pk in rungs else "") for e in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "enterprises/list.html", {
        "page": page, "rows": rows, "filters": filters, "towns": _towns_for(request.user),
        "ladder": [(k, QualificationKind(k).label) for k in LADDER], "query": query.urlencode(),
    })


@login_required
def enterprise_export(request):
    qs = selectors.enterprise_list(user=request.user, **_filters(request))
    return xlsx_response(enterprises_xlsx(qs), "enterprises.xlsx")


@login_required
def enterprise_detail(request, pk: int):
    ent = get_in_scope(Enterprise.objects.select_related("town__parent", "industry", "domain"), request.user,
                       Action.VIEW, pk=pk)
    return render(request, "enterprises/detail.html", {
        "e": ent,
        "ladder": selectors.ladder(ent, request.user),
        "annual": AnnualData.objects.restrict(request.user).filter(enterprise=ent).order_by("-year")[:5],
        "ip": IPRecord.objects.restrict(request.user).filter(enterprise=ent)[:50],
        "rd": RDInstitution.objects.restrict(request.user).filter(enterprise=ent),
        "actions": enterprise_actions(request.user, ent),
    })


@login_required
def reveal_phone(request, pk: int):
    """Show an enterprise's full phone number once, and record who looked (个人信息保护法: access is audited)."""
    from django.http import HttpResponse, HttpResponseNotAllowed

    from kechuang.core.models import PIIAccess

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    ent = get_in_scope(Enterprise, request.user, Action.CHANGE, pk=pk)
    PIIAccess.objects.create(user=request.user, object_label=f"enterprises.Enterprise:{ent.pk}", field="contact_phone")
    return HttpResponse(ent.contact_phone or "—", content_type="text/plain; charset=utf-8")


def enterprise_actions(user, enterprise) -> list[dict]:
    """Buttons other apps offer on an enterprise page (self-assessment, policies …) via `nav.enterprise_actions`."""
    from importlib import import_module

    from django.apps import apps

    out = []
    for app in apps.get_app_configs():
        if not app.name.startswith("kechuang."):
            continue
        try:
            module = import_module(f"{app.name}.nav")
        except ModuleNotFoundError:
            continue
        hook = getattr(module, "enterprise_actions", None)
        if hook is not None:
            out.extend(hook(user, enterprise))
    return out
