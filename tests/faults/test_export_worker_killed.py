"""A register export whose Celery worker is killed mid-file (SIGKILL to its process group,
as an OOM kill or a pulled plug would) is not stuck for ever: the job stays "running" with
a heartbeat that stops, is found stale, runs again to the end, and its file holds every
letter; the dead run's part file is never offered and is cleaned.

A redis-server of the test's own (tests/faults/servers.py) and a real `celery worker`;
the PostgreSQL pass (the worker reads the test database). Never the shared Redis."""
import datetime
import io
import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta

import openpyxl
import pytest
import time_machine
from celery import Celery
from django.utils import timezone

from casework.models import ExportJob, ExportState, Petition, PetitionSender
from casework.services.export_jobs import clean_files, recover_stale
from tests.factories import user_with_role
from tests.faults.conftest import ROOT, project_env
from tests.faults.servers import ThrowAwayRedis, have_redis_server
from tests.notifications.test_celery_integration import database_url
from tests.processes import wait_for

pytestmark = [
    pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not have_redis_server(), reason="cần redis-server"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux processes"),
]

LETTERS = 20_000  # several seconds of writing: the kill lands mid-file


def many_letters(tree, actor):
    """Letters written straight to the table (the services would take minutes for 20,000;
    the export only reads them)."""
    day = datetime.date(2025, 1, 1)
    Petition.objects.bulk_create([
        Petition(organisation=tree.office, receipt_year=2025, receipt_seq=i + 1,
                 received_on=day + timedelta(days=i % 300), channel="post",
                 kind="recommendation", sender_type="named", created_by=actor,
                 summary=f"Kiến nghị số {i + 1} về đường liên thôn.")
        for i in range(LETTERS)], batch_size=2000)
    PetitionSender.objects.bulk_create([
        PetitionSender(petition_id=pk, full_name=f"Người gửi {pk}", address="Thôn Lại",
                       name_key=f"nguoi gui {pk}")
        for pk in Petition.objects.values_list("pk", flat=True)], batch_size=2000)


def test_a_worker_killed_mid_export_leaves_a_job_that_is_run_again_to_the_end(
        tree, tmp_path, settings):
    clerk = user_with_role("clerk", tree.commune, username="vp")
    many_letters(tree, clerk)
    settings.EXPORT_DIR = str(tmp_path / "exports")
    settings.EXPORT_RUNNER = "inline"  # the recovery below runs here, to the end
    redis = ThrowAwayRedis()
    queue = f"casework-export-{uuid.uuid4().hex[:8]}"
    env = project_env(DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
                      CASEWORK_TEST_QUEUE=queue, DATABASE_URL=database_url(),
                      CELERY_BROKER_URL=redis.url(), EXPORT_DIR=settings.EXPORT_DIR,
                      EXPORT_RUNNER="celery")
    log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
         "--concurrency=1", "--loglevel=INFO", "--without-heartbeat", "--without-mingle",
         "--without-gossip"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        job = ExportJob.objects.create(owner=clerk, params={}, rows_total=LETTERS)
        Celery("casework-export-test", broker=redis.url(), set_as_current=False).send_task(
            "casework.tasks.run_export", args=[job.pk], queue=queue)

        def writing():
            job.refresh_from_db()
            return job.state == ExportState.RUNNING and any(
                p.suffix == ".part" for p in (tmp_path / "exports").glob("*"))

        assert wait_for(writing, 120), (tmp_path / "worker.log").read_text(errors="replace")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        redis.close()

    job.refresh_from_db()
    assert job.state == ExportState.RUNNING and job.attempt == 1 and job.rows_done < LETTERS
    parts = list((tmp_path / "exports").glob("*.part"))
    assert len(parts) == 1
    # Nothing to download: the half file is never offered.
    assert job.file_name == ""
    # Still alive as far as anyone can tell, until its heartbeat is old enough.
    assert recover_stale() == 0
    later = timezone.now() + timedelta(seconds=settings.EXPORT_STALE_AFTER + 5)
    with time_machine.travel(later, tick=True):
        assert recover_stale() == 1
        job.refresh_from_db()
        assert (job.state, job.attempt, job.rows_done) == ("done", 2, LETTERS), job.error
        clean_files()
    assert not parts[0].exists()
    sheet = openpyxl.load_workbook(io.BytesIO(
        (tmp_path / "exports" / job.file_name).read_bytes()), read_only=True).active
    rows = list(sheet.iter_rows(min_row=7, values_only=True))[:-2]
    assert len(rows) == LETTERS
    first = Petition.objects.order_by("received_on", "receipt_seq").first()
    assert rows[0][0] == first.receipt_number and rows[0][5] == f"Người gửi {first.pk}"
