"""Backup and restore round-trip on the configured database (CI runs it on SQLite and PostgreSQL)."""
import gzip

import pytest

from kechuang.core.backup import backup, restore
from kechuang.enterprises.models import AnnualData, Enterprise

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_restore_round_trip(reference, tmp_path, make_enterprise):
    from decimal import Decimal

    from kechuang.tests_support import AnnualDataFactory

    ent = make_enterprise(name="宁波备份测试有限公司", contact_phone="13900001111")
    AnnualDataFactory(enterprise=ent, sales=Decimal("12345678.91"))
    path = tmp_path / "b.json.gz"
    manifest = backup(str(path))
    assert manifest["counts"]["enterprises.enterprise"] == 1
    Enterprise.objects.all().delete()
    assert not AnnualData.objects.exists()
    restore(str(path))
    ent2 = Enterprise.objects.get()
    assert ent2.name == "宁波备份测试有限公司" and ent2.contact_phone == "13900001111"
    assert AnnualData.objects.get().sales == Decimal("12345678.91")
    assert ent2.history.count() >= 1  # the change log came back too (the deletion record included)


def test_tampered_backup_is_refused(reference, tmp_path, make_enterprise):
    make_enterprise()
    path = tmp_path / "b.json.gz"
    backup(str(path))
    with gzip.open(path, "rt", encoding="utf-8") as f:
        text = f.read()
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(text.replace("宁波测试", "宁波篡改"))
    with pytest.raises(ValueError, match="SM3"):
        restore(str(path))
    assert Enterprise.objects.count() == 1
