"""Background jobs with progress: Celery workers in production, a thread in the embedded default.

`job_submit(kind, params, user=...)` records a Job and runs the registered function `fn(job, **params)` either as
a Celery task (when CELERY_BROKER_URL is set) or in a background thread with its own database connection (the
embedded default: no Redis needed). The function reports progress with `job_progress(job, done, total)`.
A failed job keeps its error message and can be retried (`job_retry`): a new run with the same parameters.

A running job records the process running it (`result["_worker"]` = host:pid). If that process dies (server
killed or restarted mid-job) the job would stay "running" for ever; `job_check_worker` — called whenever the job
page or the job API is read — finds that the process is gone and marks the job failed, so it can be retried.
"""
from __future__ import annotations

import os
import socket
import threading
import traceback
from typing import Callable

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from .models import Job, JobStatus

REGISTRY: dict[str, Callable] = {}


def job_kind(name: str):
    """Decorator registering a job function under a kind name."""
    def deco(fn):
        REGISTRY[name] = fn
        return fn
    return deco


def job_progress(job: Job, done: int, total: int | None = None, message: str | None = None) -> None:
    fields = {"progress": done}
    if total is not None:
        fields["total"] = total
    if message is not None:
        fields["message"] = message
    Job.objects.filter(pk=job.pk).update(**fields)


def execute(job_id: int) -> None:
    """Run one job to completion (called by the Celery task or the thread)."""
    _load_kinds()
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, message="", result={"_worker": worker_id()})
    try:
        result = REGISTRY[job.kind](job, **job.params) or {}
        Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, result=result, finished_at=timezone.now(),
                                             result_file=result.get("file", "") if isinstance(result, dict) else "")
    except Exception as exc:  # the job's error is shown to the user, who may retry
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now(),
                                             message=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


WORKER_GONE = "执行任务的进程已停止（服务器重启或进程被终止），任务未完成。可以重试。"


def job_check_worker(job: Job) -> Job:
    """Mark a running job failed when the process running it (on this host) no longer exists."""
    if job.status != JobStatus.RUNNING or not isinstance(job.result, dict):
        return job
    host, _, pid = str(job.result.get("_worker", "")).rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return job  # another machine's worker (Celery): its broker redelivers the task if the worker dies
    try:
        os.kill(int(pid), 0)
        return job  # still running
    except ProcessLookupError:
        pass
    except PermissionError:
        return job  # exists, owned by another user
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(status=JobStatus.FAILED, message=WORKER_GONE,
                                                                   finished_at=timezone.now())
    job.refresh_from_db()
    return job


def _run_thread(job_id: int) -> None:
    try:
        execute(job_id)
    finally:
        connection.close()


def job_submit(kind: str, params: dict, *, user=None, total: int = 0, wait: bool = False) -> Job:
    """Record a job and start it; `wait=True` runs it in the caller (command line, tests)."""
    _load_kinds()
    if kind not in REGISTRY:
        raise KeyError(kind)
    job = Job.objects.create(kind=kind, params=params, total=total,
                             created_by=user if user is not None and user.is_authenticated else None)
    if wait:
        execute(job.pk)
    elif settings.CELERY_BROKER_URL:
        import kechuang.celery  # noqa: F401 - the project's app (its settings), not Celery's default app

        from .tasks import run_job

        from django.db import transaction

        transaction.on_commit(lambda: run_job.delay(job.pk))
    else:
        from django.db import transaction

        transaction.on_commit(lambda: threading.Thread(target=_run_thread, args=(job.pk,), daemon=True).start())
    job.refresh_from_db()
    return job


def job_retry(job: Job, *, wait: bool = False) -> Job:
    """Start a failed job again with the same parameters."""
    return job_submit(job.kind, job.params, user=job.created_by, total=job.total, wait=wait)


def _load_kinds() -> None:
    from importlib import import_module

    from django.apps import apps

    for app in apps.get_app_configs():
        if app.name.startswith("kechuang."):
            try:
                import_module(f"{app.name}.jobs" if app.label != "core" else "kechuang.core.job_kinds")
            except ModuleNotFoundError as exc:
                if not exc.name.endswith(("jobs", "job_kinds")):
                    raise


close_old_connections  # imported for Celery's worker lifecycle hooks
