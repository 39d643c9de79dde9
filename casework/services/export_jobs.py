"""Register exports made in the background: a job row, a run that writes the file, and the
guarantees around it.

- **One at a time per person**: a partial unique index on the owner's active jobs (the
  database refuses a second; `export_start` answers with the running one).
- **Never stuck**: a run moves `heartbeat_at` after every chunk of rows. A running job
  whose heartbeat is older than EXPORT_STALE_AFTER lost its worker (killed, restarted,
  a web process gone with its thread): `recover_stale` runs it again, up to
  EXPORT_MAX_ATTEMPTS runs in all, then marks it failed with a message. Beat calls it
  every minute; the progress page calls it for its own job, so the embedded install
  (no beat) recovers too.
- **No half file offered**: the run writes `<name>.part` and renames it to its final name
  only once the workbook is complete and flushed; a run that fails deletes its part, and
  `clean_files` deletes parts nobody is writing any more. A full disk is reported in
  plain words.
- **Exactly one writer**: each run numbers itself (`attempt`); progress and the result
  are written only where the row still carries that number, so a stale run that comes
  back to life stops at its next chunk instead of overwriting its replacement.
- **Only its owner** downloads the file (the views ask `job_for`), and only until
  EXPORT_KEEP_HOURS after it was made; `clean_files` deletes it then.
"""
import errno
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.models import ExportJob, ExportState
from casework.models.exports import ACTIVE_STATES
from casework.services import background_jobs

log = logging.getLogger("casework.exports")
# Progress (and heartbeat) written after every this many rows.
PROGRESS_EVERY = 2000


class Superseded(Exception):
    """This run's job was taken over by another run (or removed): stop writing."""


def export_dir():
    path = Path(settings.EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def params_of(querydict):
    """A QueryDict as stored in the job ({name: [values]}), without the page number."""
    return {k: v for k, v in querydict.lists() if k not in ("trang", "page")}


def active_job(user):
    return ExportJob.objects.filter(owner=user, state__in=ACTIVE_STATES).first()


def export_start(*, user, params, with_identity, rows_total):
    """(job, created): a new queued job for `user`, dispatched when the transaction
    commits; or the user's export already queued or running, and False."""
    running = active_job(user)
    if running is not None:
        return running, False
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(owner=user, params=params,
                                           with_identity=with_identity,
                                           rows_total=rows_total,
                                           language=translation.get_language() or "")
    except IntegrityError:
        running = active_job(user)
        if running is None:
            raise
        return running, False  # another request of the same user was quicker
    transaction.on_commit(lambda: dispatch(job.pk))
    return job, True


def dispatch(job_id):
    """Have the job run (casework.services.background_jobs: a worker, a thread, or here)."""
    background_jobs.dispatch(job_id, enqueue=_enqueue, run=export_run, label="export")


def _enqueue(job_id):
    from casework.tasks import run_export

    run_export.delay(job_id)


def _claim(job_id):
    """The job for one run with this run's attempt number, or None (background_jobs)."""
    return background_jobs.claim(ExportJob, job_id, exhausted=lambda n: _(
        "Xuất sổ bị gián đoạn %(n)s lần (máy chủ dừng giữa chừng), chưa làm được tệp. Hãy "
        "xuất lại.") % {"n": n})


def _mine(job):
    return background_jobs.mine(ExportJob, job)


def export_run(job_id):
    """Run the job if it can be claimed; returns the job as left, or None."""
    return background_jobs.in_its_language(ExportJob, job_id, _run)


def _run(job_id):
    from casework.register_export import InvalidFilter, RegisterExport

    job = _claim(job_id)
    if job is None:
        return None
    folder = export_dir()
    name = f"so-don-thu-{job.pk}-{secrets.token_hex(8)}.xlsx"
    part = folder / (name + ".part")

    def progress(rows):
        if not _mine(job).update(rows_done=rows, heartbeat_at=timezone.now()):
            raise Superseded

    try:
        export = RegisterExport(user=job.owner, params=querydict_of(job.params),
                                with_identity=job.with_identity)
        with open(part, "wb") as out:
            rows = export.write(out, progress=progress, every=PROGRESS_EVERY)
            out.flush()
            os.fsync(out.fileno())
        size = part.stat().st_size
        os.replace(part, folder / name)
    except Superseded:
        part.unlink(missing_ok=True)
        return None
    except InvalidFilter as exc:
        part.unlink(missing_ok=True)
        return _fail(job, str(exc))
    except OSError as exc:
        part.unlink(missing_ok=True)
        log.exception("Register export %s failed", job.pk)
        message = (_("Máy chủ đã hết chỗ trống trên đĩa nên chưa làm được tệp. Hãy báo quản "
                     "trị hệ thống giải phóng dung lượng rồi xuất lại.")
                   if exc.errno in (errno.ENOSPC, errno.EDQUOT)
                   else _("Không ghi được tệp trên máy chủ. Hãy thử lại hoặc báo quản trị hệ "
                          "thống."))
        return _fail(job, message)
    except Exception:  # noqa: BLE001 - any failure is shown on the job's page
        part.unlink(missing_ok=True)
        log.exception("Register export %s failed", job.pk)
        return _fail(job, _("Xuất sổ gặp lỗi, chưa làm được tệp. Hãy thử lại hoặc báo quản trị "
                            "hệ thống."))
    if not _mine(job).update(state=ExportState.DONE, rows_done=rows, rows_total=rows,
                             file_name=name, size=size, finished_at=timezone.now()):
        (folder / name).unlink(missing_ok=True)  # replaced meanwhile: its file wins
        return None
    job.refresh_from_db()
    return job


def _fail(job, message):
    """Mark this run's job failed (unless another run has it now); returns it as left."""
    _mine(job).update(state=ExportState.FAILED, error=message, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def querydict_of(params):
    """The stored filter as a QueryDict again."""
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, values)
    return query


def is_stale(job, now=None):
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.EXPORT_STALE_AFTER)
    if job.state == ExportState.RUNNING:
        return job.heartbeat_at is None or job.heartbeat_at < limit
    # Queued and never started: its task or thread was lost before it began.
    return job.state == ExportState.QUEUED and job.created_at < limit


