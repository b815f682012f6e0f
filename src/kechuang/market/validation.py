"""The one validation path for marketplace listings: forms, the API and imports parse with these parsers and
call the same checks. Amounts are given in 万元 (as in the import templates) and stored in yuan."""
from __future__ import annotations

import re
from decimal import Decimal

from kechuang.core.fields import parse_bool, parse_choice, parse_date, parse_decimal, parse_int, parse_text
from kechuang.enterprises.validation import parse_uscc, parse_wan

from .choices import ContractType, Cooperation, IPType, Maturity

MAX_DESCRIPTION = 10000
NEGOTIABLE = "面议"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")


def parse_price(value):
    """A price in 万元, or 面议 (negotiable) which is returned as the NEGOTIABLE marker."""
    if isinstance(value, str) and value.strip() in (NEGOTIABLE, "negotiable", "议价"):
        return NEGOTIABLE
    return parse_wan(value)


def parse_long_text(value) -> str:
    return parse_text(value, max_length=MAX_DESCRIPTION)


def parse_keywords(value) -> str:
    """Keywords separated by commas, semicolons, 顿号 or spaces; stored as '，'-joined text without duplicates."""
    text = parse_text(value, max_length=300)
    parts = [p.strip() for p in re.split(r"[,，;；、\s]+", text) if p.strip()]
    seen: list[str] = []
    for p in parts:
        if p not in seen:
            seen.append(p)
    return "，".join(seen)


def parse_email(value) -> str:
    text = parse_text(value, max_length=254)
    if not _EMAIL.match(text):
        raise ValueError(f"电子邮箱格式不正确：“{text}”")
    return text


def parse_phone(value) -> str:
    text = parse_text(value, max_length=20)
    if not _PHONE.match(text):
        raise ValueError(f"电话号码格式不正确：“{text}”")
    return text


def parse_domain(value) -> str:
    return parse_text(value, max_length=8)


def parse_id(value) -> int:
    return parse_int(value, min_value=1)


def _choice(choices):
    return lambda v: parse_choice(v, choices)


def parse_title(value) -> str:
    text = parse_text(value, max_length=200)
    if not text:
        raise ValueError("不能为空")
    return " ".join(text.split())  # collapse runs of blanks so "A  B" and "A B" are the same listing


ACHIEVEMENT_PARSERS = {
    "title": parse_title,
    "description": parse_long_text,
    "owner_institution": parse_id,
    "owner_enterprise": parse_id,
    "domain": parse_domain,
    "maturity": _choice(Maturity),
    "ip_type": _choice(IPType),
    "cooperation": _choice(Cooperation),
    "price": parse_price,
    "international": parse_bool,
    "keywords": parse_keywords,
}

DEMAND_PARSERS = {
    "enterprise": parse_id,
    "title": parse_title,
    "description": parse_long_text,
    "budget": parse_wan,
    "deadline": parse_date,
    "domain": parse_domain,
    "cooperation": _choice(Cooperation),
    "keywords": parse_keywords,
}

EXPERT_PARSERS = {
    "name": lambda v: parse_text(v, max_length=50),
    "institution": parse_id,
    "enterprise": parse_id,
    "title": lambda v: parse_text(v, max_length=50),
    "fields": lambda v: parse_text(v, max_length=300),
    "keywords": parse_keywords,
    "bio": parse_long_text,
    "domain": parse_domain,
    "phone": parse_phone,
    "email": parse_email,
}

ANSWER_PARSERS = {
    "summary": lambda v: parse_text(v, max_length=200),
    "proposal": parse_long_text,
    "quote": parse_wan,
    "duration_days": lambda v: parse_int(v, min_value=1, max_value=3650),
}

CONTRACT_PARSERS = {
    "title": parse_title,
    "type": _choice(ContractType),
    "contract_total": parse_wan,
    "tech_amount": parse_wan,
    "signed_on": lambda v: parse_date(v, not_future=True),
    "buyer_name": lambda v: parse_text(v, max_length=200),
}

REGISTER_PARSERS = {
    "registration_no": lambda v: parse_text(v, max_length=40),
    "registration_date": lambda v: parse_date(v, not_future=True),
    "tech_amount": parse_wan,
}

VISIT_PARSERS = {
    "expert": parse_id,
    "enterprise": parse_id,
    "visit_date": lambda v: parse_date(v, not_future=True),
    "findings": parse_long_text,
}

BROKER_PARSERS = {
    "user": parse_id,
    "name": lambda v: parse_text(v, max_length=50),
    "organisation": lambda v: parse_text(v, max_length=200),
    "certificate_no": lambda v: parse_text(v, max_length=60),
    "region": lambda v: parse_text(v, max_length=12),
}

COMMISSION_PARSERS = {
    "name": lambda v: parse_text(v, max_length=100),
    "rate": lambda v: parse_decimal(v, min_value=0, places=6),
    "cap": parse_wan,
    "valid_from": parse_date,
}


def split_keywords(text: str) -> list[str]:
    return [k for k in re.split(r"[,，;；、\s]+", text or "") if k]


def as_wan(yuan: Decimal | None) -> Decimal | None:
    return None if yuan is None else yuan / Decimal(10000)


__all__ = [n for n in dir() if n.isupper() or n.startswith("parse_")] + ["parse_uscc", "split_keywords", "as_wan"]
