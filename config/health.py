"""Is everything that works without a person still working? One report, three readers.

- `manage.py health` (monitoring, cron, casework-health.timer): exit status 1 when the
  database or the broker cannot be reached, or anything is stale.
- `/healthz`, unauthenticated (a load balancer, an uptime checker): status words and
  times only, nothing about letters or people; HTTP 503 when something is wrong.
- The banner on the pages of leaders and administrators (notifications.context_processors)
  when the sweep is late or a notice has waited too long.

What counts as stale:
- the deadline sweep: no finished sweep for SWEEP_STALE_AFTER seconds (workflows.health);
- notices: a notice pending for more than NOTICE_STALE_AFTER seconds (default 15 minutes;
  the partial index on pending notices makes this one index read);
- the last complete backup (only with BACKUP_STALE_AFTER_HOURS > 0): none for that many
  hours (`manage.py backup` records the moment; README "Sao lưu và phục hồi");
- the worker (with a broker only): no task finished by a worker for WORKER_STALE_AFTER
  seconds while beat sends two every minute. Workers record that moment at most every
  WORKER_HEARTBEAT_EVERY seconds per process (`task_ran`, connected in config/celery.py).
"""
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import JsonResponse
from django.utils import timezone

from workflows.health import REPORT_CACHE_KEY as CACHE_KEY

WORKER = "worker"
CACHE_SECONDS = 30


@dataclass(frozen=True)
class Health:
    checked_at: datetime
    database: bool
    broker: str  # "ok", "down", or "none" (no broker: tasks run in-process)
    sweep_at: datetime | None
    oldest_notice_at: datetime | None
    worker_at: datetime | None
    backup_at: datetime | None = None

    def _older(self, moment, seconds):
        return moment is None or self.checked_at - moment > timedelta(seconds=seconds)

    @property
    def sweep_stale(self):
        return self._older(self.sweep_at, settings.SWEEP_STALE_AFTER)

    @property
    def notices_stale(self):
        return (self.oldest_notice_at is not None
                and self._older(self.oldest_notice_at, settings.NOTICE_STALE_AFTER))

    @property
    def worker_stale(self):
        return self.broker != "none" and self._older(self.worker_at,
                                                     settings.WORKER_STALE_AFTER)

    @property
    def backup_checked(self):
        return settings.BACKUP_STALE_AFTER_HOURS > 0

    @property
    def backup_stale(self):
        return self.backup_checked and self._older(
            self.backup_at, settings.BACKUP_STALE_AFTER_HOURS * 3600)

    @property
    def notice_stale_minutes(self):
        return settings.NOTICE_STALE_AFTER // 60

    @property
    def notice_wait(self):
        """How long the oldest pending notice has waited (None: nothing pending)."""
        return self.oldest_notice_at and self.checked_at - self.oldest_notice_at

    @property
    def ok(self):
        return (self.database and self.broker != "down" and not self.sweep_stale
                and not self.notices_stale and not self.worker_stale
                and not self.backup_stale)


def broker_state():
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return "none"
    from config.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
        return "ok"
    except Exception:  # noqa: BLE001 (any transport error means unreachable)
        return "down"


def read_health(*, cached=False):
    """The report; with `cached`, at most one reading per CACHE_SECONDS per process
    (the pages), else a fresh one (the command, /healthz)."""
    if cached:
        health = cache.get(CACHE_KEY)
        if health is not None:
            return health
    from notifications.models import DeliveryStatus, Notice
    from workflows.health import BACKUP, SWEEP
    from workflows.models import Heartbeat

    now = timezone.now()
    try:
        beats = dict(Heartbeat.objects.filter(name__in=[SWEEP, WORKER, BACKUP])
                     .values_list("name", "at"))
        oldest = (Notice.objects.filter(status=DeliveryStatus.PENDING).order_by("created_at")
                  .values_list("created_at", flat=True).first())
        database = True
    except DatabaseError:
        beats, oldest, database = {}, None, False
    health = Health(checked_at=now, database=database, broker=broker_state(),
                    sweep_at=beats.get(SWEEP), oldest_notice_at=oldest,
                    worker_at=beats.get(WORKER), backup_at=beats.get(BACKUP))
    if cached:
        cache.set(CACHE_KEY, health, CACHE_SECONDS)
    return health


_last_recorded = 0.0


def task_ran(sender=None, task=None, **kwargs):
    """Celery's task_postrun: a worker finished a task. Eager runs (no worker) don't count."""
    global _last_recorded
    if task is not None and getattr(task.request, "is_eager", False):
        return
    if time.monotonic() - _last_recorded < settings.WORKER_HEARTBEAT_EVERY:
        return
    from workflows.health import record_heartbeat

    try:
        record_heartbeat(WORKER)
        _last_recorded = time.monotonic()
    except DatabaseError:
        pass  # the task itself has already met the database's error; try after the next


def _moment(value):
    return value.isoformat(timespec="seconds") if value else None


def healthz(request):
    """GET /healthz: status words and times, no login, nothing about letters or people.
    200 when everything is fine, 503 otherwise (for load balancers and uptime checks)."""
    health = read_health()
    wait = health.notice_wait
    body = {
        "status": "ok" if health.ok else "stale",
        "database": "ok" if health.database else "down",
        "broker": health.broker,
        "sweep": "stale" if health.sweep_stale else "ok",
        "sweep_finished_at": _moment(health.sweep_at),
        "notices": "stale" if health.notices_stale else "ok",
        "oldest_pending_notice_age_seconds": int(wait.total_seconds()) if wait else 0,
        "worker": "none" if health.broker == "none" else (
            "stale" if health.worker_stale else "ok"),
        "worker_last_task_at": _moment(health.worker_at),
        "checked_at": _moment(health.checked_at),
    }
    if health.backup_checked:
        body["backup"] = "stale" if health.backup_stale else "ok"
        body["backup_finished_at"] = _moment(health.backup_at)
    response = JsonResponse(body, status=200 if health.ok else 503)
    response["Cache-Control"] = "no-store"
    return response
