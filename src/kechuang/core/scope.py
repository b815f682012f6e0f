"""The single door to data: `restrict(user, action)`.

Every model declares a `ScopeRule` saying which field path leads to its region (town), its enterprise, its agency,
bank or institution, and what the public may see. Views, the API, exports and imports all go through
`Model.objects.restrict(user, action)`; nothing filters by scope by hand. Objects outside scope answer 404.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.http import Http404

from .choices import Action, Role
from .roles import duty_allows, sees_business_data

ALL_ACTIONS = frozenset(a.value for a in Action)
READ = frozenset({Action.VIEW})
READ_WRITE = frozenset({Action.VIEW, Action.ADD, Action.CHANGE})


@dataclass(frozen=True)
class ScopeRule:
    """How one model is scoped. Paths are ORM lookups from the model to the related key (None = no such link)."""

    region: str | None = None  # path to a Region FK (the object's town or district)
    enterprise: str | None = None  # path to an Enterprise FK ("pk" for Enterprise itself)
    agency: str | None = None
    bank: str | None = None
    institution: str | None = None
    expert: str | None = None  # path to an Expert FK
    owner: str | None = None  # path to the User who owns the object (e.g. a job's creator)
    public: Q | None = None  # what anonymous users and everyone may view
    actions: dict = field(default_factory=dict)  # role -> allowed actions on own objects (overrides defaults)

    DEFAULT_ACTIONS = {
        Role.BUREAU: ALL_ACTIONS,
        Role.TOWN: READ_WRITE,
        Role.ENTERPRISE: READ_WRITE,
        Role.EXPERT: READ_WRITE,
        Role.AGENCY: READ_WRITE,
        Role.BANK: READ_WRITE,
        Role.AUDITOR: READ,
    }

    def allowed(self, role: str, action: str) -> bool:
        """Whether a role may perform an action on objects inside its scope."""
        if not duty_allows(role, action):
            return False  # separation of duties (core.roles)
        allowed = self.actions.get(role, self.DEFAULT_ACTIONS.get(role, frozenset()))
        return action in allowed

    def q(self, user, action: str) -> Q | None:
        """The filter for this user and action; None means nothing at all."""
        public = self.public if action == Action.VIEW else None
        if public is not None and not public:
            return Q()  # an empty public filter means "everyone may view everything" (Q() | x would drop it)
        if user is None or not user.is_authenticated:
            return public
        if user.is_superuser:
            return Q()
        role = user.role
        if not sees_business_data(role):
            return public  # accounts only: what the public sees, nothing owned (core.roles)
        own: Q | None = None
        if self.allowed(role, action):
            own = self._own(user, role)
        if self.owner is not None:
            mine = Q(**{self.owner: user.pk})
            own = mine if own is None else own | mine
        if own is None:
            return public
        return own | public if public is not None else own

    def _own(self, user, role: str) -> Q | None:
        if role in (Role.BUREAU, Role.AUDITOR):
            if self.region is None:
                # Objects with no region (banks, universities) belong to the bureau that sees everything.
                return Q()
            if not user.region_id:
                return None
            return Q(**{f"{self.region}__code__startswith": user.region_id})
        if role == Role.TOWN:
            if self.region is None or not user.region_id:
                return None
            return Q(**{f"{self.region}__code": user.region_id})
        if role == Role.EXPERT:
            q = None
            if self.institution and user.institution_id:
                q = Q(**{self.institution: user.institution_id})
            if self.expert:
                expert_id = user.expert_id  # one query for the expert profile, only when needed
                if expert_id is not None:
                    mine = Q(**{self.expert: expert_id})
                    q = mine if q is None else q | mine
            return q
        if role == Role.ENTERPRISE:
            path, key = self.enterprise, user.enterprise_id
        elif role == Role.AGENCY:
            path, key = self.agency, user.agency_id
        elif role == Role.BANK:
            path, key = self.bank, user.bank_id
        else:
            path, key = None, None
        if path is None or key is None:
            return None
        return Q(**{path: key})


class RestrictedQuerySet(models.QuerySet):
    """A queryset whose `restrict(user, action)` keeps only what the user may act on."""

    def restrict(self, user, action: str = Action.VIEW):
        rule: ScopeRule | None = getattr(self.model, "scope", None)
        if rule is None:
            raise TypeError(f"{self.model.__name__} declares no scope rule")
        q = rule.q(user, action)
        if q is None:
            return self.none()
        qs = self.filter(q)
        # Public OR own can join through multi-valued relations; keep rows unique.
        return qs.distinct() if rule.public is not None and len(q) > 1 else qs


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def get_in_scope(model_or_qs, user, action: str = Action.VIEW, **lookup):
    """Fetch one object inside the user's scope or raise Http404 (never 403: outside scope does not exist)."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs.objects.all()
    try:
        return qs.restrict(user, action).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404


def assert_in_scope(user, obj, action: str = Action.CHANGE) -> None:
    """Checked after a write inside its transaction: raises Http404 (and so rolls back) if obj left the scope."""
    if not type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists():
        raise Http404


def can(user, model, action: str) -> bool:
    """Whether the user may perform the action on some object of the model (for showing buttons and menus)."""
    rule: ScopeRule = model.scope
    if user is None or not user.is_authenticated:
        return action == Action.VIEW and rule.public is not None
    if user.is_superuser:
        return True
    return rule.allowed(user.role, action) and rule._own(user, user.role) is not None
