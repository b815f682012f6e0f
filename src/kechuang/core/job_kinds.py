"""Job kinds of the core app: imports of large files run in the background with progress."""
from __future__ import annotations

import os

from django.contrib.auth import get_user_model

from .importing import ImportFileError, run_import
from .jobs import job_kind, job_progress


@job_kind("import")
def import_job(job, *, kind: str, path: str, filename: str, dry_run: bool = False, user_id: int | None = None):
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with open(path, "rb") as f:
        data = f.read()
    try:
        result = run_import(kind, data, filename, user=user, dry_run=dry_run,
                            progress=lambda done, total: job_progress(job, done, total))
    except ImportFileError as exc:
        _remove(path)
        return {"ok": False, "errors": [{"row": 0, "column": "", "code": "file", "message": str(exc)}]}
    # Any other failure (database gone, process killed) keeps the file: the job is retried with the same path.
    _remove(path)
    return result.as_dict()


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
