"""`python manage.py health`: for monitoring (cron, casework-health.timer, Nagios).

One line per part (database, broker, deadline sweep, notices, worker, backup) with its state, and
exit status 0 when every part is fine, 1 when any is down or stale (config/health.py says
what stale means). Lives in notifications, the app that may read both the sweep's
heartbeat and the outbox.
"""
from django.core.management.base import BaseCommand

from casework.formatting import datetime_text
from config.health import read_health


def _at(moment):
    return datetime_text(moment, seconds=True) if moment else "chưa lần nào"


class Command(BaseCommand):
    help = ("Kiểm tra cơ sở dữ liệu, hàng đợi, quét hạn, thông báo chờ gửi và tiến trình "
            "nền (mã thoát 0: bình thường, 1: có phần ngừng hoặc chậm).")

    def handle(self, *args, **options):
        health = read_health()
        wait = health.notice_wait
        lines = [
            (health.database, "Cơ sở dữ liệu: " + ("kết nối được" if health.database
                                                  else "KHÔNG kết nối được")),
            (health.broker != "down", "Hàng đợi (Redis): " + {
                "ok": "kết nối được", "down": "KHÔNG kết nối được",
                "none": "không dùng (việc nền chạy ngay trong máy chủ web)"}[health.broker]),
            (not health.sweep_stale, f"Quét hạn: chạy xong lần cuối lúc {_at(health.sweep_at)}"
             + (" (QUÁ CHẬM)" if health.sweep_stale else "")),
            (not health.notices_stale,
             "Thông báo chờ gửi: " + (f"lâu nhất đã chờ {int(wait.total_seconds())} giây"
                                      if wait else "không có")
             + (" (QUÁ LÂU)" if health.notices_stale else "")),
        ]
        if health.broker != "none":
            lines.append((not health.worker_stale, "Tiến trình nền (worker): việc cuối "
                          f"chạy xong lúc {_at(health.worker_at)}"
                          + (" (QUÁ CHẬM)" if health.worker_stale else "")))
        if health.backup_checked:
            lines.append((not health.backup_stale, "Sao lưu: bản đầy đủ cuối cùng lúc "
                          f"{_at(health.backup_at)}"
                          + (" (QUÁ CŨ)" if health.backup_stale else "")))
        for fine, text in lines:
            (self.stdout if fine else self.stderr).write(("OK: " if fine else "LỖI: ") + text)
        if not health.ok:
            raise SystemExit(1)
