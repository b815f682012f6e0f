"""Errors raised by the evaluation engine for bad input or a missing rule set."""


class ProfileError(ValueError):
    """Bad profile input; `field` is the path of the offending field, e.g. `fiscal_years[1].sales`."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class RuleSetNotFound(ProfileError):
    """No rule set of the requested kind is valid on the date given by `field`."""
