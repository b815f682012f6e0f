"""Authorisation matrix rules for the shell pages, imports and jobs (see kechuang/authz.py)."""
from kechuang.authz import LOGIN, UNAUTH, Exempt, Route, everyone

SIGNED_IN = ("bureau", "other_bureau", "town_a", "town_b", "enterprise_a", "enterprise_b", "expert", "agency", "bank")

IMPORTERS = {"anonymous": UNAUTH, "bureau": 200, "other_bureau": 200, "town_a": 200, "town_b": 200}

ROUTES = [
    Route("home", everyone(200)),
    Route("login", everyone(200, **{r: 302 for r in SIGNED_IN}), note="signed-in users are sent home"),
    Route("password_change", everyone(200, anonymous=LOGIN)),
    Route("password_change_done", everyone(200, anonymous=LOGIN)),
    Route("imports", {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200, "town_a": 200, "town_b": 200}),
    Route("import_template", {"anonymous": LOGIN, "bureau": 200, "other_bureau": 200, "town_a": 200, "town_b": 200},
          params=lambda w: {"kind": "enterprises"}),
    Route("job", {"anonymous": LOGIN, "bureau": 200}, params=lambda w: {"pk": w.job.pk},
          note="a job belongs to its creator (the bureau officer here) and no one else"),
    Route("healthz", everyone(200)),
    Route("readyz", everyone(200)),
    Route("GET /api/jobs/{job_id}", {"anonymous": UNAUTH, "bureau": 200},
          params=lambda w: {"job_id": w.job.pk}),
    Route("POST /api/jobs/{job_id}/retry", {"anonymous": UNAUTH, "bureau": 409},
          params=lambda w: {"job_id": w.job.pk}, note="only failed jobs can be retried"),
    Route("GET /api/imports/{kind}/template.xlsx", IMPORTERS, params=lambda w: {"kind": "enterprises"}),
    Route("POST /api/imports/{kind}", IMPORTERS, params=lambda w: {"kind": "enterprises"},
          data=lambda w: {"file": w.bad_upload()}, json=False,
          note="bureau and town assistants; rows outside the caller's scope are row errors"),
]

EXEMPT = [
    Exempt("logout", "POST-only logout; tested in test_pages"),
    Exempt("set_language", "Django's language switch; tested in test_pages"),
    Exempt("GET /api/openapi.json", "the public schema"),
    Exempt("GET /api/docs", "the public API documentation page"),
]
