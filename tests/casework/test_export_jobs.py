"""Register export at scale (issue 18): every cell of the file against the records, read
back through the model (not through the export's own value rows); the background path
past EXPORT_BACKGROUND_ROWS: a job row with its progress, the download for its owner only,
a stale run recovered or failed, a run that lost its job stopping, a full disk reported
with no file left behind, one export at a time per person, files expired and cleaned."""
import datetime
import errno
import io
import os
import random
import threading
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import (
    ExportJob,
    ExportState,
    IdentityAccess,
    MemberStatus,
    Petition,
    RoleAssignment,
)
from casework.services import export_jobs
from casework.services.export_jobs import clean_files, export_run, export_start, recover_stale
from casework.services.identity import MASK, MASK_SHORT
from casework.services.petitions import (
    SenderData,
    petition_accept,
    petition_classify,
    petition_receive,
    petition_resolve,
    petition_transfer,
)
from tests.factories import MemberFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

HEADER_ROW = 6
URL = "/don-thu/xuat-excel/"
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung", "=1+2 Hà"]


def generated_letters(actor, tree, n=30, seed=7):
    """Letters of every kind, sender type and stage, some about a member or a branch,
    some forwarded, some closed with a document: what a register holds."""
    rng = random.Random(seed)
    member = MemberFactory(full_name="Đinh Văn Lấn", organisation=tree.branch_a,
                           status=MemberStatus.FULL)
    letters = []
    for i in range(n):
        kind = rng.choice(["recommendation", "complaint", "denunciation", "feedback"])
        sender_type = "named" if kind == "denunciation" else rng.choice(
            ["named", "named", "anonymous", "pseudonymous"])
        senders = [] if sender_type == "anonymous" else [
            SenderData(full_name=rng.choice(NAMES), address=rng.choice(["", "Thôn Lại"]))
            for _ in range(rng.randint(1, 2))]
        letter = petition_receive(
            actor=actor, organisation=rng.choice([tree.office, tree.ubkt]),
            received_on=datetime.date(2025, 1, 1) + timedelta(days=rng.randint(0, 300)),
            channel="forwarded" if i % 3 == 0 else rng.choice(["post", "direct"]), kind=kind,
            sender_type=sender_type, senders=senders,
            summary=rng.choice(["Kiến nghị sửa đường.", "- Ông A lấn đất\n- Bà B làm chứng",
                                "Tố cáo việc chia đất công."]),
            subject_name=rng.choice(["", "Ông Phạm Văn Bị"]),
            subject_member=member if i % 4 == 0 else None,
            subject_organisation=tree.branch_b if i % 5 == 0 else None,
            forwarded_by="UBND xã" if i % 3 == 0 else "")
        stage = i % 4
        if stage:
            petition_classify(actor=actor, petition_id=letter.pk, kind=kind, competence="here")
        if stage == 2:
            petition_accept(actor=actor, petition_id=letter.pk, doc_number=f"{i}/TB",
                            doc_date=datetime.date(2025, 12, 3))
        if stage == 3:
            petition_transfer(actor=actor, petition_id=letter.pk, recipient="UBND xã",
                              doc_number=f"{i}/CV", doc_date=datetime.date(2025, 12, 3))
            petition_resolve(actor=actor, petition_id=letter.pk, result="Đã trả lời",
                             doc_number=f"{i}/TL", doc_date=datetime.date(2025, 12, 10))
        letters.append(letter)
    return letters


def expected_rows(letters, *, cleared_paths=()):
    """The register as the records say, from model instances and their display methods."""
    rows = []
    for p in sorted(Petition.objects.filter(pk__in=[x.pk for x in letters])
                    .select_related("organisation", "subject_member", "subject_organisation"),
                    key=lambda p: (p.received_on, p.receipt_year, p.receipt_seq, p.pk)):
        people = list(p.senders.order_by("pk"))
        masked = p.identity_confidential and not p.organisation.path.startswith(
            tuple(cleared_paths)) if cleared_paths else p.identity_confidential
        if p.sender_type == "anonymous":
            names = addresses = "Giấu tên"
        elif masked:
            names, addresses = str(MASK), str(MASK_SHORT)
        else:
            names = ("Mạo tên: " if p.sender_type == "pseudonymous" else "") + ", ".join(
                s.full_name for s in people)
            addresses = "; ".join(s.address for s in people if s.address)
        channel = p.get_channel_display() + (f" – {p.forwarded_by}" if p.forwarded_by else "")
        subject = [p.subject_name] if p.subject_name else []
        if p.subject_member:
            subject.append("Đảng viên: " + p.subject_member.full_name)
        if p.subject_organisation:
            subject.append("Tổ chức đảng: " + p.subject_organisation.name)
        document = p.decision_number
        if p.decision_date:
            document = f"{document} ngày {p.decision_date:%d/%m/%Y}".strip()
        rows.append([p.receipt_number, p.received_on, p.organisation.name, channel,
                     p.get_kind_display(), names, addresses, p.summary, "\n".join(subject),
                     p.get_status_display(), p.handled_by, document, p.closed_on])
    return [[v or None for v in row] for row in rows]


