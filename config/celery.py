"""Celery application.

Without CELERY_BROKER_URL the settings switch Celery to eager mode, so the embedded
single-PC install runs tasks in-process and needs no Redis.
"""
import os

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("casework")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect(weak=False)
def _worker_heartbeat(sender=None, task=None, **kwargs):
    """Every worker process records, at most every half minute, that it finished a task:
    `manage.py health` and /healthz report a worker that stopped (config/health.py)."""
    from config.health import task_ran

    task_ran(sender=sender, task=task, **kwargs)
