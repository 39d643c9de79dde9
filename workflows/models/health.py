"""Heartbeats of the background work: the last time each kind of run finished.

A process that dies or hangs leaves no trace by itself; its heartbeat stops moving, which
the pages and `manage.py check_health` report (see workflows.health). One row per kind of
run (today only the deadline sweep), rewritten in place.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.formatting import datetime_text


class Heartbeat(models.Model):
    name = models.CharField(_("việc chạy nền"), max_length=40, primary_key=True)
    at = models.DateTimeField(_("lần chạy xong gần nhất"))

    class Meta:
        verbose_name = _("nhịp chạy nền")
        verbose_name_plural = _("nhịp chạy nền")

    def __str__(self):
        return f"{self.name}: {datetime_text(self.at, seconds=True)}"
