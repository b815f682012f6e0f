"""Authorisation matrix rules for the account and audit pages (see kechuang/authz.py and core/roles.py).

Only the system administrator manages accounts and only the security auditor reads the audit trail; every operator
role of the matrix gets 404 and anonymous visitors the login page. The sysadmin and auditor themselves are tested
in core/tests/test_roles.py (the matrix has no column for them yet).
"""
from kechuang.authz import LOGIN, Route

OPERATORS_HIDDEN = {"anonymous": LOGIN}

ROUTES = [
    Route("core:accounts", OPERATORS_HIDDEN),
    Route("core:account_new", OPERATORS_HIDDEN),
    Route("core:account", OPERATORS_HIDDEN, params=lambda w: {"pk": w.users["town_a"].pk}),
    Route("POST core:account_action", OPERATORS_HIDDEN, params=lambda w: {"pk": w.users["town_a"].pk, "action": "lock"},
          note="lock / unlock / reset: the sysadmin only"),
    Route("core:audit", OPERATORS_HIDDEN),
]
