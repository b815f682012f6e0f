"""The cultivation-pool workflow, declared once: states, actions, target states and the roles allowed.

Batch:  open ──publish──▶ published ──close──▶ closed
             ◀──reopen───
Entry (only while its batch is open):
        proposed ──approve──▶ approved      (writes a pool Qualification)
        proposed ──reject───▶ rejected      (a reason is required)
        rejected ──reconsider──▶ proposed
Only the bureau decides; town assistants and enterprises may look (within scope) but never act.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from kechuang.core.choices import Role
from kechuang.core.errors import ValidationFailed

from .choices import BatchStatus, EntryStatus

BUREAU = frozenset({Role.BUREAU})


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    roles: frozenset
    label: str
    needs_reason: bool = False


BATCH_TRANSITIONS = (
    Transition(BatchStatus.OPEN, "publish", BatchStatus.PUBLISHED, BUREAU, _("公示入库名单")),
    Transition(BatchStatus.PUBLISHED, "reopen", BatchStatus.OPEN, BUREAU, _("撤回公示"), needs_reason=True),
    Transition(BatchStatus.PUBLISHED, "close", BatchStatus.CLOSED, BUREAU, _("结束批次")),
)
ENTRY_TRANSITIONS = (
    Transition(EntryStatus.PROPOSED, "approve", EntryStatus.APPROVED, BUREAU, _("同意入库")),
    Transition(EntryStatus.PROPOSED, "reject", EntryStatus.REJECTED, BUREAU, _("不予入库"), needs_reason=True),
    Transition(EntryStatus.REJECTED, "reconsider", EntryStatus.PROPOSED, BUREAU, _("重新审核")),
)
# Adding entries (proposal from a run, or by hand) is a bureau action on an open batch.
MANAGE_ROLES = BUREAU


def role_of(user) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return Role.BUREAU if user.is_superuser else user.role


def may(user, roles: frozenset) -> bool:
    return role_of(user) in roles


def find(table: tuple[Transition, ...], state: str, action: str) -> Transition:
    """The transition for `action` from `state`, or a ValidationFailed naming the action."""
    for t in table:
        if t.action == action and t.source == state:
            return t
    if not any(t.action == action for t in table):
        raise ValidationFailed(f"未知操作：{action}", field="action")
    raise ValidationFailed(f"当前状态不能执行此操作（{action}）", field="action")


def check(table: tuple[Transition, ...], state: str, action: str, user, reason: str = "") -> Transition:
    """Role first (PermissionDenied → 403), then the state (ValidationFailed → 422), then the reason."""
    roles = frozenset().union(*(t.roles for t in table if t.action == action)) or BUREAU
    if not may(user, roles):
        raise PermissionDenied("仅科技局可以执行此操作")
    t = find(table, state, action)
    if t.needs_reason and not reason.strip():
        raise ValidationFailed("请填写理由", field="reason")
    return t


def allowed_actions(table: tuple[Transition, ...], state: str, user) -> list[Transition]:
    """Transitions the user could take from `state` (for buttons)."""
    return [t for t in table if t.source == state and may(user, t.roles)]
