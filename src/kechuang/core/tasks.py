"""Celery tasks: one generic task runs any registered job kind."""
from celery import shared_task


@shared_task(name="kechuang.run_job", acks_late=True)
def run_job(job_id: int) -> None:
    from .jobs import execute

    execute(job_id)
