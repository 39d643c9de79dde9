"""Celery entry points of workflows. Beat runs `sweep_deadlines` every minute; overlapping
or retried runs are safe (see workflows.sweep)."""
from celery import shared_task

from workflows.sweep import sweep


@shared_task(name="workflows.tasks.sweep_deadlines", ignore_result=True)
def sweep_deadlines():
    return sweep()