def read_rows(data):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))[HEADER_ROW:-2]  # blank line, total
    out = []
    for row in rows:
        row = list(row)
        for i in (1, 12):  # dates come back as datetimes at midnight
            if isinstance(row[i], datetime.datetime):
                assert row[i].time() == datetime.time(0)
                row[i] = row[i].date()
        out.append(row)
    return out, sheet


def date_cells_are_formatted(sheet):
    cells = [row[1] for row in sheet.iter_rows(min_row=HEADER_ROW + 1) if row[1].value]
    return all(c.is_date and c.number_format == "dd/mm/yyyy" for c in cells[:-1])


def test_every_cell_of_a_small_export_equals_the_records(client, tree, admin_user):
    letters = generated_letters(admin_user, tree)
    clerk = user_with_role("clerk", tree.commune, username="vp")
    client.force_login(clerk)
    response = client.get(URL)
    assert response.status_code == 200
    rows, sheet = read_rows(b"".join(response.streaming_content))
    assert rows == expected_rows(letters)
    assert date_cells_are_formatted(sheet)
    # A text a spreadsheet would read as a formula stays text, with Excel's quote flag.
    quoted = [c for row in sheet.iter_rows(min_row=HEADER_ROW + 1) for c in row
              if isinstance(c.value, str) and c.value.startswith(("=", "-"))]
    assert quoted and all(c.data_type == "s" and c.quotePrefix for c in quoted)
    # ...and only those: the reused cells carry no flag to the next row.
    plain = [c for row in sheet.iter_rows(min_row=HEADER_ROW + 1) for c in row
             if isinstance(c.value, str) and not c.value.startswith(("=", "-"))]
    assert plain and not any(c.quotePrefix for c in plain)


def test_a_cleared_users_export_with_identities_equals_the_records_and_is_logged(
        client, tree, admin_user):
    letters = generated_letters(admin_user, tree, n=20, seed=3)
    leader = UserFactory(username="ld")
    RoleAssignment.objects.create(user=leader, organisation=tree.commune, role="leader",
                                  identity_clearance=True)
    client.force_login(leader)
    response = client.get(URL, {"danh-tinh": "1"})
    rows, _sheet = read_rows(b"".join(response.streaming_content))
    assert rows == expected_rows(letters, cleared_paths=[tree.commune.path])
    protected = {p.pk for p in letters if p.identity_confidential}
    assert protected
    assert set(IdentityAccess.objects.filter(user=leader, purpose="export")
               .values_list("petition_id", flat=True)) == protected


# ---- the background path ----------------------------------------------------------------
@pytest.fixture
def background(settings):
    settings.EXPORT_BACKGROUND_ROWS = 5
    settings.EXPORT_RUNNER = "inline"


def start(client, user, django_capture_on_commit_callbacks, **params):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(URL, params)
    assert response.status_code == 302
    job = ExportJob.objects.filter(owner=user).latest("pk")
    assert response["Location"] == reverse("casework:export-job", args=[job.pk])
    return job


def test_a_large_export_runs_as_a_job_downloaded_by_its_owner_only(
        client, tree, admin_user, background, django_capture_on_commit_callbacks, export_dir):
    letters = generated_letters(admin_user, tree, n=12)
    clerk = user_with_role("clerk", tree.commune, username="vp")
    job = start(client, clerk, django_capture_on_commit_callbacks, nam="2025")
    job.refresh_from_db()
    assert job.state == ExportState.DONE, job.error
    assert (job.rows_done, job.rows_total, job.attempt) == (12, 12, 1)
    assert job.params == {"nam": ["2025"]} and not job.with_identity
    page = client.get(reverse("casework:export-job", args=[job.pk]))
    download = reverse("casework:export-job-download", args=[job.pk])
    assert page.status_code == 200 and download in page.content.decode()
    status = client.get(reverse("casework:export-job-status", args=[job.pk])).json()
    assert status["state"] == "done" and status["percent"] == 100 and status["done"] == 12
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="so-don-thu-')
    data = b"".join(response.streaming_content)
    rows, sheet = read_rows(data)
    assert rows == expected_rows(letters)
    assert sheet.title == "Sổ đơn thư"
    # Only the finished file is in the folder: no part file.
    assert [p.name for p in export_dir.iterdir()] == [job.file_name]

    # Anyone else: a page that does not exist, even an administrator or a colleague in
    # the same office.
    for other in (user_with_role("clerk", tree.commune, username="vp2"), admin_user):
        client.force_login(other)
        for name in ("casework:export-job", "casework:export-job-status",
                     "casework:export-job-download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_progress_is_written_row_by_row_chunk(tree, admin_user, monkeypatch, export_dir):
    generated_letters(admin_user, tree, n=7)
    clerk = user_with_role("clerk", tree.commune, username="vp")
    job = ExportJob.objects.create(owner=clerk, params={}, rows_total=7)
    seen = []
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 2)
    real = export_jobs._mine

    def spy(j):
        row = ExportJob.objects.get(pk=j.pk)
        seen.append((row.state, row.rows_done))
        return real(j)

    monkeypatch.setattr(export_jobs, "_mine", spy)
    export_run(job.pk)
    # Before each update the row shows the previous chunk; the last is the result.
    assert seen == [("running", 0), ("running", 2), ("running", 4), ("running", 6)]
    job.refresh_from_db()
    assert (job.state, job.rows_done) == ("done", 7)


