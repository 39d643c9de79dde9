"""The import's pages (issue 16): upload → check → errors by row and column, or the
summary → confirm → the result; the template; progress; only the owner sees a job."""
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.errors import ActionRefused
from casework.imports.letters import COLUMNS
from casework.models import ImportJob, Petition
from casework.services import import_jobs
from tests.casework.import_files import write_book
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

URL = "/don-thu/nhap-excel/"


def row(seq, **extra):
    data = {"Nơi tiếp nhận": "VPĐU", "Số tiếp nhận": f"{seq:03d}/2025",
            "Ngày nhận": "05/03/2025", "Nguồn đơn": "Bưu chính", "Loại đơn": "Khiếu nại",
            "Họ tên người gửi": "Lê Văn Bình", "Tóm tắt nội dung": f"Khiếu nại số {seq}",
            "Thẩm quyền": "Thuộc thẩm quyền của cơ quan khác", "Xử lý": "Đã chuyển đơn",
            "Ngày xử lý": "10/03/2025", "Số văn bản xử lý": f"{seq}-PC/VPĐU",
            "Nơi nhận đơn chuyển, hướng dẫn": "UBND xã"}
    data.update(extra)
    return data


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """The job is dispatched when the upload commits (EXPORT_RUNNER=inline in the tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def upload(client, path, on_commit):
    with open(path, "rb") as f, on_commit():
        return client.post(URL, {"file": SimpleUploadedFile("so.xlsx", f.read())})


def test_upload_check_confirm_and_result(client, clerk, tree, tmp_path, on_commit):
    client.force_login(clerk)
    page = client.get(URL)
    assert page.status_code == 200 and "Tải tệp mẫu" in page.content.decode()
    path = write_book(tmp_path / "a.xlsx", [row(1), row(2)])
    response = upload(client, path, on_commit)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("casework:import-job", args=[job.pk])
    body = client.get(response["Location"]).content.decode()
    assert "2 đơn sẽ được nhập, 0 đơn đã có trong sổ sẽ bỏ qua." in body
    assert not Petition.objects.exists()
    status = client.get(reverse("casework:import-job-status", args=[job.pk])).json()
    assert status["state"] == "checked" and status["percent"] == 100
    with on_commit():
        client.post(reverse("casework:import-job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done" and job.imported == 2
    body = client.get(reverse("casework:import-job", args=[job.pk])).content.decode()
    assert "Đã nhập 2 đơn; 0 đơn đã có trong sổ được bỏ qua." in body
    assert "số 001 đến 002" in body
    letter = Petition.objects.get(receipt_seq=1)
    assert letter.status == "transferred"
    assert all(e.details["import"] == job.pk for e in letter.events.all())
    # The same file again: everything already in the register.
    response = upload(client, path, on_commit)
    body = client.get(response["Location"]).content.decode()
    assert "0 đơn sẽ được nhập, 2 đơn đã có trong sổ sẽ bỏ qua." in body
    assert "Xác nhận nhập" not in body


def test_errors_listed_by_row_and_column(client, clerk, tree, tmp_path, on_commit):
    client.force_login(clerk)
    path = write_book(tmp_path / "b.xlsx", [row(1), row(2, **{"Ngày xử lý": "01/03/2025"})])
    response = upload(client, path, on_commit)
    body = client.get(response["Location"]).content.decode()
    assert "Tệp có 1 lỗi; chưa đơn nào được nhập." in body
    assert "Dòng 3, cột «Ngày xử lý»: ngày 01/03/2025 trước bước trước đó" in body
    assert "Xác nhận nhập" not in body


def test_bad_file_named_on_the_job(client, clerk, tree, on_commit):
    client.force_login(clerk)
    with on_commit():
        response = client.post(URL, {"file": SimpleUploadedFile("so.xlsx", b"not a zip")})
    job = ImportJob.objects.get()
    assert job.state == "failed"
    assert "không phải tệp Excel" in client.get(response["Location"]).content.decode()


def test_template_has_headers_lists_and_instructions(client, clerk, tree):
    client.force_login(clerk)
    response = client.get(reverse("casework:letters-import-template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Đơn thư"]
    assert [c.value for c in sheet[1]] == [header for _key, header in COLUMNS]
    assert "Hướng dẫn" in book.sheetnames
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert len(lists) >= 8
    names = [c.value for c in book["Danh mục"]["A"] if c.value]  # sorted keys: channel
    assert "Trực tiếp" in names


def test_progress_of_a_running_import(clerk, tree, tmp_path, settings):
    """The import's progress as the page reads it, from inside its transaction."""
    path = write_book(tmp_path / "c.xlsx", [row(i) for i in range(1, 6)])
    with open(path, "rb") as f:
        job, _ = import_jobs.import_start(user=clerk,
                                          upload=SimpleUploadedFile("c.xlsx", f.read()))
    import_jobs.import_run(job.pk)
    job.refresh_from_db()
    seen = []
    real = import_jobs.letter_import

    def watched(**kwargs):
        progress = kwargs["progress"]

        def spy(rows):
            progress(rows)
            job.refresh_from_db()
            seen.append(import_jobs.progress_of(job))
        return real(**{**kwargs, "progress": spy, "every": 2})

    import_jobs.letter_import = watched
    try:
        import_jobs.import_confirm(user=clerk, job_id=job.pk)
        import_jobs.import_run(job.pk)
    finally:
        import_jobs.letter_import = real
    assert (5, 99) in seen
    job.refresh_from_db()
    assert job.state == "done" and import_jobs.progress_of(job) == (5, 100)


