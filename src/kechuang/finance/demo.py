"""Demo data for tech finance: last year's and this year's voucher programmes with a year of activity, a risk pool
with loans at the demo bank (repaid, overdue, one compensated), and last year's interest-subsidy batch.

Everything goes through the services with back-dated business dates, so the ledger, the events and the
reconciliation are exactly what real use would produce (and the reconciliation balances).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kechuang.core.errors import ValidationFailed
from kechuang.enterprises.models import Bank, Enterprise, Qualification, ServiceAgency

from . import loans as L
from . import subsidy as S
from . import vouchers as V
from .choices import RelationKind, ServiceCategory
from .engine.eligibility import Qual, age_ok, holder_kinds_met
from .engine.money import tiered_subsidy
from .models import AgencyProfile, AgencyRelation

CATEGORY_WORDS = [("检", ServiceCategory.TESTING), ("测", ServiceCategory.TESTING), ("计量", ServiceCategory.TESTING),
                  ("知识产权", ServiceCategory.IP), ("专利", ServiceCategory.IP), ("咨询", ServiceCategory.CONSULTING),
                  ("设计", ServiceCategory.DESIGN), ("技术转移", ServiceCategory.TRANSFER), ("成果", ServiceCategory.TRANSFER),
                  ("仪器", ServiceCategory.INSTRUMENT), ("标准", ServiceCategory.STANDARD), ("软件", ServiceCategory.TESTING)]
SERVICES = {
    ServiceCategory.TESTING: ["产品型式试验", "EMC电磁兼容检测", "材料成分分析", "软件产品登记测试"],
    ServiceCategory.INSTRUMENT: ["扫描电镜测试", "X射线衍射分析", "高低温循环试验"],
    ServiceCategory.IP: ["发明专利申请代理", "专利导航分析", "高价值专利培育"],
    ServiceCategory.CONSULTING: ["高企认定辅导", "研发费用归集咨询", "技术路线咨询"],
    ServiceCategory.DESIGN: ["工业产品外观设计", "结构设计优化"],
    ServiceCategory.TRANSFER: ["技术成果评价", "技术需求对接"],
    ServiceCategory.STANDARD: ["团体标准制定咨询"],
    ServiceCategory.JOINT_RD: ["联合开发原型样机"],
}
HOLDERS = ["tsme", "startup", "pool"]


def load(ctx) -> None:
    _ACTORS.clear()
    today = ctx.today
    bureau = ctx.users["bureau"]
    agency_user = ctx.users["agency"]
    bank_user = ctx.users["bank"]
    clerk = ctx.users["enterprise"]
    agencies = _agencies(ctx)
    _ensure_clerk_eligible(ctx, clerk.enterprise)

    holders = _holder_index(ctx)
    stats = {"applications": 0, "grants": 0, "orders": 0, "paid": 0}
    for year in (today.year - 1, today.year):
        budget = Decimal("6000000.00") if year < today.year else Decimal("8000000.00")
        p = V.programme_create(user=bureau, on=dt.date(year, 1, 4), data={
            "year": year, "name": f"{year}年度鄞州区科技创新券", "budget": budget, "annual_cap": "200000",
            "tiers": "50000:1\n:0.5", "holder_kinds": HOLDERS, "categories": list(ServiceCategory.values),
            "publicity_days": 5, "grant_days": 180 if year == today.year else None,
            "notes": "演示方案：5万元（含）以内按实际费用100%抵扣，超出部分按50%抵扣；每户每年不超过20万元。"})
        p = V.programme_open(user=bureau, programme=p, on=dt.date(year, 1, 5))
        end = min(today, dt.date(year, 12, 31))
        _voucher_year(ctx, p, end, holders, agencies, bureau, agency_user, stats)
        if year < today.year:
            # New Year's Day: last year's grants lapse, their unused rest returns to the budget; the programme closes.
            V.grants_expire_due(user=None, on=dt.date(year + 1, 1, 1), programme=p)
            V.programme_close(user=bureau, programme=p, on=dt.date(year + 1, 1, 2))
        else:
            _clerk_grant(ctx, p, clerk, bureau, agencies)
            V.grants_expire_due(user=None, on=today, programme=p)  # grants past their 180 days lapse
    ctx.log(f"创新券：{stats['applications']} 份申请，{stats['grants']} 张券，{stats['orders']} 笔订单，{stats['paid']} 笔已兑付")

    fund = _risk_pool(ctx, bureau)
    n = _loans(ctx, fund, bureau, bank_user)
    ctx.log(f"风险池：{n} 笔贷款")
    _subsidy(ctx, bureau)


def _agencies(ctx) -> list[tuple[ServiceAgency, list[str]]]:
    out = []
    surnames = "孙钱周吴郑冯陈褚卫蒋沈韩"
    for i, agency in enumerate(ServiceAgency.objects.filter(voucher_listed=True).order_by("pk")):
        cats = []
        for word, cat in CATEGORY_WORDS:
            if word in agency.services + agency.name and cat not in cats:
                cats.append(cat)
        if not cats:
            cats = [ServiceCategory.CONSULTING]
        if i == 0:
            cats = list(dict.fromkeys(cats + [ServiceCategory.TESTING, ServiceCategory.INSTRUMENT, ServiceCategory.JOINT_RD]))
        AgencyProfile.objects.create(agency=agency, legal_rep=f"{surnames[i % len(surnames)]}{'建国立新志强海燕'[i % 8]}",
                                     categories=cats)
        out.append((agency, cats))
    return out


def _quals(ent_ids) -> dict[int, list[Qual]]:
    out: dict[int, list[Qual]] = {}
    for q in Qualification.objects.filter(enterprise_id__in=ent_ids, kind__in=HOLDERS).values(
            "enterprise_id", "kind", "year", "issue_date", "expiry_date", "status"):
        out.setdefault(q["enterprise_id"], []).append(
            Qual(q["kind"], q["year"], q["issue_date"], q["expiry_date"], q["status"] == "revoked"))
    return out


def _holder_index(ctx):
    ents = list(Enterprise.objects.filter(town__code__startswith=ctx.home).values_list("pk", "founded_on"))
    quals = _quals([pk for pk, _ in ents])
    return {"founded": dict(ents), "quals": quals}


def _ensure_clerk_eligible(ctx, ent) -> None:
    """The demo enterprise login must be able to hold a voucher this year (a tech-SME registration if it has none)."""
    quals = list(_quals([ent.pk]).get(ent.pk, []))
    if not holder_kinds_met(quals, HOLDERS, year=ctx.today.year, on=ctx.today - dt.timedelta(days=12)):
        issue = max(dt.date(ctx.today.year, 1, 10), ctx.today - dt.timedelta(days=60))
        Qualification.objects.create(enterprise=ent, kind="tsme", year=ctx.today.year, issue_date=issue,
                                     expiry_date=dt.date(ctx.today.year + 1, 3, 31),
                                     number=f"{ctx.today.year}330212{ent.pk:06d}")


def _voucher_year(ctx, p, end: dt.date, holders, agencies, bureau, agency_user, stats) -> None:
    rng = ctx.rng
    start = dt.date(p.year, 1, 10)
    span = (end - start).days - 15
    if span <= 0:
        return
    candidates = sorted(pk for pk in holders["quals"] if pk != ctx.users["enterprise"].enterprise_id)
    rng.shuffle(candidates)
    demo_agency = agency_user.agency
    n_apps = 24 if p.year < ctx.today.year else max(8, min(22, span // 12))
    made = 0
    cancelled_one = declined_one = returned_one = rejected_one = False
    for ent_id in candidates:
        if made >= n_apps:
            break
        applied = start + dt.timedelta(days=rng.randint(0, span))
        if not holder_kinds_met(holders["quals"][ent_id], HOLDERS, year=p.year, on=applied):
            continue
        ent = Enterprise.objects.get(pk=ent_id)
        related = set(AgencyRelation.objects.filter(enterprise=ent).values_list("agency_id", flat=True))
        amount = Decimal(rng.choice([50000, 80000, 100000, 120000, 150000, 200000]))
        try:
            app = V.application_submit(user=bureau, programme=p, enterprise=ent, on=applied, data={
                "amount": amount, "purpose": "开展检验检测和研发合作", "categories": ["testing", "consulting"]})
        except ValidationFailed:
            continue
        made += 1
        stats["applications"] += 1
        decided = applied + dt.timedelta(days=rng.randint(3, 10))
        if decided > end:
            continue  # still pending review
        if made % 11 == 5:
            V.application_reject(user=bureau, application=app, on=decided, note="研发活动与申请用途不符，请补充材料后再申请")
            continue
        if made == 3 and AgencyRelation.objects.count() == 0:
            # An agency related to this holder (same group): it may not serve them.
            AgencyRelation.objects.create(agency=agencies[1][0], enterprise=ent, kind=RelationKind.SAME_GROUP,
                                          note="同一集团控股")
            related.add(agencies[1][0].pk)
        try:
            grant = V.application_approve(user=bureau, application=app, on=decided,
                                          amount=amount if made % 4 else amount - Decimal(20000))
        except ValidationFailed as exc:
            V.application_reject(user=bureau, application=app, on=decided, note=exc.errors[0]["message"])
            continue
        stats["grants"] += 1
        if not cancelled_one and made % 7 == 0:
            V.grant_cancel(user=bureau, grant=grant, on=decided + dt.timedelta(days=20), note="企业申请放弃创新券")
            cancelled_one = True
            continue
        left = grant.amount
        for k in range(rng.choice([1, 1, 2, 2, 3])):
            placed = decided + dt.timedelta(days=rng.randint(5, 40) + 30 * k)
            if placed > min(end, grant.valid_until):
                break
            agency, cats = demo_agency_pick(rng, agencies, demo_agency)
            if agency.pk in related:
                continue
            cat = rng.choice(cats)
            fee = Decimal(rng.choice([18000, 30000, 45000, 60000, 76000, 90000, 120000]))
            sub = tiered_subsidy(fee, p.tier_list())
            if sub > left:
                fee = left  # a service no larger than what is left (100% tier covers it when ≤ 5万)
                sub = tiered_subsidy(fee, p.tier_list())
                if sub > left or sub <= 0:
                    break
            order = V.order_create(user=bureau, grant=grant, agency=agency, on=placed,
                                   data={"category": cat, "service": rng.choice(SERVICES[cat]), "fee": fee})
            left -= sub
            stats["orders"] += 1
            _progress(ctx, order, placed, min(end, grant.valid_until), bureau, agency, stats,
                      flags={"decline": not declined_one and stats["orders"] % 9 == 4,
                             "return": not returned_one and stats["orders"] % 6 == 2,
                             "reject": not rejected_one and stats["orders"] % 13 == 7})
            declined_one |= stats["orders"] % 9 == 4
            returned_one |= stats["orders"] % 6 == 2
            rejected_one |= stats["orders"] % 13 == 7


def demo_agency_pick(rng, agencies, demo_agency):
    """Most orders go to the demo agency (so its login has plenty to see), the rest spread over the others."""
    if rng.random() < 0.6:
        for agency, cats in agencies:
            if agency.pk == demo_agency.pk:
                return agency, cats
    return rng.choice(agencies)


_ACTORS: dict = {}


def _agency_user_for(agency, default):
    if agency.pk not in _ACTORS:
        _ACTORS[agency.pk] = agency.users.first() or default
    return _ACTORS[agency.pk]


def _progress(ctx, order, placed, end, bureau, agency, stats, flags) -> None:
    """Walk an order as far as its dates allow: confirm, deliver, claim, review, publish, pay."""
    rng = ctx.rng
    actor = _agency_user_for(agency, None)
    if actor is None:
        actor = _ACTORS[agency.pk] = _agency_actor(agency)
    day = placed + dt.timedelta(days=rng.randint(1, 4))
    if day > end:
        return
    if flags["decline"]:
        V.order_decline(user=actor, order=order, on=day, note="该检测项目超出本机构资质范围")
        return
    V.order_confirm(user=actor, order=order, on=day)
    day += dt.timedelta(days=rng.randint(10, 40))
    if day > end:
        return
    V.order_deliver(user=actor, order=order, on=day)
    day += dt.timedelta(days=rng.randint(2, 8))
    if day > ctx.today:
        return
    invoice = order.fee if rng.random() < 0.8 else (order.fee * Decimal("0.9")).quantize(Decimal("0.01"))
    docs = [{"kind": k, "reference": f"{k.upper()}-{order.pk:05d}"} for k in ("contract", "invoice", "payment", "report")]
    V.order_claim(user=actor, order=order, idempotency_key=f"demo-claim-{order.pk}-1", invoice_amount=invoice,
                  documents=docs, on=day)
    day += dt.timedelta(days=rng.randint(3, 10))
    if day > ctx.today:
        return
    if flags["return"]:
        V.order_return(user=bureau, order=order, on=day, note="支付凭证不清晰，请重新上传")
        day += dt.timedelta(days=3)
        if day > ctx.today:
            return
        V.order_claim(user=actor, order=order, idempotency_key=f"demo-claim-{order.pk}-2", invoice_amount=invoice,
                      documents=docs, on=day, note="已补充清晰的支付凭证")
        day += dt.timedelta(days=4)
        if day > ctx.today:
            return
    if flags["reject"]:
        V.order_reject(user=bureau, order=order, on=day, note="服务结果报告与合同约定内容不符")
        return
    V.order_approve(user=bureau, order=order, on=day)
    day += dt.timedelta(days=rng.randint(1, 5))
    if day > ctx.today:
        return
    V.order_publish(user=bureau, order=order, on=day)
    day += dt.timedelta(days=order.programme.publicity_days + rng.randint(1, 6))
    if day > ctx.today:
        return
    V.order_pay(user=bureau, order=order, on=day)
    stats["paid"] += 1


def _agency_actor(agency):
    """A staff login for an agency that has none yet (agency steps need an agency user)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    u = User(username=f"jigou{agency.pk}", role="agency", agency=agency, first_name=f"{agency.name} 业务员")
    u.set_unusable_password()
    u.save()
    return u


