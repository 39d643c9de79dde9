"""Is the deadline sweep alive? Its heartbeat, and how the product reports a stale one.

Every finished sweep (Celery beat, cron, or the loop the embedded install supervises)
moves the `sweep` heartbeat. When the last one is older than SWEEP_STALE_AFTER seconds
(default 3 minutes: three missed runs of a once-a-minute sweep), nobody is being warned
of deadlines any more; the deadline pages, the pages of administrators and
`manage.py check_health` say so, so that a dead sweep does not stay down until somebody
happens to notice missing notices.

The pages read it through a 30-second cache: one primary-key lookup per process and half
minute, whatever the traffic.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from workflows.models import Heartbeat

SWEEP = "sweep"
BACKUP = "backup"
CACHE_KEY = "workflows:heartbeat:sweep"
# The whole health report (config/health.py) is cached too; a new heartbeat drops both.
REPORT_CACHE_KEY = "casework:health"
CACHE_SECONDS = 30


@dataclass(frozen=True)
class SweepHealth:
    last_at: datetime | None  # None: no sweep has ever finished on this database
    stale_after: timedelta
    checked_at: datetime

    @property
    def stale(self):
        return self.last_at is None or self.checked_at - self.last_at > self.stale_after


def record_heartbeat(name=SWEEP, at=None):
    """One statement, safe when sweeps finish at the same time (an upsert, not
    read-then-write)."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, at=at or timezone.now())],
        update_conflicts=True, unique_fields=["name"], update_fields=["at"])
    cache.delete_many([CACHE_KEY, REPORT_CACHE_KEY])


def backup_written(sender=None, **kwargs):
    """casework's backup_written: the last complete backup, for config.health."""
    record_heartbeat(BACKUP)


def sweep_health(*, cached=True):
    now = timezone.now()
    last_at = cache.get(CACHE_KEY, default=False) if cached else False
    if last_at is False:
        last_at = Heartbeat.objects.filter(name=SWEEP).values_list("at", flat=True).first()
        cache.set(CACHE_KEY, last_at, CACHE_SECONDS)
    return SweepHealth(last_at=last_at, checked_at=now,
                       stale_after=timedelta(seconds=settings.SWEEP_STALE_AFTER))
