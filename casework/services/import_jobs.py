"""Imports from Excel run in the background, as the register exports do
(casework.services.export_jobs, whose settings they share: EXPORT_RUNNER,
EXPORT_STALE_AFTER, EXPORT_MAX_ATTEMPTS): a job row, a claimed run numbered by `attempt`,
a heartbeat, one active job per person, stale runs recovered or failed.

A job runs twice: the check (every row validated, nothing written; the page then shows the
errors, or "N đơn sẽ được nhập, M đơn đã có trong sổ sẽ bỏ qua") and, once its owner
confirms, the import (checked again and written in one transaction:
casework.services.letter_import).

Progress of the import itself is written from inside its transaction, which nobody else
sees until it commits: on PostgreSQL it goes through a connection of its own (autocommit,
another row: no lock shared with the import); SQLite admits one writer at a time, so there
it is kept in this process (`_LIVE`), where the page of the embedded install (the web
process runs the job in a thread) reads it.
"""
import logging
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.errors import ActionRefused
from casework.imports.workbook import BadFile, ImportInvalid
from casework.models import ImportJob, ImportKind, ImportState
from casework.models.imports import ACTIVE_IMPORT_STATES
from casework.services import background_jobs
from casework.services.case_import import case_import, case_import_check
from casework.services.letter_import import letter_import, letter_import_check

log = logging.getLogger("casework.imports")
PROGRESS_EVERY = 2000
_LIVE = {}  # job id → (attempt, rows done, heartbeat): SQLite's progress (see module)


class Superseded(Exception):
    """This run's job was taken over by another run: stop."""