def _clerk_grant(ctx, p, clerk, bureau, agencies) -> None:
    """The demo enterprise login holds an active grant with money left, and one order already in service."""
    ent = clerk.enterprise
    on = ctx.today - dt.timedelta(days=12)
    on = max(on, p.valid_from)
    app = V.application_submit(user=clerk, programme=p, enterprise=ent, on=on, data={
        "amount": "100000", "purpose": "委托检测新产品性能并申请发明专利", "categories": ["testing", "ip"]})
    grant = V.application_approve(user=bureau, application=app, on=on + dt.timedelta(days=3))
    agency = ctx.users["agency"].agency
    order = V.order_create(user=clerk, grant=grant, agency=agency, on=on + dt.timedelta(days=5),
                           data={"category": "testing", "service": "新产品EMC电磁兼容检测", "fee": "36000"})
    V.order_confirm(user=ctx.users["agency"], order=order, on=on + dt.timedelta(days=6))


def _risk_pool(ctx, bureau):
    fund = L.fund_create(user=bureau, banks=list(Bank.objects.order_by("pk")), data={
        "name": "鄞州区科技信贷风险池基金", "city_share": "4", "district_share": "4", "bank_share": "2",
        "remainder_party": "district", "holder_kinds": ["startup"], "max_age_years": 5, "max_loan": "5000000"})
    return fund


