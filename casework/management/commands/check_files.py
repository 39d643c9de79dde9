"""`python manage.py check_files [--fix] [--min-age MINUTES]`

Compares the files on disk (MEDIA_ROOT) with the rows that own them (scans, generated
documents, uploaded templates): lists orphans (files no
row points to: a `.partial-*` file left by a transaction that rolled back, or anything
else put there) and rows whose file is missing. Exit status 0 when they agree, 1 when not.

--fix removes the orphans older than --min-age minutes (default 60: a scan being uploaded
right now is a young `.partial-*` file and is left alone). It never touches a row: a
missing file is for a person to restore from the backup.
"""
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from casework.models import Attachment, DocumentTemplate, GeneratedDocument

# Every model whose rows own a file under MEDIA_ROOT, with the name a missing file is
# reported under.
FILE_OWNERS = ((Attachment, "tệp đính kèm"), (GeneratedDocument, "văn bản đã lập"),
               (DocumentTemplate, "mẫu văn bản"))


class Command(BaseCommand):
    help = ("Đối chiếu tệp đính kèm trên đĩa với cơ sở dữ liệu: tệp mồ côi và tệp bị thiếu "
            "(--fix: xóa tệp mồ côi).")

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Xóa các tệp mồ côi.")
        parser.add_argument("--min-age", type=float, default=60, metavar="PHÚT",
                            help="Chỉ xóa tệp mồ côi cũ hơn số phút này (mặc định 60).")

    def handle(self, *args, fix, min_age, **options):
        root = Path(settings.MEDIA_ROOT)
        on_disk = {path.relative_to(root).as_posix(): path
                   for path in root.rglob("*") if path.is_file()} if root.exists() else {}
        known = set()
        missing = []
        for model, label in FILE_OWNERS:
            for pk, name in model.objects.values_list("pk", "file").iterator():
                known.add(name)
                if name not in on_disk:
                    missing.append((label, pk, name))
        orphans = sorted(set(on_disk) - known)
        removed = 0
        oldest_kept = time.time() - min_age * 60
        for name in orphans:
            path = on_disk[name]
            if fix and path.stat().st_mtime < oldest_kept:
                path.unlink(missing_ok=True)
                removed += 1
                self.stdout.write(f"Đã xóa tệp mồ côi: {name}")
            else:
                self.stdout.write(f"Tệp mồ côi (không có dòng nào trỏ tới): {name}")
        for label, pk, name in missing:
            self.stdout.write(f"Thiếu tệp của {label} #{pk}: {name}")
        self.stdout.write(f"{len(on_disk)} tệp trên đĩa, {len(known)} tệp có dòng trỏ tới; "
                          f"{len(orphans)} tệp mồ côi ({removed} đã xóa), "
                          f"{len(missing)} tệp bị thiếu.")
        if len(orphans) > removed or missing:
            raise SystemExit(1)
