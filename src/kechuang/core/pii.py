"""An encrypted text field for personal information (phone and ID numbers): SM4 at rest, plain in Python."""
from __future__ import annotations

from django.db import models

from .crypto import decrypt, encrypt


class EncryptedCharField(models.TextField):
    """Stores SM4-GCM ciphertext; reads return the plain text. Lists and exports must show `crypto.mask(value)`."""

    def __init__(self, *args, max_plain_length: int = 40, **kwargs):
        self.max_plain_length = max_plain_length
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["max_plain_length"] = self.max_plain_length
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if len(value) > self.max_plain_length:
            raise ValueError(f"长度不能超过{self.max_plain_length}个字符")
        return encrypt(value)
