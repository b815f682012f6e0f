"""Finance pages. Thin: reads come from selectors (restrict first), writes go to the same services as the API."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core.api import xlsx_response
from kechuang.core.choices import Action, Role
from kechuang.core.errors import ValidationFailed
from kechuang.core.scope import get_in_scope
from kechuang.enterprises.models import Bank, Enterprise, ServiceAgency

from . import loans as loan_services
from . import selectors, subsidy, vouchers
from .actions import buttons, run_action
from .choices import EntryKind, GrantStatus, LoanStatus, OrderStatus, ProgrammeStatus
from .flows import RoleRefused, actor_role
from .forms import ApplicationForm, BudgetForm, ClaimForm, LoanForm, OrderForm, PolicyForm, ProgrammeForm
from .ledger import exact_sums, grant_balances, grants_balances, loan_balances, loans_balances, order_paid, order_reserved, programme_balances
from .models import (ClaimDocument, FlowEvent, LedgerEntry, Loan, RiskPoolFund, SubsidyAward, SubsidyBatch, SubsidyLine,
                     SubsidyPolicy, VoucherApplication, VoucherGrant, VoucherOrder, VoucherProgramme, VoucherPublicity)

DETAIL = {"programme": "finance:programme", "application": "finance:application", "grant": "finance:grant",
          "order": "finance:order", "loan": "finance:loan", "batch": "finance:batch"}


def _role(user) -> str:
    return actor_role(user)


def _is_bureau(user) -> bool:
    return _role(user) in (Role.BUREAU, Role.AUDITOR)


def _need_bureau(user):
    if not _is_bureau(user):
        raise Http404


def _page(request, qs, size=50):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _errors_to_form(form, exc: ValidationFailed):
    for e in exc.errors:
        field = e["field"] if e["field"] in form.fields else None
        form.add_error(field, e["message"])


def _enterprise_initial(request) -> dict:
    """?enterprise=<id> (the "apply on behalf" buttons of an enterprise page) pre-fills the bureau's form."""
    value = request.GET.get("enterprise") or ""
    return {"enterprise": int(value)} if value.isdigit() else {}


def _prefilled(request):
    """The enterprise named by ?enterprise=<id>, if the user may see it (shown above the pre-filled form)."""
    value = request.GET.get("enterprise") or ""
    return Enterprise.objects.restrict(request.user).filter(pk=int(value)).first() if value.isdigit() else None


def _events(flow: str, obj, user):
    return FlowEvent.objects.restrict(user).filter(flow=flow, object_id=obj.pk).select_related("actor").order_by("pk")


@login_required
def index(request):
    """The finance desk, by role: the bureau's queues and totals, an enterprise's vouchers and loans, an agency's
    orders, a bank's loans."""
    user = request.user
    ctx = {"role": _role(user)}
    if _is_bureau(user) or user.role == Role.TOWN:
        progs = list(selectors.programmes(user)[:5])
        for p in progs:
            p.bal = programme_balances(p)
        ctx["programmes"] = progs
        ctx["queues"] = [
            (_("待审核创新券申请"), selectors.applications(user, status="submitted").count(), reverse("finance:applications") + "?status=submitted"),
            (_("待审核结算"), selectors.orders(user, status=OrderStatus.CLAIMED).count(), reverse("finance:orders") + "?status=claimed"),
            (_("待公示"), selectors.orders(user, status=OrderStatus.APPROVED).count(), reverse("finance:orders") + "?status=approved"),
            (_("公示中（待兑付）"), selectors.orders(user, status=OrderStatus.PUBLISHED).count(), reverse("finance:orders") + "?status=published"),
            (_("待初审贷款"), selectors.loans(user, status=LoanStatus.SUBMITTED).count(), reverse("finance:loans") + "?status=submitted"),
            (_("逾期贷款"), selectors.loans(user, status=LoanStatus.OVERDUE).count(), reverse("finance:loans") + "?status=overdue"),
            (_("已违约待代偿"), selectors.loans(user, status=LoanStatus.DEFAULTED).count(), reverse("finance:loans") + "?status=defaulted"),
        ]
    if user.role == Role.ENTERPRISE:
        grants = list(selectors.grants(user))
        bal = grants_balances([g.pk for g in grants])
        for g in grants:
            g.bal = bal[g.pk]
        ctx["grants"] = grants
        ctx["applications"] = selectors.applications(user)[:10]
        ctx["loans"] = selectors.loans(user)[:10]
        ctx["open_programmes"] = VoucherProgramme.objects.restrict(user).filter(status=ProgrammeStatus.OPEN)
    if user.role == Role.AGENCY:
        ctx["orders"] = selectors.orders(user)[:20]
    if user.role == Role.BANK:
        ctx["loans"] = selectors.loans(user)[:20]
    return render(request, "finance/index.html", ctx)