def import_dir():
    path = Path(settings.IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def active_job(user):
    return ImportJob.objects.filter(owner=user, state__in=ACTIVE_IMPORT_STATES).first()


def import_start(*, user, upload, kind=ImportKind.LETTERS):
    """(job, created): the uploaded file (a letters register, or a year's cases: `kind`)
    stored and its check queued, dispatched on commit;
    or the person's import already queued or running, and False. The file is refused
    before it is stored when it is over IMPORT_MAX_BYTES."""
    running = active_job(user)
    if running is not None:
        return running, False
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise BadFile(_("Tệp quá lớn (%(size)s MB); tối đa %(max)s MB.")
                      % {"size": upload.size // 1_000_000 or 1,
                         "max": settings.IMPORT_MAX_BYTES // 1_000_000})
    name = f"nhap-so-{secrets.token_hex(12)}.xlsx"
    path = import_dir() / name
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                owner=user, kind=kind, file_name=name,
                original_name=(upload.name or "")[:255], size=upload.size,
                language=translation.get_language() or "")
    except IntegrityError:
        path.unlink(missing_ok=True)
        running = active_job(user)
        if running is None:
            raise
        return running, False
    transaction.on_commit(lambda: dispatch(job.pk))
    return job, True


def import_confirm(*, user, job_id):
    """Queue the import of a checked, valid file of `user`'s; returns the job."""
    job = ImportJob.objects.filter(pk=job_id, owner=user).first()
    if job is None:
        raise ActionRefused(_("Không tìm thấy lượt nhập này."))
    if not job.valid or job.confirmed:
        raise ActionRefused(_("Tệp này chưa kiểm tra xong, có lỗi, hoặc đã được nhập."))
    try:
        with transaction.atomic():
            won = ImportJob.objects.filter(pk=job.pk, state=ImportState.CHECKED,
                                           confirmed=False).update(
                state=ImportState.QUEUED, confirmed=True, attempt=0, rows_done=0,
                heartbeat_at=timezone.now())
    except IntegrityError:
        raise ActionRefused(_("Bạn đang có một lượt nhập khác chưa xong.")) from None
    if won:
        transaction.on_commit(lambda: dispatch(job.pk))
    job.refresh_from_db()
    return job


def dispatch(job_id):
    """Have the job run (casework.services.background_jobs: a worker, a thread, or here)."""
    background_jobs.dispatch(job_id, enqueue=_enqueue, run=import_run, label="import")


def _enqueue(job_id):
    from casework.tasks import run_import

    run_import.delay(job_id)


def _claim(job_id):
    """The job for one run with this run's attempt number, or None (background_jobs);
    not while a run of this process still holds it (SQLite's progress is kept here)."""
    return background_jobs.claim(ImportJob, job_id, alive=_alive, exhausted=lambda n: _(
        "Việc nhập bị gián đoạn %(n)s lần (máy chủ dừng giữa chừng); chưa đơn nào được "
        "nhập. Hãy tải tệp lên lại.") % {"n": n})


def _alive(job, now):
    """A run of this process is still writing (SQLite's progress kept here)."""
    live = _LIVE.get(job.pk)
    return (live is not None and live[0] == job.attempt
            and live[2] >= now - timedelta(seconds=settings.EXPORT_STALE_AFTER))


def _mine(job):
    return background_jobs.mine(ImportJob, job)


def import_run(job_id):
    return background_jobs.in_its_language(ImportJob, job_id, _run)


def _run(job_id):
    job = _claim(job_id)
    if job is None:
        return None
    path = import_dir() / job.file_name
    try:
        if job.confirmed:
            return _write(job, path)
        return _check(job, path)
    except Superseded:
        return None
    except BadFile as exc:
        return _finish(job, state=ImportState.FAILED, error=str(exc))
    except ActionRefused as exc:
        return _finish(job, state=ImportState.FAILED, error=exc.message)
    except Exception:  # noqa: BLE001 - any failure is shown on the job's page
        log.exception("Import %s failed", job.pk)
        return _finish(job, state=ImportState.FAILED, error=_(
            "Việc nhập gặp lỗi; chưa đơn nào được nhập. Hãy thử lại hoặc báo quản trị hệ "
            "thống."))
    finally:
        _LIVE.pop(job.pk, None)


def _check(job, path):
    def progress(rows):
        if not _mine(job).update(rows_done=rows, heartbeat_at=timezone.now()):
            raise Superseded

    if job.kind == ImportKind.CASES:
        # The cases are checked by writing them in a transaction rolled back at the end:
        # the job's row is reported on as during the import itself.
        side = _side_connection()
        try:
            plan = case_import_check(actor=job.owner, path=path,
                                     progress=_outside_progress(job, side))
        finally:
            if side is not None:
                side.close()
    else:
        plan = letter_import_check(actor=job.owner, path=path, progress=progress,
                                   every=PROGRESS_EVERY)
    return _finish(job, state=ImportState.CHECKED, rows_total=plan.read,
                   rows_done=plan.read, to_import=len(plan.rows), skipped=plan.skipped,
                   error_count=plan.errors.total, errors=plan.errors.items)


def _outside_progress(job, side):
    """Progress written from inside a transaction nobody else sees (see module)."""
    def progress(rows):
        now = timezone.now()
        if side is None:
            _LIVE[job.pk] = (job.attempt, rows, now)
            return
        with side.cursor() as cursor:
            cursor.execute(f"UPDATE {ImportJob._meta.db_table} SET rows_done = %s, "
                           "heartbeat_at = %s WHERE id = %s AND attempt = %s AND state = %s",
                           [rows, now, job.pk, job.attempt, ImportState.RUNNING])
            if cursor.rowcount == 1:
                return
            cursor.execute(f"SELECT 1 FROM {ImportJob._meta.db_table} WHERE id = %s",
                           [job.pk])
            if cursor.fetchone() is not None:
                raise Superseded
        # The job's own row is not committed yet (a test's transaction): keep the progress
        # in this process, as on SQLite.
        _LIVE[job.pk] = (job.attempt, rows, now)

    return progress


def _write(job, path):
    side = _side_connection()
    progress = _outside_progress(job, side)
    try:
        if job.kind == ImportKind.CASES:
            result = case_import(actor=job.owner, path=path, job_id=job.pk, progress=progress)
        else:
            result = letter_import(actor=job.owner, path=path, job_id=job.pk,
                                   progress=progress, every=PROGRESS_EVERY)
    except ImportInvalid as exc:
        plan = exc.plan
        return _finish(job, state=ImportState.CHECKED, error_count=plan.errors.total,
                       errors=plan.errors.items, to_import=len(plan.rows),
                       skipped=plan.skipped, confirmed=False)
    finally:
        if side is not None:
            side.close()
    path.unlink(missing_ok=True)
    return _finish(job, state=ImportState.DONE, imported=result["imported"],
                   skipped=result["skipped"], rows_done=job.rows_total,
                   result={"units": result["units"]})


def _side_connection():
    if connections["default"].vendor != "postgresql":
        return None
    side = connections.create_connection("default")
    side.set_autocommit(True)
    return side


def _finish(job, *, state, **fields):
    """Write this run's outcome (unless another run has the job now); returns the job. A
    file that will not be imported (refused, or with errors: the person uploads a
    corrected one) is deleted; a valid one waits for the confirmation."""
    if not _mine(job).update(state=state, finished_at=timezone.now(), **fields):
        return None
    job.refresh_from_db()
    if state == ImportState.FAILED or job.error_count:
        (import_dir() / job.file_name).unlink(missing_ok=True)
    return job


def progress_of(job):
    """(rows done, percent) as the page shows them, with SQLite's in-process progress."""
    live = _LIVE.get(job.pk)
    rows = live[1] if live and live[0] == job.attempt else job.rows_done
    total = job.to_import if job.confirmed else job.rows_total
    if job.state in (ImportState.DONE, ImportState.CHECKED):
        return rows, 100
    return rows, min(99, rows * 100 // total) if total else 0


def clean_files(now=None):
    """An upload checked and valid but never confirmed is given up IMPORT_KEEP_HOURS after
    its check: its file is deleted and its job says so (the person uploads it again). A
    file no waiting or running job holds (a job deleted in the admin) goes once it is that
    old. Returns (jobs given up, files deleted)."""
    now = now or timezone.now()
    keep = now - timedelta(hours=settings.IMPORT_KEEP_HOURS)
    folder = import_dir()
    waiting = ImportJob.objects.filter(state=ImportState.CHECKED, confirmed=False,
                                       error_count=0, finished_at__lt=keep)
    given_up = 0
    for pk, name in waiting.values_list("pk", "file_name"):
        # Conditional, as the confirmation is: whichever comes first wins.
        if ImportJob.objects.filter(pk=pk, state=ImportState.CHECKED, confirmed=False).update(
                state=ImportState.FAILED, error=_(
                    "Tệp đã kiểm tra nhưng không được xác nhận nhập trong %(hours)s giờ nên "
                    "đã được xóa; chưa đơn nào được nhập. Hãy tải tệp lên lại.")
                % {"hours": settings.IMPORT_KEEP_HOURS}):
            (folder / name).unlink(missing_ok=True)
            given_up += 1
    held = set(ImportJob.objects.filter(state__in=[
        ImportState.QUEUED, ImportState.RUNNING, ImportState.CHECKED]).values_list(
        "file_name", flat=True))
    deleted = given_up
    for path in folder.iterdir():
        if path.is_file() and path.name not in held and path.stat().st_mtime < keep.timestamp():
            path.unlink(missing_ok=True)
            deleted += 1
    return given_up, deleted


def recover_stale(jobs=None):
    """Run again every stale job (of `jobs`, default all): its worker is gone."""
    now = timezone.now()
    limit = now - timedelta(seconds=settings.EXPORT_STALE_AFTER)
    jobs = ImportJob.objects.all() if jobs is None else jobs
    # Queued and never started: its task or thread was lost before it began (a confirmed
    # job counts from its confirmation, which set its heartbeat).
    stale = jobs.filter(Q(state=ImportState.RUNNING, heartbeat_at__lt=limit)
                        | Q(state=ImportState.QUEUED, heartbeat_at__lt=limit)
                        | Q(state=ImportState.QUEUED, heartbeat_at__isnull=True,
                            created_at__lt=limit))
    ids = [pk for pk in stale.values_list("pk", flat=True)
           if not (pk in _LIVE and _LIVE[pk][2] >= limit)]
    for job_id in ids:
        dispatch(job_id)
    return len(ids)
