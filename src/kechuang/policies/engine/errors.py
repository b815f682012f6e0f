"""Errors of a policy, formula or competition definition: every problem at once, each naming its place."""
from __future__ import annotations


class DefinitionError(ValueError):
    """A definition was refused; `errors` lists {field, code, message}, e.g. field 'conditions[1].value'."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


class Collector:
    """Collects definition errors with the same shape the Django services use (field, code, message)."""

    def __init__(self):
        self.errors: list[dict] = []

    def error(self, field: str, message: str, code: str = "invalid") -> None:
        self.errors.append({"field": field, "code": code, "message": message})

    def raise_if_any(self) -> None:
        if self.errors:
            raise DefinitionError(self.errors)