def test_only_the_owner_sees_a_job_and_a_viewer_may_not_import(client, clerk, tree):
    job = ImportJob.objects.create(owner=clerk, file_name="x.xlsx", original_name="x.xlsx",
                                   state="checked")
    other = user_with_role("clerk", tree.office, username="vanphong-khac")
    client.force_login(other)
    assert client.get(reverse("casework:import-job", args=[job.pk])).status_code == 404
    viewer = user_with_role("viewer", tree.commune, username="chixem")
    client.force_login(viewer)
    assert client.get(URL).status_code == 403


def test_an_upload_never_confirmed_is_deleted_after_the_keeping_time(clerk, tree, tmp_path,
                                                                     settings):
    """A checked file waits IMPORT_KEEP_HOURS for its confirmation; then the cleaner deletes
    it and the job says why. A younger one, and a file a job still holds, are kept; a file
    no job holds goes once it is that old."""
    import datetime
    import os

    from django.utils import timezone

    settings.IMPORT_DIR = str(tmp_path / "imports")
    jobs = []
    for name in ("old.xlsx", "young.xlsx"):
        path = write_book(tmp_path / name, [row(1)])
        with open(path, "rb") as f:
            job, _ = import_jobs.import_start(user=clerk,
                                              upload=SimpleUploadedFile(name, f.read()))
        import_jobs.import_run(job.pk)
        job.refresh_from_db()
        assert job.state == "checked" and job.error_count == 0
        jobs.append(job)
    old, young = jobs
    folder = import_jobs.import_dir()
    orphan = folder / "orphan.xlsx"
    orphan.write_bytes(b"x")
    later = timezone.now() + datetime.timedelta(hours=settings.IMPORT_KEEP_HOURS, minutes=1)
    ImportJob.objects.filter(pk=young.pk).update(finished_at=later - datetime.timedelta(hours=1))
    os.utime(folder / young.file_name, (later.timestamp(), later.timestamp()))
    assert import_jobs.clean_files(now=later) == (1, 2)
    old.refresh_from_db()
    young.refresh_from_db()
    assert old.state == "failed" and "không được xác nhận" in old.error
    assert not (folder / old.file_name).exists() and not orphan.exists()
    assert young.state == "checked" and (folder / young.file_name).exists()
    # A confirmation after the cleaner is refused with the job's own words.
    with pytest.raises(ActionRefused):
        import_jobs.import_confirm(user=clerk, job_id=old.pk)
    assert not Petition.objects.exists()