@login_required
@require_POST
def step(request, flow: str, pk: int, action: str):
    """Take one workflow step from a page; refusals come back as messages with their reasons."""
    if flow not in DETAIL:
        raise Http404
    try:
        run_action(request.user, flow, pk, action, request.POST)
        messages.success(request, _("操作已完成"))
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(request, e["message"])
    except RoleRefused as exc:
        raise PermissionDenied(exc.message)
    return redirect(DETAIL[flow], pk=pk)


# ---------------------------------------------------------------------------------------------------- programmes

@login_required
def programme_list(request):
    _need_bureau(request.user)
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            p = vouchers.programme_create(user=request.user, data={k: v for k, v in data.items() if v not in (None, "")})
        except RoleRefused as exc:
            raise PermissionDenied(exc.message)
        except ValidationFailed as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("方案已设立"))
            return redirect("finance:programme", pk=p.pk)
    progs = list(selectors.programmes(request.user))
    for p in progs:
        p.bal = programme_balances(p)
    return render(request, "finance/programme_list.html", {"programmes": progs, "form": form,
                                                            "can_create": _role(request.user) == Role.BUREAU})


@login_required
def programme_detail(request, pk: int):
    p = get_in_scope(VoucherProgramme, request.user, Action.VIEW, pk=pk)
    budget_form = BudgetForm(request.POST or None)
    is_bureau = _is_bureau(request.user) and VoucherProgramme.objects.restrict(request.user, Action.CHANGE).filter(pk=pk).exists()
    if request.method == "POST":
        if not is_bureau:
            raise Http404
        if budget_form.is_valid():
            try:
                vouchers.programme_budget_add(user=request.user, programme=p, amount=budget_form.cleaned_data["amount"],
                                              note=budget_form.cleaned_data["note"])
                messages.success(request, _("预算已追加"))
                return redirect("finance:programme", pk=pk)
            except RoleRefused as exc:
                raise PermissionDenied(exc.message)
            except ValidationFailed as exc:
                _errors_to_form(budget_form, exc)
    ctx = {"p": p, "buttons": buttons("programme", p, request.user), "is_bureau": is_bureau, "budget_form": budget_form}
    if is_bureau:
        ctx["report"] = selectors.programme_report(p)
        ctx["events"] = _events("programme", p, request.user)
    return render(request, "finance/programme_detail.html", ctx)


@login_required
@require_POST
def programme_expire_due(request, pk: int):
    """Expire the programme's grants whose validity has ended (the same job as `finance_expire_grants`)."""
    p = get_in_scope(VoucherProgramme, request.user, Action.CHANGE, pk=pk)
    if _role(request.user) != Role.BUREAU:
        raise Http404
    result = vouchers.grants_expire_due(user=request.user, programme=p)
    messages.success(request, _("已收回 %(n)s 张到期创新券，共 %(a)s 元") % {"n": result["expired"], "a": result["returned"]})
    return redirect("finance:programme", pk=pk)


@login_required
def reconcile(request):
    _need_bureau(request.user)
    year = request.GET.get("year")
    report = selectors.reconciliation(request.user, year=int(year) if year and year.isdigit() else None)
    return render(request, "finance/reconcile.html", {"report": report})


