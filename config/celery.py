"""Celery application.

Without CELERY_BROKER_URL the settings switch Celery to eager mode, so the embedded
single-PC install runs tasks in-process and needs no Redis.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("casework")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
