"""National cryptography for personal information: SM4-GCM field encryption and SM3 digests.

Keys come from KECHUANG_FIELD_KEYS ("v2:<32 hex>,v1:<32 hex>", newest first); without it (development) a key is
derived from the Django secret key with SM3. Ciphertexts carry their key id, so keys rotate without downtime:
add a new key in front, run `kechuang manage rotate_field_keys`, then drop the old key (docs/security.md).
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

PREFIX = "sm4g:"


def sm3_hex(data: bytes | str) -> str:
    """SM3 digest (GB/T 32905) as hex, through OpenSSL's implementation in hashlib."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    h = hashlib.new("sm3")
    h.update(data)
    return h.hexdigest()


@lru_cache(maxsize=1)
def field_keys() -> tuple[tuple[str, bytes], ...]:
    raw = os.environ.get("KECHUANG_FIELD_KEYS", "").strip()
    keys: list[tuple[str, bytes]] = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        kid, _, hexkey = part.partition(":")
        key = bytes.fromhex(hexkey)
        if len(key) != 16:
            raise ValueError(f"SM4 key {kid} must be 16 bytes (32 hex digits)")
        keys.append((kid, key))
    if not keys:
        keys.append(("dev", bytes.fromhex(sm3_hex("kechuang-field-key:" + settings.SECRET_KEY))[:16]))
    return tuple(keys)


def encrypt(plain: str) -> str:
    """SM4-GCM with a random 12-byte nonce; the output names its key id."""
    kid, key = field_keys()[0]
    nonce = os.urandom(12)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    ct = enc.update(plain.encode("utf-8")) + enc.finalize()
    return f"{PREFIX}{kid}:" + base64.b64encode(nonce + ct + enc.tag).decode("ascii")


def decrypt(token: str) -> str:
    if not token.startswith(PREFIX):
        return token  # a value written before encryption was switched on
    kid, _, body = token[len(PREFIX):].partition(":")
    keys = dict(field_keys())
    if kid not in keys:
        raise ValueError(f"unknown field key id {kid}")
    raw = base64.b64decode(body)
    nonce, ct, tag = raw[:12], raw[12:-16], raw[-16:]
    dec = Cipher(algorithms.SM4(keys[kid]), modes.GCM(nonce, tag)).decryptor()
    return (dec.update(ct) + dec.finalize()).decode("utf-8")


def key_id(token: str) -> str | None:
    return token[len(PREFIX):].partition(":")[0] if token and token.startswith(PREFIX) else None


_PHONE = re.compile(r"^(\+?\d{0,3}[- ]?)?(\d{3})(\d{4})(\d{4})$")
_ID = re.compile(r"^(\d{6})\d{8}(\d{3}[\dXx])$")


def mask(value: str | None) -> str:
    """Mask a phone number (138****1234) or an ID number (330212********123X) for lists and exports."""
    if not value:
        return ""
    v = value.strip()
    m = _PHONE.match(v.replace("-", ""))
    if m:
        return f"{m.group(2)}****{m.group(4)}"
    m = _ID.match(v)
    if m:
        return f"{m.group(1)}********{m.group(2)}"
    if len(v) <= 4:
        return "*" * len(v)
    return v[:2] + "*" * (len(v) - 4) + v[-2:]