# ---------------------------------------------------------------------------------------------------- applications

@login_required
def application_list(request):
    user = request.user
    open_programmes = VoucherProgramme.objects.restrict(user).filter(status=ProgrammeStatus.OPEN).order_by("-year")
    can_apply = _role(user) in (Role.ENTERPRISE, Role.BUREAU) and open_programmes.exists()
    form = ApplicationForm(request.POST or None, initial=_enterprise_initial(request))
    form.fields["programme"].choices = [(p.pk, p.name) for p in open_programmes]
    if _role(user) == Role.ENTERPRISE:
        del form.fields["enterprise"]
    if request.method == "POST":
        if not can_apply:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            programme = get_in_scope(VoucherProgramme, user, Action.VIEW, pk=d["programme"])
            ent_id = d.get("enterprise") or user.enterprise_id
            if not ent_id:
                form.add_error("enterprise", _("请填写企业编号"))
            else:
                enterprise = get_in_scope(Enterprise, user, Action.VIEW, pk=ent_id)
                try:
                    app = vouchers.application_submit(user=user, programme=programme, enterprise=enterprise,
                                                      data={"amount": d["amount"], "purpose": d["purpose"],
                                                            "categories": d["categories"]})
                except RoleRefused as exc:
                    raise PermissionDenied(exc.message)
                except ValidationFailed as exc:
                    _errors_to_form(form, exc)
                else:
                    messages.success(request, _("申请已提交"))
                    return redirect("finance:application", pk=app.pk)
    status = request.GET.get("status") or None
    page = _page(request, selectors.applications(user, status=status))
    return render(request, "finance/application_list.html", {"page": page, "form": form, "can_apply": can_apply,
                                                              "status": status, "prefill": _prefilled(request)})


@login_required
def application_detail(request, pk: int):
    app = get_in_scope(VoucherApplication.objects.select_related("enterprise", "programme"), request.user, Action.VIEW, pk=pk)
    grant = VoucherGrant.objects.filter(application=app).first()
    eligibility = vouchers.holder_reasons(app.programme, app.enterprise, app.applied_on) if _is_bureau(request.user) else None
    return render(request, "finance/application_detail.html", {
        "a": app, "grant": grant, "buttons": buttons("application", app, request.user), "eligibility": eligibility,
        "events": _events("application", app, request.user)})


# ---------------------------------------------------------------------------------------------------- grants

@login_required
def grant_list(request):
    status = request.GET.get("status") or None
    page = _page(request, selectors.grants(request.user, status=status))
    bal = grants_balances([g.pk for g in page.object_list])
    rows = [(g, bal[g.pk]) for g in page.object_list]
    return render(request, "finance/grant_list.html", {"page": page, "rows": rows, "status": status})


@login_required
def grant_detail(request, pk: int):
    user = request.user
    g = get_in_scope(VoucherGrant.objects.select_related("enterprise", "programme"), user, Action.VIEW, pk=pk)
    can_order = _role(user) in (Role.ENTERPRISE, Role.BUREAU) and g.status == GrantStatus.ACTIVE
    agencies = ServiceAgency.objects.restrict(user).filter(voucher_listed=True).order_by("name")
    form = OrderForm(request.POST or None)
    form.fields["agency"].choices = [(a.pk, a.name) for a in agencies]
    form.fields["category"].choices = [(c, lbl) for c, lbl in form.fields["category"].choices if c in g.programme.categories]
    if request.method == "POST":
        if not can_order:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            agency = get_in_scope(ServiceAgency, user, Action.VIEW, pk=d["agency"])
            try:
                order = vouchers.order_create(user=user, grant=g, agency=agency,
                                              data={"category": d["category"], "service": d["service"], "fee": d["fee"]})
            except RoleRefused as exc:
                raise PermissionDenied(exc.message)
            except ValidationFailed as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("订单已提交，等待服务机构确认"))
                return redirect("finance:order", pk=order.pk)
    return render(request, "finance/grant_detail.html", {
        "g": g, "bal": grant_balances(g), "orders": selectors.orders(user, grant=g), "form": form,
        "can_order": can_order, "tiers_text": g.programme.tiers_text, "buttons": buttons("grant", g, user),
        "ledger": selectors.ledger(user, grant=g), "events": _events("grant", g, user)})


