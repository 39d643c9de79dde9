"""`python manage.py sweep_deadlines [--loop SECONDS]`

Fires the escalation rungs that have fallen due (see workflows.sweep). Production runs it
through Celery beat every minute; cron can call it instead; the embedded single-PC install
(bin/run, `manage.py serve`) keeps it running with --loop 60 as its own supervised process
beside the web server. Safe to run while another sweep runs.

With --loop, one failed pass never ends the loop: a database that is restarting, a SQLite
file locked past its busy timeout, or any other error is logged, the connection dropped,
and the pass tried again after a pause that starts at 1 s and doubles, but never exceeds
the loop's own interval, so sweeping resumes at the latest one interval after the
database is back. (The supervisor still restarts a loop that dies some other way.)
"""
import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.utils import timezone

from casework.formatting import count_text, datetime_text
from workflows.sweep import sweep

log = logging.getLogger("casework.sweep")


def retry_pause(failures, interval):
    """Seconds to wait after the `failures`-th failed pass in a row: 1, 2, 4 … ≤ interval."""
    return min(2 ** (failures - 1), interval)


def drop_connections():
    """Forget connections a failed pass may have left broken; the next pass opens new ones."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # already gone with the server: nothing left to close
            pass


class Command(BaseCommand):
    help = "Phát các cảnh báo thời hạn đã đến mốc (nhắc trước hạn, đến hạn, quá hạn)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, metavar="GIÂY", default=0,
                            help="Chạy lặp lại sau mỗi số giây này (0: chạy một lần).")

    def handle(self, *args, loop, **options):
        if not loop:
            self.report(sweep())
            return
        failures = 0
        while True:
            try:
                fired = sweep()
            except Exception as error:  # noqa: BLE001 (one failed pass never ends the loop)
                failures += 1
                pause = retry_pause(failures, loop)
                log.warning("Quét hạn lỗi (lần %d liên tiếp): %s; thử lại sau %g giây.",
                            failures, error, pause, exc_info=failures == 1)
                self.stderr.write(f"{datetime_text(timezone.now(), seconds=True)}: quét hạn lỗi "
                                  f"(lần {failures} liên tiếp): {error}; thử lại sau "
                                  f"{pause} giây.")
                drop_connections()
                time.sleep(pause)
                continue
            if failures:
                self.stdout.write(f"{datetime_text(timezone.now(), seconds=True)}: quét hạn chạy "
                                  f"lại bình thường sau {failures} lần lỗi.")
                failures = 0
            if fired:
                self.report(fired)
            close_old_connections()
            time.sleep(loop)

    def report(self, fired):
        self.stdout.write(f"{datetime_text(timezone.now())}: đã phát {count_text(fired)} cảnh "
                          "báo thời hạn.")
