"""`python manage.py backup FILE [--keep N] [--wait SECONDS]`: write one archive of the
install (database snapshot, the stored files it refers to, audit chain anchors, manifest;
see casework.backup). Safe while the site is in use. FILE may hold strftime fields
(`casework-%Y%m%d.tar`), or be a folder (the archive is then `casework-<date time>.tar`
in it), so a scheduled run names each archive by its date. Exit status 0 when complete;
1 when the archive was written but a referenced file was missing from MEDIA_ROOT (listed;
the older archives are then kept); an error leaves no file behind."""
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from casework.backup import archive
from casework.backup.snapshot import BackupError
from casework.formatting import count_text
from casework.signals import backup_written

DATED = "casework-%Y%m%d-%H%M%S.tar"


def size_text(size):
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " MB"


class Command(BaseCommand):
    help = ("Sao lưu cơ sở dữ liệu, tệp đính kèm và mốc kiểm chứng nhật ký vào một tệp "
            "(chạy được khi mọi người đang làm việc).")

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE",
                            help="tệp sao lưu sẽ ghi (.tar), có thể chứa %%Y %%m %%d %%H %%M; hoặc "
                                 "một thư mục: tệp casework-<ngày giờ>.tar trong đó")
        parser.add_argument("--keep", type=int, metavar="N",
                            help="sau khi sao lưu thành công, chỉ giữ N bản sao lưu mới nhất "
                                 "trong cùng thư mục (xóa các bản cũ hơn)")
        parser.add_argument("--wait", type=float, default=10, metavar="GIÂY",
                            help="chờ tối đa bấy nhiêu giây cho tệp vừa ghi chưa có trên đĩa "
                                 "(mặc định 10)")

    def handle(self, *args, file, keep, wait, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep phải từ 1 trở lên.")
        now = timezone.localtime()
        # A folder: the archive is named by the date, so a scheduler needs no % escapes.
        path = os.path.abspath(os.path.join(file, now.strftime(DATED)) if os.path.isdir(file)
                               else now.strftime(file))
        if os.path.exists(path):
            raise CommandError(f"Tệp {path} đã có: chọn tên khác (không ghi đè bản sao lưu).")
        try:
            manifest = archive.write(path, wait_seconds=min(max(wait, 0), 3600))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            raise CommandError(f"Chưa sao lưu được: cơ sở dữ liệu báo lỗi ({exc}); không để lại "
                               "tệp dở dang.") from None
        counts = manifest["counts"]
        self.stdout.write(
            f"Đã sao lưu vào {path} ({size_text(os.path.getsize(path))}): "
            f"{count_text(counts.get('casework.petition', 0))} đơn, "
            f"{count_text(counts.get('casework.caseevent', 0))} sự kiện, "
            f"{count_text(manifest['files'])} tệp.")
        missing = manifest["missing_files"]
        if missing:
            for name in missing:
                self.stderr.write(f"Thiếu tệp (có bản ghi trỏ tới nhưng không có trên đĩa): {name}")
            self.stderr.write(f"Bản sao lưu đã ghi nhưng thiếu {count_text(len(missing))} tệp; "
                              "các bản sao lưu cũ được giữ nguyên. Chạy check_files để xem.")
            raise SystemExit(1)
        try:
            backup_written.send(sender=self.__class__, path=path)
        except DatabaseError as exc:
            # The archive is complete; only its mark for the health report was not saved
            # (the database busy with writers past its timeout). The next backup saves it.
            self.stderr.write(f"Bản sao lưu đã ghi đủ; chưa ghi được mốc thời gian sao lưu "
                              f"cho báo cáo tình trạng ({exc}).")
        if keep:
            for old in archive.prune(path, keep):
                self.stdout.write(f"Đã xóa bản sao lưu cũ: {old}")