def test_one_export_at_a_time_per_person(client, tree, admin_user, background, monkeypatch,
                                         django_capture_on_commit_callbacks):
    generated_letters(admin_user, tree, n=8)
    monkeypatch.setattr(export_jobs, "dispatch", lambda job_id: None)  # never starts
    clerk = user_with_role("clerk", tree.commune, username="vp")
    first = start(client, clerk, django_capture_on_commit_callbacks)
    second = start(client, clerk, django_capture_on_commit_callbacks, nam="2025")
    assert first == second and ExportJob.objects.count() == 1
    # While it waits: a progress bar moved by a static script (the CSP runs no inline
    # one), a refresh for a browser without script, and no download link yet.
    page = client.get(reverse("casework:export-job", args=[first.pk])).content.decode()
    assert '<progress id="export-progress" max="100" value="0"' in page
    assert "js/export_progress.js" in page and 'http-equiv="refresh"' in page
    assert "<script>" not in page
    assert reverse("casework:export-job-download", args=[first.pk]) not in page
    status = client.get(reverse("casework:export-job-status", args=[first.pk])).json()
    assert (status["state"], status["done"], status["total"]) == ("queued", 0, 8)
    # The database refuses a second active job whatever the code above decided.
    with pytest.raises(Exception):  # noqa: B017, PT011 (IntegrityError, per backend)
        from django.db import transaction

        with transaction.atomic():
            ExportJob.objects.create(owner=clerk, params={})
    assert export_start(user=clerk, params={}, with_identity=False, rows_total=8) == (first,
                                                                                        False)


def test_a_stale_job_is_run_again_and_a_job_out_of_attempts_fails(client, tree, admin_user,
                                                                   settings, export_dir):
    letters = generated_letters(admin_user, tree, n=6)
    clerk = user_with_role("clerk", tree.commune, username="vp")
    long_ago = timezone.now() - timedelta(seconds=settings.EXPORT_STALE_AFTER + 60)
    # A worker took it and died: running, its heartbeat stopped, its part file left.
    job = ExportJob.objects.create(owner=clerk, params={}, rows_total=6,
                                   state=ExportState.RUNNING, attempt=1,
                                   started_at=long_ago, heartbeat_at=long_ago, rows_done=2)
    export_dir.mkdir(parents=True, exist_ok=True)
    left = export_dir / f"so-don-thu-{job.pk}-dead.xlsx.part"
    left.write_bytes(b"half")
    os.utime(left, (long_ago.timestamp(), long_ago.timestamp()))
    fresh = ExportJob.objects.create(owner=admin_user, params={}, state=ExportState.RUNNING,
                                     attempt=1, heartbeat_at=timezone.now())
    # The owner's page notices, and the job runs again to the end (no beat needed).
    client.force_login(clerk)
    assert client.get(reverse("casework:export-job-status", args=[job.pk])).json()[
        "state"] == "done"
    job.refresh_from_db()
    assert (job.state, job.attempt, job.rows_done) == ("done", 2, 6)
    rows, _sheet = read_rows((export_dir / job.file_name).read_bytes())
    assert rows == expected_rows(letters)
    fresh.refresh_from_db()
    assert fresh.state == "running"  # alive: left alone
    assert recover_stale() == 0
    # The dead run's part file is cleaned; the finished file stays.
    clean_files()
    assert not left.exists() and (export_dir / job.file_name).exists()

    # Out of attempts: failed, with a message, never running for ever.
    tired = ExportJob.objects.create(owner=UserFactory(), params={}, state=ExportState.RUNNING,
                                     attempt=settings.EXPORT_MAX_ATTEMPTS,
                                     heartbeat_at=long_ago)
    assert recover_stale() == 1
    tired.refresh_from_db()
    assert tired.state == "failed" and "gián đoạn" in tired.error


