"""Uploads all-or-nothing on a full disk (issue 20, item 4): a scan that does not fit
leaves no file and no row, and the clerk gets a Vietnamese message naming the problem with
what was typed kept; scans are private (0600 files, 0700 folders) from the first byte, and
reach their final name only once the row is committed; `check_files` lists orphans and
missing files and `--fix` removes orphans.

The full disk is real where the machine allows it (a 1 MiB tmpfs mounted as the uploads
folder: needs root), else the writer is made to fail with ENOSPC half-way through.

Before the change the clerk got the generic 500 page, a partial file (mode 0644) stayed
behind and the letter's folder was 0755."""
import errno
import os
import stat
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from casework.models import Attachment, Petition
from casework.services import attachments as storage
from tests.casework.test_intake import PDF
from tests.casework.test_pages import intake_post

SUMMARY = "Kiến nghị sửa cầu treo thôn Hòa Ché bị hư hỏng."
TWO_MIB = 2 * 1024 * 1024


def big_scan():
    return SimpleUploadedFile("ban-chup.pdf", PDF + b"\0" * (TWO_MIB - len(PDF)),
                              content_type="application/pdf")


def files_under(root):
    return [p for p in Path(root).rglob("*") if p.is_file()]


@pytest.fixture
def small_disk(settings, tmp_path, request):
    """A 1 MiB filesystem as MEDIA_ROOT, or (without the right to mount) a writer that
    fails with "no space left" after its first chunk."""
    settings.ATTACHMENT_MAX_BYTES = 4 * TWO_MIB
    folder = tmp_path / "uploads"
    folder.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(folder)],
        capture_output=True).returncode == 0
    if mounted:
        request.addfinalizer(lambda: subprocess.run(["umount", str(folder)]))
    else:
        real_fdopen = os.fdopen

        class FillsUp:
            def __init__(self, f):
                self.f, self.written = f, 0

            def write(self, data):
                if self.written:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                self.written += self.f.write(data[:512 * 1024])
                return len(data)

            def __getattr__(self, name):
                return getattr(self.f, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self.f.__exit__(*exc)

        def fdopen(fd, *args, **kwargs):
            return FillsUp(real_fdopen(fd, *args, **kwargs))

        storage_os = storage.os
        request.getfixturevalue("monkeypatch").setattr(storage_os, "fdopen", fdopen)
    settings.MEDIA_ROOT = str(folder)
    return folder


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_leaves_no_file_no_row_and_keeps_what_was_typed(
        client, tree, clerk, small_disk):
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"), intake_post(
        organisation=tree.office.pk, summary=SUMMARY, attachments=[big_scan()]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Không lưu được tệp “ban-chup.pdf”: ổ đĩa của máy chủ đã đầy." in page
    assert SUMMARY in page and "Vũ Văn Hải" in page  # what was typed is kept
    assert not Petition.objects.exists() and not Attachment.objects.exists()
    assert files_under(small_disk) == []
    for folder in [small_disk, *[p for p in small_disk.rglob("*") if p.is_dir()]][1:]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


@pytest.mark.django_db(transaction=True)
def test_a_scan_is_private_and_takes_its_name_only_after_commit(client, tree, clerk):
    client.force_login(clerk)
    scan = SimpleUploadedFile("don.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("casework:petition-create"), intake_post(
        organisation=tree.office.pk, attachments=[scan]))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    path = Path(attachment.file.path)
    assert path.read_bytes() == PDF
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no .partial-* left


@pytest.mark.django_db
def test_before_commit_only_a_partial_file_exists(tree, clerk, settings,
                                                  django_capture_on_commit_callbacks):
    from tests.casework.test_intake import intake

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        petition = intake(clerk, tree, attachments=[
            SimpleUploadedFile("don.pdf", PDF, content_type="application/pdf")])
        path = Path(petition.attachments.get().file.path)
        assert not path.exists()
        staged = path.with_name(".partial-" + path.name)
        assert staged.read_bytes() == PDF
        assert stat.S_IMODE(staged.stat().st_mode) == 0o600
    for callback in callbacks:
        callback()
    assert path.read_bytes() == PDF and not staged.exists()


def check_files(*options):
    out = StringIO()
    try:
        call_command("check_files", *options, stdout=out)
        return 0, out.getvalue()
    except SystemExit as stop:
        return stop.code, out.getvalue()


@pytest.mark.django_db
def test_check_files_lists_orphans_and_missing_files_and_fix_removes_orphans(
        tree, clerk, settings, django_capture_on_commit_callbacks):
    from tests.casework.test_intake import intake

    with django_capture_on_commit_callbacks(execute=True):
        kept = intake(clerk, tree, attachments=[
            SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")])
        lost = intake(clerk, tree, attachments=[
            SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf")])
    assert check_files() == (0, "2 tệp trên đĩa, 2 tệp có dòng trỏ tới; 0 tệp mồ côi (0 đã xóa), "
                                "0 tệp bị thiếu.\n")
    lost_file = lost.attachments.get().file
    Path(lost_file.path).unlink()
    orphan = Path(settings.MEDIA_ROOT) / "petitions" / "2025" / ".partial-deadbeef"
    orphan.write_bytes(b"x")
    code, text = check_files()
    assert code == 1
    assert "Tệp mồ côi (không có dòng nào trỏ tới): petitions/2025/.partial-deadbeef" in text
    assert f"Thiếu tệp của tệp đính kèm #{lost.attachments.get().pk}: {lost_file.name}" in text
    code, text = check_files("--fix", "--min-age", "0")
    assert "Đã xóa tệp mồ côi: petitions/2025/.partial-deadbeef" in text
    assert not orphan.exists() and Path(kept.attachments.get().file.path).exists()
    assert code == 1  # the missing file is still missing: for a person to restore