def recover_stale(jobs=None):
    """Run again every stale job (of `jobs`, default all): its worker is gone. Returns
    how many were dispatched. `_claim` decides between a new run and failing a job that
    used up its attempts, under a row lock, so two recoveries at once dispatch once."""
    now = timezone.now()
    limit = now - timedelta(seconds=settings.EXPORT_STALE_AFTER)
    jobs = ExportJob.objects.all() if jobs is None else jobs
    stale = jobs.filter(Q(state=ExportState.RUNNING, heartbeat_at__lt=limit)
                        | Q(state=ExportState.QUEUED, created_at__lt=limit))
    ids = list(stale.values_list("pk", flat=True))
    for job_id in ids:
        dispatch(job_id)
    return len(ids)


def clean_files(now=None):
    """Delete the files of jobs made more than EXPORT_KEEP_HOURS ago (the job says
    "expired"), and part files that no running job is writing. Returns (jobs expired,
    files deleted)."""
    now = now or timezone.now()
    keep = now - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    folder = export_dir()
    expired = list(ExportJob.objects.filter(state=ExportState.DONE, finished_at__lt=keep)
                   .values_list("pk", "file_name"))
    deleted = 0
    for pk, name in expired:
        if name and (folder / name).exists():
            (folder / name).unlink(missing_ok=True)
            deleted += 1
        ExportJob.objects.filter(pk=pk, state=ExportState.DONE).update(
            state=ExportState.EXPIRED, file_name="")
    # Files no job offers: parts of runs that died, files of deleted jobs. Spared: the
    # part of a run that is alive (its heartbeat is recent: casework.xlsx streams the
    # rows to a temporary file of its own and writes the part only at the end, so the part's
    # own age says nothing), and any file younger than that (renamed, not yet recorded).
    offered = set(ExportJob.objects.exclude(file_name="").values_list("file_name", flat=True))
    limit = now - timedelta(seconds=settings.EXPORT_STALE_AFTER)
    alive = set(ExportJob.objects.filter(state=ExportState.RUNNING, heartbeat_at__gte=limit)
                .values_list("pk", flat=True))
    for path in folder.glob("so-don-thu-*.xlsx*"):
        if (path.name in offered or _job_id(path.name) in alive
                or path.stat().st_mtime > limit.timestamp()):
            continue
        path.unlink(missing_ok=True)
        deleted += 1
    return len(expired), deleted


def _job_id(name):
    try:
        return int(name.split("-")[3])
    except (IndexError, ValueError):
        return None


def job_file(job):
    """The finished file of a job, or None when there is none to offer."""
    if job.state != ExportState.DONE or not job.file_name:
        return None
    path = Path(settings.EXPORT_DIR) / job.file_name
    return path if path.is_file() else None
