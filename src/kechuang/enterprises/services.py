"""Writes for enterprises and their data. Every write runs in one transaction, is audited and re-checks scope."""
from __future__ import annotations

from django.db import transaction

from kechuang.core.choices import Action
from kechuang.core.errors import FieldErrors, ValidationFailed
from kechuang.core.scope import assert_in_scope
from kechuang.core.services import parse_input, stamp

from .models import AnnualData, Enterprise
from .validation import ENTERPRISE_PARSERS, Lookups, check_enterprise
from .annual import ANNUAL_PARSERS, check_annual

REQUIRED = ("uscc", "name", "town", "founded_on")


def _fk_values(values: dict) -> dict:
    out = dict(values)
    for name in ("town", "industry", "domain"):
        if name in out:
            out[f"{name}_id"] = out.pop(name)
    return out


@transaction.atomic
def enterprise_create(*, user, data: dict) -> Enterprise:
    """Register an enterprise; refuses invalid codes, unknown towns and towns outside the user's scope."""
    errors = FieldErrors()
    values = parse_input(data, ENTERPRISE_PARSERS, errors, required=REQUIRED)
    lk = Lookups.load(user, [values.get("uscc")])
    check_enterprise(values, errors, lk)
    if values.get("uscc") in lk.existing:
        errors.error("uscc", f"统一社会信用代码 {values['uscc']} 已登记", "duplicate")
    errors.raise_if_any()
    ent = Enterprise(**_fk_values(values))
    stamp(ent, user).save()
    if user is not None:
        assert_in_scope(user, ent, Action.ADD)
    return ent


@transaction.atomic
def enterprise_update(*, user, enterprise: Enterprise, data: dict) -> Enterprise:
    """Change an enterprise's profile; the USCC may change only to another valid, unused code."""
    errors = FieldErrors()
    values = parse_input(data, ENTERPRISE_PARSERS, errors, required=REQUIRED, partial=True)
    lk = Lookups.load(user, [values.get("uscc")])
    if "town" not in values:
        lk.towns.add(enterprise.town_id)  # unchanged town needs no check
    check_enterprise(values, errors, lk, instance=enterprise)
    errors.raise_if_any()
    for name, value in _fk_values(values).items():
        setattr(enterprise, name, value)
    stamp(enterprise, user).save()
    if user is not None:
        assert_in_scope(user, enterprise, Action.CHANGE)
    return enterprise


@transaction.atomic
def enterprise_delete(*, user, enterprise: Enterprise) -> None:
    if user is not None:
        assert_in_scope(user, enterprise, Action.DELETE)
    stamp(enterprise, user).delete()


@transaction.atomic
def annual_data_save(*, user, enterprise: Enterprise, data: dict) -> AnnualData:
    """Create or update one fiscal year of an enterprise's figures (amounts in 万元 in, yuan stored)."""
    errors = FieldErrors()
    values = parse_input(data, ANNUAL_PARSERS, errors, required=("year", "staff_total", "staff_tech", "sales", "total_income"))
    check_annual(values, errors)
    errors.raise_if_any()
    year = values.pop("year")
    row = AnnualData.objects.filter(enterprise=enterprise, year=year).first() or AnnualData(enterprise=enterprise, year=year)
    for name, value in values.items():
        if value is not None:
            setattr(row, name, value)
    stamp(row, user).save()
    if user is not None:
        assert_in_scope(user, row, Action.CHANGE if row.pk else Action.ADD)
    return row


__all__ = ["enterprise_create", "enterprise_update", "enterprise_delete", "annual_data_save", "ValidationFailed"]