# ---------------------------------------------------------------------------------------------------- orders

@login_required
def order_list(request):
    status = request.GET.get("status") or None
    page = _page(request, selectors.orders(request.user, status=status))
    return render(request, "finance/order_list.html", {"page": page, "status": status, "statuses": OrderStatus.choices})


@login_required
def order_detail(request, pk: int):
    user = request.user
    o = get_in_scope(VoucherOrder.objects.select_related("enterprise", "agency", "grant", "programme"), user, Action.VIEW, pk=pk)
    can_claim = o.status == OrderStatus.DELIVERED and _role(user) in (Role.AGENCY, Role.ENTERPRISE)
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_claim and not (request.POST.get("idempotency_key") and o.claims.filter(
                idempotency_key=request.POST.get("idempotency_key")).exists()):
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            docs = [{"kind": k, "file": d.get(k), "reference": d.get(f"{k}_ref") or ""}
                    for k in ("contract", "invoice", "payment", "report")]
            try:
                claim, created = vouchers.order_claim(user=user, order=o, idempotency_key=d["idempotency_key"],
                                                      invoice_amount=d["invoice_amount"], documents=docs, note=d["note"])
            except RoleRefused as exc:
                raise PermissionDenied(exc.message)
            except ValidationFailed as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("结算申请已提交") if created else _("该结算申请此前已提交，未重复提交"))
                return redirect("finance:order", pk=pk)
    claims = o.claims.restrict(user).prefetch_related("documents").order_by("-pk")
    return render(request, "finance/order_detail.html", {
        "o": o, "reserved": order_reserved(o), "paid": order_paid(o), "claims": claims, "form": form,
        "can_claim": can_claim, "buttons": buttons("order", o, user), "events": _events("order", o, user)})


@login_required
def document_download(request, pk: int):
    doc = get_in_scope(ClaimDocument, request.user, Action.VIEW, pk=pk)
    if not doc.file:
        raise Http404
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.name or "document")


def publicity(request):
    """Settlements under public notice (公示): open to everyone."""
    page = _page(request, VoucherPublicity.objects.restrict(request.user).order_by("-start", "-pk"))
    return render(request, "finance/publicity.html", {"page": page})


@login_required
def ledger(request):
    book = request.GET.get("book") or None
    kind = request.GET.get("kind") or None
    page = _page(request, selectors.ledger(request.user, book=book, kind=kind), 100)
    return render(request, "finance/ledger.html", {"page": page, "book": book, "kind": kind,
                                                    "kinds": EntryKind.choices})


# ---------------------------------------------------------------------------------------------------- loans

@login_required
def loan_list(request):
    user = request.user
    funds = RiskPoolFund.objects.restrict(user).filter(active=True).prefetch_related("banks").order_by("pk")
    can_apply = _role(user) in (Role.ENTERPRISE, Role.BUREAU) and funds.exists()
    form = LoanForm(request.POST or None, initial=_enterprise_initial(request))
    form.fields["fund"].choices = [(f.pk, f.name) for f in funds]
    form.fields["bank"].choices = sorted({(b.pk, b.name) for f in funds for b in f.banks.all()}, key=lambda x: x[1])
    if _role(user) == Role.ENTERPRISE:
        del form.fields["enterprise"]
    if request.method == "POST":
        if not can_apply:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            fund = get_in_scope(RiskPoolFund, user, Action.VIEW, pk=d["fund"])
            bank = get_in_scope(Bank, user, Action.VIEW, pk=d["bank"])
            ent_id = d.get("enterprise") or user.enterprise_id
            if not ent_id:
                form.add_error("enterprise", _("请填写企业编号"))
            else:
                enterprise = get_in_scope(Enterprise, user, Action.VIEW, pk=ent_id)
                try:
                    loan = loan_services.loan_apply(user=user, fund=fund, enterprise=enterprise, bank=bank,
                                                    data={"amount": d["amount"], "term_months": d["term_months"],
                                                          "purpose": d["purpose"]})
                except RoleRefused as exc:
                    raise PermissionDenied(exc.message)
                except ValidationFailed as exc:
                    _errors_to_form(form, exc)
                else:
                    messages.success(request, _("贷款申请已提交"))
                    return redirect("finance:loan", pk=loan.pk)
    status = request.GET.get("status") or None
    page = _page(request, selectors.loans(user, status=status))
    bal = loans_balances([ln.pk for ln in page.object_list])
    rows = [(ln, bal[ln.pk]) for ln in page.object_list]
    return render(request, "finance/loan_list.html", {"page": page, "rows": rows, "form": form, "can_apply": can_apply,
                                                       "status": status, "statuses": LoanStatus.choices, "funds": funds,
                                                       "prefill": _prefilled(request)})


