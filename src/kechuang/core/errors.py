"""Validation errors shared by services, forms, the API and imports."""
from __future__ import annotations


class FieldErrors:
    """Collects field errors with the same interface as an import row (`error(column, message, code)`)."""

    def __init__(self):
        self.items: list[dict] = []
        self.failed = False

    def error(self, field: str, message: str, code: str = "invalid") -> None:
        self.failed = True
        self.items.append({"field": field, "code": code, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


class ValidationFailed(Exception):
    """A write was refused; `errors` lists every problem with its field, code and message."""

    def __init__(self, errors: list[dict] | str, field: str = "__all__"):
        if isinstance(errors, str):
            errors = [{"field": field, "code": "invalid", "message": errors}]
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for e in self.errors:
            out.setdefault(e["field"], []).append(e["message"])
        return out
