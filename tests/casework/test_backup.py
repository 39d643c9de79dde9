"""`manage.py backup` and `restore` in process (issue 16, item 4): what the archive holds,
the refusals (an install with data, a corrupted archive: nothing changed), a full disk
leaves no part file, `--keep`, missing files reported, pg_dump missing or too old.
A backup under load restored on a fresh install: tests/faults/test_backup.py."""
import errno
import hashlib
import json
import os
import re
import subprocess
import tarfile
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.migrations.loader import MigrationLoader

from casework.backup import archive
from casework.models import Petition
from casework.services import audit
from tests.casework.test_intake import PDF, intake

pytestmark = pytest.mark.django_db(transaction=True)


def backup(path, *options):
    out, err = StringIO(), StringIO()
    call_command("backup", str(path), *options, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def letter_with_scan(clerk, tree, content=PDF):
    return intake(clerk, tree, attachments=[
        SimpleUploadedFile("don.pdf", content, content_type="application/pdf")])


def members(path):
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def test_the_archive_holds_the_database_the_scans_the_anchors_and_a_manifest(
        tree, clerk, tmp_path, db_vendor):
    letter = letter_with_scan(clerk, tree)
    scan = letter.attachments.get()
    path = tmp_path / "saoluu.tar"
    assert "Đã sao lưu vào" in backup(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    found = members(path)
    manifest = json.loads(found.pop("manifest.json"))
    database = {"sqlite": "database/db.sqlite3", "postgresql": "database/db.pgdump"}[db_vendor]
    assert list(found)[0] == database and manifest["engine"] == db_vendor
    assert found[f"media/{scan.file.name}"] == PDF
    assert manifest["counts"]["casework.petition"] == 1
    assert manifest["counts"]["casework.caseevent"] == 1
    # The last migration applied, whatever its number is today.
    assert manifest["migrations"]["casework"] == max(
        name for app, name in MigrationLoader(None).disk_migrations if app == "casework")
    assert {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in found.items()} == manifest["members"]
    anchors = json.loads(found["anchors.json"])["ends"]
    assert anchors == [list(end) for end in audit.chain_ends()]
    assert not list(tmp_path.glob(".casework-backup-*")) and not list(tmp_path.glob("*.part"))


def test_restore_refuses_an_install_that_has_data(tree, clerk, tmp_path):
    letter_with_scan(clerk, tree)
    path = tmp_path / "saoluu.tar"
    backup(path)
    with pytest.raises(CommandError, match="đã có dữ liệu .*chạy lại với --replace"):
        call_command("restore", str(path))
    assert Petition.objects.count() == 1


def empty_install(settings):
    call_command("flush", interactive=False)
    for p in sorted(Path(settings.MEDIA_ROOT).rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()


def flip_a_byte(path, member):
    with tarfile.open(path) as tar:
        offset = tar.getmember(member).offset_data
    with open(path, "r+b") as f:
        f.seek(offset + 3)
        byte = f.read(1)
        f.seek(offset + 3)
        f.write(bytes([byte[0] ^ 0xFF]))


def test_a_corrupted_archive_is_refused_and_nothing_changes(tree, clerk, tmp_path, settings):
    scan = letter_with_scan(clerk, tree).attachments.get()
    path = tmp_path / "saoluu.tar"
    backup(path)
    empty_install(settings)
    flip_a_byte(path, f"media/{scan.file.name}")
    with pytest.raises(CommandError, match=f"“media/{scan.file.name}” không khớp mã kiểm tra"):
        call_command("restore", str(path))
    assert not Petition.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert not list(Path(settings.MEDIA_ROOT).parent.glob(".casework-restore-*"))


def test_an_archive_of_another_engine_is_refused(tree, clerk, tmp_path, settings, db_vendor):
    letter_with_scan(clerk, tree)
    path = tmp_path / "saoluu.tar"
    backup(path)
    found = members(path)
    manifest = json.loads(found.pop("manifest.json"))
    manifest["engine"] = "postgresql" if db_vendor == "sqlite" else "sqlite"
    other = tmp_path / "khac.tar"
    with tarfile.open(other, "w") as tar:
        for name, data in [*found.items(), ("manifest.json", json.dumps(manifest).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, BytesIO(data))
    empty_install(settings)
    with pytest.raises(CommandError, match="chưa hỗ trợ phục hồi sang loại cơ sở dữ liệu khác"):
        call_command("restore", str(other))
    assert not Petition.objects.exists()


@pytest.fixture
def full_disk(tmp_path, request):
    """A 64 KiB filesystem for the archive's folder (root: a real tmpfs), else a part
    file whose writes fail with "no space left" after the first 64 KiB."""
    folder = tmp_path / "usb"
    folder.mkdir()
    if os.geteuid() == 0 and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
            capture_output=True).returncode == 0:
        request.addfinalizer(lambda: subprocess.run(["umount", str(folder)]))
        return folder
    real = archive._open_part

    class FillsUp:
        def __init__(self, f):
            self.f, self.written = f, 0

        def write(self, data):
            if self.written + len(data) > 64 * 1024:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.written += len(data)
            return self.f.write(data)

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.f.__exit__(*exc)

    request.getfixturevalue("monkeypatch").setattr(
        archive, "_open_part", lambda path: FillsUp(real(path)))
    return folder


def test_a_full_disk_leaves_no_part_file_and_says_so(tree, clerk, full_disk):
    letter_with_scan(clerk, tree, PDF + os.urandom(150 * 1024))
    with pytest.raises(CommandError, match="đã đầy: chưa sao lưu được, không để lại tệp dở dang"):
        backup(full_disk / "saoluu.tar")
    assert list(full_disk.iterdir()) == []


def test_keep_deletes_the_oldest_archives_of_the_folder_only(tree, clerk, tmp_path):
    letter_with_scan(clerk, tree)
    for age, name in enumerate(["c.tar", "b.tar", "a.tar"], start=1):
        backup(tmp_path / name)
        os.utime(tmp_path / name, (1_700_000_000 - age * 86400,) * 2)
    (tmp_path / "ghi-chu.tar").write_bytes(b"not a backup")
    out = backup(tmp_path, "--keep", "2")  # a folder: the archive is named by the date
    assert f"Đã xóa bản sao lưu cũ: {tmp_path / 'b.tar'}" in out
    names = {p.name for p in tmp_path.iterdir() if p.is_file()} - {"c.tar", "ghi-chu.tar"}
    assert len(names) == 1 and re.fullmatch(r"casework-\d{8}-\d{6}\.tar", names.pop())


def test_a_referenced_file_missing_from_disk_is_reported(tree, clerk, tmp_path):
    scan = letter_with_scan(clerk, tree).attachments.get()
    Path(scan.file.path).unlink()
    with pytest.raises(SystemExit) as stop:
        backup(tmp_path / "saoluu.tar", "--wait", "0")
    assert stop.value.code == 1
    manifest = json.loads(members(tmp_path / "saoluu.tar")["manifest.json"])
    assert manifest["missing_files"] == [scan.file.name]


def test_an_existing_file_is_never_overwritten(tree, tmp_path):
    (tmp_path / "saoluu.tar").write_bytes(b"x")
    with pytest.raises(CommandError, match="đã có: chọn tên khác"):
        backup(tmp_path / "saoluu.tar")


@pytest.mark.postgres
def test_pg_dump_missing_or_older_than_the_server_is_refused(tree, tmp_path, settings):
    settings.BACKUP_PG_BIN = str(tmp_path)
    with pytest.raises(CommandError, match="Không tìm thấy chương trình pg_dump"):
        backup(tmp_path / "a.tar")
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    with pytest.raises(CommandError, match="pg_dump phiên bản 9 cũ hơn máy chủ PostgreSQL"):
        backup(tmp_path / "a.tar")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pg_dump"]
