"""`python manage.py clean_exports`: delete register exports past EXPORT_KEEP_HOURS and the
part files of runs that died; run again the exports whose worker stopped. Beat does the
same every hour and every minute (casework.tasks); cron or the Windows scheduler can call
this instead."""
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from casework.services.export_jobs import clean_files, recover_stale


class Command(BaseCommand):
    help = "Xóa tệp xuất sổ đơn thư đã hết hạn tải, chạy lại lượt xuất bị gián đoạn."

    def handle(self, *args, **options):
        expired, deleted = clean_files()
        again = recover_stale()
        self.stdout.write(
            _("Hết hạn: %(expired)s lượt; xóa %(deleted)s tệp; chạy lại %(again)s lượt.")
            % {"expired": expired, "deleted": deleted, "again": again})
