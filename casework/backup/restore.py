"""Bringing an archive back into an install (`manage.py restore FILE`).

Order, so that a refusal changes nothing: the install must be empty (unless replacing is
asked for explicitly); the whole archive is extracted into a temporary folder next to
MEDIA_ROOT and every member checked against the manifest; the code must know every
migration the archive's database has. Only then the files are moved into MEDIA_ROOT and
the database put in place (one move for SQLite, one pg_restore transaction for
PostgreSQL); if the database step fails the files moved are taken away again.
Afterwards `migrate` brings an archive of an older version up to this one, and the audit
chains and the archive's anchors are checked (casework.services.audit).
"""
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from casework.backup import archive, snapshot
from casework.backup.snapshot import BackupError
from casework.services import audit

ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Restored:
    manifest: dict
    files: int
    counts: dict = field(default_factory=dict)        # label -> (in the archive, now)
    anchor_breaks: list = field(default_factory=list)
    anchors: int = 0                                   # chain ends checked


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def check_empty():
    table = snapshot.has_data()
    if table:
        model = apps.get_model(table)
        raise BackupError(
            f"Cơ sở dữ liệu đang cấu hình đã có dữ liệu (bảng “{model._meta.verbose_name}” "
            "có bản ghi): chỉ phục hồi vào một bản cài đặt trống. Nếu chắc chắn muốn thay "
            "toàn bộ dữ liệu hiện có bằng bản sao lưu, chạy lại với --replace.")
    if media_files():
        raise BackupError(
            f"Thư mục tệp đính kèm {settings.MEDIA_ROOT} đã có tệp: chỉ phục hồi vào một "
            "bản cài đặt trống (hoặc chạy lại với --replace).")


def _check_fits(manifest):
    engine = snapshot.vendor()
    if manifest["engine"] != engine:
        raise BackupError(
            f"Bản sao lưu lấy từ {ENGINE_NAMES.get(manifest['engine'], manifest['engine'])}, "
            f"bản cài đặt này dùng {ENGINE_NAMES.get(engine, engine)}: chưa hỗ trợ phục hồi "
            "sang loại cơ sở dữ liệu khác.")
    if manifest.get("database") != snapshot.DB_MEMBER[engine]:
        raise BackupError("Bản sao lưu bị hỏng: danh mục không chỉ đúng tệp cơ sở dữ liệu.")
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [f"{app}.{name}" for app, name in manifest.get("migrations", {}).items()
               if (app, name) not in known]
    if unknown:
        raise BackupError(
            "Bản sao lưu được tạo bởi phiên bản phần mềm mới hơn bản đang cài (không biết "
            f"bước cập nhật cơ sở dữ liệu {', '.join(sorted(unknown)[:3])}): cài phiên bản "
            "mới hơn rồi phục hồi.")


def _move_files(source_root, moved):
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path in sorted(p for p in source_root.rglob("*") if p.is_file()):
        target = root / path.relative_to(source_root)
        for folder in reversed(target.relative_to(root).parents[:-1]):
            (root / folder).mkdir(exist_ok=True, mode=0o700)
        existed = target.exists()
        shutil.move(path, target)
        if not existed:
            moved.append(target)


def restore(path, *, replace=False) -> Restored:
    if not os.path.isfile(path):
        raise BackupError(f"Không tìm thấy tệp sao lưu {path}.")
    if not replace:
        check_empty()
    parent = Path(settings.MEDIA_ROOT).resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=".casework-restore-", dir=parent))
    moved = []
    try:
        manifest = archive.extract(path, workdir)
        _check_fits(manifest)
        media = workdir / archive.MEDIA.rstrip("/")
        if media.exists():
            _move_files(media, moved)
        try:
            snapshot.put_back(str(workdir / manifest["database"]))
        except BaseException:
            for target in moved:
                target.unlink(missing_ok=True)
            raise
        anchors = (workdir / archive.ANCHORS).read_text(encoding="utf-8")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    call_command("migrate", interactive=False, verbosity=0)
    ends = [tuple(end) for end in json.loads(anchors)["ends"]]
    result = Restored(manifest=manifest, files=len(moved),
                      anchor_breaks=audit.check_anchor(ends), anchors=len(ends))
    for label, expected in manifest.get("counts", {}).items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        result.counts[label] = (expected, model._base_manager.using("default").count())
    connections["default"].close_if_unusable_or_obsolete()
    return result
