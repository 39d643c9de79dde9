"""`python manage.py check_health`: for monitoring (cron, Nagios, a scheduled task).

Exit status 0 when the deadline sweep finished within SWEEP_STALE_AFTER seconds, 1 when it
did not (or never ran), with one line saying which; a database that cannot be reached fails
the command too (non-zero, with Django's error).
"""
from django.core.management.base import BaseCommand

from casework.formatting import datetime_text
from workflows.health import sweep_health


class Command(BaseCommand):
    help = "Kiểm tra quét hạn còn chạy không (mã thoát 0: bình thường, 1: đã ngừng)."

    def handle(self, *args, **options):
        health = sweep_health(cached=False)
        limit = int(health.stale_after.total_seconds())
        if health.last_at is None:
            self.stderr.write("LỖI: quét hạn chưa chạy lần nào trên cơ sở dữ liệu này.")
            raise SystemExit(1)
        ago = int((health.checked_at - health.last_at).total_seconds())
        when = datetime_text(health.last_at, seconds=True)
        if health.stale:
            self.stderr.write(
                f"LỖI: quét hạn chưa chạy từ {when} ({ago} giây trước, quá {limit} giây).")
            raise SystemExit(1)
        self.stdout.write(f"OK: quét hạn chạy xong lúc {when} ({ago} giây trước).")
