"""`python manage.py restore FILE [--replace]`: bring an archive made by `backup` back
into an empty install (casework.backup.restore), then check it: the audit chains
(`verify_audit`), the archive's chain anchors and the row counts of its manifest. Exit
status 0 only when all of them agree. Stop the site (web, worker, sweep) first."""
from datetime import datetime
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from casework.backup.restore import restore
from casework.backup.snapshot import BackupError
from casework.formatting import count_text
from casework.management.commands.verify_audit import describe


class Command(BaseCommand):
    help = ("Phục hồi một bản sao lưu vào bản cài đặt trống rồi kiểm tra tính toàn vẹn "
            "nhật ký (verify_audit) và mốc kiểm chứng.")

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="tệp sao lưu do lệnh backup tạo")
        parser.add_argument("--replace", action="store_true",
                            help="cho phép thay toàn bộ dữ liệu đang có bằng bản sao lưu")

    def handle(self, *args, file, replace, **options):
        try:
            result = restore(file, replace=replace)
        except BackupError as exc:
            raise CommandError(f"Chưa phục hồi: {exc}") from None
        except DatabaseError as exc:
            raise CommandError(f"Chưa phục hồi: không làm việc được với cơ sở dữ liệu đang cấu "
                               f"hình ({exc}). Trên PostgreSQL, tạo trước một cơ sở dữ liệu "
                               "trống (createdb) đúng như DATABASE_URL.") from None
        made = timezone.localtime(datetime.fromisoformat(result.manifest["created_at"]))
        made = made.strftime("%d/%m/%Y %H:%M")
        self.stdout.write(f"Đã phục hồi bản sao lưu {file} (tạo lúc {made}): "
                          f"{count_text(result.files)} tệp vào thư mục tệp đính kèm.")
        problems = 0
        for label, (expected, now) in result.counts.items():
            if expected != now:
                problems += 1
                name = apps.get_model(label)._meta.verbose_name_plural
                self.stdout.write(f"Số bản ghi “{name}”: danh mục ghi {count_text(expected)}, "
                                  f"sau phục hồi có {count_text(now)}.")
        for b in result.anchor_breaks:
            problems += 1
            self.stdout.write(describe(b))
        out = StringIO()
        try:
            call_command("verify_audit", stdout=out)
        except CommandError as exc:
            self.stdout.write(out.getvalue().rstrip())
            raise CommandError(f"Đã phục hồi nhưng kiểm tra nhật ký không đạt: {exc}") from None
        self.stdout.write(out.getvalue().rstrip())
        if problems:
            raise CommandError(f"Đã phục hồi nhưng có {problems} sai lệch so với bản sao lưu.")
        self.stdout.write(f"Số bản ghi khớp danh mục; {count_text(result.anchors)} điểm cuối "
                          "chuỗi nhật ký khớp mốc kiểm chứng của bản sao lưu.")
