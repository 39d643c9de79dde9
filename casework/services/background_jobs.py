"""What every background job of a person's (the register's exports, the imports from
Excel) shares: where it runs, and which run may write it. Each kind keeps its own model,
states and work; the guarantees below are written once.

- **Where it runs** (`dispatch`): by a Celery worker in production, in a thread of the web
  process on the embedded install (no broker), or right here (EXPORT_RUNNER=inline, the
  tests). The setting is the exports' name for it, kept for the installs that set it.
- **One writer** (`claim`, `mine`): a job is taken when it is queued, or running with a heartbeat
  older than EXPORT_STALE_AFTER (its worker is gone). Each run numbers itself (`attempt`);
  the conditional UPDATE on that number decides between two runs claiming at once, on
  PostgreSQL and SQLite alike, and a job that used up EXPORT_MAX_ATTEMPTS is failed with
  its kind's message instead of being run again.
"""
import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Q
from django.utils import timezone, translation

log = logging.getLogger("casework.jobs")

# The state codes every job model uses (ExportState, ImportState).
QUEUED, RUNNING, FAILED = "queued", "running", "failed"


def dispatch(job_id, *, enqueue, run, label):
    """Have job `job_id` run: `enqueue(job_id)` queues its Celery task, `run(job_id)` runs
    it; `label` names it in a thread's name and in the log."""
    runner = settings.EXPORT_RUNNER
    if runner == "celery":
        enqueue(job_id)
    elif runner == "thread":
        threading.Thread(target=_run_in_thread, args=(run, job_id, label), daemon=True,
                         name=f"{label}-{job_id}").start()
    elif runner == "inline":
        run(job_id)
    else:
        raise ImproperlyConfigured(f"EXPORT_RUNNER={runner!r}: celery, thread hoặc inline")


def _run_in_thread(run, job_id, label):
    try:
        run(job_id)
    except Exception:  # noqa: BLE001 - a thread's error would only reach stderr
        log.exception("%s %s failed", label, job_id)
    finally:
        connections.close_all()  # this thread's own connections: it ends here


def in_its_language(model, job_id, run):
    """`run(job_id)` in the language its owner asked in (messages, file headers)."""
    language = (model.objects.filter(pk=job_id).values_list("language", flat=True)
                .first()) or settings.LANGUAGE_CODE
    with translation.override(language):
        return run(job_id)


def mine(model, job):
    """The job's row while this run still holds it: progress and results are written
    through it, so a run that was superseded writes nothing."""
    return model.objects.filter(pk=job.pk, attempt=job.attempt, state=RUNNING)


def claimable(now):
    """The jobs a run may take now: queued, or running without a recent heartbeat."""
    stale = now - timedelta(seconds=settings.EXPORT_STALE_AFTER)
    return Q(state=QUEUED) | Q(state=RUNNING, heartbeat_at__lt=stale)


def claim(model, job_id, *, exhausted, alive=None):
    """Take job `job_id` of `model` for one run; returns it with this run's attempt number,
    or None (done, failed, another run is alive, or another claim won). `exhausted(n)` is
    the message of a job interrupted n times; `alive(job, now)` may say a run of this
    process still holds it (progress kept in memory)."""
    now = timezone.now()
    job = model.objects.filter(claimable(now), pk=job_id).select_related("owner").first()
    if job is None or (alive is not None and alive(job, now)):
        return None
    same_run = model.objects.filter(claimable(now), pk=job_id, attempt=job.attempt)
    if job.attempt >= settings.EXPORT_MAX_ATTEMPTS:
        same_run.update(state=FAILED, finished_at=now, error=exhausted(job.attempt))
        return None
    if not same_run.update(state=RUNNING, attempt=job.attempt + 1, rows_done=0,
                           started_at=now, heartbeat_at=now):
        return None
    job.state, job.attempt, job.rows_done = RUNNING, job.attempt + 1, 0
    job.started_at = job.heartbeat_at = now
    return job
