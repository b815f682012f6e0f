"""Celery entry point for the district batch (used once a Celery app is configured; the embedded default runs
`services.evaluation_run_execute` in-process). The task takes only the run id, so any worker can pick it up."""
from celery import shared_task


@shared_task(name="evaluation.run_execute")
def evaluation_run_task(run_id: int) -> int:
    from .services import evaluation_run_execute

    return evaluation_run_execute(run_id).pk
