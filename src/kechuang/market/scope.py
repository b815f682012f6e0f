"""A ScopeRule whose paths may be tuples: a contract belongs to its seller *and* its buyer, a demand to its
enterprise, its poster *and* its broker. Each path of a tuple is ORed; everything else is core's ScopeRule."""
from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

from kechuang.core.choices import Action, Role
from kechuang.core.scope import ScopeRule


def _paths(value) -> tuple[str, ...]:
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def _any(qs: list[Q]) -> Q | None:
    return reduce(or_, qs) if qs else None


@dataclass(frozen=True)
class MarketScope(ScopeRule):
    """ScopeRule with tuple paths; an expert's own objects are those of the expert path OR the institution path."""

    def q(self, user, action: str) -> Q | None:
        public = self.public if action == Action.VIEW else None
        if user is None or not user.is_authenticated:
            return public
        if user.is_superuser:
            return Q()
        own = self._own(user, user.role) if self.allowed(user.role, action) else None
        mine = _any([Q(**{p: user.pk}) for p in _paths(self.owner)])
        if mine is not None:
            own = mine if own is None else own | mine
        if own is None:
            return public
        return own | public if public is not None else own

    def _own(self, user, role: str) -> Q | None:
        regions = _paths(self.region)
        if role in (Role.BUREAU, Role.AUDITOR):
            if not regions:
                return Q()
            if not user.region_id:
                return None
            return _any([Q(**{f"{p}__code__startswith": user.region_id}) for p in regions])
        if role == Role.TOWN:
            if not regions or not user.region_id:
                return None
            return _any([Q(**{f"{p}__code": user.region_id}) for p in regions])
        parts: list[Q] = []
        if role == Role.ENTERPRISE and user.enterprise_id:
            parts += [Q(**{p: user.enterprise_id}) for p in _paths(self.enterprise)]
        elif role == Role.AGENCY and user.agency_id:
            parts += [Q(**{p: user.agency_id}) for p in _paths(self.agency)]
        elif role == Role.BANK and user.bank_id:
            parts += [Q(**{p: user.bank_id}) for p in _paths(self.bank)]
        elif role == Role.EXPERT:
            expert_id = getattr(user, "expert_id", None)
            if expert_id:
                parts += [Q(**{p: expert_id}) for p in _paths(self.expert)]
            if user.institution_id:
                parts += [Q(**{p: user.institution_id}) for p in _paths(self.institution)]
        return _any(parts)
