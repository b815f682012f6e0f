"""Writing the ledger (the only place money moves) and deriving balances from it, plus the locks that keep
concurrent writers from overspending: every check-then-write runs on a row locked with SELECT … FOR UPDATE
(PostgreSQL) inside the caller's transaction; on SQLite writers are serialised by BEGIN IMMEDIATE.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, connections, transaction
from django.db.models import Sum

from .choices import BOOK_OF, Book, EntryKind
from .engine.ledger import LoanBalances, VoucherBalances
from .engine.money import is_fen_exact
from .models import LedgerEntry

ZERO = Decimal("0.00")


def lock(model, pk, related: tuple[str, ...] = ()):
    """Re-read a row and hold it for the rest of the transaction (no-key lock: inserts referencing it still run).

    Related rows named in `related` are read in the same query but not locked (`of=("self",)`).
    """
    qs = model.objects.select_for_update(no_key=True, of=("self",))
    if related:
        qs = qs.select_related(*related)
    return qs.get(pk=pk)


class DuplicateMovement(Exception):
    """A movement with this idempotency key was already recorded."""


def post(kind: str, amount: Decimal, *, on: dt.date, user=None, region_id: str, key: str | None = None,
         memo: str = "", **links) -> LedgerEntry:
    """Record one movement. Amounts are positive and fen-exact; a repeated idempotency key raises DuplicateMovement."""
    if not isinstance(amount, Decimal) or amount <= 0 or not is_fen_exact(amount):
        raise ValueError(f"ledger amount must be a positive fen-exact Decimal, got {amount!r}")
    entry = LedgerEntry(book=BOOK_OF[kind], kind=kind, amount=amount, value_date=on, region_id=region_id,
                        idempotency_key=key, memo=memo[:300],
                        created_by=user if user is not None and user.pk else None, **links)
    if key is None:
        entry.save()
        return entry
    try:
        with transaction.atomic():  # a savepoint, so a duplicate key leaves the caller's transaction usable
            entry.save()
    except IntegrityError:
        if LedgerEntry.objects.filter(idempotency_key=key).exists():
            raise DuplicateMovement(key) from None
        raise
    return entry


def exact_sums(qs, *by: str, field: str = "amount") -> dict:
    """Σ field grouped by `by` (a key, or a tuple of keys), exactly.

    PostgreSQL sums numeric columns exactly. SQLite keeps decimals as 8-byte floats and SUM() adds floats, so there
    each value is read back (Django rounds it to its 2 places, exact for any amount below 10^13 yuan) and added as a
    Decimal in Python: money is never summed in binary floating point.
    """
    if connections[qs.db].vendor == "postgresql":
        if not by:
            return {None: qs.aggregate(total=Sum(field))["total"] or ZERO}
        rows = qs.values(*by).annotate(total=Sum(field)).order_by()
        return {(r[by[0]] if len(by) == 1 else tuple(r[k] for k in by)): r["total"] for r in rows}
    out: dict = {}
    for row in qs.values_list(*by, field).order_by():
        key = None if not by else (row[0] if len(by) == 1 else tuple(row[:-1]))
        if row[-1] is not None:
            out[key] = out.get(key, ZERO) + row[-1]
    if not by:
        out.setdefault(None, ZERO)
    return out


def exact_total(qs, field: str = "amount") -> Decimal:
    return exact_sums(qs, field=field)[None]


def _sums(**filters) -> dict[str, Decimal]:
    return exact_sums(LedgerEntry.objects.filter(**filters), "kind")


def programme_balances(programme) -> VoucherBalances:
    return VoucherBalances.from_sums(_sums(book=Book.VOUCHER, programme=programme))


def grant_balances(grant) -> VoucherBalances:
    return VoucherBalances.from_sums(_sums(book=Book.VOUCHER, grant=grant))


def holder_granted(programme, enterprise) -> Decimal:
    """What a holder was granted in a programme, net of cancelled grants (counts against the annual cap)."""
    s = _sums(book=Book.VOUCHER, programme=programme, enterprise=enterprise, kind__in=[EntryKind.GRANT, EntryKind.CANCEL])
    return (s.get(EntryKind.GRANT) or ZERO) - (s.get(EntryKind.CANCEL) or ZERO)


def order_reserved(order) -> Decimal:
    s = _sums(book=Book.VOUCHER, order=order)
    return (s.get(EntryKind.RESERVE) or ZERO) - (s.get(EntryKind.RELEASE) or ZERO) - (s.get(EntryKind.PAY) or ZERO)


def order_paid(order) -> Decimal:
    return _sums(book=Book.VOUCHER, order=order, kind=EntryKind.PAY).get(EntryKind.PAY) or ZERO


def loan_balances(loan, on: dt.date | None = None) -> LoanBalances:
    filters = {"book": Book.LOAN, "loan": loan}
    if on is not None:
        filters["value_date__lte"] = on
    return LoanBalances.from_sums(_sums(**filters))


def grants_balances(grant_ids) -> dict[int, VoucherBalances]:
    """Balances of many grants in one query (lists and the reconciliation report)."""
    sums: dict[int, dict[str, Decimal]] = {}
    for (gid, kind), total in exact_sums(LedgerEntry.objects.filter(book=Book.VOUCHER, grant_id__in=list(grant_ids)),
                                         "grant_id", "kind").items():
        sums.setdefault(gid, {})[kind] = total
    return {gid: VoucherBalances.from_sums(sums.get(gid, {})) for gid in grant_ids}


def loans_balances(loan_ids, on: dt.date | None = None) -> dict[int, LoanBalances]:
    qs = LedgerEntry.objects.filter(book=Book.LOAN, loan_id__in=list(loan_ids))
    if on is not None:
        qs = qs.filter(value_date__lte=on)
    sums: dict[int, dict[str, Decimal]] = {}
    for (lid, kind), total in exact_sums(qs, "loan_id", "kind").items():
        sums.setdefault(lid, {})[kind] = total
    return {lid: LoanBalances.from_sums(sums.get(lid, {})) for lid in loan_ids}