@login_required
def loan_detail(request, pk: int):
    user = request.user
    ln = get_in_scope(Loan.objects.select_related("enterprise", "bank", "fund"), user, Action.VIEW, pk=pk)
    losses = sorted(exact_sums(LedgerEntry.objects.restrict(user).filter(loan=ln, kind=EntryKind.LOSS), "party").items())
    return render(request, "finance/loan_detail.html", {
        "ln": ln, "bal": loan_balances(ln), "buttons": buttons("loan", ln, user), "losses": losses,
        "ledger": selectors.ledger(user, loan=ln), "events": _events("loan", ln, user)})


# ---------------------------------------------------------------------------------------------------- subsidy

@login_required
def subsidy_list(request):
    _need_bureau(request.user)
    form = PolicyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                subsidy.policy_create(user=request.user, data={k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
            except RoleRefused as exc:
                raise PermissionDenied(exc.message)
            except ValidationFailed as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("贴息政策已设立"))
                return redirect("finance:subsidy")
    policies = SubsidyPolicy.objects.restrict(request.user).order_by("-year")
    rows = [(p, SubsidyBatch.objects.filter(policy=p).first()) for p in policies]
    return render(request, "finance/subsidy_list.html", {"rows": rows, "form": form,
                                                          "can_create": _role(request.user) == Role.BUREAU})


@login_required
@require_POST
def subsidy_compute(request, pk: int):
    _need_bureau(request.user)
    policy = get_in_scope(SubsidyPolicy, request.user, Action.CHANGE, pk=pk)
    try:
        batch = subsidy.batch_compute(user=request.user, policy=policy)
    except RoleRefused as exc:
        raise PermissionDenied(exc.message)
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(request, e["message"])
        return redirect("finance:subsidy")
    messages.success(request, _("测算完成"))
    return redirect("finance:batch", pk=batch.pk)


@login_required
def batch_detail(request, pk: int):
    _need_bureau(request.user)
    b = get_in_scope(SubsidyBatch.objects.select_related("policy"), request.user, Action.VIEW, pk=pk)
    awards = SubsidyAward.objects.restrict(request.user).filter(batch=b).select_related("enterprise").order_by("enterprise__name")
    lines = SubsidyLine.objects.restrict(request.user).filter(batch=b).select_related("enterprise", "loan", "bank")
    return render(request, "finance/batch_detail.html", {
        "b": b, "totals": subsidy.batch_totals(b), "awards": awards, "lines": lines[:500], "line_count": lines.count(),
        "buttons": buttons("batch", b, request.user), "rounding": subsidy.ROUNDING_NOTE,
        "events": _events("batch", b, request.user)})


@login_required
def batch_export(request, pk: int):
    _need_bureau(request.user)
    b = get_in_scope(SubsidyBatch.objects.select_related("policy"), request.user, Action.VIEW, pk=pk)
    return xlsx_response(subsidy.batch_xlsx(b, request.user), f"interest-subsidy-{b.policy.year}.xlsx")