def test_a_run_that_lost_its_job_stops_and_leaves_the_new_runs_file(tree, admin_user,
                                                                    monkeypatch, export_dir):
    generated_letters(admin_user, tree, n=5)
    clerk = user_with_role("clerk", tree.commune, username="vp")
    job = ExportJob.objects.create(owner=clerk, params={}, rows_total=5)
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 2)
    real = export_jobs._mine
    taken = []

    def taken_over(j):
        if not taken:  # while this run writes, a recovery hands the job to another
            taken.append(1)
            ExportJob.objects.filter(pk=j.pk).update(attempt=j.attempt + 1)
        return real(j)

    monkeypatch.setattr(export_jobs, "_mine", taken_over)
    assert export_run(job.pk) is None
    assert list(export_dir.iterdir()) == []  # its part file is gone
    job.refresh_from_db()
    assert job.state == "running" and job.file_name == ""  # the new run's to finish


def test_a_full_disk_fails_the_job_in_plain_words_with_no_file_left(
        client, tree, admin_user, monkeypatch, export_dir):
    generated_letters(admin_user, tree, n=5)
    clerk = user_with_role("clerk", tree.commune, username="vp")
    job = ExportJob.objects.create(owner=clerk, params={}, rows_total=5)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_jobs.os, "fsync", full)
    export_run(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "hết chỗ trống trên đĩa" in job.error
    assert list(export_dir.iterdir()) == []
    client.force_login(clerk)
    page = client.get(reverse("casework:export-job", args=[job.pk])).content.decode()
    assert "hết chỗ trống trên đĩa" in page
    assert client.get(reverse("casework:export-job-download", args=[job.pk])).status_code == 404


def test_files_expire_and_are_deleted(client, tree, admin_user, settings, export_dir):
    generated_letters(admin_user, tree, n=3)
    clerk = user_with_role("clerk", tree.commune, username="vp")
    job = export_run(ExportJob.objects.create(owner=clerk, params={}).pk)
    path = export_dir / job.file_name
    assert path.exists()
    assert clean_files() == (0, 0)  # still within its time
    later = job.finished_at + timedelta(hours=settings.EXPORT_KEEP_HOURS, minutes=1)
    assert clean_files(now=later) == (1, 1)
    job.refresh_from_db()
    assert job.state == "expired" and not path.exists()
    client.force_login(clerk)
    assert client.get(reverse("casework:export-job-download", args=[job.pk])).status_code == 404
    assert "hết hạn" in client.get(reverse("casework:export-job", args=[job.pk])).content.decode()


def test_an_invalid_filter_fails_the_job_with_the_forms_message(tree, admin_user, export_dir):
    clerk = user_with_role("clerk", tree.commune, username="vp")
    job = export_run(ExportJob.objects.create(owner=clerk, params={"nam": ["abc"]}).pk)
    assert job.state == "failed" and "Điều kiện lọc chưa hợp lệ" in job.error


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_job_runs_in_a_thread_of_the_web_process(
        client, tree, admin_user, settings, export_dir):
    settings.EXPORT_BACKGROUND_ROWS = 2
    settings.EXPORT_RUNNER = "thread"
    generated_letters(admin_user, tree, n=4)
    clerk = user_with_role("clerk", tree.commune, username="vp")
    client.force_login(clerk)
    before = {t.name for t in threading.enumerate()}
    response = client.get(URL)
    job = ExportJob.objects.get(owner=clerk)
    assert response["Location"] == reverse("casework:export-job", args=[job.pk])
    for thread in threading.enumerate():
        if thread.name == f"export-{job.pk}" and thread.name not in before:
            thread.join(60)
    job.refresh_from_db()
    assert job.state == "done", job.error
    assert Path(export_dir / job.file_name).exists()


def test_a_job_writes_its_file_in_the_language_of_the_page_that_asked(
        tree, admin_user, export_dir, django_capture_on_commit_callbacks):
    from django.utils import translation

    generated_letters(admin_user, tree, n=3)
    clerk = user_with_role("clerk", tree.commune, username="vp")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        job, created = export_start(user=clerk, params={}, with_identity=False, rows_total=3)
    job.refresh_from_db()
    assert created and job.language == "en" and job.state == "done"
    sheet = openpyxl.load_workbook(export_dir / job.file_name).active
    assert sheet["A1"].value == "PETITION REGISTER"