def _borrowers(ctx, on_min: dt.date) -> list[tuple[int, dt.date, dt.date]]:
    """Startups on file, at most 5 years old: (enterprise, founded_on, earliest day they may apply)."""
    out = []
    rows = Qualification.objects.filter(kind="startup", enterprise__town__code__startswith=ctx.home).exclude(
        status="revoked").values_list("enterprise_id", "enterprise__founded_on", "issue_date")
    for ent_id, founded, issued in rows:
        earliest = max(issued, on_min)
        if age_ok(founded, earliest, 5):
            out.append((ent_id, founded, earliest))
    return sorted(out)


# For each kind of loan story: (earliest, latest) application day, in days before today.
LOAN_WINDOWS = {"repaid": (560, 390), "active": (330, 30), "overdue": (520, 400), "default": (560, 515),
                "rejected": (200, 20), "declined": (200, 20), "submitted": (30, 2), "checked": (40, 12),
                "assessed": (60, 20)}
LOAN_PLAN = (["repaid"] * 4 + ["active"] * 6 + ["overdue", "default", "rejected", "declined", "submitted", "checked",
                                                  "assessed"])


def _loans(ctx, fund, bureau, bank_user) -> int:
    rng = ctx.rng
    today = ctx.today
    demo_bank = bank_user.bank
    banks = list(fund.banks.all())
    pool = _borrowers(ctx, today - dt.timedelta(days=600))
    rng.shuffle(pool)
    made = 0
    for kind in LOAN_PLAN:
        far, near = LOAN_WINDOWS[kind]
        pick = None
        for idx, (ent_id, founded, earliest) in enumerate(pool):
            lo, hi = max(earliest, today - dt.timedelta(days=far)), today - dt.timedelta(days=near)
            if lo <= hi:
                applied = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
                if age_ok(founded, applied, 5):
                    pick = pool.pop(idx)[0], applied
                    break
        if pick is None:
            continue
        ent_id, applied = pick
        bank = demo_bank if (kind == "overdue" or rng.random() < 0.6) else rng.choice(banks)
        officer = bank_user if bank.pk == demo_bank.pk else _bank_actor(bank)
        ent = Enterprise.objects.get(pk=ent_id)
        amount = Decimal("1000000.00") if kind == "default" else Decimal(rng.choice([500000, 1000000, 1500000, 2000000, 3000000]))
        try:
            loan = L.loan_apply(user=bureau, fund=fund, enterprise=ent, bank=bank, on=applied,
                                data={"amount": amount, "term_months": 12, "purpose": "研发投入及流动资金周转"})
        except ValidationFailed:
            continue
        made += 1
        day = applied + dt.timedelta(days=3)
        if kind == "submitted" or day > today:
            continue
        if kind == "rejected":
            L.loan_reject(user=bureau, loan=loan, on=day, note="企业成立时间与备案信息不一致，请核实后再申请")
            continue
        L.loan_check(user=bureau, loan=loan, on=day, note="符合风险池准入条件")
        day += dt.timedelta(days=7)
        if kind == "checked" or day > today:
            continue
        if kind == "declined":
            L.loan_decline(user=officer, loan=loan, on=day, note="近两年经营现金流为负，暂不予授信")
            continue
        L.loan_assess(user=officer, loan=loan, on=day, note="科技属性突出，第一还款来源可靠")
        day += dt.timedelta(days=5)
        if kind == "assessed" or day > today:
            continue
        rate = rng.choice(["0.0345", "0.0365", "0.0385", "0.0435"])
        L.loan_approve(user=officer, loan=loan, on=day, limit=amount, rate=rate, term_months=12)
        day += dt.timedelta(days=3)
        if day > today:
            continue
        L.loan_disburse(user=officer, loan=loan, on=day)
        loan.refresh_from_db()
        _repayments(ctx, loan, officer, bureau, kind)
    return made


