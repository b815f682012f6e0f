"""R&D institution filing: the district's 'five haves' (五有) check."""
from __future__ import annotations

from django.db import transaction

from kechuang.core.choices import Action
from kechuang.core.errors import FieldErrors, ValidationFailed
from kechuang.core.scope import assert_in_scope
from kechuang.core.services import stamp

from .choices import FilingStatus, Level
from .models import RDInstitution

FIVE_HAVES = (
    ("site_area", "有场地（研发场地面积）"),
    ("equipment_value", "有设备（研发设备原值）"),
    ("staff", "有人员（研发人员）"),
    ("investment", "有投入（年度研发投入）"),
    ("projects", "有项目（在研项目）"),
)


def five_haves_missing(values: dict) -> list[str]:
    """Which of the five haves a filing lacks (a value that is missing, zero or negative)."""
    return [label for name, label in FIVE_HAVES if not values.get(name) or values[name] <= 0]


@transaction.atomic
def rd_institution_file(*, user, enterprise, values: dict) -> RDInstitution:
    """File an R&D institution; a district-level filing that lacks any of the five haves is refused with the reason."""
    errors = FieldErrors()
    if values.get("level") == Level.DISTRICT:
        missing = five_haves_missing(values)
        if missing:
            errors.error("level", "区级研发机构备案不符合“五有”要求：缺少" + "、".join(missing), "five_haves")
    if RDInstitution.objects.filter(enterprise=enterprise, name=values.get("name")).exists():
        errors.error("name", "该企业已有同名研发机构", "duplicate")
    errors.raise_if_any()
    inst = RDInstitution(enterprise=enterprise, status=FilingStatus.FILED, **values)
    stamp(inst, user).save()
    if user is not None:
        assert_in_scope(user, inst, Action.ADD)
    return inst


__all__ = ["five_haves_missing", "rd_institution_file", "ValidationFailed"]
