from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from kechuang.core.crypto import field_keys
from kechuang.core.pii import EncryptedCharField


class Command(BaseCommand):
    help = "Re-encrypt every encrypted personal-information field with the newest key of KECHUANG_FIELD_KEYS"

    def handle(self, *args, **opts):
        newest = field_keys()[0][0]
        changed = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]
            if not fields or model.__name__.startswith("Historical"):
                continue
            with transaction.atomic():
                for obj in model._base_manager.all().iterator():
                    # Values come back decrypted; saving re-encrypts with the newest key.
                    model._base_manager.filter(pk=obj.pk).update(**{f.attname: getattr(obj, f.attname) for f in fields})
                    changed += 1
        self.stdout.write(f"re-encrypted {changed} rows with key {newest}")
