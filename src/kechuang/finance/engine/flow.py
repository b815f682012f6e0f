"""Explicit state machines: the states, the allowed transitions and the roles that may take them, declared once."""
from __future__ import annotations

from dataclasses import dataclass, field

SYSTEM = "system"  # the actor of scheduled work (expiry, overdue marking) run from the command line


@dataclass(frozen=True)
class Transition:
    """From `source`, `action` leads to `target`; only the listed roles may take it."""

    source: str
    action: str
    target: str
    roles: frozenset[str]
    label: str = ""


@dataclass
class Flow:
    """One workflow: its name, its state labels and its transition table."""

    name: str
    transitions: tuple[Transition, ...]
    states: dict[str, str] = field(default_factory=dict)  # code -> label (for messages)

    def __post_init__(self):
        seen: set[tuple[str, str]] = set()
        for t in self.transitions:
            key = (t.source, t.action)
            if key in seen:
                raise ValueError(f"{self.name}: duplicate transition {key}")
            seen.add(key)
            for state in (t.source, t.target):
                if self.states and state not in self.states:
                    raise ValueError(f"{self.name}: unknown state {state!r}")

    def find(self, state: str, action: str) -> Transition | None:
        for t in self.transitions:
            if t.source == state and t.action == action:
                return t
        return None

    def actions(self) -> list[str]:
        """Every action of the flow, in declaration order."""
        out: list[str] = []
        for t in self.transitions:
            if t.action not in out:
                out.append(t.action)
        return out

    def label(self, action: str) -> str:
        for t in self.transitions:
            if t.action == action:
                return t.label or action
        return action

    def state_label(self, state: str) -> str:
        return self.states.get(state, state)

    def available(self, state: str, role: str) -> list[Transition]:
        """The transitions a role may take from a state (for showing buttons)."""
        return [t for t in self.transitions if t.source == state and role in t.roles]

    def check(self, state: str, action: str, role: str) -> Transition:
        """The transition, or FlowRefused with a reason: unknown action, wrong role, or wrong state."""
        if action not in self.actions():
            raise FlowRefused("action", f"未知操作：{action}")
        allowed_roles = {r for t in self.transitions if t.action == action for r in t.roles}
        if role not in allowed_roles:
            raise FlowRefused("role", f"当前角色无权执行“{self.label(action)}”")
        t = self.find(state, action)
        if t is None:
            raise FlowRefused("state", f"当前状态为“{self.state_label(state)}”，不能执行“{self.label(action)}”")
        if role not in t.roles:
            raise FlowRefused("role", f"当前角色无权在“{self.state_label(state)}”状态下执行“{t.label or action}”")
        return t


class FlowRefused(Exception):
    """A transition was refused; `kind` is 'role', 'state' or 'action'."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        self.message = message
        super().__init__(message)
