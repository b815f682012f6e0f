"""API for enterprises and their annual data, IP and qualifications."""

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core.api import AUTH_RESPONSES, COMMON_RESPONSES, WRITE_RESPONSES, ErrorOut, Pagination, xlsx_response
from kechuang.core.choices import Action
from kechuang.core.scope import get_in_scope

from . import selectors, services
from .exports import enterprises_xlsx
from .models import AnnualData, Enterprise, IPRecord, Qualification

router = Router(tags=["enterprises"])


class EnterpriseOut(Schema):
    id: int
    uscc: str
    name: str
    town_id: str
    town_name: str
    industry_id: str | None
    domain_id: str | None
    founded_on: dt.date
    staff: int
    above_size: bool

    @staticmethod
    def resolve_town_name(obj):
        return obj.town.name


class EnterpriseIn(Schema):
    uscc: str
    name: str
    town: str
    founded_on: str
    industry: str | None = None
    domain: str | None = None
    staff: int | str | None = None
    above_size: bool | str | None = None
    legal_rep: str | None = None
    address: str | None = None


class EnterprisePatch(Schema):
    uscc: str | None = None
    name: str | None = None
    town: str | None = None
    founded_on: str | None = None
    industry: str | None = None
    domain: str | None = None
    staff: int | str | None = None
    above_size: bool | str | None = None
    legal_rep: str | None = None
    address: str | None = None


class EnterpriseFilter(Schema):
    town: str | None = None
    industry: str | None = None
    qualification: str | None = None
    q: str | None = None
    above_size: bool | None = None


class AnnualDataOut(Schema):
    year: int
    staff_total: int
    staff_tech: int
    sales: Decimal
    total_income: Decimal
    non_taxable_income: Decimal
    hitech_income: Decimal
    rd_expense: Decimal
    rd_domestic: Decimal
    net_assets: Decimal
    total_assets: Decimal
    cost_expense_total: Decimal


class AnnualDataIn(Schema):
    """Amounts in 万元 (numbers or decimal strings), as in the import template."""

    year: int
    staff_total: int
    staff_tech: int
    sales: Decimal | str
    total_income: Decimal | str
    non_taxable_income: Decimal | str | None = None
    hitech_income: Decimal | str | None = None
    rd_expense: Decimal | str | None = None
    rd_domestic: Decimal | str | None = None
    net_assets: Decimal | str | None = None
    total_assets: Decimal | str | None = None
    cost_expense_total: Decimal | str | None = None


class IPOut(Schema):
    id: int
    kind: str
    ip_class: str
    number: str
    title: str
    acquisition: str
    granted_on: dt.date
    expires_on: dt.date | None
    used_in_hte: bool


class QualificationOut(Schema):
    id: int
    kind: str
    year: int
    number: str
    batch: str
    issue_date: dt.date
    expiry_date: dt.date | None
    status: str


@router.get("/enterprises", response={200: list[EnterpriseOut], **AUTH_RESPONSES})
@paginate(Pagination, page_size=50)
def list_enterprises(request, filters: Query[EnterpriseFilter]):
    """Enterprises within the caller's scope, filtered by town, industry, valid qualification or a search term."""
    return selectors.enterprise_list(user=request.user, **filters.dict())


@router.get("/enterprises/export.xlsx", response={200: None, **COMMON_RESPONSES})
def export_enterprises(request, filters: Query[EnterpriseFilter]):
    """The same list as an xlsx file (only what the caller may see)."""
    qs = selectors.enterprise_list(user=request.user, **filters.dict())
    return xlsx_response(enterprises_xlsx(qs), "enterprises.xlsx")


@router.get("/enterprises/{int:enterprise_id}", response={200: EnterpriseOut, **COMMON_RESPONSES})
def get_enterprise(request, enterprise_id: int):
    return get_in_scope(Enterprise.objects.select_related("town"), request.user, Action.VIEW, pk=enterprise_id)


@router.post("/enterprises", response={201: EnterpriseOut, 403: None, **WRITE_RESPONSES})
def create_enterprise(request, payload: EnterpriseIn):
    ent = services.enterprise_create(user=request.user, data=payload.dict(exclude_unset=True))
    return Status(201, ent)


@router.patch("/enterprises/{int:enterprise_id}", response={200: EnterpriseOut, **WRITE_RESPONSES})
def update_enterprise(request, enterprise_id: int, payload: EnterprisePatch):
    ent = get_in_scope(Enterprise, request.user, Action.CHANGE, pk=enterprise_id)
    return services.enterprise_update(user=request.user, enterprise=ent, data=payload.dict(exclude_unset=True))


@router.delete("/enterprises/{int:enterprise_id}", response={204: None, 409: ErrorOut, **COMMON_RESPONSES})
def delete_enterprise(request, enterprise_id: int):
    ent = get_in_scope(Enterprise, request.user, Action.DELETE, pk=enterprise_id)
    services.enterprise_delete(user=request.user, enterprise=ent)
    return Status(204, None)


@router.get("/enterprises/{int:enterprise_id}/annual-data", response={200: list[AnnualDataOut], **COMMON_RESPONSES})
def list_annual_data(request, enterprise_id: int):
    ent = get_in_scope(Enterprise, request.user, Action.VIEW, pk=enterprise_id)
    return AnnualData.objects.restrict(request.user).filter(enterprise=ent).order_by("year")


@router.post("/enterprises/{int:enterprise_id}/annual-data", response={200: AnnualDataOut, **WRITE_RESPONSES})
def save_annual_data(request, enterprise_id: int, payload: AnnualDataIn):
    ent = get_in_scope(Enterprise, request.user, Action.VIEW, pk=enterprise_id)
    if not AnnualData.scope.allowed(request.user.role, Action.ADD) and not request.user.is_superuser:
        from django.http import Http404

        raise Http404
    data = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in payload.dict().items()}
    return services.annual_data_save(user=request.user, enterprise=ent, data=data)


@router.get("/enterprises/{int:enterprise_id}/ip", response={200: list[IPOut], **COMMON_RESPONSES})
def list_ip(request, enterprise_id: int):
    ent = get_in_scope(Enterprise, request.user, Action.VIEW, pk=enterprise_id)
    return IPRecord.objects.restrict(request.user).filter(enterprise=ent)


@router.get("/enterprises/{int:enterprise_id}/qualifications", response={200: list[QualificationOut], **COMMON_RESPONSES})
def list_qualifications(request, enterprise_id: int):
    ent = get_in_scope(Enterprise, request.user, Action.VIEW, pk=enterprise_id)
    return Qualification.objects.restrict(request.user).filter(enterprise=ent).order_by("issue_date")