def _repayments(ctx, loan, officer, bureau, kind) -> None:
    """Quarterly principal repayments of a quarter each; the overdue loan stops paying, the defaulted one is compensated."""
    today = ctx.today
    amount = loan.approved_limit
    paid = Decimal(0)
    stop_after = {"overdue": 2, "default": 1}.get(kind, 4)
    for q in range(1, 5):
        day = L._add_months(loan.disbursed_on, 3 * q)
        if day > today or q > stop_after:
            break
        part = (amount / 4).quantize(Decimal("0.01")) if q < 4 else amount - paid
        if kind == "default":
            part = Decimal("666666.67")  # leaves 333,333.33: the split shows the fen remainder
        L.loan_repay(user=officer, loan=loan, amount=part, on=day)
        paid += part
    if kind in ("overdue", "default") and loan.maturity_date < today:
        day = loan.maturity_date + dt.timedelta(days=1)
        L.loan_mark_overdue(user=officer, loan=loan, on=day, note="到期未结清")
        if kind == "default" and day + dt.timedelta(days=90) <= today:
            L.loan_declare_default(user=officer, loan=loan, on=day + dt.timedelta(days=90), note="逾期90天，催收无果")
            if day + dt.timedelta(days=120) <= today:
                L.loan_compensate(user=bureau, loan=loan, on=day + dt.timedelta(days=120), note="按4:4:2分担代偿")


def _bank_actor(bank):
    if bank.users.exists():
        return bank.users.first()
    from django.contrib.auth import get_user_model

    User = get_user_model()
    u = User(username=f"yinhang{bank.pk}", role="bank", bank=bank, first_name=f"{bank.name} 客户经理")
    u.set_unusable_password()
    u.save()
    return u


def _subsidy(ctx, bureau) -> None:
    year = ctx.today.year - 1
    policy = S.policy_create(user=bureau, data={"year": year, "name": f"{year}年度科技贷款贴息", "ratio": "0.5",
                                                "day_count": 360, "cap_per_enterprise": "30000"})
    day = dt.date(year + 1, 1, 20)
    if day > ctx.today:
        return
    batch = S.batch_compute(user=bureau, policy=policy, on=day)
    if not batch.awards.exists():
        return
    S.batch_submit(user=bureau, batch=batch, on=day + dt.timedelta(days=3))
    if day + dt.timedelta(days=20) <= ctx.today:
        S.batch_approve(user=bureau, batch=batch, on=day + dt.timedelta(days=20))
    if day + dt.timedelta(days=40) <= ctx.today:
        S.batch_pay(user=bureau, batch=batch, on=day + dt.timedelta(days=40))

